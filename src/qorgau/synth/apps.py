from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthConfig(AppConfig):
    name = "qorgau.synth"
    verbose_name = _("Synthetic data")

    def ready(self) -> None:
        """Plug the generator in from its side: nothing outside this part imports it.

        The parts above the registry are found through their ``synthesis`` modules, and
        linkage gets the synthetic truth through its evaluation hook; monitoring learns the
        scale of the synthetic sample, so that its rates use the population it stands for.
        """
        from qorgau.linkage.evaluation import truth_lookup_register
        from qorgau.monitoring.population import population_scale_register
        from qorgau.synth.parts import parts_discover
        from qorgau.synth.services import linkage_truth, synth_scale

        parts_discover()
        truth_lookup_register(linkage_truth)
        population_scale_register(synth_scale)
