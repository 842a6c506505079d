"""Pages of the survivor case files: thin views over the access layer and :mod:`services`.

Every case is found through :func:`~qorgau.accounts.access.get_for_user` (another
organisation's case is a 404, audited), every change goes through a service, and every page
that shows a case is recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qorgau.accounts.access import get_for_user, restrict
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import APPROVE_CASE_CLOSURE, MANAGE_SURVIVOR_CASES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.cases import forms as f
from qorgau.cases import services
from qorgau.cases.models import CaseFollowUp, CaseStatus, SurvivorCase
from qorgau.cases.services_assessment import conference_actions_for, current_assessment
from qorgau.lib.page_actions import form_errors_as_messages, service_applied

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
        SurvivorCase.objects.select_related("caseworker", "advocate", "district", "organisation"),
        request.user,
        pk,
        permission=MANAGE_SURVIVOR_CASES,
    )


@caseworker
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    queryset = restrict(
        SurvivorCase.objects.select_related("caseworker", "district"),
        request.user,
        permission=MANAGE_SURVIVOR_CASES,
    )
    if request.GET.get("status") in CaseStatus.values:
        queryset = queryset.filter(status=request.GET["status"])
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="cases.survivorcase",
        details={"list": True},
    )
    context = {"page": page, "query": query.urlencode(), "statuses": CaseStatus.choices}
    return render(request, "cases/case_list.html", context)


@caseworker
def case_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = f.CaseOpenForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The case is open."))
            return redirect(case.get_absolute_url())
    return render(request, "cases/case_open.html", {"form": form})


@caseworker
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    texts = services.case_texts(actor=request.user, case=case, request=request)
    context = {
        "case": case,
        "texts": texts,
        "consent_in_force": case.consent_in_force(),
        "assessment": current_assessment(case),
        "referrals": case.referrals.select_related(
            "referral", "referral__kind", "referral__receiver"
        ),
        "transfers": case.transfers.select_related("to_organisation"),
        "conference_actions": conference_actions_for(request.user, case),
        "refer_form": f.CaseReferForm(organisation=case.organisation, prefix="refer"),
        "advocate_form": f.AdvocateForm(
            organisation=case.organisation,
            initial={"advocate": case.advocate_id},
            prefix="advocate",
        ),
        "transfer_form": f.TransferForm(organisation=case.organisation, prefix="transfer"),
        "withdraw_form": f.ConsentWithdrawForm(),
        "plan_form": f.SafetyPlanForm(),
        "schedule_form": f.FollowUpScheduleForm(),
        "record_form": f.FollowUpRecordForm(),
        "reason_form": f.ReasonForm(),
        "may_approve": request.user.has_perm(APPROVE_CASE_CLOSURE)
        and case.closure_requested_by_id != request.user.pk,
    }
    return render(request, "cases/case_detail.html", context)


def _case_action(
    form_class: type[Form],
    run: Callable[..., Any],
    *,
    for_case: Callable[[SurvivorCase], dict[str, Any]] | None = None,
    done: str = "",
) -> View:
    """A POST-only action on one case: validate the form (built with ``for_case(case)``'s
    arguments, e.g. the organisation and a prefix), run the service, back to the case."""

    @caseworker
    @require_POST
    def action(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        case = _case(request, pk)
        form = form_class(request.POST, **(for_case(case) if for_case else {}))
        if form.is_valid():
            if service_applied(request, lambda: run(request, case, **form.cleaned_data)):
                messages.success(request, _(done) if done else _("Saved."))
        else:
            form_errors_as_messages(request, form)
        return redirect(case.get_absolute_url())

    return action


case_safety_plan = _case_action(
    f.SafetyPlanForm,
    lambda request, case, **data: services.case_safety_plan_write(
        actor=request.user, request=request, case=case, **data
    ),
)
case_followup_schedule = _case_action(
    f.FollowUpScheduleForm,
    lambda request, case, **data: services.case_followup_schedule(
        actor=request.user, request=request, case=case, **data
    ),
)
case_closure_request = _case_action(
    f.ReasonForm,
    lambda request, case, **data: services.case_closure_request(
        actor=request.user, request=request, case=case, **data
    ),
)
case_closure_approve = _case_action(
    Form,
    lambda request, case: services.case_closure_approve(
        actor=request.user, request=request, case=case
    ),
)
case_reopen = _case_action(
    f.ReasonForm,
    lambda request, case, **data: services.case_reopen(
        actor=request.user, request=request, case=case, **data
    ),
)


@caseworker
@require_POST
def case_followup_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    followup = get_for_user(
        CaseFollowUp.objects.select_related("case"),
        request.user,
        pk,
        permission=MANAGE_SURVIVOR_CASES,
    )
    form = f.FollowUpRecordForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        recorded = service_applied(
            request,
            lambda: services.case_followup_record(
                actor=request.user, request=request, followup=followup, **data
            ),
        )
        if recorded:
            messages.success(request, _("Saved."))
    else:
        form_errors_as_messages(request, form)
    return redirect(followup.case.get_absolute_url())
