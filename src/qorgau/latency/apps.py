from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LatencyConfig(AppConfig):
    name = "qorgau.latency"
    verbose_name = _("Hidden violence")

    def ready(self) -> None:
        # Monitoring sits below latency and never imports it: latency hands it the estimates.
        from qorgau.latency.selectors import estimate_cells
        from qorgau.monitoring.measures import estimate_provider_register

        estimate_provider_register("estimated_true_victims", estimate_cells)
