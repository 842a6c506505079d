"""User accounts over the API; the same access layer and services as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from qorgau.accounts.access import get_for_user, restrict
from qorgau.accounts.filters import UserFilterSet
from qorgau.accounts.http import account_of
from qorgau.accounts.models import Organisation, User
from qorgau.accounts.roles import MANAGE_USERS, Role
from qorgau.accounts.services import user_create
from qorgau.accounts.tokens import second_factor_due, token_issue
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.territory.models import Territory


class CanManageUsers(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.has_perm(MANAGE_USERS))


class UserOutputSerializer(serializers.ModelSerializer[User]):
    territory: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        slug_field="kato_code", read_only=True
    )
    organisation: serializers.Field[Any, Any, Any, Any] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "territory",
            "organisation",
            "is_active",
            "last_login",
        ]


class UserListApi(generics.ListCreateAPIView[User]):
    """Staff accounts within the administrator's scope; POST creates one."""

    class UserCreateInputSerializer(serializers.Serializer[Any]):
        username = serializers.CharField(max_length=150, validators=[User.username_validator])
        password = serializers.CharField(write_only=True)
        role = serializers.ChoiceField(choices=Role.choices)
        territory = serializers.SlugRelatedField(
            slug_field="kato_code",
            queryset=Territory.objects.current(),
            required=False,
            allow_null=True,
        )
        organisation = serializers.PrimaryKeyRelatedField(
            queryset=Organisation.objects.all(), required=False, allow_null=True
        )
        first_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
        last_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
        email = serializers.EmailField(required=False, allow_blank=True)

    serializer_class = UserOutputSerializer
    filterset_class = UserFilterSet
    permission_classes = [*generics.ListAPIView.permission_classes, CanManageUsers]

    def get_queryset(self) -> Any:
        return restrict(User.objects.select_related("territory"), self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        audit_record(
            action=AuditAction.VIEW,
            request=request._request,
            actor=account_of(request),
            object_type="accounts.user",
            details={"list": True, "api": True},
        )
        return response

    @extend_schema(request=UserCreateInputSerializer, responses={201: UserOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.UserCreateInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = user_create(
            actor=account_of(request), request=request._request, **incoming.validated_data
        )
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class UserDetailApi(generics.RetrieveAPIView[User]):
    serializer_class = UserOutputSerializer
    permission_classes = [*generics.RetrieveAPIView.permission_classes, CanManageUsers]

    def get_object(self) -> User:
        user = get_for_user(
            User.objects.select_related("territory"), self.request.user, self.kwargs["pk"]
        )
        audit_record(
            action=AuditAction.VIEW,
            request=self.request._request,
            actor=account_of(self.request),
            target=user,
            details={"api": True},
        )
        return user


class MeApi(APIView):
    """The signed-in user, with role and scope."""

    @extend_schema(responses=UserOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)  # type: ignore[arg-type]


class TokenObtainApi(APIView):
    """Exchange user name, password and (where the second factor is due) a one-time code for a
    token. The key is in this answer only: the server keeps its digest (``accounts.tokens``)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    class TokenInputSerializer(serializers.Serializer[Any]):
        username = serializers.CharField()
        password = serializers.CharField(write_only=True)
        otp_token = serializers.CharField(required=False, allow_blank=True)

    class TokenOutputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(request=TokenInputSerializer, responses=TokenOutputSerializer, auth=[])
    def post(self, request: Request) -> Response:
        incoming = self.TokenInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed(
                _("The user name or password is not correct, or the account is locked.")
            )
        needs_code = second_factor_due(user)
        if needs_code and match_token(user, data.get("otp_token") or "") is None:
            raise AuthenticationFailed(_("A valid one-time code is required for this account."))
        key, token = token_issue(user, second_factor=needs_code)
        audit_record(
            action=AuditAction.SIGN_IN,
            request=request._request,
            actor=user,
            target=user,
            details={"api_token": "issued", "second_factor": needs_code},
        )
        return Response({"token": key, "expires_at": token.expires_at})
