"""Pages of the budget programme: analysis for whoever sees aggregates, entry for finance."""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.roles import MANAGE_BUDGET, VIEW_AGGREGATES
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.budget import charts, selectors, services, uploads
from qorgau.budget.forms import AllocationForm, ExecutionForm, UploadForm
from qorgau.budget.models import Allocation, Programme, Source, UploadJob
from qorgau.budget.workbook import template_workbook
from qorgau.lib.tabular import table_bytes
from qorgau.monitoring.catalogue import catalogue_load
from qorgau.territory.models import Territory

MAX_UPLOAD = 10 * 1024 * 1024
RECENT_JOBS = 20
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml",
}


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year", ""))
    except ValueError:
        years = selectors.years_with_data()
        return years[0] if years else timezone.localdate().year


def _region(request: HttpRequest) -> Territory | None:
    code = request.GET.get("region")
    if not code:
        return None
    return Territory.objects.regions().filter(kato_code=code).order_by("-valid_from").first()


def _indicator_label(code: str) -> str:
    for indicator in catalogue_load().indicators:
        if indicator.code == code:
            return str(indicator.label())
    raise Http404


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    """Execution by region and by sub-programme for a year."""
    year = _year(request)
    region = _region(request)
    return render(
        request,
        "budget/index.html",
        {
            "year": year,
            "years": selectors.years_with_data(),
            "region": region,
            "regions": selectors.by_region(year),
            "subs": selectors.by_sub_programme(year, region),
            "months": selectors.by_month(year, region),
        },
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def analysis(request: HttpRequest) -> HttpResponse:
    """Spending per capita beside a monitoring indicator, region by region."""
    year = _year(request)
    indicator = request.GET.get("indicator") or selectors.RESULT_INDICATORS[0]
    label = _indicator_label(indicator)
    return render(
        request,
        "budget/analysis.html",
        {
            "year": year,
            "years": selectors.years_with_data(),
            "indicator": indicator,
            "indicator_label": label,
            "indicators": [(c, _indicator_label(c)) for c in selectors.RESULT_INDICATORS],
            "rows": selectors.spending_and_results(year, indicator),
        },
    )


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def programme(request: HttpRequest) -> HttpResponse:
    programmes = Programme.objects.prefetch_related("sub_programmes")
    return render(request, "budget/programme.html", {"programmes": programmes})


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def allocation_list(request: HttpRequest) -> HttpResponse:
    year = request.GET.get("year")
    queryset = selectors.allocations(
        year=int(year) if year and year.isdigit() else None, region=_region(request)
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "budget/allocations.html", {"page_obj": page})


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def allocation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_object_or_404(
        Allocation.objects.select_related("sub_programme", "region"), pk=pk
    )
    executions = selectors.executions(year=allocation.year, region=allocation.region).filter(
        sub_programme=allocation.sub_programme
    )
    return render(
        request,
        "budget/allocation.html",
        {
            "allocation": allocation,
            "revisions": allocation.revisions.select_related("made_by"),
            "executions": executions,
        },
    )


def _save(
    request: HttpRequest, form: AllocationForm | ExecutionForm, save: Any
) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(actor=request.user, values=form.values(), source=Source.ENTRY, request=request)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return None
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(request, _("Saved."))
    allocation = saved if isinstance(saved, Allocation) else None
    if allocation is None:
        allocation = Allocation.objects.filter(
            sub_programme=saved.sub_programme, region=saved.region, year=saved.year
        ).first()
    return (
        redirect("budget:allocation", pk=allocation.pk) if allocation else redirect("budget:index")
    )


@login_required
@permission_required(MANAGE_BUDGET, raise_exception=True)
def allocation_enter(request: HttpRequest) -> HttpResponse:
    form = AllocationForm(request.POST or None, user=request.user)
    done = _save(request, form, services.allocation_save)
    if done is not None:
        return done
    return render(request, "budget/enter.html", {"form": form, "title": _("Allocation of funds")})


@login_required
@permission_required(MANAGE_BUDGET, raise_exception=True)
def execution_enter(request: HttpRequest) -> HttpResponse:
    form = ExecutionForm(request.POST or None, user=request.user)
    done = _save(request, form, services.execution_save)
    if done is not None:
        return done
    return render(request, "budget/enter.html", {"form": form, "title": _("Monthly execution")})


@login_required
@permission_required(MANAGE_BUDGET, raise_exception=True)
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Allocations and execution from an XLSX workbook: the file is checked and queued, and
    its rows are stored by a background job whose page shows the progress."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        problem = uploads.upload_problem(file, limit=MAX_UPLOAD)
        if problem:
            form.add_error("file", problem)
        else:
            try:
                with transaction.atomic():
                    job = uploads.job_create(actor=request.user, upload=file, source=Source.UPLOAD)
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                return redirect("budget:upload_job", pk=job.pk)
    jobs = uploads.jobs_visible_to(request.user)[:RECENT_JOBS]
    return render(request, "budget/upload.html", {"form": form, "jobs": jobs})


def _job_for(request: AuthenticatedHttpRequest, pk: int) -> UploadJob:
    """The job if the user's scope covers it (the access layer): 404 otherwise, audited."""
    return get_for_user(UploadJob.objects.select_related("created_by"), request.user, pk)


@login_required
@permission_required(MANAGE_BUDGET, raise_exception=True)
def upload_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An upload's progress while it runs (polled by a script), its results when done."""
    job = _job_for(request, pk)
    context = {
        "job": job,
        "has_rejects": bool(job.rejected_rows and job.rejects_path and not job.active),
        "truncated": len(job.first_rejects) >= uploads.FIRST_REJECTS,
    }
    return render(request, "budget/upload_job.html", context)


@login_required
@permission_required(MANAGE_BUDGET, raise_exception=True)
def upload_job_progress(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(uploads.job_progress(_job_for(request, pk)))


@login_required
@permission_required(MANAGE_BUDGET, raise_exception=True)
def upload_job_rejects(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    """Every rejected row of a job as CSV, decrypted as it is sent; the download is audited."""
    job = _job_for(request, pk)
    content = uploads.rejects_content(job)
    if content is None:
        raise Http404
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        object_type="budget.uploadjob",
        object_id=str(job.pk),
        details={"rejects": job.rejected_rows},
    )
    response = StreamingHttpResponse(content, content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = content_disposition_header(
        True, f"budget-upload-{job.pk}-rejects.csv"
    )
    return response


@login_required
@permission_required(MANAGE_BUDGET, raise_exception=True)
def upload_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_workbook(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="qorgau-budget-template.xlsx"'
    return response


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # SVG inline styles
def chart(request: HttpRequest, kind: str) -> HttpResponse:
    year = _year(request)
    if kind == "execution":
        payload = charts.execution_chart(selectors.by_region(year))
    elif kind == "monthly":
        payload = charts.monthly_chart(selectors.by_month(year, _region(request)))
    elif kind == "results":
        indicator = request.GET.get("indicator") or selectors.RESULT_INDICATORS[0]
        payload = charts.results_chart(
            selectors.spending_and_results(year, indicator), _indicator_label(indicator)
        )
    else:
        raise Http404
    return HttpResponse(payload, content_type=CONTENT_TYPES["svg"])


TABLES = {
    "regions": lambda year, request: selectors.by_region(year),
    "sub-programmes": lambda year, request: selectors.by_sub_programme(year, _region(request)),
    "months": lambda year, request: selectors.by_month(year, _region(request)),
    "results": lambda year, request: selectors.spending_and_results(
        year, request.GET.get("indicator") or selectors.RESULT_INDICATORS[0]
    ),
}


def table_render(rows: list[dict[str, Any]], fmt: str) -> bytes:
    """A list of flat dicts as CSV (UTF-8 with BOM, for spreadsheet programs) or XLSX."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns and k not in ("outputs", "region_id")]

    def cell(value: Any) -> Any:
        return float(value) if hasattr(value, "as_tuple") else value

    table = ([cell(row.get(c)) for c in columns] for row in rows)
    return table_bytes(columns, table, fmt, sheet="budget")


@login_required
@permission_required(VIEW_AGGREGATES, raise_exception=True)
def download(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if table not in TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    year = _year(request)
    rows = TABLES[table](year, request)
    response = HttpResponse(table_render(rows, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="qorgau-budget-{table}-{year}.{fmt}"'
    return response
