from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "qorgau.citizens"
    verbose_name = _("Citizen portal")

    def ready(self) -> None:
        from qorgau.citizens import measures

        measures.register()
