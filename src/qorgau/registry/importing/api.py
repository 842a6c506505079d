"""The import API: upload an extract, then poll its job."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.api_permissions import SecondFactorVerified
from qorgau.accounts.http import account_of
from qorgau.registry.importing.jobs import job_create, job_visible_to, upload_problem
from qorgau.registry.importing.permissions import may_import, may_use_importer, refusal
from qorgau.registry.importing.register_records import register_problem
from qorgau.registry.models import ImportJob


class CanImport(BasePermission):
    """Police extracts (the import permission) or the records of a register the user keeps."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and may_use_importer(request.user))


class ImportJobOutputSerializer(serializers.ModelSerializer[ImportJob]):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "file_name",
            "source",
            "register",
            "status",
            "total_rows",
            "processed_rows",
            "accepted_rows",
            "rejected_rows",
            "percent",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportCreateApi(APIView):
    """Upload a register extract (multipart: kind, source, file; for ``register-records`` also
    register); 202 with the queued job, 403 for a kind or register the user may not import."""

    class InputSerializer(serializers.Serializer[Any]):
        kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
        # Free text, checked in validate(): its message names the registers allowed.
        register = serializers.CharField(
            max_length=40, required=False, allow_blank=True, default=""
        )
        file = serializers.FileField()

        def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
            # "source" is also an attribute of every DRF field: declared here, not on the class.
            fields = super().get_fields()
            fields["source"] = serializers.CharField(max_length=40)
            return fields

        def validate_file(self, upload: Any) -> Any:
            problem = upload_problem(upload)
            if problem:
                raise serializers.ValidationError(problem)
            return upload

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            problem = register_problem(attrs["kind"], attrs["register"])
            if problem:
                raise serializers.ValidationError({"register": str(problem)})
            return attrs

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated, SecondFactorVerified, CanImport]

    @extend_schema(request=InputSerializer, responses={202: ImportJobOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind, register = data.validated_data["kind"], data.validated_data["register"]
        if not may_import(request.user, kind, register):
            raise PermissionDenied(str(refusal(kind)))
        with transaction.atomic():
            job = job_create(
                actor=account_of(request),
                kind=kind,
                source=data.validated_data["source"],
                upload=data.validated_data["file"],
                register=register,
            )
        return Response(ImportJobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(APIView):
    """The status and counts of one import (for the uploader and the import permission)."""

    permission_classes = [IsAuthenticated, SecondFactorVerified]

    @extend_schema(responses={200: ImportJobOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        job = ImportJob.objects.filter(pk=pk).first()
        if job is None or not job_visible_to(job, request.user):
            raise Http404
        return Response(ImportJobOutputSerializer(job).data)
