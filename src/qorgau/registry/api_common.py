"""The registry over the API: one thin view per operation, calling the same selectors, filter
sets and services as the pages. Reads need the personal-data permission; each write needs the
permission of its workflow (``accounts/roles.py``), checked here and again by the service.

This module holds what the endpoints of every record share: the permission, the audit of reads,
the steps around a POST that records one, the fields that name a record in input and its district
in output. The endpoints are in ``api_<records>.py``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import audit_refused
from qorgau.accounts.http import account_of
from qorgau.accounts.roles import VIEW_PERSONAL_DATA
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.registry import selectors as s
from qorgau.registry.models import Incident
from qorgau.territory.models import Territory

# --- Permissions -----------------------------------------------------------------------------


class RegistryPermission(BasePermission):
    """Reading needs the personal-data permission; writing (POST) also ``write_permission``."""

    write_permission: str | None = None

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.has_perm(VIEW_PERSONAL_DATA)):
            return False
        if request.method == "POST":
            needed = getattr(view, "write_permission", None) or self.write_permission
            return bool(needed and user.has_perm(needed))
        return True


_Record = TypeVar("_Record", bound=models.Model)

REGISTRY_PERMISSIONS = [*APIView.permission_classes, RegistryPermission]

# A reason for revealing identities must say something ("x" does not).
REASON_MIN_LENGTH = 5


def audit_list(request: Request, object_type: str) -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request._request,
        actor=account_of(request),
        object_type=object_type,
        details={"list": True, "api": True, "filters": request.query_params.dict()},
    )


def audit_view(request: Request, target: Any, reason: str = "") -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request._request,
        actor=account_of(request),
        target=target,
        reason=reason,
        details={"api": True},
    )


class AuditedList(generics.ListAPIView[Any]):
    """A list within the user's scope; reading it is recorded in the audit trail."""

    object_type = ""
    permission_classes = REGISTRY_PERMISSIONS

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        audit_list(request, self.object_type)
        return response


class AuditedListCreate(AuditedList, generics.ListCreateAPIView[Any]):
    """An audited list whose POST records one more through the record's service.

    Each endpoint keeps its own ``create``: its input serializer, its schema and the service
    it calls, which checks the scope, the permission and the law. These helpers are the steps
    around that call, the same for every record.
    """

    def validated(self, input_serializer: type[serializers.Serializer[Any]]) -> dict[str, Any]:
        """The request's input, checked; a fault is a 400 naming the field."""
        incoming = input_serializer(data=self.request.data, context={"request": self.request})
        incoming.is_valid(raise_exception=True)
        return dict(incoming.validated_data)

    def created(self, record: Any) -> Response:
        """The 201 answer: the new record as the list shows it."""
        serializer_class = self.get_serializer_class()
        return Response(serializer_class(record).data, status=status.HTTP_201_CREATED)


# A record as output, its district named by KATO code as the input names it. (A comment, not a
# docstring: drf-spectacular would give a docstring to every record's schema as its description.)
class InDistrictOutputSerializer(serializers.ModelSerializer[_Record]):
    district: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )


# --- References in input --------------------------------------------------------------------


class InScopeField(serializers.PrimaryKeyRelatedField[Any]):
    """A record named by id among those the user may name. Naming a stored one outside them
    is refused as an unknown id, and audited as an attempt (``access.audit_refused``)."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            queryset = self.get_queryset()
            if queryset is not None:
                audit_refused(queryset.model, self.context["request"].user, data)
            raise


class PersonField(InScopeField):
    """A person the user may name: in scope, or recorded by the user (not yet placed)."""

    def get_queryset(self) -> Any:
        return s.person_choices_for(self.context["request"].user)


class IncidentField(InScopeField):
    def get_queryset(self) -> Any:
        return s.incidents_for(self.context["request"].user)


class DistrictField(serializers.SlugRelatedField[Any]):
    """A district by KATO code; whether it is in the user's scope is the service's check."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="kato_code", **kwargs)

    def get_queryset(self) -> Any:
        return Territory.objects.current().districts()


def district_from(data: dict[str, Any], incident: Incident | None) -> Territory:
    district = data.pop("district", None) or (incident.district if incident else None)
    if district is None:
        raise ValidationError({"district": _("Give the district or the incident.")})
    return district
