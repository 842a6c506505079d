"""Where capture histories come from: the linkage part, and nothing else.

Published estimates use :func:`linkage_histories`, the person clusters of the latest linkage
run counted by register (``qorgau.linkage.selectors.capture_histories``) over the records the
registers supplied; latency never sees a person.

Estimates from the synthetic ground truth (the tables a perfect linkage would give) are an
evaluation tool of the ``synth`` part (``qorgau.synth.evaluation``), stored in its own table so
that nothing published can read them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from qorgau.linkage.selectors import CaptureHistories


class NoCaptureHistories(Exception):
    """No capture histories are available (e.g. linkage has not run); ``reason`` says why."""

    def __init__(self, reason: object) -> None:
        super().__init__(str(reason))
        self.reason = reason


def linkage_histories(years: Sequence[int] | None = None) -> list[CaptureHistories]:
    from qorgau.linkage import selectors

    histories = selectors.capture_histories(years=years)
    if not histories:
        raise NoCaptureHistories(
            _(
                "No linkage run has finished with capture histories for these years, so there "
                "is nothing to estimate from. Run the linkage first (qorgau linkage run)."
            )
        )
    return histories


def district_regions() -> dict[int, str]:
    """Every district version (past ones too) → today's region KATO code.

    A record keeps the district version of its day; estimates are made on today's map, so a
    record of a district that has since moved counts in the region that district is in now.
    """
    from qorgau.territory.models import Territory
    from qorgau.territory.services import territory_scope_ids

    mapping: dict[int, str] = {}
    for region in Territory.objects.current().regions():
        for pk in territory_scope_ids(region):
            mapping[pk] = region.kato_code
    return mapping
