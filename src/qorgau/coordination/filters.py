"""Filter sets shared by the pages and the API."""

from __future__ import annotations

import django_filters as df
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from qorgau.coordination.models import (
    Decision,
    ItemStatus,
    Referral,
    ReferralStatus,
    SafetyAction,
)


@extend_schema_field(OpenApiTypes.STR)
class _ItemStatusFilter(df.ChoiceFilter):
    """Decisions and actions share one choice set: a plain string in the schema."""


class ActionFilterSet(df.FilterSet):
    status = _ItemStatusFilter(choices=ItemStatus.choices, label=_("status"))
    deadline_before = df.DateFilter(field_name="deadline", lookup_expr="lte", label=_("due by"))

    class Meta:
        model = SafetyAction
        fields = ["status", "owner"]


class DecisionFilterSet(df.FilterSet):
    status = _ItemStatusFilter(choices=ItemStatus.choices, label=_("status"))
    deadline_before = df.DateFilter(field_name="deadline", lookup_expr="lte", label=_("due by"))

    class Meta:
        model = Decision
        fields = ["status", "owner", "meeting"]


class ReferralFilterSet(df.FilterSet):
    status = df.ChoiceFilter(choices=ReferralStatus.choices, label=_("status"))
    sent_after = df.DateFilter(field_name="sent_at", lookup_expr="date__gte", label=_("sent from"))

    class Meta:
        model = Referral
        fields = ["status", "kind", "sender", "receiver"]
