"""Forms of the programme pages: they validate input only; the services decide and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import Organisation
from qorgau.lib.widgets import DateInput
from qorgau.programs.models import (
    Accreditation,
    DropOutReason,
    Ownership,
    Programme,
    ProgrammeFormat,
    SafetyFeeling,
)
from qorgau.registry import choices as c
from qorgau.registry.importing.jobs import TOO_LARGE

DATE = DateInput()
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]


def _today() -> Any:
    return timezone.localdate()


class ProviderForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation")
    )
    ownership = forms.ChoiceField(choices=Ownership.choices, label=_("Ownership"))
    accreditation = forms.ChoiceField(choices=Accreditation.choices, label=_("Accreditation"))
    accredited_from = forms.DateField(label=_("Accredited from"), required=False, widget=DATE)
    accredited_until = forms.DateField(label=_("Accredited until"), required=False, widget=DATE)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    curriculum = forms.CharField(label=_("Curriculum"), widget=forms.Textarea, required=False)
    sessions = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=200)
    format = forms.ChoiceField(choices=ProgrammeFormat.choices, label=_("Format"))
    languages = forms.MultipleChoiceField(
        choices=LANGUAGES, label=_("Languages"), widget=forms.CheckboxSelectMultiple
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)
    accreditation = forms.ChoiceField(choices=Accreditation.choices, label=_("Accreditation"))
    accredited_until = forms.DateField(label=_("Accredited until"), required=False, widget=DATE)
    is_active = forms.BooleanField(label=_("Running"), required=False, initial=True)


class EnrolForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.none(), label=_("Programme"))
    on = forms.DateField(label=_("Date"), initial=_today, widget=DATE)

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]


class DayForm(forms.Form):
    on = forms.DateField(label=_("Date"), initial=_today, widget=DATE)


class AttendanceForm(forms.Form):
    held_on = forms.DateField(label=_("Date of the session"), initial=_today, widget=DATE)
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)
    reason = forms.CharField(label=_("Reason for missing"), max_length=300, required=False)


class DropOutForm(forms.Form):
    on = forms.DateField(label=_("Date"), initial=_today, widget=DATE)
    reason = forms.ChoiceField(choices=DropOutReason.choices, label=_("Reason"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PartnerReportForm(forms.Form):
    consent_given_on = forms.DateField(label=_("Consent given on"), widget=DATE)
    reported_on = forms.DateField(label=_("Reported on"), initial=_today, widget=DATE)
    feeling = forms.ChoiceField(choices=SafetyFeeling.choices, label=_("Safety"))
    abuse_since_start = forms.BooleanField(
        label=_("Abuse since the programme started"), required=False
    )
    text = forms.CharField(label=_("Her words"), widget=forms.Textarea, required=False)


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", _("Record as a violation")), ("dismiss", _("No violation"))],
        label=_("Decision"),
    )
    sanction = forms.ChoiceField(
        choices=c.Sanction.choices, label=_("Sanction"), initial=c.Sanction.NONE
    )


MAX_UPLOAD = 20 * 1024 * 1024  # a region's attendance for years fits in a few MB


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Attendance file (.csv or .xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD:
            raise forms.ValidationError(TOO_LARGE % {"limit": MAX_UPLOAD // (1024 * 1024)})
        return upload
