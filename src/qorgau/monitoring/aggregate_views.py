"""Pages for aggregate reports: enter, upload, submit, approve, accept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qorgau.accounts.access import can_place_in_scope
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.models import User
from qorgau.lib.tabular import EmptyTable, UnreadableTable, read_table
from qorgau.monitoring import aggregates as agg
from qorgau.monitoring.models import AggregateReport, ReportStatus
from qorgau.territory.models import Level, Territory
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


MAX_UPLOAD = 5 * 1024 * 1024


def reports_for(user: Viewer) -> QuerySet[AggregateReport]:
    """The aggregate reports in the user's scope (their organisation's, or their territory's)."""
    reports = AggregateReport.objects.select_related("territory", "organisation")
    if not isinstance(user, User):
        return reports.none()
    if user.organisation_id:
        return reports.filter(organisation_id=user.organisation_id)
    scope = user.scope_territory
    if scope is None:
        return reports.none()
    if scope.level == Level.COUNTRY:
        return reports
    return reports.filter(territory_id__in=territory_scope_ids(scope))


def _form_choices() -> list[tuple[str, str]]:
    return [(code, form.label()) for code, form in agg.forms_load()[0].items()]


class ReportFilterSet(django_filters.FilterSet):
    """The list's filters (page and API): form, month, status, territory's KATO code."""

    # a callable: read when the field lists its choices, not when the filter is declared
    form = django_filters.ChoiceFilter(label=gettext_lazy("Report"), choices=_form_choices)
    period = django_filters.CharFilter(label=gettext_lazy("Month"))
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=ReportStatus.choices)
    territory = django_filters.CharFilter(
        field_name="territory__kato_code", label=gettext_lazy("KATO code")
    )

    class Meta:
        model = AggregateReport
        fields = ["form", "period", "status", "territory"]


def _allowed(user: User) -> bool:
    return any(user.has_perm(p) for p in (agg.ENTER, agg.APPROVE, agg.ACCEPT))


class ReportHeaderForm(forms.Form):
    form_code = forms.ChoiceField(label=gettext_lazy("Report"))
    period = forms.CharField(
        label=gettext_lazy("Month"), max_length=7, help_text=gettext_lazy("e.g. 2025-10")
    )
    territory = forms.ModelChoiceField(
        label=gettext_lazy("District"), queryset=Territory.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form_code"].choices = _form_choices()  # type: ignore[attr-defined]
        districts = Territory.objects.current().filter(level=Level.DISTRICT)
        scope = user.scope_territory
        if scope is not None and scope.level != Level.COUNTRY:
            districts = districts.filter(pk__in=territory_scope_ids(scope))
        self.fields["territory"].queryset = districts  # type: ignore[attr-defined]


def _figure_fields(form: agg.ReportForm, initial: dict[str, int], data: Any = None) -> forms.Form:
    figures = forms.Form(data)
    for item in form.items:
        figures.fields[item.code] = forms.IntegerField(
            label=item.label(), min_value=0, required=False, initial=initial.get(item.code, 0)
        )
    return figures


@login_required
def report_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _allowed(request.user):
        raise PermissionDenied
    filterset = ReportFilterSet(request.GET or None, queryset=reports_for(request.user))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "monitoring/aggregate_list.html",
        {"page_obj": page, "filter": filterset, "query": query.urlencode()},
    )


