from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "qorgau.programs"
    verbose_name = _("Psychocorrection programmes")

    def ready(self) -> None:
        """Feed the monitoring indicators of M6 (monitoring must not import this part)."""
        from qorgau.monitoring.measures import ADDITIVE_MEASURES, MEASURE_FIELDS
        from qorgau.monitoring.measures import MEASURES as MONITORING_MEASURES
        from qorgau.programs.measures import MEASURES, counted_records_register

        for name, generator in MEASURES.items():
            MONITORING_MEASURES[name] = generator
            MEASURE_FIELDS.setdefault(name, set())
            ADDITIVE_MEASURES.add(name)  # each row weighs 1 and counts on its own day
        counted_records_register()
