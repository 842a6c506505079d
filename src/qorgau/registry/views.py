"""The registry pages: the district's work lists, persons, incidents, protective orders, special
behaviour requirements, offences and risk assessments.

Every record comes through the access layer (:mod:`qorgau.registry.selectors`), every change
through :mod:`qorgau.registry.services`; a record opened outside a list asks for a reason first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import (
    ASSESS_RISK,
    MANAGE_ORDERS,
    MANAGE_REQUIREMENTS,
    RECORD_OFFENCES,
    REGISTER_INCIDENT,
    VIEW_PERSONAL_DATA,
)
from qorgau.audit.models import AuditAction
from qorgau.audit.services import access_reason_grant, audit_record, flow_token
from qorgau.audit.views import ask_access_reason
from qorgau.registry import forms as f
from qorgau.registry import selectors as s
from qorgau.registry import services
from qorgau.registry.filters import (
    IncidentFilterSet,
    OrderFilterSet,
    PersonFilterSet,
)
from qorgau.registry.models import (
    Incident,
    OrderStatus,
    Person,
    ProtectiveOrder,
)
from qorgau.registry.names import (
    SEARCH_LIMIT,
    Identity,
    person_find_by_name,
    person_identities,
)
from qorgau.registry.risk import instrument_load

if TYPE_CHECKING:
    from qorgau.accounts.models import User

PAGE_SIZE = 50
WORK_LIST_SIZE = 100
MAX_EXPIRY_DAYS = 90

viewer = permission_required(VIEW_PERSONAL_DATA, raise_exception=True)


def writer(permission: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    return permission_required((VIEW_PERSONAL_DATA, permission), raise_exception=True)


def flow_redirect(request: AuthenticatedHttpRequest, obj: models.Model) -> HttpResponse:
    """Back to the record's page without asking for a reason: the user just worked on it."""
    url = obj.get_absolute_url()  # type: ignore[attr-defined]
    return redirect(f"{url}?flow={flow_token(request.user, obj)}")


def attach_errors(form: Form, exc: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal on the form, on the field it names when the form has it."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("Your role may not do this."))
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _audit_list(request: AuthenticatedHttpRequest, object_type: str, count: int) -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type=object_type,
        details={"list": True, "count": count, "filters": request.GET.dict()},
    )


def _names(
    request: AuthenticatedHttpRequest, persons: Iterable[Person | None], listed_on: str = ""
) -> dict[int, Identity]:
    """The names of the persons a page shows, for the officers who may see them; each person
    decrypted is audited (:func:`qorgau.registry.names.person_identities`)."""
    shown = {person.pk: person for person in persons if person is not None}
    return person_identities(
        shown.values(), actor=request.user, request=request, listed_on=listed_on
    )


def _incident_people(incidents: Iterable[Incident]) -> list[Person]:
    return [p.person for incident in incidents for p in incident.participants.all()]


def _order_people(orders: Iterable[ProtectiveOrder]) -> list[Person]:
    return [
        person for order in orders for person in (order.offender, *order.protected_persons.all())
    ]


def _page(request: AuthenticatedHttpRequest, queryset: Any) -> tuple[Any, str]:
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _permissions(user: User) -> dict[str, bool]:
    return {
        "can_register": user.has_perm(REGISTER_INCIDENT),
        "can_orders": user.has_perm(MANAGE_ORDERS),
        "can_requirements": user.has_perm(MANAGE_REQUIREMENTS),
        "can_offences": user.has_perm(RECORD_OFFENCES),
        "can_risk": user.has_perm(ASSESS_RISK),
    }


def _form_page(
    request: AuthenticatedHttpRequest, form: Form, title: str, back: models.Model | None
) -> HttpResponse:
    back_url = None
    if back is not None:
        back_url = f"{back.get_absolute_url()}?flow={flow_token(request.user, back)}"  # type: ignore[attr-defined]
    return render(
        request, "registry/form.html", {"form": form, "title": title, "back_url": back_url}
    )


# --- Work lists ------------------------------------------------------------------------------


@login_required
@viewer
def work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The district's work: orders ending soon, checks and re-assessments overdue."""
    try:
        days = min(max(int(request.GET.get("days", s.DEFAULT_EXPIRY_DAYS)), 1), MAX_EXPIRY_DAYS)
    except ValueError:
        days = s.DEFAULT_EXPIRY_DAYS
    lists = s.work_lists(request.user, days=days)
    expiring = list(lists.expiring[:WORK_LIST_SIZE])
    overdue = list(lists.check_overdue[:WORK_LIST_SIZE])
    risk = list(lists.risk_overdue[:WORK_LIST_SIZE])
    incidents = list(s.incidents_for(request.user)[:10])
    _audit_list(request, "registry.work", len(expiring) + len(overdue) + len(risk))
    people = [
        *_order_people(expiring + overdue),
        *(a.victim for a in risk),
        *_incident_people(incidents),
    ]
    return render(
        request,
        "registry/work.html",
        {
            "lists": lists,
            "expiring": expiring,
            "overdue": overdue,
            "risk": risk,
            "incidents": incidents,
            "names": _names(request, people, "registry.work"),
            **_permissions(request.user),
        },
    )


