from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qorgau.rating.methods import MethodError
from qorgau.rating.models import Level, RatingMethod
from qorgau.registry.importing.jobs import TOO_LARGE
from qorgau.territory.models import Territory


class RunForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.REGION)
    region = forms.ModelChoiceField(
        label=_("Region (for districts)"),
        queryset=Territory.objects.current().regions().order_by("kato_code"),
        required=False,
    )
    method = forms.ModelChoiceField(
        label=_("Method version"), queryset=RatingMethod.objects.all(), required=False
    )
    draws = forms.IntegerField(
        label=_("Monte Carlo draws"), min_value=0, max_value=100_000, required=False
    )
    seed = forms.IntegerField(label=_("Seed"), min_value=0, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("level") == Level.DISTRICT and not data.get("region"):
            self.add_error("region", _("Choose the region whose districts are rated."))
        return data


MAX_METHOD_BYTES = 1024 * 1024  # a method file is a few kilobytes


class MethodForm(forms.Form):
    upload = forms.FileField(label=_("Method file (YAML)"), required=False)

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload and (upload.size or 0) > MAX_METHOD_BYTES:
            raise forms.ValidationError(TOO_LARGE % {"limit": max(1, MAX_METHOD_BYTES >> 20)})
        return upload

    text = forms.CharField(
        label=_("or paste it here"), widget=forms.Textarea(attrs={"rows": 24}), required=False
    )
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)

    def method_text(self) -> str:
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                return str(upload.read().decode("utf-8"))
            except UnicodeDecodeError:
                raise MethodError("(file)", "the file is not UTF-8 text") from None
        return str(self.cleaned_data.get("text") or "")
