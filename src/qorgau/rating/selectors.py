"""Who sees which runs and scorecards.

The national league table is open to every holder of VIEW_AGGREGATES (it is an aggregate of
aggregates); a user scoped below the country sees the scorecards of his or her own region and
of its districts only (an akimat coordinator sees the region's scorecard and the national
table), and district tables only of that region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from qorgau.rating.models import Level, RatingResult, RatingRun, RunStatus
from qorgau.territory.models import Level as TerritoryLevel
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


def user_region(user: Viewer) -> Territory | None:
    """The region a user works in; ``None`` for the whole country."""
    scope = getattr(user, "scope_territory", None)
    if scope is None or scope.level == TerritoryLevel.COUNTRY:
        return None
    region: Territory | None = scope if scope.level == TerritoryLevel.REGION else scope.parent
    return region


def runs_for(user: Viewer) -> QuerySet[RatingRun]:
    runs = RatingRun.objects.select_related("region", "method").order_by("-created_at", "-id")
    region = user_region(user)
    if region is None:
        return runs
    return runs.filter(level=Level.REGION) | runs.filter(level=Level.DISTRICT, region=region)


def may_see_scorecard(user: Viewer, territory: Territory) -> bool:
    region = user_region(user)
    return region is None or territory.pk == region.pk or territory.parent_id == region.pk


def latest_run(user: Viewer, level: str = Level.REGION) -> RatingRun | None:
    return runs_for(user).filter(status=RunStatus.DONE, level=level).first()


def league_table(run: RatingRun) -> list[RatingResult]:
    return list(run.results.select_related("territory").order_by("rank", "territory__kato_code"))
