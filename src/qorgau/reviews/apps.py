from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "qorgau.reviews"
    verbose_name = _("Serious-case reviews")

    def ready(self) -> None:
        # Monitoring never imports this part: the findings' measures are handed to it here.
        from qorgau.registry.signals import records_stored
        from qorgau.reviews.measures import register
        from qorgau.reviews.opening import incidents_stored

        register()
        # Imports and registrations open the reviews they owe at once (see opening.py).
        records_stored.connect(incidents_stored, dispatch_uid="reviews.opening.incidents_stored")
