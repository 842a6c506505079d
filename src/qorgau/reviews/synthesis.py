"""Synthetic serious-case reviews: the reviews the synthetic country's deaths and grave harms owe.

Nothing is invented here: the part runs the very job a deployment runs after its imports
(:func:`~qorgau.reviews.opening.review_open_for_new_cases`) up to the last day simulated, after
the registry's, coordination's, programmes' and citizens' synthetic data (``INSTALLED_APPS``
puts this part after them), so that each timeline holds what they wrote. Findings are the
panel's judgement and are not generated. ``clear`` removes the reviews of synthetic incidents
first, since a review keeps its incident and persons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from qorgau.reviews.models import SeriousCaseReview, TimelineEntry
from qorgau.reviews.opening import review_open_for_new_cases

SOURCE = "synth"


def synthesise(*, seed: int, progress: Callable[[str], Any] | None = None) -> dict[str, int]:
    from qorgau.synth.models import SynthRun

    run = SynthRun.objects.order_by("-pk").first()
    if run is None:
        return {"reviews": 0, "timeline_entries": 0}
    clear()
    opened = review_open_for_new_cases(as_of=run.last_day)
    entries = TimelineEntry.objects.filter(review__in=[r.pk for r in opened]).count()
    return {"reviews": len(opened), "timeline_entries": entries}


def clear() -> None:
    with transaction.atomic():
        SeriousCaseReview.objects.filter(incident__source=SOURCE).delete()
