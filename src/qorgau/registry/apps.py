from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "qorgau.registry"
    verbose_name = _("Case registry")
