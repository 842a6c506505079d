"""Date inputs for every form and filter of the project.

The browser's ``<input type="date">`` (and ``datetime-local``) takes ISO values only. Django
renders a date in the page's language ("07.12.2026" in Kazakh and Russian), which such an
input silently drops: an initial or re-displayed date showed empty, and an optional date saved
from an edit page was cleared. These widgets always write the ISO form.
"""

from __future__ import annotations

from typing import Any

from django import forms

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)
