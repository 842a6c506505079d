from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qorgau.monitoring.periods import PeriodError, period_parse
from qorgau.reports.models import ReportFormat, ReportKind, ReportLanguage
from qorgau.territory.models import Territory


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    region = forms.ModelChoiceField(
        label=_("Region (for a region passport)"),
        queryset=Territory.objects.none(),
        to_field_name="kato_code",
        required=False,
    )
    period = forms.CharField(
        label=_("Period"), max_length=7, help_text=_("2024, 2024Q4 or 2024-10")
    )
    language = forms.ChoiceField(label=_("Language"), choices=ReportLanguage.choices)
    format = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices)

    def __init__(self, *args: Any, region: Territory | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Territory.objects.current().regions()
        if region is not None:
            # A region-scoped user asks only for the passport of his or her region.
            kind = self.fields["kind"]
            assert isinstance(kind, forms.ChoiceField)
            kind.choices = [(ReportKind.REGION, ReportKind.REGION.label)]
            regions = regions.filter(kato_code=region.kato_code)
            self.fields["region"].required = True
            self.fields["region"].initial = region.kato_code
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def clean_period(self) -> str:
        try:
            return period_parse(self.cleaned_data["period"]).code
        except PeriodError as exc:
            raise forms.ValidationError(
                _("Write a year (2024), a quarter (2024Q4) or a month (2024-10).")
            ) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ReportKind.REGION and not data.get("region"):
            self.add_error("region", _("Choose the region of the passport."))
        return data
