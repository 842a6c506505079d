from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "qorgau.coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        # Monitoring never imports this part: the measures are handed to it from here.
        from qorgau.coordination.measures import register

        register()
