"""The registers and sexes of linked records in words: the stored codes are not for readers."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from qorgau.linkage.evaluation import POLICE
from qorgau.registry.choices import Sex
from qorgau.registry.models import Register

register = template.Library()

REGISTER_NAMES = {POLICE: _("police"), **dict(Register.choices)}


@register.filter
def register_name(code: object) -> str:
    """``line_111`` as "contact centre 111", in the reader's language (unknown codes as is)."""
    return str(REGISTER_NAMES.get(str(code), code))


@register.filter
def sex_name(code: object) -> str:
    """``F`` as "female", in the reader's language; empty when not recorded."""
    return str(dict(Sex.choices).get(str(code), code)) if code else ""


@register.filter
def region_name(code: object) -> str:
    """A region's KATO code as its name in the reader's language (unknown codes as is)."""
    from qorgau.territory.models import Territory

    region = Territory.objects.filter(kato_code=str(code or "")).order_by("-pk").first()
    return region.name if region else str(code or "—")
