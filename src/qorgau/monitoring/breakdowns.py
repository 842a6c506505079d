"""A stored breakdown ("source_channel=call_102") in the reader's words.

Values are stored by field and code so that they stay the same in every language and in the
open data; pages show the field's name and the choice's label instead ("How it reached the
police: call to 102"), translated.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.registry.models import Incident, IncidentParticipant, Person

AGE_GROUP = gettext_lazy("age group")
UNKNOWN = "unknown"  # measures.py's value for a missing sex, age or relationship


def _fields() -> dict[str, Field[Any, Any]]:
    """The registry fields the catalogue breaks figures down by, by name."""
    return {
        "sex": Person._meta.get_field("sex"),
        "relationship": IncidentParticipant._meta.get_field("relationship"),
        "settlement_type": Incident._meta.get_field("settlement_type"),
        "source_channel": Incident._meta.get_field("source_channel"),
    }


def breakdown_label(breakdown: str) -> str:
    """``name=value`` as "Name: label"; the total ("") stays empty."""
    if not breakdown:
        return ""
    name, _sep, value = breakdown.partition("=")
    field = _fields().get(name)
    if field is None:
        heading = str(AGE_GROUP) if name == "age_group" else name.replace("_", " ")
        shown = value
    else:
        heading = str(field.verbose_name)
        shown = str(dict(field.flatchoices).get(value, value))
    if value == UNKNOWN:
        shown = _("unknown")
    return f"{capfirst(heading)}: {shown}"
