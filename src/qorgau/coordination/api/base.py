"""What every coordination endpoint shares: who may use them, and how a workflow's refusal and
a list's read are answered and audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from qorgau.accounts.http import account_of
from qorgau.accounts.roles import ACT_FOR_AGENCY, KEEP_COORDINATING_BODY
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record


class CoordinationUser(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user and (user.has_perm(KEEP_COORDINATING_BODY) or user.has_perm(ACT_FOR_AGENCY))
        )


class Keeper(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(KEEP_COORDINATING_BODY))


USERS = [*APIView.permission_classes, CoordinationUser]
KEEPERS = [*APIView.permission_classes, Keeper]


def _run(action: Any) -> Any:
    try:
        return action()
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        ) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc) or None) from exc


def _audit_list(request: Request, object_type: str) -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request._request,
        actor=account_of(request),
        object_type=object_type,
        details={"list": True, "api": True, "filters": request.query_params.dict()},
    )


# --- Serializers ------------------------------------------------------------------------------


def _user_qs(view: Any, selector: Any, model: Any) -> Any:
    if getattr(view, "swagger_fake_view", False):
        return model.objects.none()
    return selector(view.request.user)


def get_for_user_or_404(queryset: Any, pk: int) -> Any:
    return get_object_or_404(queryset, pk=pk)
