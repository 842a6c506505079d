"""One filter set for the auditor's page and the audit API.

``person`` answers "who saw person P-…": every opening, decryption (also in linkage review),
IIN match or search and refused attempt is written under the person itself
(``registry.person`` and its id), so one record's entries are its whole history.
``outside_scope`` lists the attempts the access layer refused.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.lib.widgets import DateInput


class AuditEntryFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label=_("User name")
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    object_type = django_filters.CharFilter(label=_("Record type"))
    object_id = django_filters.CharFilter(label=_("Record"))
    person = django_filters.CharFilter(method="filter_person", label=_("Person (P-…)"))
    outside_scope = django_filters.BooleanFilter(
        method="filter_outside_scope", label=_("Refused outside the user's scope")
    )
    date_from = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        label=_("To"),
        widget=DateInput(),
    )

    class Meta:
        model = AuditEntry
        fields = [
            "user",
            "action",
            "object_type",
            "object_id",
            "person",
            "outside_scope",
            "date_from",
            "date_to",
        ]

    def filter_person(
        self, queryset: QuerySet[AuditEntry], name: str, value: str
    ) -> QuerySet[AuditEntry]:
        """``P-000123``, ``p-123`` or ``123``: the entries under that person."""
        digits = value.strip().upper().removeprefix("P-").lstrip("0") or "0"
        if not digits.isdigit():
            return queryset.none()
        return queryset.filter(object_type="registry.person", object_id=str(int(digits)))

    def filter_outside_scope(
        self, queryset: QuerySet[AuditEntry], name: str, value: bool | None
    ) -> QuerySet[AuditEntry]:
        if value is None:
            return queryset
        refused = queryset.filter(details__outside_scope=True)
        return refused if value else queryset.exclude(pk__in=refused.values("pk"))
