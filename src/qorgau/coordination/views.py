"""Pages of the coordination part: thin views over :mod:`selectors` and :mod:`services`.

Each page gets its rows from the selectors (access layer, then agency), every change goes through
a service (audited), and every page that shows a case, an action or a referral is recorded in the
audit trail. Identities are decrypted only on request, only through the registry's audited
``person_identities``, and only for roles the access layer lets see the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.models import Organisation
from qorgau.accounts.roles import ACT_FOR_AGENCY, KEEP_COORDINATING_BODY
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.coordination import forms as f
from qorgau.coordination import selectors as s
from qorgau.coordination import services
from qorgau.coordination.calendar import ics_render
from qorgau.coordination.filters import ActionFilterSet, DecisionFilterSet, ReferralFilterSet
from qorgau.coordination.models import (
    CalendarFeed,
    Decision,
    MeetingKind,
    MeetingStatus,
    Notification,
    ReferralStatus,
    SafetyAction,
)
from qorgau.registry.models import Person
from qorgau.registry.services import person_identities
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User
    from qorgau.accounts.typing import RequestUser


PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def coordination_user(view: View) -> View:
    """Keepers of a body and agency officers; everyone else is refused."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.has_perm(KEEP_COORDINATING_BODY) or user.has_perm(ACT_FOR_AGENCY)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def keeper(view: View) -> View:
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(KEEP_COORDINATING_BODY):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _audit_view(
    request: HttpRequest, target: Any = None, object_type: str = "", **details: Any
) -> None:
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        target=target,
        object_type=object_type,
        details=details,
    )


def _page(request: HttpRequest, queryset: Any) -> tuple[Any, str]:
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _apply(form: Form, action: Callable[[], Any]) -> Any:
    """Run a service; a refusal lands on the form instead of an error page."""
    try:
        return action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("Your role may not do this."))
    return None


def _members(body: Any) -> Any:
    return Organisation.objects.filter(
        pk__in=body.members.filter(left_on__isnull=True).values("organisation_id")
    )


