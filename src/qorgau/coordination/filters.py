"""Filter sets shared by the pages and the API."""

from __future__ import annotations

from typing import Any

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


class ScopedFilterSet(df.FilterSet):
    """A filter set whose agency and meeting choices are only those the user's rows refer to.

    Listing every organisation and every meeting of the country put more than a thousand
    options on the page of a user who owns no decision, and let a choice name another body's
    meeting. The choices follow the queryset the view passes in (already narrowed by the access
    layer and the agency), so a value outside it is refused as an invalid choice.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = self.queryset.model
        for filter_ in self.filters.values():
            if isinstance(filter_, df.ModelChoiceFilter):
                field = model._meta.get_field(filter_.field_name)
                referred = self.queryset.order_by().values(field.attname)
                related = field.related_model._default_manager
                filter_.queryset = related.filter(pk__in=referred)


class ActionFilterSet(ScopedFilterSet):
    status = _ItemStatusFilter(choices=ItemStatus.choices, label=_("status"))
    deadline_before = df.DateFilter(field_name="deadline", lookup_expr="lte", label=_("due by"))

    class Meta:
        model = SafetyAction
        fields = ["status", "owner"]


class DecisionFilterSet(ScopedFilterSet):
    status = _ItemStatusFilter(choices=ItemStatus.choices, label=_("status"))
    deadline_before = df.DateFilter(field_name="deadline", lookup_expr="lte", label=_("due by"))

    class Meta:
        model = Decision
        fields = ["status", "owner", "meeting"]


class ReferralFilterSet(ScopedFilterSet):
    status = df.ChoiceFilter(choices=ReferralStatus.choices, label=_("status"))
    sent_after = df.DateFilter(field_name="sent_at", lookup_expr="date__gte", label=_("sent from"))

    class Meta:
        model = Referral
        fields = ["status", "kind", "sender", "receiver"]