@login_required
def report_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enter (or correct) a month's figures; the figures' form follows the chosen report form."""
    if not request.user.has_perm(agg.ENTER):
        raise PermissionDenied
    header = ReportHeaderForm(request.POST or request.GET or None, user=request.user)
    form_code = header.data.get("form_code") if header.is_bound else None
    report_form = agg.forms_load()[0].get(form_code or "", None) or next(
        iter(agg.forms_load()[0].values())
    )
    figures = _figure_fields(report_form, {}, request.POST if request.method == "POST" else None)
    if request.method == "POST" and header.is_valid() and figures.is_valid():
        values = {k: v for k, v in figures.cleaned_data.items() if v is not None}
        try:
            report = agg.report_save(
                actor=request.user,
                form_code=report_form.code,
                period=header.cleaned_data["period"],
                values=values,
                territory=header.cleaned_data.get("territory"),
                request=request,
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items()
                if hasattr(exc, "error_dict")
                else [("__all__", exc.messages)]
            ):
                target = figures if field in figures.fields else header
                target.add_error(field if field in target.fields else None, errors)
        except (PermissionDenied, ValueError) as exc:
            header.add_error(None, str(exc))
        else:
            messages.success(request, _("The figures were saved as a draft."))
            for flag in agg.report_outliers(report):
                messages.warning(request, flag.message(report_form))
            return redirect("monitoring:aggregate_detail", pk=report.pk)
    return render(
        request,
        "monitoring/aggregate_form.html",
        {"header": header, "figures": figures, "report_form": report_form},
    )


@login_required
def report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not _allowed(request.user):
        raise PermissionDenied
    report = get_object_or_404(reports_for(request.user), pk=pk)
    form = agg.report_form(report.form)
    values = dict(report.figures.values_list("item", "value"))
    flags = {flag.item: flag for flag in agg.report_outliers(report)}
    rows = [(item, values.get(item.code), flags.get(item.code)) for item in form.items]
    return render(
        request,
        "monitoring/aggregate_detail.html",
        {
            "report": report,
            "report_form": form,
            "rows": rows,
            "flags": [flag.message(form) for flag in flags.values()],
        },
    )


@login_required
@require_POST
def report_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    report = get_object_or_404(reports_for(request.user), pk=pk)
    actions = {
        "submit": agg.report_submit,
        "approve": agg.report_approve,
        "accept": agg.report_accept,
    }
    try:
        if step == "return":
            agg.report_return(
                report, actor=request.user, reason=request.POST.get("reason", ""), request=request
            )
        elif step in actions:
            actions[step](report, actor=request.user, request=request)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("Done: the report is now %(status)s.") % {"status": report.get_status_display()},
        )
    return redirect("monitoring:aggregate_detail", pk=report.pk)


class UploadForm(forms.Form):
    form_code = forms.ChoiceField(label=gettext_lazy("Report"))
    file = forms.FileField(
        label=gettext_lazy("XLSX file"),
        help_text=gettext_lazy(
            "Columns: period, district (KATO code, for district reports), then one column per item."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form_code"].choices = _form_choices()  # type: ignore[attr-defined]


@login_required
def report_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Several months or districts at once from an XLSX sheet; each row is saved or rejected."""
    if not request.user.has_perm(agg.ENTER):
        raise PermissionDenied
    upload = UploadForm(request.POST or None, request.FILES or None)
    results: list[tuple[int, str, str]] = []
    if request.method == "POST" and upload.is_valid():
        file = upload.cleaned_data["file"]
        if file.size > MAX_UPLOAD or not file.name.lower().endswith(".xlsx"):
            upload.add_error("file", _("Upload an .xlsx file of at most 5 MB."))
        else:
            results = _upload_rows(request, upload.cleaned_data["form_code"], file.read())
    return render(
        request, "monitoring/aggregate_upload.html", {"upload": upload, "results": results}
    )


def _upload_rows(
    request: AuthenticatedHttpRequest, form_code: str, content: bytes
) -> list[tuple[int, str, str]]:
    try:
        table = read_table(content, kind="xlsx")
    except EmptyTable:
        return [(0, "error", _("The sheet is empty."))]
    except UnreadableTable:
        return [(0, "error", _("The file is not a readable XLSX workbook."))]
    header = [str(cell or "").strip() for cell in table.header]
    results = []
    for number, row in table.rows:
        record = dict(zip(header, row, strict=False))
        period = str(record.pop("period", "") or "")
        code = str(record.pop("district", "") or "")
        try:
            territory = Territory.objects.by_code(code) if code else None
            report = agg.report_save(
                actor=request.user,
                form_code=form_code,
                period=period,
                values=record,
                territory=territory,
                request=request,
            )
        except Territory.DoesNotExist:
            results.append((number, "error", _("Unknown district code %(code)s.") % {"code": code}))
        except ValidationError as exc:
            results.append((number, "error", "; ".join(exc.messages)))
        except PermissionDenied as exc:
            results.append((number, "error", str(exc)))
        else:
            results.append((number, "ok", f"{report.form} {report.period}"))
            form = agg.report_form(form_code)
            flags = agg.report_outliers(report)
            results.extend((number, "warning", flag.message(form)) for flag in flags)
    return results


def can_act(user: Viewer, report: AggregateReport) -> bool:
    return can_place_in_scope(user, report.territory_id, None)
