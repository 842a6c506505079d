"""Forms of the review panel: they validate, the services act."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import Organisation
from qorgau.coordination.models import ItemStatus
from qorgau.lib.widgets import DateInput
from qorgau.reviews.models import FindingCode, Harm


class OpenForm(forms.Form):
    incident = forms.CharField(
        label=_("Incident"), max_length=20, help_text=_("Its reference, e.g. I-0000123.")
    )
    harm = forms.ChoiceField(label=_("Harm"), choices=Harm.choices)

    def clean_incident(self) -> int:
        value = self.cleaned_data["incident"].strip().upper().removeprefix("I-")
        if not value.isdigit():
            raise forms.ValidationError(_("Enter an incident reference such as I-0000123."))
        return int(value)


class FindingForm(forms.Form):
    code = forms.ChoiceField(label=_("Finding"), choices=FindingCode.choices)
    text = forms.CharField(
        label=_("What the panel found"), widget=forms.Textarea(attrs={"rows": 3})
    )


class RecommendationForm(forms.Form):
    text = forms.CharField(label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("Owner agency"), queryset=Organisation.objects.none())
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any agency of the country may own a recommendation: a death often teaches a ministry.
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(is_active=True).order_by("name")


class RecommendationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)
    progress_note = forms.CharField(label=_("Progress"), max_length=500, required=False)


class CloseForm(forms.Form):
    summary = forms.CharField(
        label=_("Published summary"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Anonymised: no names, only the references shown on the review."),
    )
