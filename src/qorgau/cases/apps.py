from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "qorgau.cases"
    verbose_name = _("Survivor cases")
