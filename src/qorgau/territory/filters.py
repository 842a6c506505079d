from __future__ import annotations

import datetime as dt
from typing import cast

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from qorgau.lib.widgets import DateInput
from qorgau.territory.models import Level, Territory, TerritoryQuerySet


class TerritoryFilterSet(django_filters.FilterSet):
    """Shared by the territory pages and ``/api/v1/territories/``.

    ``on`` shows the map as it was on a day (default: today), e.g. ``on=2021-12-31`` shows East
    Kazakhstan before Abai Region split off.
    """

    q = django_filters.CharFilter(method="search", label=_("Search"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"))
    parent = django_filters.NumberFilter(
        field_name="parent_id", label=_("Part of"), min_value=1, max_value=2**63 - 1
    )
    on = django_filters.DateFilter(method="valid_on", label=_("As of"), widget=DateInput())

    class Meta:
        model = Territory
        fields = ["q", "level", "parent", "on"]

    @property
    def qs(self) -> QuerySet[Territory]:
        queryset = super().qs
        if not (self.form.is_bound and self.form.is_valid() and self.form.cleaned_data.get("on")):
            queryset = cast(TerritoryQuerySet, queryset).valid_on(dt.date.today())
        return cast(QuerySet[Territory], queryset)

    def search(self, queryset: QuerySet[Territory], name: str, value: str) -> QuerySet[Territory]:
        return queryset.filter(
            Q(name_kk__icontains=value)
            | Q(name_ru__icontains=value)
            | Q(name_en__icontains=value)
            | Q(kato_code__startswith=value)
        )

    def valid_on(
        self, queryset: QuerySet[Territory], name: str, value: dt.date
    ) -> QuerySet[Territory]:
        return cast(TerritoryQuerySet, queryset).valid_on(value)
