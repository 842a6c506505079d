"""Pages of the notifications: a case's subscription and messages, and the local outbox.

The case is found through :func:`~qorgau.accounts.access.get_for_user` (another organisation's
case is a 404, audited); every change goes through :mod:`qorgau.notices.services`; every page
that shows a contact or a text audits the decryption.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qorgau.accounts.access import get_for_user, restrict
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES
from qorgau.cases.models import SurvivorCase
from qorgau.notices import forms as f
from qorgau.notices import services
from qorgau.notices.gateways import gateway_path, local_gateway_in_use
from qorgau.notices.job import reason_display
from qorgau.notices.models import NoticeMessage

PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def caseworker(view: View) -> View:
    """Users who keep survivor case files; everyone else is refused."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(MANAGE_SURVIVOR_CASES):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _case(request: AuthenticatedHttpRequest, pk: int) -> SurvivorCase:
    return get_for_user(
        SurvivorCase.objects.select_related("organisation"),
        request.user,
        pk,
        permission=MANAGE_SURVIVOR_CASES,
    )


def _errors_to_form(form: f.SubscriptionForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@caseworker
def case_notices(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    if request.method == "POST":
        form = f.SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                services.subscription_save(
                    actor=request.user, request=request, case=case, **form.cleaned_data
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("notices:case", case_pk=case.pk)
        found = services.case_notices(actor=request.user, case=case, request=request)
    else:
        found = services.case_notices(actor=request.user, case=case, request=request)
        form = f.SubscriptionForm(subscription=found.subscription, contact=found.contact)
    context = {
        "case": case,
        "notices": found,
        "form": form,
        "stop_form": f.StopForm(),
        "consent_in_force": case.consent_in_force(),
        "linked": bool(case.iin_pseudonym),
        "local": local_gateway_in_use(),
        "lines": [
            (message, text, reason_display(message.reason)) for message, text in found.messages
        ],
    }
    return render(request, "notices/case.html", context)


@caseworker
@require_POST
def case_notices_stop(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    form = f.StopForm(request.POST)
    if form.is_valid():
        try:
            services.subscription_stop(
                actor=request.user, request=request, case=case, **form.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Notifications stopped: nothing further is sent."))
    return redirect("notices:case", case_pk=case.pk)


@caseworker
def outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What the local test gateway "sent" for the user's cases: the demonstration's phone."""
    sent = restrict(
        NoticeMessage.objects.exclude(gateway_reference="")
        .select_related("subscription__case")
        .order_by("-sent_at", "-pk"),
        request.user,
        permission=MANAGE_SURVIVOR_CASES,
    )
    page = Paginator(sent, PAGE_SIZE).get_page(request.GET.get("page"))
    lines = services.outbox_read(actor=request.user, messages=page.object_list, request=request)
    context = {
        "page": page,
        "lines": lines,
        "query": "",
        "local": local_gateway_in_use(),
        "gateway": gateway_path(),
    }
    return render(request, "notices/outbox.html", context)
