"""Forms of the notification pages: they validate input only; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.lib.widgets import DateInput
from qorgau.notices.models import (
    DEFAULT_ENDING_DAYS,
    LANGUAGES,
    Channel,
    EventKind,
    NoticeSubscription,
)


class TimeInput(forms.TimeInput):
    """The browser's time input, which takes ``HH:MM`` only (as lib.widgets does for dates)."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


class SubscriptionForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel she chose as safe"), choices=Channel.choices, widget=forms.RadioSelect
    )
    contact = forms.CharField(
        label=_("Her number or Telegram name"),
        max_length=60,
        help_text=_("Only a number or account she alone reads. Stored encrypted."),
    )
    language = forms.ChoiceField(label=_("Language of the texts"), choices=LANGUAGES)
    events = forms.MultipleChoiceField(
        label=_("She wants to hear when"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    explicit_wording = forms.BooleanField(
        label=_("The texts may name what happened"),
        required=False,
        help_text=_(
            "Leave unticked unless she asked for it: neutral texts speak of “your "
            "appointment” and “your request” only."
        ),
    )
    ending_days = forms.IntegerField(
        label=_("Warn this many days before an end"),
        min_value=1,
        max_value=30,
        initial=DEFAULT_ENDING_DAYS,
    )
    quiet_from = forms.TimeField(label=_("No messages from"), required=False, widget=TimeInput())
    quiet_until = forms.TimeField(label=_("No messages until"), required=False, widget=TimeInput())
    callback_phone = forms.CharField(
        label=_("Number she may call"),
        max_length=30,
        help_text=_("The centre's number that every text gives her to call."),
    )
    opted_in_on = forms.DateField(label=_("She agreed on"), widget=DateInput())

    def __init__(
        self,
        *args: Any,
        subscription: NoticeSubscription | None = None,
        contact: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opted_in_on"].initial = timezone.localdate()
        self.fields["events"].initial = list(EventKind.values)
        self.fields["channel"].initial = Channel.SMS
        if subscription is None:
            return
        for name in (
            "channel",
            "language",
            "events",
            "explicit_wording",
            "ending_days",
            "quiet_from",
            "quiet_until",
            "callback_phone",
            "opted_in_on",
        ):
            self.fields[name].initial = getattr(subscription, name)
        self.fields["contact"].initial = contact


class StopForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
