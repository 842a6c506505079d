from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "qorgau.reports"
    verbose_name = _("Periodic reports")

    def ready(self) -> None:
        # Registering the section providers (monitoring now; other parts as they land).
        from qorgau.reports import extra_sections, monitoring_sections  # noqa: F401
