"""The court liaison's records: special behaviour requirements (set, violated, extended) and
offences recorded on an incident. Split from :mod:`qorgau.registry.views`, whose helpers they
share; records come through the access layer, changes through the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import MANAGE_ORDERS, MANAGE_REQUIREMENTS, RECORD_OFFENCES
from qorgau.audit.views import ask_access_reason
from qorgau.registry import forms as f
from qorgau.registry import selectors as s
from qorgau.registry import services
from qorgau.registry.filters import RequirementFilterSet
from qorgau.registry.models import BehaviourRequirement
from qorgau.registry.views import (
    _audit_list,
    _form_page,
    _incident_for_writing,
    _names,
    _page,
    _permissions,
    attach_errors,
    flow_redirect,
    viewer,
    writer,
)

# --- Special behaviour requirements ----------------------------------------------------------


@login_required
@viewer
def requirement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = RequirementFilterSet(request.GET or None, queryset=s.requirements_for(request.user))
    page, query = _page(request, filterset.qs)
    _audit_list(request, "registry.behaviourrequirement", len(page.object_list))
    offenders = [r.offender for r in page.object_list]
    return render(
        request,
        "registry/requirement_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "names": _names(request, offenders, "registry.behaviourrequirement"),
        },
    )


@login_required
@writer(MANAGE_REQUIREMENTS)
def requirement_create(request: AuthenticatedHttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident_for_writing(request, incident_pk)
    form = f.RequirementForm(request.POST or None, incident=incident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            requirement = services.requirement_set(
                actor=request.user,
                request=request,
                offender=data["offender"],
                protected=list(data["protected"]),
                court=data["court"],
                decided_on=data["decided_on"],
                starts_on=data["starts_on"],
                term_months=data["term_months"],
                conditions=data["conditions"],
                district=incident.district,
                number=data["number"],
                incident=incident,
                police_reports_per_month=data["police_reports_per_month"],
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The special behaviour requirements were recorded."))
            return flow_redirect(request, requirement)
    return _form_page(request, form, _("Record special behaviour requirements"), incident)


@login_required
@viewer
def requirement_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    requirement = get_for_user(s.requirements_for(request.user), request.user, pk)
    if (asked := ask_access_reason(request, requirement)) is not None:
        return asked
    today = timezone.localdate()
    return render(
        request,
        "registry/requirement_detail.html",
        {
            "requirement": requirement,
            "names": _names(request, [requirement.offender, *requirement.protected_persons.all()]),
            "in_force": requirement.starts_on <= today <= requirement.ends_on,
            "can_record_violation": request.user.has_perm(MANAGE_REQUIREMENTS)
            or request.user.has_perm(MANAGE_ORDERS),
            **_permissions(request.user),
        },
    )


def _requirement_for(request: AuthenticatedHttpRequest, pk: int) -> BehaviourRequirement:
    return get_for_user(s.requirements_for(request.user), request.user, pk)


@login_required
@viewer
def requirement_violation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Courts and the police both record violations of the requirements.
    if not (request.user.has_perm(MANAGE_REQUIREMENTS) or request.user.has_perm(MANAGE_ORDERS)):
        raise PermissionDenied
    requirement = _requirement_for(request, pk)
    form = f.RequirementViolationForm(request.POST or None, requirement=requirement)
    if request.method == "POST" and form.is_valid():
        try:
            services.requirement_violation_record(
                actor=request.user, request=request, requirement=requirement, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The violation was recorded."))
            return flow_redirect(request, requirement)
    return _form_page(
        request, form, f"{_('Record a violation')}: {requirement.number}", requirement
    )


@login_required
@writer(MANAGE_REQUIREMENTS)
def requirement_extend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    requirement = _requirement_for(request, pk)
    form = f.RequirementExtendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.requirement_extend(
                actor=request.user, request=request, requirement=requirement, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The extension was recorded."))
            return flow_redirect(request, requirement)
    return _form_page(
        request, form, f"{_('Extend the requirements')}: {requirement.number}", requirement
    )


# --- Offences --------------------------------------------------------------------------------


@login_required
@writer(RECORD_OFFENCES)
def offence_create(request: AuthenticatedHttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident_for_writing(request, incident_pk)
    form = f.OffenceForm(request.POST or None, incident=incident)
    if request.method == "POST" and form.is_valid():
        try:
            services.offence_record(
                actor=request.user,
                request=request,
                incident=incident,
                district=incident.district,
                **form.cleaned_data,
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The offence was recorded."))
            return flow_redirect(request, incident)
    return _form_page(request, form, _("Record an offence"), incident)
