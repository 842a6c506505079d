"""Password rules Django does not ship: twelve characters of ``aaaaaaaaaaaa`` pass the length
check and are not in the common-password list, yet are guessed at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


class DistinctCharactersValidator:
    """Refuse a password made of too few different characters (``aaaa…``, ``abab…``)."""

    def __init__(self, min_distinct: int = 5) -> None:
        self.min_distinct = min_distinct

    def validate(self, password: str, user: Viewer = None) -> None:
        if len(set(password)) < self.min_distinct:
            raise ValidationError(
                ngettext(
                    "This password repeats the same characters: use at least %(min)d "
                    "different character.",
                    "This password repeats the same characters: use at least %(min)d "
                    "different characters.",
                    self.min_distinct,
                )
                % {"min": self.min_distinct},
                code="password_too_repetitive",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain at least %(min)d different characters.") % {
            "min": self.min_distinct
        }
