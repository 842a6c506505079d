from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "qorgau.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from qorgau.monitoring import recount, synthesis
        from qorgau.monitoring.measures import counted_records_register
        from qorgau.synth.parts import part_register

        part_register("monitoring", synthesise=synthesis.synthesise, clear=synthesis.clear)
        counted_records_register()
        recount.connect()
