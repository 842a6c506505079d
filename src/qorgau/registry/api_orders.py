"""The API of protective orders: issue, serve, check, extend, revoke, and the work lists."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import MANAGE_ORDERS
from qorgau.registry import choices as c
from qorgau.registry import selectors as s
from qorgau.registry import services
from qorgau.registry.api_common import (
    REGISTRY_PERMISSIONS,
    AuditedList,
    DistrictField,
    IncidentField,
    PersonField,
    audit_list,
    audit_view,
    district_from,
)
from qorgau.registry.filters import OrderFilterSet
from qorgau.registry.models import OrderCheckIn, OrderExtension, OrderViolation, ProtectiveOrder


class OrderCheckInOutputSerializer(serializers.ModelSerializer[OrderCheckIn]):
    class Meta:
        model = OrderCheckIn
        fields = ["id", "checked_on", "compliant", "note"]


class OrderViolationOutputSerializer(serializers.ModelSerializer[OrderViolation]):
    class Meta:
        model = OrderViolation
        fields = ["id", "occurred_on", "description", "sanction", "article"]


class OrderExtensionOutputSerializer(serializers.ModelSerializer[OrderExtension]):
    class Meta:
        model = OrderExtension
        fields = ["id", "decided_on", "new_end", "reason"]


class OrderOutputSerializer(serializers.ModelSerializer[ProtectiveOrder]):
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )
    status = serializers.SerializerMethodField()
    check_ins = OrderCheckInOutputSerializer(many=True, read_only=True)
    violations = OrderViolationOutputSerializer(many=True, read_only=True)
    extensions = OrderExtensionOutputSerializer(many=True, read_only=True)

    class Meta:
        model = ProtectiveOrder
        fields = [
            "id",
            "number",
            "incident",
            "district",
            "offender",
            "protected_persons",
            "issued_on",
            "served_on",
            "term_days",
            "ends_on",
            "check_interval_days",
            "next_check_due",
            "prohibitions",
            "legal_basis",
            "revoked_on",
            "revocation_reason",
            "status",
            "check_ins",
            "violations",
            "extensions",
        ]

    def get_status(self, order: ProtectiveOrder) -> str:
        """The state today: issued, active, extended, violated, revoked or expired."""
        return str(order.status_on(timezone.localdate()).value)


# --- Protective orders -----------------------------------------------------------------------


class OrderListApi(generics.ListCreateAPIView[ProtectiveOrder]):
    """Protective orders within scope; POST issues one (term and checks from the law)."""

    class OrderIssueInputSerializer(serializers.Serializer[Any]):
        incident = IncidentField(required=False, allow_null=True)
        district = DistrictField(required=False, allow_null=True)
        offender = PersonField()
        protected = PersonField(many=True)
        issued_on = serializers.DateField()
        served_on = serializers.DateField(required=False, allow_null=True)
        prohibitions = serializers.ListField(
            child=serializers.ChoiceField(choices=c.OrderProhibition.choices),
            default=[c.OrderProhibition.NO_CONTACT],
        )
        number = serializers.CharField(required=False, allow_blank=True, max_length=32)

    serializer_class = OrderOutputSerializer
    filterset_class = OrderFilterSet
    permission_classes = REGISTRY_PERMISSIONS
    write_permission = MANAGE_ORDERS

    def get_queryset(self) -> Any:
        return s.orders_for(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        audit_list(request, "registry.protectiveorder")
        return response

    @extend_schema(request=OrderIssueInputSerializer, responses={201: OrderOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.OrderIssueInputSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        incident = data.get("incident")
        order = services.order_issue(
            actor=account_of(request),
            request=request._request,
            district=district_from(data, incident),
            served_on=data.pop("served_on", None),
            **data,
        )
        order = s.orders_for(request.user).get(pk=order.pk)
        return Response(OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailApi(generics.RetrieveAPIView[ProtectiveOrder]):
    serializer_class = OrderOutputSerializer
    permission_classes = REGISTRY_PERMISSIONS

    def get_object(self) -> ProtectiveOrder:
        order = get_for_user(s.orders_for(self.request.user), self.request.user, self.kwargs["pk"])
        audit_view(self.request, order)
        return order


class _OrderActionApi(APIView, metaclass=ABCMeta):
    """POST one event on an order in scope; answers with the order as it now stands."""

    permission_classes = REGISTRY_PERMISSIONS
    write_permission = MANAGE_ORDERS
    input_serializer: type[serializers.Serializer[Any]]

    @abstractmethod
    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        """Record the event through the service; each action endpoint says which."""

    def post(self, request: Request, pk: int) -> Response:
        order = s.fresh_order(get_for_user(s.orders_for(request.user), request.user, pk))
        incoming = self.input_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        self.act(request, order, dict(incoming.validated_data))
        order = s.orders_for(request.user).get(pk=order.pk)
        return Response(OrderOutputSerializer(order).data)


class OrderServeApi(_OrderActionApi):
    class OrderServeInputSerializer(serializers.Serializer[Any]):
        served_on = serializers.DateField()

    input_serializer = OrderServeInputSerializer

    @extend_schema(request=OrderServeInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_serve(
            actor=account_of(request), request=request._request, order=order, **data
        )


class OrderCheckInApi(_OrderActionApi):
    class OrderCheckInInputSerializer(serializers.Serializer[Any]):
        checked_on = serializers.DateField()
        compliant = serializers.BooleanField(default=True)
        note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    input_serializer = OrderCheckInInputSerializer

    @extend_schema(request=OrderCheckInInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_check_in(
            actor=account_of(request), request=request._request, order=order, **data
        )


class OrderViolationApi(_OrderActionApi):
    class OrderViolationInputSerializer(serializers.Serializer[Any]):
        occurred_on = serializers.DateField()
        description = serializers.CharField(max_length=500)
        sanction = serializers.ChoiceField(choices=c.Sanction.choices, default=c.Sanction.NONE)

    input_serializer = OrderViolationInputSerializer

    @extend_schema(request=OrderViolationInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_violation_record(
            actor=account_of(request), request=request._request, order=order, **data
        )


class OrderExtendApi(_OrderActionApi):
    class OrderExtendInputSerializer(serializers.Serializer[Any]):
        decided_on = serializers.DateField()
        new_end = serializers.DateField()
        reason = serializers.CharField(max_length=300)

    input_serializer = OrderExtendInputSerializer

    @extend_schema(request=OrderExtendInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_extend(
            actor=account_of(request), request=request._request, order=order, **data
        )


class OrderRevokeApi(_OrderActionApi):
    class OrderRevokeInputSerializer(serializers.Serializer[Any]):
        revoked_on = serializers.DateField()
        reason = serializers.CharField(max_length=300)

    input_serializer = OrderRevokeInputSerializer

    @extend_schema(request=OrderRevokeInputSerializer, responses={200: OrderOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, order: ProtectiveOrder, data: dict[str, Any]) -> None:
        services.order_revoke(
            actor=account_of(request), request=request._request, order=order, **data
        )


_DAYS = OpenApiParameter("days", int, required=False, description="How many days ahead (7).")


class OrderExpiringApi(AuditedList):
    """Orders in force whose term ends within ``days`` (default 7)."""

    serializer_class = OrderOutputSerializer
    object_type = "registry.protectiveorder"
    filterset_class = None

    def get_queryset(self) -> Any:
        try:
            days = int(self.request.query_params.get("days", s.DEFAULT_EXPIRY_DAYS))
        except ValueError:
            days = s.DEFAULT_EXPIRY_DAYS
        return s.work_lists(self.request.user, days=max(0, min(days, 366))).expiring

    @extend_schema(parameters=[_DAYS])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrderCheckOverdueApi(AuditedList):
    """Orders in force whose police compliance check is overdue."""

    serializer_class = OrderOutputSerializer
    object_type = "registry.protectiveorder"
    filterset_class = None

    def get_queryset(self) -> Any:
        return s.work_lists(self.request.user).check_overdue
