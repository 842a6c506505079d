"""The pages of Law 245-VIII's prevention instruments: a preventive talk or an official warning
recorded from a person's (or an incident's) page, entry on and exit from the preventive register,
and the register of the user's district or region.

Thin over :mod:`qorgau.registry.services_prevention`, which checks the law of the day, the scope
and the permission and writes the audit trail; every record read comes through the access layer
(:mod:`qorgau.registry.selectors`), and the register list is audited like the other lists.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import MANAGE_ORDERS
from qorgau.registry import choices as c
from qorgau.registry import forms as f
from qorgau.registry import selectors as s
from qorgau.registry.filters import PreventiveRegisterFilterSet
from qorgau.registry.models import Incident, Person
from qorgau.registry.services_prevention import prevention_record, register_enter, register_leave
from qorgau.registry.views import (
    _audit_list,
    _form_page,
    _names,
    _page,
    attach_errors,
    flow_redirect,
    writer,
)

# One sentence per measure: the measure's name cannot be slotted into kk and ru sentences.
RECORDED: dict[str, Any] = {
    c.PreventionKind.PREVENTIVE_TALK: gettext_lazy("The preventive talk was recorded."),
    c.PreventionKind.OFFICIAL_WARNING: gettext_lazy("The official warning was recorded."),
}


def _person_for_writing(request: AuthenticatedHttpRequest, pk: int) -> Person:
    """The person the record is about, or 404 (audited) outside the user's scope."""
    return get_for_user(s.persons_for(request.user), request.user, pk)


def _incident_of(request: AuthenticatedHttpRequest, person: Person) -> Incident | None:
    """The incident named by ``?incident=`` (the incident page's link), if the person took part
    in it and it is in scope; anything else is simply not preselected."""
    wanted = request.GET.get("incident", "")
    if not wanted.isdigit():
        return None
    incident: Incident | None = _person_incidents(request, person).filter(pk=int(wanted)).first()
    return incident


def _person_incidents(request: AuthenticatedHttpRequest, person: Person) -> Any:
    return s.incidents_for(request.user).filter(participants__person=person).distinct()


@login_required
@writer(MANAGE_ORDERS)
def prevention_create(request: AuthenticatedHttpRequest, person_pk: int) -> HttpResponse:
    """A preventive talk or an official warning given to the person."""
    person = _person_for_writing(request, person_pk)
    incident = _incident_of(request, person)
    form = f.PreventionMeasureForm(
        request.POST or None,
        actor=request.user,
        incidents=_person_incidents(request, person).order_by("-occurred_at"),
        incident=incident,
        initial={"kind": request.GET.get("kind", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            measure = prevention_record(
                actor=request.user, request=request, person=person, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, RECORDED[measure.kind])
            return flow_redirect(request, person)
    return _form_page(
        request, form, f"{_('Record a prevention measure')}: {person.label}", incident or person
    )


@login_required
@writer(MANAGE_ORDERS)
def register_entry_create(request: AuthenticatedHttpRequest, person_pk: int) -> HttpResponse:
    """Put the person on the preventive register of a district."""
    person = _person_for_writing(request, person_pk)
    form = f.RegisterEnterForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            register_enter(actor=request.user, request=request, person=person, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The person was put on the preventive register."))
            return flow_redirect(request, person)
    return _form_page(
        request, form, f"{_('Put on the preventive register')}: {person.label}", person
    )


@login_required
@writer(MANAGE_ORDERS)
def register_entry_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take the person off the register, with the reason."""
    entry = get_for_user(s.register_entries_for(request.user), request.user, pk)
    form = f.RegisterLeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            register_leave(actor=request.user, request=request, entry=entry, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The person was taken off the preventive register."))
            return flow_redirect(request, entry.person)
    title = f"{_('Take off the preventive register')}: {entry.person.label}, {entry.district}"
    return _form_page(request, form, title, entry.person)


@login_required
@writer(MANAGE_ORDERS)
def register_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The preventive register of the user's district or region, open entries first."""
    entries = s.register_entries_for(request.user).order_by(
        F("left_on").asc(nulls_first=True), "-entered_on", "-pk"
    )
    filterset = PreventiveRegisterFilterSet(request.GET or None, queryset=entries)
    page, query = _page(request, filterset.qs)
    _audit_list(request, "registry.preventiveregisterentry", len(page.object_list))
    names = _names(
        request, [e.person for e in page.object_list], "registry.preventiveregisterentry"
    )
    return render(
        request,
        "registry/register_list.html",
        {"filter": filterset, "page": page, "query": query, "names": names},
    )
