"""The upload form of the import page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from qorgau.registry.importing.jobs import MAX_UPLOAD_BYTES, upload_problem
from qorgau.registry.models import ImportJob


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportJob.Kind.choices)
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Interpolated here, not at import, so that it is translated into the active language.
        self.fields["file"].help_text = _("CSV (UTF-8) or Excel .xlsx, up to %(limit)s MB.") % {
            "limit": MAX_UPLOAD_BYTES // (1024 * 1024)
        }

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        problem = upload_problem(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload
