from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetConfig(AppConfig):
    name = "qorgau.budget"
    verbose_name = _("Budget programme")

    def ready(self) -> None:
        from qorgau.budget.measures import measures_register

        measures_register()
