from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "qorgau.coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        # Monitoring never imports this part: the measures are handed to it from here.
        from qorgau.coordination.measures import register

        register()
        from qorgau.coordination import synthesis
        from qorgau.synth.parts import part_register

        part_register("coordination", synthesise=synthesis.synthesise, clear=synthesis.clear)
