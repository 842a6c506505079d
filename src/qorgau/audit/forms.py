from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class AccessReasonForm(forms.Form):
    """Asked before a record reached outside the usual flow is shown."""

    REASONS = [
        ("casework", _("Case work assigned to me")),
        ("request", _("Request from a court or a prosecutor")),
        ("conference", _("Multi-agency case conference")),
        ("quality", _("Data quality check")),
        ("other", _("Other (explain below)")),
    ]
    reason = forms.ChoiceField(label=_("Why do you open this record?"), choices=REASONS)
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == "other" and not data.get("explanation", "").strip():
            self.add_error("explanation", _("Explain why you open this record."))
        return data

    def reason_text(self) -> str:
        label = str(dict(self.REASONS)[self.cleaned_data["reason"]])
        explanation = self.cleaned_data.get("explanation", "").strip()
        return f"{label}: {explanation}" if explanation else label
