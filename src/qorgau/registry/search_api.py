"""The searches by IIN and by name over the API, apart from the rest of the registry API.

Kept on their own because their one rule is about transport, not data: an IIN or a name is an
identifier that must never reach a URL (see :class:`PersonSearchApi`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.http import account_of
from qorgau.accounts.roles import VIEW_PERSONAL_DATA
from qorgau.registry import services
from qorgau.registry.api_common import REGISTRY_PERMISSIONS
from qorgau.registry.api_persons import PersonOutputSerializer
from qorgau.registry.names import name_normalise, person_find_by_name


class PersonSearchApi(APIView):
    """Find a person in scope by IIN; the search and its ``reason`` go to the audit trail.

    The IIN comes in the body of a POST, never in the URL: URLs end up in the access logs of
    the web server and of every proxy on the way, which are kept longer and read more widely
    than the audit trail. A GET is refused with a 405 saying so, before anything is looked up.
    The search only reads, so the POST needs the personal-data permission and nothing more.
    """

    class PersonSearchInputSerializer(serializers.Serializer[Any]):
        iin = serializers.CharField(max_length=12)
        reason = serializers.CharField(max_length=500)

    permission_classes = REGISTRY_PERMISSIONS
    write_permission = VIEW_PERSONAL_DATA

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        raise MethodNotAllowed(
            "GET", detail=_("Send the IIN in the body of a POST request, never in the URL.")
        )

    @extend_schema(
        request=PersonSearchInputSerializer,
        responses={200: PersonOutputSerializer},
        description="The IIN and the reason go in the JSON body; a GET is refused (405).",
    )
    def post(self, request: Request) -> Response:
        incoming = self.PersonSearchInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            person = services.person_find_by_iin(
                actor=account_of(request),
                iin=incoming.validated_data["iin"],
                request=request._request,
                reason=incoming.validated_data["reason"],
            )
        except ValueError as exc:
            raise ValidationError({"iin": str(exc)}) from exc
        if person is None:
            raise Http404
        return Response(PersonOutputSerializer(person).data)


class PersonNameSearchApi(APIView):
    """Find persons in scope by exact surname (and first name), like :class:`PersonSearchApi`:
    in the body of a POST, with the ``reason``, audited found or not; at most 50, labels only
    (the identity is opened person by person, with its reason, at ``persons/<id>/``)."""

    class PersonNameSearchInputSerializer(serializers.Serializer[Any]):
        surname = serializers.CharField(max_length=100)
        first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
        reason = serializers.CharField(max_length=500)

        def validate_surname(self, value: str) -> str:
            if not name_normalise(value):
                raise serializers.ValidationError(_("Give the surname in letters."))
            return value

    permission_classes = REGISTRY_PERMISSIONS
    write_permission = VIEW_PERSONAL_DATA

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        raise MethodNotAllowed(
            "GET", detail=_("Send the name in the body of a POST request, never in the URL.")
        )

    @extend_schema(
        request=PersonNameSearchInputSerializer,
        responses={200: PersonOutputSerializer(many=True)},
        description="The name and the reason go in the JSON body; a GET is refused (405).",
    )
    def post(self, request: Request) -> Response:
        incoming = self.PersonNameSearchInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        found = person_find_by_name(
            actor=account_of(request),
            surname=incoming.validated_data["surname"],
            first_name=incoming.validated_data.get("first_name", ""),
            request=request._request,
            reason=incoming.validated_data["reason"],
        )
        return Response(PersonOutputSerializer(found, many=True).data)
