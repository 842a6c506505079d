"""One filter set for the auditor's page and the audit API."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from qorgau.audit.models import AuditAction, AuditEntry


class AuditEntryFilterSet(django_filters.FilterSet):
    user = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label=_("User name")
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    object_type = django_filters.CharFilter(label=_("Record type"))
    object_id = django_filters.CharFilter(label=_("Record"))
    date_from = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = ["user", "action", "object_type", "object_id", "date_from", "date_to"]
