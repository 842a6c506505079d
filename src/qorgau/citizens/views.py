"""Pages of the citizen portal: public pages (no account) and the staff pages behind them.

Public pages use their own neutral base template (no staff menu, neutral titles, a quick
exit), are never cached by the browser, and set no cookie beyond the CSRF token the forms
need and the language the person chose.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from qorgau.accounts.access import get_for_user, restrict
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import KEEP_HELP_DIRECTORY, TRIAGE_CITIZEN_REPORTS, VET_VOLUNTEERS
from qorgau.citizens import services
from qorgau.citizens.forms import (
    ActivityForm,
    AddInformationForm,
    DirectorySearchForm,
    HelpServiceForm,
    ReceiptForm,
    ReportForm,
    TriageForm,
    VettingForm,
    VolunteerForm,
)
from qorgau.citizens.models import (
    TRIAGE_TARGET,
    CitizenReport,
    HelpService,
    PreventionActivity,
    ReportStatus,
    VettingStatus,
    Volunteer,
)
from qorgau.territory.models import Territory, name_field

MAX_BODY = 64 * 1024
# Pages of the help directory: a card is tall, so a citizen scrolls twenty at most; staff rows
# are one line each.
DIRECTORY_PAGE_SIZE = 20
STAFF_PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def exit_url() -> str:
    return str(getattr(settings, "QORGAU_CITIZENS_EXIT_URL", "") or reverse("citizens:weather"))


def public(view: View) -> View:
    """A public page: no caching, a same-origin referrer only, refuse oversized bodies."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
            response = render(request, "citizens/public/refused.html", status=413)
        else:
            response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _page(request: HttpRequest, rows: Any, size: int) -> tuple[Page[Any], str]:
    """One page of ``rows`` and the query string that keeps the filters on the other pages."""
    page = Paginator(rows, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _render(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    return render(request, template, {"exit_url": exit_url(), **(context or {})}, status=status)


def _too_many(request: HttpRequest) -> HttpResponse:
    return _render(request, "citizens/public/refused.html", {"too_many": True}, status=429)


# --- public pages -------------------------------------------------------------------------
@public
def index(request: HttpRequest) -> HttpResponse:
    return _render(request, "citizens/public/index.html")


@public
def weather(request: HttpRequest) -> HttpResponse:
    """The neutral page the quick exit leads to: nothing here hints at the portal."""
    return render(request, "citizens/public/weather.html")


@public
def safety(request: HttpRequest) -> HttpResponse:
    return _render(request, "citizens/public/safety.html")


@public
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        if form.honeypot_filled():
            services.rate_limit_hit(request, "report")
            return _render(request, "citizens/public/refused.html", status=400)
        if form.is_valid():
            if services.rate_limit_hit(request, "report"):
                return _too_many(request)
            data = form.cleaned_data
            submitted = services.report_submit(
                district=data["district"],
                account=data["account"],
                at_risk=data["at_risk"],
                reporter=data["reporter"],
                happening_now=data["happening_now"],
                occurred_on=data["occurred_on"],
                children_involved=data["children_involved"],
                address=data["address"],
                contact=data["contact"],
                language=get_language() or "",
            )
            # Rendered in the POST's answer (not redirected): the code never enters a URL.
            return _render(
                request,
                "citizens/public/receipt.html",
                {
                    "receipt": services.receipt_display(submitted.receipt),
                    "happening_now": submitted.report.happening_now,
                },
            )
    return _render(request, "citizens/public/report.html", {"form": form})


@public
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """Look up a report by its receipt code (POST, so the code stays out of URLs) and add to it."""
    form: Form = ReceiptForm()
    found = None
    added = False
    if request.method == "POST":
        adding = "text" in request.POST
        form = AddInformationForm(request.POST) if adding else ReceiptForm(request.POST)
        if form.is_valid():
            if services.rate_limit_hit(request, "lookup"):
                return _too_many(request)
            found = services.report_by_receipt(form.cleaned_data["receipt"])
            if found is None:
                form.add_error("receipt", _("No report has this code. Check it and try again."))
            elif adding:
                try:
                    services.report_add_information(report=found, text=form.cleaned_data["text"])
                    added = True
                except ValidationError as exc:
                    form.add_error("text", exc)
    add_form = None
    if found is not None:
        add_form = AddInformationForm(initial={"receipt": form.cleaned_data["receipt"]})
    return _render(
        request,
        "citizens/public/status.html",
        {"form": form, "found": found, "add_form": add_form, "added": added},
    )


@public
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    region = None
    services_found = HelpService.objects.active().select_related("region")
    if form.is_valid():
        if form.cleaned_data["region"]:
            region = Territory.objects.filter(pk=form.cleaned_data["region"]).first()
        services_found = services_found.search(
            region=region, kind=form.cleaned_data["kind"], text=form.cleaned_data["q"]
        )
    page, query = _page(request, services_found, DIRECTORY_PAGE_SIZE)
    return _render(
        request,
        "citizens/public/directory.html",
        {"form": form, "page": page, "query": query, "region": region},
    )


@public
@require_http_methods(["GET", "POST"])
def volunteer(request: HttpRequest) -> HttpResponse:
    form = VolunteerForm(request.POST or None)
    if request.method == "POST":
        if form.honeypot_filled():
            services.rate_limit_hit(request, "volunteer")
            return _render(request, "citizens/public/refused.html", status=400)
        if form.is_valid():
            if services.rate_limit_hit(request, "volunteer"):
                return _too_many(request)
            services.volunteer_sign_up(
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                region=form.cleaned_data["region"],
                contact=form.cleaned_data["contact"],
                about=form.cleaned_data["about"],
            )
            return _render(request, "citizens/public/volunteer_thanks.html")
    return _render(request, "citizens/public/volunteer.html", {"form": form})


@public
def activities(request: HttpRequest) -> HttpResponse:
    """Prevention activities by region, and the vetted councils (names only)."""
    order = name_field()
    regions = Territory.objects.current().regions().order_by(order)
    selected = Territory.objects.filter(pk=request.GET.get("region") or 0, level=1).first()
    rows = PreventionActivity.objects.filter(public=True).select_related("region")
    councils = Volunteer.objects.filter(status=VettingStatus.VETTED, kind="council")
    if selected:
        rows, councils = rows.filter(region=selected), councils.filter(region=selected)
    by_region = (
        PreventionActivity.objects.filter(public=True)
        .values("region__" + order)
        .annotate(n=Count("id"))
        .order_by("region__" + order)
    )
    return _render(
        request,
        "citizens/public/activities.html",
        {
            "regions": regions,
            "selected": selected,
            "rows": rows[:100],
            "councils": councils.select_related("region")[:100],
            "by_region": [(r["region__" + order], r["n"]) for r in by_region],
        },
    )


@public
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Points to the monitoring part's open data (disclosure control is applied there)."""
    return _render(request, "citizens/public/statistics.html")


# --- staff pages --------------------------------------------------------------------------
@login_required
@permission_required(TRIAGE_CITIZEN_REPORTS, raise_exception=True)
def triage_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    scoped = restrict(CitizenReport.objects.select_related("district"), request.user)
    now = timezone.now()
    page, query = _page(
        request,
        scoped.filter(status=ReportStatus.NEW).order_by("-happening_now", "submitted_at", "pk"),
        STAFF_PAGE_SIZE,
    )
    recent = list(
        scoped.exclude(status=ReportStatus.NEW)
        .filter(triaged_at__gte=now - 30 * TRIAGE_TARGET)
        .order_by("-triaged_at")[:50]
    )
    times = [r.time_to_triage.total_seconds() / 3600 for r in recent if r.time_to_triage]
    summary = {
        "waiting": page.paginator.count,
        "median_hours": statistics.median(times) if times else None,
        "within_target": (
            round(100 * sum(r.triaged_within_target for r in recent) / len(recent))
            if recent
            else None
        ),
    }
    return render(
        request,
        "citizens/staff/queue.html",
        {
            "waiting": [(r, r.waiting_for(now)) for r in page],
            "page": page,
            "query": query,
            "recent": recent,
            "summary": summary,
        },
    )


@login_required
@permission_required(TRIAGE_CITIZEN_REPORTS, raise_exception=True)
def triage_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_for_user(
        CitizenReport.objects.select_related("district__parent"), request.user, pk
    )
    form = TriageForm(request.POST or None, region=report.district.parent)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_triage(
                report=report,
                user=request.user,
                action=form.cleaned_data["action"],
                incident=form.cleaned_data["incident"],
                person=form.cleaned_data["person"],
                service=form.cleaned_data["service"],
                close_reason=form.cleaned_data["close_reason"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc if isinstance(exc, ValidationError) else _("Not allowed."))
        else:
            messages.success(request, _("Report %(label)s was triaged.") % {"label": report.label})
            return redirect("citizens:triage_queue")
    contents = services.report_reveal(report=report, user=request.user, request=request)
    return render(
        request,
        "citizens/staff/triage.html",
        {"report": report, "contents": contents, "form": form, "waited": report.waiting_for()},
    )


@login_required
@permission_required(KEEP_HELP_DIRECTORY, raise_exception=True)
def directory_manage(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = HelpService.objects.select_related("region").order_by(
        "region__kato_code", "kind", "name"
    )
    user = request.user
    if not (user.is_superuser or user.scope_kind == "country") and user.territory_id:
        rows = rows.filter(region_id=user.territory_id)
    page, query = _page(request, rows, STAFF_PAGE_SIZE)
    return render(
        request, "citizens/staff/directory.html", {"rows": page, "page": page, "query": query}
    )


@login_required
@permission_required(KEEP_HELP_DIRECTORY, raise_exception=True)
def directory_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    service = get_object_or_404(HelpService, pk=pk) if pk else None
    if service is not None and not services.may_keep_region(request.user, service.region):
        raise PermissionDenied
    form = HelpServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        if not services.may_keep_region(request.user, form.cleaned_data["region"]):
            form.add_error("region", _("You keep the directory of your own region only."))
        else:
            saved = form.save(commit=False)
            saved.updated_by = request.user
            saved.save()
            messages.success(request, _("The directory entry was saved."))
            return redirect("citizens:directory_manage")
    return render(request, "citizens/staff/form.html", {"form": form, "title": _("Help service")})


@login_required
@permission_required(VET_VOLUNTEERS, raise_exception=True)
def vetting_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = restrict(Volunteer.objects.select_related("region"), request.user).order_by(
        "status", "submitted_at"
    )
    activity_rows = PreventionActivity.objects.select_related("region").order_by("-held_on")
    if not (request.user.is_superuser or request.user.scope_kind == "country"):
        activity_rows = activity_rows.filter(region_id=request.user.territory_id)
    page, query = _page(request, rows.order_by("status", "submitted_at", "pk"), STAFF_PAGE_SIZE)
    return render(
        request,
        "citizens/staff/vetting.html",
        {"rows": page, "page": page, "query": query, "activities": activity_rows[:50]},
    )


@login_required
@permission_required(VET_VOLUNTEERS, raise_exception=True)
def vetting_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_for_user(Volunteer.objects.select_related("region"), request.user, pk)
    form = VettingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_decide(
                volunteer=person,
                user=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("citizens:vetting_list")
    contact = services.volunteer_contact(volunteer=person, user=request.user, request=request)
    return render(
        request,
        "citizens/staff/vetting_detail.html",
        {"person": person, "contact": contact, "form": form},
    )


@login_required
@permission_required(VET_VOLUNTEERS, raise_exception=True)
def activity_record(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST or None)
    form.fields["volunteers"].queryset = restrict(  # type: ignore[attr-defined]
        Volunteer.objects.filter(status=VettingStatus.VETTED), request.user
    )
    if request.method == "POST" and form.is_valid():
        if not services.may_keep_region(request.user, form.cleaned_data["region"]):
            form.add_error("region", _("You record activities of your own region only."))
        else:
            activity = form.save(commit=False)
            activity.recorded_by = request.user
            activity.save()
            form.save_m2m()
            messages.success(request, _("The activity was recorded."))
            return redirect("citizens:vetting_list")
    return render(
        request, "citizens/staff/form.html", {"form": form, "title": _("Training or event")}
    )
