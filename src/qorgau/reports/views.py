"""Pages: ask for a report, follow its progress, download it, list past reports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import VIEW_AGGREGATES
from qorgau.monitoring.selectors import latest_year
from qorgau.reports.forms import ReportRequestForm
from qorgau.reports.models import Report
from qorgau.reports.render import ReportError
from qorgau.reports.services import report_file, report_request, reports_for, user_region

CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    region = user_region(request.user)
    latest = latest_year()
    initial = {
        "period": latest.code if latest else "",
        "language": (request.LANGUAGE_CODE or "kk")[:2],
    }
    form = ReportRequestForm(request.POST or None, region=region, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = report_request(
                actor=request.user,
                kind=data["kind"],
                code=data["region"].kato_code if data.get("region") else None,
                period=data["period"],
                language=data["language"],
                fmt=data["format"],
            )
        except ReportError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("reports:detail", pk=report.pk)
    reports = reports_for(request.user)[:100]
    return render(request, "reports/index.html", {"form": form, "reports": reports})


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(reports_for(request.user), pk=pk)
    return render(request, "reports/detail.html", {"report": report})


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    report = get_object_or_404(reports_for(request.user), pk=pk)
    return report_response(report)


def report_response(report: Report) -> FileResponse:
    """The stored file as an attachment (an HTML report is never shown inside the site)."""
    path = report_file(report)
    if path is None:
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=report.download_name,
        content_type=CONTENT_TYPES[report.format],
    )