def unread_count(user: RequestUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- Overview ---------------------------------------------------------------------------------


@coordination_user
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    actions = s.actions_for(user).filter(status__in=["open", "in_progress", "escalated"])
    decisions = s.decisions_for(user).filter(status__in=["open", "in_progress", "escalated"])
    awaiting = s.referrals_for(user).filter(
        receiver_id__in=s.agency_ids(user),
        status__in=[ReferralStatus.SENT, ReferralStatus.ESCALATED, ReferralStatus.ACCEPTED],
    )
    context = {
        "bodies": s.bodies_for(user),
        "meetings": s.meetings_for(user).filter(
            planned_at__gte=timezone.now(), status=MeetingStatus.PLANNED
        )[:10],
        "actions": actions[:20],
        "decisions": decisions[:20],
        "awaiting": awaiting[:20],
        "today": today,
        "unread": unread_count(user),
        "is_keeper": s.keeps_bodies(user),
    }
    _audit_view(request, object_type="coordination.overview", list=True)
    return render(request, "coordination/index.html", context)


# --- Bodies and meetings ----------------------------------------------------------------------


@coordination_user
def body_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    body = get_object_or_404(s.bodies_for(request.user), pk=pk)
    is_keeper = s.keeps_bodies(request.user)
    scope = territory_scope_ids(body.territory)
    candidates = Organisation.objects.filter(territory_id__in=scope, is_active=True)
    member_form = f.MemberForm(organisations=candidates)
    meeting_form = f.MeetingForm()
    if request.method == "POST":
        if not is_keeper:
            raise PermissionDenied
        if "organisation" in request.POST:
            member_form = f.MemberForm(request.POST, organisations=candidates)
            if member_form.is_valid() and _apply(
                member_form,
                lambda: services.membership_add(
                    actor=request.user, body=body, **member_form.cleaned_data
                ),
            ):
                return redirect(body.get_absolute_url())
        else:
            meeting_form = f.MeetingForm(request.POST)
            if meeting_form.is_valid():
                meeting = _apply(
                    meeting_form,
                    lambda: services.meeting_plan(
                        actor=request.user, body=body, **meeting_form.cleaned_data
                    ),
                )
                if meeting:
                    return redirect(meeting.get_absolute_url())
    return render(
        request,
        "coordination/body_detail.html",
        {
            "body": body,
            "members": body.members.select_related("organisation"),
            "meetings": body.meetings.all()[:50],
            "member_form": member_form,
            "meeting_form": meeting_form,
            "is_keeper": is_keeper,
        },
    )


@coordination_user
def meeting_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(s.meetings_for(request.user), pk=pk)
    is_keeper = s.keeps_bodies(request.user)
    members = _members(meeting.body)
    record_form = f.MeetingRecordForm(
        organisations=members, initial={"held_on": timezone.localdate()}
    )
    decision_form = f.OwnedItemForm(organisations=members)
    if request.method == "POST":
        if not is_keeper:
            raise PermissionDenied
        if "minutes" in request.POST:
            record_form = f.MeetingRecordForm(request.POST, organisations=members)
            if record_form.is_valid() and _apply(
                record_form,
                lambda: services.meeting_record(
                    actor=request.user, meeting=meeting, **record_form.cleaned_data
                ),
            ):
                return redirect(meeting.get_absolute_url())
        else:
            decision_form = f.OwnedItemForm(request.POST, organisations=members)
            if decision_form.is_valid():
                data = decision_form.cleaned_data
                if _apply(
                    decision_form,
                    lambda: services.decision_add(
                        actor=request.user,
                        meeting=meeting,
                        text=data["text"],
                        owner=data["owner"],
                        deadline=data["deadline"],
                    ),
                ):
                    return redirect(meeting.get_absolute_url())
    decisions = s.decisions_for(request.user).filter(meeting=meeting)
    cases = s.cases_for(request.user).filter(meeting=meeting)
    return render(
        request,
        "coordination/meeting_detail.html",
        {
            "meeting": meeting,
            "decisions": decisions,
            "cases": cases,
            "attendees": meeting.attendees.all(),
            "record_form": record_form,
            "decision_form": decision_form,
            "is_keeper": is_keeper,
            "is_conference": meeting.kind == MeetingKind.CONFERENCE,
            "today": timezone.localdate(),
        },
    )


# --- Case conferences -------------------------------------------------------------------------


@keeper
def candidates(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cases proposed for a conference, by pseudonymous reference and reasons."""
    meeting = get_object_or_404(
        s.meetings_for(request.user).filter(kind=MeetingKind.CONFERENCE), pk=pk
    )
    day = meeting.held_on or timezone.localtime(meeting.planned_at).date()
    found = s.conference_candidates(meeting.body.territory, on=day)
    on_meeting = set(meeting.cases.values_list("victim_id", flat=True))
    form = f.CaseForm(request.POST or None)
    if request.method == "POST":
        chosen = next((c for c in found if str(c.victim_id) == request.POST.get("victim")), None)
        if chosen is None:
            raise Http404
        if form.is_valid():
            # Only the key is used, nothing is decrypted; the service checks that the registry
            # places the person in the body's territory (the access layer's Person rule knows
            # incidents and the home district, not assessments or orders).
            person = Person.objects.only("pk").get(pk=chosen.victim_id)
            district = get_object_or_404(Territory, pk=chosen.district_id or 0)
            case = _apply(
                form,
                lambda: services.case_add(
                    actor=request.user,
                    meeting=meeting,
                    victim=person,
                    district=district,
                    reasons=chosen.reasons,
                    **form.cleaned_data,
                ),
            )
            if case:
                return redirect(case.get_absolute_url())
    _audit_view(
        request,
        object_type="coordination.candidates",
        meeting=meeting.pk,
        count=len(found),
    )
    return render(
        request,
        "coordination/candidates.html",
        {
            "meeting": meeting,
            "candidates": found[:200],
            "total": len(found),
            "on_meeting": on_meeting,
            "form": form,
        },
    )


@keeper
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = get_for_user(s.cases_for(request.user), request.user, pk)
    members = _members(case.meeting.body)
    form = f.OwnedItemForm(request.POST or None, organisations=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _apply(
            form,
            lambda: services.action_add(
                actor=request.user,
                case=case,
                owner=data["owner"],
                description=data["text"],
                deadline=data["deadline"],
            ),
        ):
            return redirect(case.get_absolute_url())
    identity = None
    if request.GET.get("identify"):
        identity = person_identities(
            [case.victim], actor=request.user, request=request, reason="case conference"
        ).get(case.victim_id)
    _audit_view(request, case)
    return render(
        request,
        "coordination/case_detail.html",
        {
            "case": case,
            "actions": case.actions.select_related("owner"),
            "referrals": s.referrals_for(request.user).filter(case=case),
            "form": form,
            "identity": identity,
            "today": timezone.localdate(),
        },
    )


# --- Decisions and actions (each agency sees its own) -----------------------------------------


@coordination_user
def action_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = ActionFilterSet(request.GET or None, queryset=s.actions_for(request.user))
    page, query = _page(request, filterset.qs)
    _audit_view(request, object_type="coordination.safetyaction", list=True)
    return render(
        request,
        "coordination/action_list.html",
        {"filter": filterset, "page": page, "query": query, "today": timezone.localdate()},
    )


def _item_update(request: AuthenticatedHttpRequest, item: Decision | SafetyAction) -> HttpResponse:
    form = f.ItemUpdateForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _apply(
            form,
            lambda: services.item_update(
                actor=request.user,
                item=item,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            ),
        )
    ):
        messages.success(request, _("Saved."))
        return redirect(request.path)
    _audit_view(request, item)
    return render(
        request,
        "coordination/item_detail.html",
        {"item": item, "form": form, "today": timezone.localdate()},
    )


@coordination_user
def action_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _item_update(request, get_for_user(s.actions_for(request.user), request.user, pk))


@coordination_user
def decision_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = DecisionFilterSet(request.GET or None, queryset=s.decisions_for(request.user))
    page, query = _page(request, filterset.qs)
    return render(
        request,
        "coordination/decision_list.html",
        {"filter": filterset, "page": page, "query": query, "today": timezone.localdate()},
    )


@coordination_user
def decision_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _item_update(request, get_object_or_404(s.decisions_for(request.user), pk=pk))


# --- Referrals --------------------------------------------------------------------------------


@coordination_user
def referral_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = ReferralFilterSet(request.GET or None, queryset=s.referrals_for(request.user))
    page, query = _page(request, filterset.qs)
    _audit_view(request, object_type="coordination.referral", list=True)
    return render(
        request,
        "coordination/referral_list.html",
        {"filter": filterset, "page": page, "query": query, "now": timezone.now()},
    )


def _referral_parties(user: User) -> tuple[Any, Any]:
    senders = Organisation.objects.filter(pk__in=s.agency_ids(user))
    territory = user.scope_territory
    region = territory.parent if territory and territory.level == 2 else territory
    receivers = Organisation.objects.filter(is_active=True)
    if region is not None and region.level != 0:
        receivers = receivers.filter(territory_id__in=territory_scope_ids(region))
    return senders, receivers


@coordination_user
def referral_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    senders, receivers = _referral_parties(request.user)
    if not senders.exists():
        # A secretary, or a police officer whose territory has no police organisation yet.
        messages.warning(request, _("You do not act for an agency that can send referrals."))
        return render(request, "coordination/form.html", {"title": _("New referral")})
    form = f.ReferralForm(request.POST or None, senders=senders, receivers=receivers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        district = data["sender"].territory
        if district.level == 1:  # a regional agency: place the referral in the receiver's
            district = data["receiver"].territory
        referral = _apply(
            form,
            lambda: services.referral_send(actor=request.user, district=district, **data),
        )
        if referral:
            return redirect(referral.get_absolute_url())
    return render(request, "coordination/form.html", {"form": form, "title": _("New referral")})


@coordination_user
def referral_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_for_user(s.referrals_for(request.user), request.user, pk)
    is_receiver = referral.receiver_id in s.agency_ids(request.user)
    answer_form = f.ReferralAnswerForm()
    outcome_form = f.ReferralOutcomeForm()
    if request.method == "POST":
        if "outcome" in request.POST:
            outcome_form = f.ReferralOutcomeForm(request.POST)
            if outcome_form.is_valid() and _apply(
                outcome_form,
                lambda: services.referral_report_outcome(
                    actor=request.user, referral=referral, **outcome_form.cleaned_data
                ),
            ):
                return redirect(request.path)
        else:
            answer_form = f.ReferralAnswerForm(request.POST)
            if answer_form.is_valid() and _apply(
                answer_form,
                lambda: services.referral_answer(
                    actor=request.user, referral=referral, **answer_form.cleaned_data
                ),
            ):
                return redirect(request.path)
    identity = None
    if request.GET.get("identify") and referral.person is not None:
        identity = person_identities(
            [referral.person], actor=request.user, request=request, reason="referral"
        ).get(referral.person.pk)
    _audit_view(request, referral)
    return render(
        request,
        "coordination/referral_detail.html",
        {
            "referral": referral,
            "is_receiver": is_receiver,
            "answer_form": answer_form,
            "outcome_form": outcome_form,
            "identity": identity,
            "can_answer": is_receiver
            and referral.status in (ReferralStatus.SENT, ReferralStatus.ESCALATED),
            "can_report": is_receiver and referral.status == ReferralStatus.ACCEPTED,
        },
    )


# --- Notifications and calendar ---------------------------------------------------------------


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    notices = Notification.objects.filter(user=request.user)
    if request.GET.get("unread"):
        notices = notices.filter(read_at__isnull=True)
    page, query = _page(request, notices)
    return render(
        request,
        "coordination/notifications.html",
        {"page": page, "query": query, "unread": unread_count(request.user)},
    )


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.notifications_mark_read(user=request.user, ids=ids)
    return redirect("coordination:notifications")


@coordination_user
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        CalendarFeed.objects.filter(user=request.user).delete()
        audit_record(
            action=AuditAction.CHANGE, request=request, object_type="coordination.calendarfeed"
        )
        return redirect("coordination:calendar")
    feed, _created = CalendarFeed.objects.get_or_create(user=request.user)
    url = request.build_absolute_uri(f"/coordination/calendar/{feed.token}.ics")
    return render(request, "coordination/calendar.html", {"url": url})


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No session: the secret token in the address stands for the user (it can be renewed)."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    if not feed.user.is_active:
        raise Http404
    meetings = s.meetings_for(feed.user).filter(
        planned_at__gte=timezone.now() - dt.timedelta(days=90)
    )
    body = ics_render(meetings[:500], host=request.get_host(), name="Qorgau")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="qorgau-meetings.ics"'
    return response


@keeper
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    cases = s.cases_for(request.user).select_related("meeting__body")
    page, query = _page(request, cases)
    _audit_view(request, object_type="coordination.conferencecase", list=True)
    return render(request, "coordination/case_list.html", {"page": page, "query": query})
