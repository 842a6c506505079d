"""The upload form of the import page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qorgau.registry.importing.jobs import MAX_UPLOAD_BYTES, upload_problem
from qorgau.registry.importing.permissions import kinds_for, registers_for
from qorgau.registry.importing.register_records import register_problem
from qorgau.registry.models import ImportJob, Register

if TYPE_CHECKING:
    from qorgau.accounts.models import User


_RECORDS = str(ImportJob.Kind.REGISTER_RECORDS)


class ImportUploadForm(forms.Form):
    """Offers only what ``user`` may import: the kinds, and for records the registers."""

    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
    register = forms.ChoiceField(
        label=pgettext_lazy("a register of records", "Register"),
        required=False,
        help_text=_("For records of other registers: the register the file comes from."),
    )
    source = forms.CharField(
        label=_("Source register"),
        max_length=40,
        help_text=_(
            "The register the file comes from. Rows are recognised by this name and their "
            "record number, so a file loaded again adds nothing twice."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = kinds_for(user)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (kind, label) for kind, label in ImportJob.Kind.choices if kind in kinds
        ]
        self._offer_registers(registers_for(user), only_records=kinds == [_RECORDS])
        # Interpolated here, not at import, so that it is translated into the active language.
        self.fields["file"].help_text = _("CSV (UTF-8) or Excel .xlsx, up to %(limit)s MB.") % {
            "limit": MAX_UPLOAD_BYTES // (1024 * 1024)
        }

    def _offer_registers(self, registers: list[str], *, only_records: bool) -> None:
        """The registers the user may import (no select when none); a crisis centre, whose
        only choice is its own register, finds it chosen."""
        if not registers:
            del self.fields["register"]
            return
        field = cast(forms.ChoiceField, self.fields["register"])
        field.choices = [("", "—")] + [
            (code, label) for code, label in Register.choices if code in registers
        ]
        if only_records and len(registers) == 1:
            field.initial = registers[0]

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        problem = upload_problem(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        cleaned["register"] = cleaned.get("register") or ""
        if kind:
            problem = register_problem(kind, cleaned["register"])
            if problem and "register" in self.fields:
                self.add_error("register", str(problem))
        return cleaned