# --- Persons ---------------------------------------------------------------------------------


@login_required
@viewer
def person_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = PersonFilterSet(request.GET or None, queryset=s.persons_for(request.user))
    page, query = _page(request, filterset.qs.order_by("-pk"))
    _audit_list(request, "registry.person", len(page.object_list))
    names = _names(request, page.object_list, "registry.person")
    return render(
        request,
        "registry/person_list.html",
        {"filter": filterset, "page": page, "query": query, "names": names},
    )


@login_required
@viewer
def person_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find a person by IIN within scope; the search and its reason go to the audit trail."""
    form = f.PersonSearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.reason_text()
        person = services.person_find_by_iin(
            actor=request.user, iin=form.cleaned_data["iin"], request=request, reason=reason
        )
        if person is None:
            messages.error(request, _("No person with this IIN is recorded in your territory."))
        else:
            access_reason_grant(request, person, reason)
            return redirect(person.get_absolute_url())
    return render(request, "registry/person_search.html", {"form": form})


@login_required
@viewer
def person_name_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find persons in scope by exact surname (and first name), with a reason, like by IIN.

    A form that posts: a name in a URL would stay in the logs of every proxy on the way.
    """
    form = f.PersonNameSearchForm(request.POST or None)
    found: list[Person] | None = None
    names: dict[int, Identity] = {}
    if request.method == "POST" and form.is_valid():
        reason = form.reason_text()
        found = person_find_by_name(
            actor=request.user,
            surname=form.cleaned_data["surname"],
            first_name=form.cleaned_data["first_name"],
            request=request,
            reason=reason,
        )
        names = person_identities(found, actor=request.user, request=request, reason=reason)
    return render(
        request,
        "registry/person_name_search.html",
        {"form": form, "found": found, "names": names, "limit": SEARCH_LIMIT},
    )


@login_required
@viewer
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_for_user(s.persons_for(request.user), request.user, pk)
    if (asked := ask_access_reason(request, person)) is not None:
        return asked
    identity = services.person_identities([person], actor=request.user, request=request).get(
        person.pk
    )
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "identity": identity,
            "age": person.age_on(timezone.localdate()),
            "timeline": services.household_timeline(person, actor=request.user),
            "can_orders": request.user.has_perm(MANAGE_ORDERS),
            "measures": s.measures_for(request.user).filter(person=person),
            "register_entries": s.register_entries_for(request.user).filter(person=person),
        },
    )


# --- Incidents -------------------------------------------------------------------------------


@login_required
@viewer
def incident_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = IncidentFilterSet(request.GET or None, queryset=s.incidents_for(request.user))
    page, query = _page(request, filterset.qs)
    _audit_list(request, "registry.incident", len(page.object_list))
    names = _names(request, _incident_people(page.object_list), "registry.incident")
    return render(
        request,
        "registry/incident_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "names": names,
            **_permissions(request.user),
        },
    )


@login_required
@viewer
def incident_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    incident = get_for_user(s.incidents_for(request.user), request.user, pk)
    if (asked := ask_access_reason(request, incident)) is not None:
        return asked
    records = s.incident_records(incident, request.user)
    people = [
        *_incident_people([incident]),
        *_order_people(records.orders),
        *(o.offender for o in records.offences),
        *(a.victim for a in records.assessments),
    ]
    return render(
        request,
        "registry/incident_detail.html",
        {
            "incident": incident,
            "victims": s.victims_of(incident),
            "offenders": s.offenders_of(incident),
            "orders": records.orders,
            "requirements": records.requirements,
            "offences": records.offences,
            "assessments": records.assessments,
            "names": _names(request, people),
            "today": timezone.localdate(),
            **_permissions(request.user),
        },
    )


def _incident_for_writing(request: AuthenticatedHttpRequest, pk: int) -> Incident:
    return get_for_user(s.incidents_for(request.user), request.user, pk)


# --- Protective orders -----------------------------------------------------------------------


