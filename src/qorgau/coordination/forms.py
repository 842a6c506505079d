from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.models import Organisation
from qorgau.coordination.models import (
    ItemStatus,
    MeetingKind,
    MemberRole,
    ReferralKind,
    ReferralOutcome,
    SharingBasis,
)
from qorgau.lib.widgets import DateInput, DateTimeInput

DATE = DateInput()


class MemberForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.none(), label=_("agency"))
    role = forms.ChoiceField(choices=MemberRole.choices, label=_("role"))

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(choices=MeetingKind.choices, label=_("kind"))
    planned_at = forms.DateTimeField(
        label=_("planned for"),
        widget=DateTimeInput(),
    )
    place = forms.CharField(label=_("place"), required=False, max_length=300)
    agenda = forms.CharField(label=_("agenda"), required=False, widget=forms.Textarea)


class MeetingRecordForm(forms.Form):
    held_on = forms.DateField(label=_("held on"), widget=DATE)
    attendees = forms.ModelMultipleChoiceField(
        Organisation.objects.none(),
        label=_("agencies present"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    minutes = forms.CharField(label=_("minutes"), widget=forms.Textarea)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = organisations  # type: ignore[attr-defined]


class OwnedItemForm(forms.Form):
    """A decision or a safety action: what, which agency, by when."""

    text = forms.CharField(label=_("what is to be done"), max_length=500, widget=forms.Textarea)
    owner = forms.ModelChoiceField(Organisation.objects.none(), label=_("owner agency"))
    deadline = forms.DateField(label=_("deadline"), widget=DATE)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisations  # type: ignore[attr-defined]


class ItemUpdateForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (ItemStatus.IN_PROGRESS, ItemStatus.IN_PROGRESS.label),
            (ItemStatus.DONE, ItemStatus.DONE.label),
            (ItemStatus.CANCELLED, ItemStatus.CANCELLED.label),
        ],
        label=_("status"),
    )
    note = forms.CharField(label=_("progress"), max_length=500, required=False)


class CaseForm(forms.Form):
    sharing_basis = forms.ChoiceField(choices=SharingBasis.choices, label=_("basis for sharing"))
    sharing_reference = forms.CharField(
        label=_("legal reference or consent record"), max_length=400
    )
    summary = forms.CharField(label=_("summary of the risk"), required=False, widget=forms.Textarea)


class ReferralForm(forms.Form):
    kind = forms.ModelChoiceField(ReferralKind.objects.filter(is_active=True), label=_("kind"))
    sender = forms.ModelChoiceField(Organisation.objects.none(), label=_("referring agency"))
    receiver = forms.ModelChoiceField(Organisation.objects.none(), label=_("receiving agency"))
    reason = forms.CharField(label=_("what is asked"), max_length=500)
    sharing_basis = forms.ChoiceField(choices=SharingBasis.choices, label=_("basis for sharing"))
    sharing_reference = forms.CharField(
        label=_("legal reference or consent record"), max_length=400, required=False
    )

    def __init__(self, *args: Any, senders: Any, receivers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sender"].queryset = senders  # type: ignore[attr-defined]
        self.fields["receiver"].queryset = receivers  # type: ignore[attr-defined]


class ReferralAnswerForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("accept")), ("0", _("decline"))],
        coerce=lambda v: v == "1",
        label=_("answer"),
    )
    reason = forms.CharField(label=_("reason for declining"), max_length=500, required=False)


class ReferralOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=ReferralOutcome.choices, label=_("outcome"))
    note = forms.CharField(label=_("outcome note"), max_length=500, required=False)
