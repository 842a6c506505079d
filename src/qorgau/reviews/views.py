"""Pages of the serious-case reviews: thin views over the access layer and :mod:`services`.

A review is found through the access layer (another region's review is a 404, audited), every
page that shows one is written to the audit trail, and no page decrypts a name: persons appear
as ``P-…`` references, records by their numbers, agencies by name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import KEEP_SERIOUS_CASE_REVIEWS, VIEW_AGGREGATES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.page_actions import form_errors_as_messages, service_applied
from qorgau.reviews import forms as f
from qorgau.reviews import services
from qorgau.reviews.display import describe, summaries
from qorgau.reviews.models import Recommendation, ReviewStatus
from qorgau.reviews.timeline import agencies_of

PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def panel(view: View) -> View:
    """The keepers of serious-case reviews; everyone else is refused."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(KEEP_SERIOUS_CASE_REVIEWS):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@panel
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    queryset = services.reviews_for_user(request.user)
    if request.GET.get("status") in ReviewStatus.values:
        queryset = queryset.filter(status=request.GET["status"])
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="reviews.seriouscasereview",
        details={"list": True},
    )
    context = {
        "page": page,
        "query": query.urlencode(),
        "statuses": ReviewStatus.choices,
        "open_form": f.OpenForm(),
    }
    return render(request, "reviews/review_list.html", context)


@panel
@require_POST
def review_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = f.OpenForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("reviews:review_list")
    opened: list[Any] = []

    def run() -> None:
        opened.extend(
            services.review_open(
                actor=request.user,
                incident_pk=form.cleaned_data["incident"],
                harm=form.cleaned_data["harm"],
                request=request,
            )
        )

    if service_applied(request, run):
        return redirect(opened[0])
    return redirect("reviews:review_list")


@panel
def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = services.review_for_user(user=request.user, pk=pk, request=request)
    timeline = list(review.timeline.select_related("territory", "organisation", "officer"))
    agencies = agencies_of(timeline)
    # Each form's ids are its own: the finding and the recommendation both have a ``text``, and
    # every recommendation its status form; one page must not repeat an id (labels, tests).
    recommendations = [
        (item, f.RecommendationStatusForm(auto_id=f"rec{item.pk}_%s", initial=_status_of(item)))
        for item in review.recommendations.select_related("owner")
    ]
    context = {
        "review": review,
        "timeline": [(entry, describe(entry, agencies)) for entry in timeline],
        "findings": review.findings.all(),
        "recommendations": recommendations,
        "finding_form": f.FindingForm(auto_id="finding_%s"),
        "recommendation_form": f.RecommendationForm(auto_id="recommendation_%s"),
        "close_form": f.CloseForm(auto_id="close_%s"),
    }
    return render(request, "reviews/review_detail.html", context)


def _status_of(item: Recommendation) -> dict[str, str]:
    return {"status": item.status, "progress_note": item.progress_note}


def _review_action(form_class: type[Form], run: Callable[..., Any]) -> View:
    """A POST on a review: the review through the access layer, the form, then the service."""

    @panel
    @require_POST
    def action(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        review = get_for_user(services.reviews_for_user(request.user), request.user, pk)
        form = form_class(request.POST)
        if form.is_valid():
            service_applied(request, lambda: run(request, review, form.cleaned_data))
        else:
            form_errors_as_messages(request, form)
        return redirect(review)

    return action


review_finding = _review_action(
    f.FindingForm,
    lambda request, review, data: services.finding_record(
        actor=request.user, review=review, request=request, **data
    ),
)
review_recommendation = _review_action(
    f.RecommendationForm,
    lambda request, review, data: services.recommendation_record(
        actor=request.user, review=review, request=request, **data
    ),
)
review_close = _review_action(
    f.CloseForm,
    lambda request, review, data: services.review_close(
        actor=request.user, review=review, request=request, **data
    ),
)


@panel
@require_POST
def review_timeline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = get_for_user(services.reviews_for_user(request.user), request.user, pk)
    service_applied(
        request,
        lambda: services.review_timeline_refresh(
            actor=request.user, review=review, request=request
        ),
    )
    return redirect(review)


@panel
@require_POST
def recommendation_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    recommendation = get_for_user(Recommendation.objects.select_related("review"), request.user, pk)
    form = f.RecommendationStatusForm(request.POST)
    if form.is_valid():
        service_applied(
            request,
            lambda: services.recommendation_update(
                actor=request.user,
                recommendation=recommendation,
                request=request,
                **form.cleaned_data,
            ),
        )
    else:
        form_errors_as_messages(request, form)
    return redirect(recommendation.review)


@login_required
def review_summaries(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The closed reviews' anonymised summaries: region, year, harm, findings, recommendations."""
    user = request.user
    if not (user.has_perm(VIEW_AGGREGATES) or user.has_perm(KEEP_SERIOUS_CASE_REVIEWS)):
        raise PermissionDenied
    return render(request, "reviews/review_summaries.html", {"summaries": summaries()})
