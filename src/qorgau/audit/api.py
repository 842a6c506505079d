from __future__ import annotations

from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from qorgau.audit.filters import AuditEntryFilterSet
from qorgau.audit.models import AuditEntry


class CanBrowseAudit(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm("audit.browse_audit"))


class AuditEntryListApi(generics.ListAPIView[AuditEntry]):
    """The audit trail, newest first (auditors only)."""

    class AuditEntryOutputSerializer(serializers.ModelSerializer[AuditEntry]):
        class Meta:
            model = AuditEntry
            fields = [
                "position",
                "occurred_at",
                "actor_username",
                "ip_address",
                "action",
                "object_type",
                "object_id",
                "reason",
                "details",
                "seal",
            ]

    serializer_class = AuditEntryOutputSerializer
    queryset = AuditEntry.objects.all()
    filterset_class = AuditEntryFilterSet
    permission_classes = [*generics.ListAPIView.permission_classes, CanBrowseAudit]
