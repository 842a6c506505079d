from __future__ import annotations

from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from qorgau.accounts.access import get_for_user, restrict
from qorgau.accounts.filters import UserFilterSet
from qorgau.accounts.forms import TokenForm, UserCreateForm, UserUpdateForm
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.models import ApiToken, User
from qorgau.accounts.roles import MANAGE_USERS
from qorgau.accounts.services import user_create, user_update
from qorgau.accounts.tokens import second_factor_due, token_issue, token_revoke
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record, flow_token
from qorgau.audit.views import ask_access_reason

PAGE_SIZE = 50


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = self.request.user
        User.objects.filter(username=user.get_username()).update(must_change_password=False)
        audit_record(
            action=AuditAction.CHANGE,
            request=self.request,
            target=user,  # type: ignore[arg-type]  # login_required
            details={"fields": ["password"]},
        )
        messages.success(self.request, _("Your password has been changed."))
        return response


def _detail_url(request: AuthenticatedHttpRequest, user: User) -> str:
    """The user's page, reached through the usual flow (no reason asked)."""
    url = reverse("accounts:user_detail", args=[user.pk])
    return f"{url}?flow={flow_token(request.user, user)}"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("web:home")


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")


@login_required
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the QR code, confirm with the first code."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:two_factor_verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            # a token issued before the second factor must not outlive its enrolment
            revoked = token_revoke(user)
            audit_record(
                action=AuditAction.CHANGE,
                request=request,
                target=user,
                details={"fields": ["second_factor"], "api_token_revoked": revoked},
            )
            messages.success(request, _("Two-factor sign-in is set up."))
            return HttpResponseRedirect(_safe_next(request))
        form.add_error("otp_token", _("The code is not valid. Check the time on your phone."))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": device.key,
            "next": _safe_next(request),
        },
    )


@login_required
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["otp_token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_safe_next(request))
        form.add_error("otp_token", _("The code is not valid."))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)}
    )


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    token = ApiToken.objects.filter(user=request.user).first()
    return render(request, "accounts/profile.html", {"token": token})


@login_required
@require_POST
def api_token_renew(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Issue a new API token (replacing the old one) to a user who passed every sign-in gate.

    Where the second factor is due, the session must have passed it here and now: a token
    issued otherwise would be refused at its first use (``accounts.tokens``).
    """
    verified = bool(request.user.is_verified())  # type: ignore[attr-defined]  # OTPMiddleware
    if second_factor_due(request.user) and not verified:
        messages.error(request, _("Confirm your one-time code before issuing an API token."))
        return redirect(
            f"{reverse('accounts:two_factor_verify')}?next={reverse('accounts:profile')}"
        )
    key, token = token_issue(request.user, second_factor=verified)
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        target=request.user,
        details={"api_token": "issued", "second_factor": verified},
    )
    messages.success(request, _("A new API token was issued. Copy it now: it is shown only once."))
    return render(
        request, "accounts/profile.html", {"token": token, "new_key": key, "show_token": True}
    )


def _users_for(request: AuthenticatedHttpRequest) -> QuerySet[User]:
    return restrict(User.objects.select_related("territory", "organisation"), request.user)


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = UserFilterSet(request.GET or None, queryset=_users_for(request))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(user, flow_token(request.user, user)) for user in page]
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="accounts.user",
        details={"list": True, "count": len(rows), "filters": request.GET.dict()},
    )
    return render(
        request, "accounts/user_list.html", {"filter": filterset, "page": page, "rows": rows}
    )


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
def user_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                actor=request.user,
                request=request,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                territory=data["territory"],
                organisation=data["organisation"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("User %(name)s was created.") % {"name": user.username})
            return redirect(_detail_url(request, user))
    return render(request, "accounts/user_form.html", {"form": form, "title": _("New user")})


def _attach_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("password" if "password" in form.fields else None, exc.messages)


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
def user_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_for_user(_users_for(request), request.user, pk)
    if (asked := ask_access_reason(request, user)) is not None:
        return asked
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "flow": flow_token(request.user, user),
        },
    )


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
def user_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_for_user(_users_for(request), request.user, pk)
    initial = {name: getattr(user, name) for name in UserUpdateForm.base_fields}
    form = UserUpdateForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(actor=request.user, request=request, user=user, **form.cleaned_data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The changes were saved."))
            return redirect(_detail_url(request, user))
    return render(
        request, "accounts/user_form.html", {"form": form, "title": _("Edit user"), "subject": user}
    )