@login_required
@viewer
def order_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = OrderFilterSet(request.GET or None, queryset=s.orders_for(request.user))
    page, query = _page(request, filterset.qs)
    _audit_list(request, "registry.protectiveorder", len(page.object_list))
    names = _names(request, _order_people(page.object_list), "registry.protectiveorder")
    return render(
        request,
        "registry/order_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query,
            "names": names,
            "today": timezone.localdate(),
        },
    )


@login_required
@writer(MANAGE_ORDERS)
def order_create(request: AuthenticatedHttpRequest, incident_pk: int) -> HttpResponse:
    incident = _incident_for_writing(request, incident_pk)
    form = f.OrderIssueForm(request.POST or None, incident=incident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_issue(
                actor=request.user,
                request=request,
                offender=data["offender"],
                protected=list(data["protected"]),
                issued_on=data["issued_on"],
                served_on=data["served_on"],
                district=incident.district,
                incident=incident,
                prohibitions=data["prohibitions"],
                number=data["number"],
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, _("Protective order %(number)s was issued.") % {"number": order.number}
            )
            return flow_redirect(request, order)
    return _form_page(request, form, _("Issue a protective order"), incident)


@login_required
@viewer
def order_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = get_for_user(s.orders_for(request.user), request.user, pk)
    if (asked := ask_access_reason(request, order)) is not None:
        return asked
    today = timezone.localdate()
    status = order.status_on(today)
    return render(
        request,
        "registry/order_detail.html",
        {
            "order": order,
            "names": _names(request, _order_people([order])),
            "status": status,
            "in_force": status in (OrderStatus.ACTIVE, OrderStatus.EXTENDED, OrderStatus.VIOLATED),
            "served": order.served_on is not None,
            "today": today,
            **_permissions(request.user),
        },
    )


def _order_action(
    request: AuthenticatedHttpRequest,
    pk: int,
    form_class: type[Form],
    title: str,
    act: Callable[[ProtectiveOrder, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    order = s.fresh_order(get_for_user(s.orders_for(request.user), request.user, pk))
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(order, form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, done)
            return flow_redirect(request, order)
    return _form_page(request, form, f"{title}: {order.number}", order)


def _order_step(
    form_class: type[Form],
    title: Promise,
    step: Callable[..., Any],
    done: Promise,
) -> Callable[[AuthenticatedHttpRequest, int], HttpResponse]:
    """The page of one step in an order's life, recorded by its service (``step``): the five
    steps differ only in their form, their title, their service and their message."""

    @login_required
    @writer(MANAGE_ORDERS)
    def view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        return _order_action(
            request,
            pk,
            form_class,
            str(title),
            lambda order, data: step(actor=request.user, request=request, order=order, **data),
            str(done),
        )

    return view


order_serve = _order_step(
    f.OrderServeForm,
    gettext_lazy("Serve the order"),
    services.order_serve,
    gettext_lazy("The service of the order was recorded."),
)
order_check_in = _order_step(
    f.OrderCheckInForm,
    gettext_lazy("Record a compliance check"),
    services.order_check_in,
    gettext_lazy("The compliance check was recorded."),
)
order_violation = _order_step(
    f.OrderViolationForm,
    gettext_lazy("Record a violation"),
    services.order_violation_record,
    gettext_lazy("The violation was recorded."),
)
order_extend = _order_step(
    f.OrderExtendForm,
    gettext_lazy("Extend the order"),
    services.order_extend,
    gettext_lazy("The extension was recorded."),
)
order_revoke = _order_step(
    f.OrderRevokeForm,
    gettext_lazy("Revoke the order"),
    services.order_revoke,
    gettext_lazy("The order was revoked."),
)


# --- Risk assessments ------------------------------------------------------------------------


@login_required
@writer(ASSESS_RISK)
def risk_create(request: AuthenticatedHttpRequest, incident_pk: int) -> HttpResponse:
    """Assess the victim's risk with the default instrument; the level may only be raised."""
    incident = _incident_for_writing(request, incident_pk)
    instrument = instrument_load()
    form = f.RiskAssessmentForm(request.POST or None, incident=incident, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.risk_assess(
                actor=request.user,
                request=request,
                victim=data["victim"],
                offender=data["offender"],
                incident=incident,
                district=incident.district,
                answers=form.answers(),
                level=data["level"] or None,
                override_reason=data["override_reason"],
            )
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Risk assessed: computed level %(computed)s, level %(level)s.")
                % {
                    "computed": assessment.get_computed_level_display(),
                    "level": assessment.get_level_display(),
                },
            )
            return flow_redirect(request, incident)
    back = f"{incident.get_absolute_url()}?flow={flow_token(request.user, incident)}"
    return render(
        request,
        "registry/risk_form.html",
        {"form": form, "instrument": instrument, "incident": incident, "back_url": back},
    )
