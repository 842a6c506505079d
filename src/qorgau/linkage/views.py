"""Pages of record linkage: runs with counts and quality (aggregates), and the data steward's
review of uncertain pairs (the only page that shows identities, each opening audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import REVIEW_LINKAGE, RUN_LINKAGE, VIEW_AGGREGATES
from qorgau.linkage import selectors, services
from qorgau.linkage.models import (
    DEFAULT_THRESHOLD,
    CandidatePair,
    LinkageRun,
    PairStatus,
    RunStatus,
)


class StartRunForm(forms.Form):
    years = forms.CharField(
        label=gettext_lazy("Years"),
        required=False,
        help_text=gettext_lazy("e.g. 2024 or 2022-2024; empty for every year"),
    )
    threshold = forms.FloatField(
        label=gettext_lazy("Match threshold"),
        min_value=0.5,
        max_value=0.999,
        initial=DEFAULT_THRESHOLD,
    )

    def clean_years(self) -> list[int]:
        text = self.cleaned_data["years"].strip()
        years: list[int] = []
        try:
            for part in filter(None, (p.strip() for p in text.split(","))):
                if "-" in part:
                    first, last = (int(x) for x in part.split("-", 1))
                    years.extend(range(first, last + 1))
                else:
                    years.append(int(part))
        except ValueError:
            raise forms.ValidationError(_("Write years as 2024 or 2022-2024.")) from None
        if any(not 1990 <= y <= 2100 for y in years) or len(years) > 50:
            raise forms.ValidationError(_("Write years as 2024 or 2022-2024."))
        return years


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (PairStatus.MATCH, PairStatus.MATCH.label),
            (PairStatus.NON_MATCH, PairStatus.NON_MATCH.label),
        ],
        widget=forms.RadioSelect,
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    can_run = request.user.has_perm(RUN_LINKAGE)
    form = StartRunForm(request.POST or None) if can_run else None
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        assert form is not None
        if form.is_valid():
            with transaction.atomic():
                run = services.run_create(
                    actor=request.user,
                    years=form.cleaned_data["years"],
                    threshold=form.cleaned_data["threshold"],
                    request=request,
                )
                transaction.on_commit(lambda: services.run_start(run.pk))
            messages.success(request, _("The linkage run has started."))
            return redirect(run)
    latest = services.latest_finished_run()
    return render(
        request,
        "linkage/index.html",
        {
            "runs": selectors.run_summaries(),
            "latest": latest,
            "form": form,
            "can_review": request.user.has_perm(REVIEW_LINKAGE),
            "pending": CandidatePair.objects.filter(run=latest, status=PairStatus.PENDING).count()
            if latest
            else 0,
        },
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(LinkageRun.objects.select_related("started_by"), pk=pk)
    return render(
        request,
        "linkage/run_detail.html",
        {
            "run": run,
            "in_progress": run.status in (RunStatus.QUEUED, RunStatus.RUNNING),
            "by_year": selectors.cluster_counts(run) if run.status == RunStatus.FINISHED else [],
            "model_rows": selectors.model_rows(run),
            "decisions": {
                status: run.pairs.filter(status=status).count() for status in PairStatus.values
            },
            "can_review": request.user.has_perm(REVIEW_LINKAGE),
        },
    )


@login_required
@permission_required(REVIEW_LINKAGE, raise_exception=True)
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    run_id = request.GET.get("run")
    run = (
        get_object_or_404(LinkageRun, pk=run_id)
        if run_id and run_id.isdigit()
        else services.latest_finished_run()
    )
    status = request.GET.get("status", PairStatus.PENDING)
    if status not in PairStatus.values:
        status = PairStatus.PENDING
    pairs: Any = (
        CandidatePair.objects.filter(run=run, status=status).select_related("left", "right")[:200]
        if run
        else []
    )
    return render(
        request,
        "linkage/review.html",
        {"run": run, "pairs": pairs, "status": status, "statuses": PairStatus.choices},
    )


@login_required
@permission_required(REVIEW_LINKAGE, raise_exception=True)
def pair_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(CandidatePair.objects.select_related("left", "right", "run"), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pair_decide(
                pair, actor=request.user, decision=form.cleaned_data["decision"], request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The decision is recorded and the clusters updated."))
            following = (
                CandidatePair.objects.filter(run=pair.run, status=PairStatus.PENDING)
                .order_by("-probability", "pk")
                .first()
            )
            return redirect(following or "linkage:review")
    left, right = services.pair_records(pair, actor=request.user, request=request)
    pair.refresh_from_db()
    return render(
        request,
        "linkage/pair.html",
        {
            "pair": pair,
            "left": left,
            "right": right,
            "form": form,
            "same_cluster": pair.left.cluster == pair.right.cluster,
        },
    )
