from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "qorgau.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from qorgau.monitoring import recount
        from qorgau.monitoring.measures import counted_records_register

        counted_records_register()
        recount.connect()
