from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "qorgau.programs"
    verbose_name = _("Psychocorrection programmes")

    def ready(self) -> None:
        """Feed the monitoring indicators of M6 (monitoring must not import this part)."""
        from qorgau.monitoring.measures import measure_register
        from qorgau.programs.measures import MEASURES, counted_records_register

        for name, generator in MEASURES.items():
            measure_register(name, generator)
        counted_records_register()
