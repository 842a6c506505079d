"""The page that registers an incident with its victims and offenders.

One page for the whole event, as the inspector meets it: who was hurt (as many victims as
there were), who did it, where they live and how to reach them, and what happened. "Add
another victim" is a submit button the server answers with one more slot, the values typed
so far kept and no error shown yet: it works without scripts, which the strict Content
Security Policy would make a separate file anyway.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import REGISTER_INCIDENT
from qorgau.registry import forms as f
from qorgau.registry import services
from qorgau.registry.models import Incident, Person
from qorgau.registry.names import CONTACT_FIELDS, person_contacts_update
from qorgau.registry.views import attach_errors, flow_redirect, writer

# The slots a button may add, by the button's value: the formset's prefix and class.
SLOTS: dict[str, Any] = {"victim": f.VictimFormSet, "offender": f.OffenderFormSet}


def with_another_slot(data: QueryDict, prefix: str) -> QueryDict:
    """``data`` asking for one more ``prefix`` slot, up to the formset's maximum."""
    more = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        count = int(more.get(key) or 0)
    except ValueError:
        count = 0
    more[key] = str(min(count + 1, SLOTS[prefix].max_num))
    return more


def register_people(
    request: AuthenticatedHttpRequest, formset: Any
) -> list[tuple[Person, dict[str, Any]]]:
    """The persons of the filled slots: recorded anew, or the one their IIN names, whose
    address and phone are then brought up to date with what the officer just typed."""
    people = []
    for form in formset.forms:
        if not form.has_changed() or not form.cleaned_data:
            continue
        fields = form.person_fields()
        person = services.person_register(actor=request.user, request=request, **fields)
        contacts = {name: fields[name] for name in CONTACT_FIELDS}
        person_contacts_update(actor=request.user, request=request, person=person, **contacts)
        people.append((person, form.cleaned_data))
    return people


def _register(
    request: AuthenticatedHttpRequest, form: Any, victims: Any, offenders: Any
) -> Incident:
    facts = {name: form.cleaned_data[name] for name in f.IncidentForm.FACTS}
    audited = services.iin_refusals_audited(actor=request.user, request=request)
    with audited, transaction.atomic():
        victim_people = register_people(request, victims)
        offender_people = register_people(request, offenders)
        return services.incident_register(
            actor=request.user,
            request=request,
            occurred_at=form.cleaned_data["occurred_at"],
            reported_at=form.cleaned_data["reported_at"],
            district=form.cleaned_data["district"],
            settlement_type=form.cleaned_data["settlement_type"],
            source_channel=form.cleaned_data["source_channel"],
            victims=[person for person, _data in victim_people],
            offenders=[(person, data["relationship"]) for person, data in offender_people],
            description=form.cleaned_data["description"],
            **facts,
        )


@login_required
@writer(REGISTER_INCIDENT)
def incident_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register an incident with its victims and offenders, created on the fly or by IIN."""
    data: QueryDict | None = request.POST if request.method == "POST" else None
    slot = str(data.get("add", "")) if data is not None else ""
    adding = slot in SLOTS
    if data is not None and adding:
        data = with_another_slot(data, slot)
    form = f.IncidentForm(data, actor=request.user)
    victims = f.VictimFormSet(data, prefix="victim")
    offenders = f.OffenderFormSet(data, prefix="offender")
    if data is not None and not adding and all(x.is_valid() for x in (form, victims, offenders)):
        try:
            incident = _register(request, form, victims, offenders)
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, _("Incident %(label)s was registered.") % {"label": incident.label}
            )
            return flow_redirect(request, incident)
    return render(
        request,
        "registry/incident_form.html",
        {"form": form, "victims": victims, "offenders": offenders, "quiet": adding},
    )
