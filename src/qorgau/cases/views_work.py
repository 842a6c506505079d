"""Pages of a case's work beyond the file itself: assessment, advocate, referrals, transfers
and the month's statistics. Thin views: the forms validate, the services decide and audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from qorgau.accounts.access import get_for_user, restrict
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import MANAGE_SURVIVOR_CASES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.cases import forms as f
from qorgau.cases import services_assessment, services_sharing
from qorgau.cases.models import CaseTransfer, SurvivorCase, TransferStatus
from qorgau.cases.statistics import month_statistics, monthly_report_fill
from qorgau.cases.views import _case, _case_action, caseworker
from qorgau.lib.page_actions import form_errors_as_messages, service_applied


@caseworker
def case_assess(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Her risk (the instrument's items) and needs on one page; back to the case when saved."""
    case = _case(request, pk)
    form = f.AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = service_applied(
            request,
            lambda: services_assessment.case_assess(
                actor=request.user,
                request=request,
                case=case,
                answers=form.answers(),
                needs=data["needs"],
                level=data["level"],
                override_reason=data["override_reason"],
            ),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect(case.get_absolute_url())
    return render(request, "cases/case_assess.html", {"case": case, "form": form})


def _with_prefix(prefix: str) -> Callable[[SurvivorCase], dict[str, Any]]:
    def arguments(case: SurvivorCase) -> dict[str, Any]:
        return {"organisation": case.organisation, "prefix": prefix}

    return arguments


case_advocate = _case_action(
    f.AdvocateForm,
    lambda request, case, **data: services_assessment.case_advocate_assign(
        actor=request.user, request=request, case=case, **data
    ),
    for_case=_with_prefix("advocate"),
)
case_refer = _case_action(
    f.CaseReferForm,
    lambda request, case, **data: services_sharing.case_refer(
        actor=request.user, request=request, case=case, **data
    ),
    for_case=_with_prefix("refer"),
    done=gettext_noop("The referral is sent."),
)
case_consent_withdraw = _case_action(
    f.ConsentWithdrawForm,
    lambda request, case, **data: services_sharing.case_consent_withdraw(
        actor=request.user, request=request, case=case, **data
    ),
)
case_transfer = _case_action(
    f.TransferForm,
    lambda request, case, **data: services_sharing.case_transfer_request(
        actor=request.user, request=request, case=case, **data
    ),
    for_case=_with_prefix("transfer"),
    done=gettext_noop("The transfer is requested."),
)


@caseworker
def transfer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Transfers waiting for the user's centre to answer, and those it asked for."""
    transfers = restrict(
        CaseTransfer.objects.select_related(
            "case", "case__district", "from_organisation", "to_organisation"
        ),
        request.user,
        permission=MANAGE_SURVIVOR_CASES,
    )
    incoming = transfers.filter(
        to_organisation_id=request.user.organisation_id, status=TransferStatus.PENDING
    )
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="cases.casetransfer",
        details={"list": True},
    )
    context = {
        "incoming": incoming,
        "recent": transfers.exclude(pk__in=incoming.values("pk"))[:50],
        "answer_form": f.TransferAnswerForm(),
    }
    return render(request, "cases/transfer_list.html", context)


@caseworker
@require_POST
def transfer_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    transfer = get_for_user(
        CaseTransfer.objects.select_related("case"),
        request.user,
        pk,
        permission=MANAGE_SURVIVOR_CASES,
    )
    form = f.TransferAnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if service_applied(
            request,
            lambda: services_sharing.case_transfer_answer(
                actor=request.user, request=request, transfer=transfer, **data
            ),
        ):
            messages.success(request, _("Saved."))
            if data["accept"]:
                return redirect(transfer.case.get_absolute_url())
    else:
        form_errors_as_messages(request, form)
    return redirect(reverse("cases:transfer_list"))


def _last_month() -> str:
    previous = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return f"{previous.year}-{previous.month:02d}"


@caseworker
def case_statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The month's GBVIMS-style tables of the centre's cases, and the monthly form filled
    from them on request (POST)."""
    data: Any = request.POST if request.method == "POST" else (request.GET or None)
    form = f.MonthForm(data or {"period": _last_month()})
    cases = restrict(SurvivorCase.objects.all(), request.user, permission=MANAGE_SURVIVOR_CASES)
    period = form.cleaned_data["period"] if form.is_valid() else _last_month()
    if request.method == "POST" and form.is_valid():
        try:
            report = monthly_report_fill(
                actor=request.user, cases=cases, period=period, request=request
            )
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        else:
            messages.success(
                request, _("The monthly report is filled from the case files: check and submit.")
            )
            return redirect(reverse("monitoring:aggregate_detail", args=[report.pk]))
    stats = month_statistics(cases, period)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="cases.survivorcase",
        details={"statistics": period},
    )
    return render(request, "cases/case_statistics.html", {"form": form, "stats": stats})
