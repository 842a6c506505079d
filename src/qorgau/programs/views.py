"""Pages of the programmes: register, participants, attendance, evaluation, violations."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.access import get_for_user
from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.roles import (
    EVALUATE_PROGRAMMES,
    KEEP_PROVIDER_REGISTER,
    MANAGE_ORDERS,
    MANAGE_PROGRAMMES,
    MANAGE_REQUIREMENTS,
    ScopeKind,
)
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.tabular import table_bytes
from qorgau.programs import charts, forms, selectors, services
from qorgau.programs.evaluation import CAVEAT, HORIZONS, Evaluation
from qorgau.programs.evaluation_store import data_version, evaluation_stored
from qorgau.programs.importing import attendance_import_file
from qorgau.programs.models import (
    EnrolmentStatus,
    PartnerSafetyReport,
    Programme,
    Provider,
    StoredEvaluation,
)
from qorgau.registry.importing.readers import UnreadableFile

PAGE_SIZE = 50
ANY_PROGRAMME_ROLE = (
    MANAGE_PROGRAMMES,
    KEEP_PROVIDER_REGISTER,
    EVALUATE_PROGRAMMES,
    MANAGE_REQUIREMENTS,
    MANAGE_ORDERS,
)

# Personal records of participants: the provider, the district police and the court liaison.
CASEWORK = (MANAGE_PROGRAMMES, MANAGE_REQUIREMENTS, MANAGE_ORDERS)

View = Callable[..., Any]


def needs(*permissions: str) -> Callable[[View], View]:
    """Any one of ``permissions`` opens the page (403 otherwise)."""

    def decorate(view: View) -> View:
        def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(request.user.has_perm(p) for p in permissions):
                raise PermissionDenied
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return login_required(wrapped)

    return decorate


def _attach_errors(form: Form, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("Your role may not do this."))
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _page(request: AuthenticatedHttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(
    request: AuthenticatedHttpRequest, form: Form, title: str, back: str
) -> HttpResponse:
    return render(request, "programs/form.html", {"form": form, "title": title, "back_url": back})


# --- Overview and register ---------------------------------------------------------------------


@needs(*ANY_PROGRAMME_ROLE)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    provider = selectors.provider_of(user)
    return render(
        request,
        "programs/index.html",
        {
            "provider": provider,
            "can_manage": user.has_perm(MANAGE_PROGRAMMES),
            "can_register": user.has_perm(KEEP_PROVIDER_REGISTER),
            "can_evaluate": user.has_perm(EVALUATE_PROGRAMMES),
            "can_violations": any(user.has_perm(p) for p in CASEWORK),
            # the own region's row only: the country's table is the demand page's (a dozen
            # queries per region)
            "demand": selectors.demand_by_region(
                on=timezone.localdate(), regions=selectors.demand_regions_for(user)
            )
            if user.scope_kind != ScopeKind.COUNTRY
            and not user.has_perm(MANAGE_REQUIREMENTS)
            and not user.has_perm(MANAGE_ORDERS)
            else [],
        },
    )


@needs(KEEP_PROVIDER_REGISTER, MANAGE_PROGRAMMES, EVALUATE_PROGRAMMES)
def provider_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    providers = selectors.providers_for(request.user)
    return render(
        request,
        "programs/provider_list.html",
        {
            "page": _page(request, providers),
            "can_register": request.user.has_perm(KEEP_PROVIDER_REGISTER),
        },
    )


@needs(KEEP_PROVIDER_REGISTER)
def provider_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = Organisation.objects.filter(
        kind__in=(OrganisationKind.PROGRAM_PROVIDER, OrganisationKind.NGO),
        programme_provider__isnull=True,
    )
    if request.user.scope_kind != ScopeKind.COUNTRY and request.user.territory is not None:
        from qorgau.territory.services import territory_scope_ids

        organisations = organisations.filter(
            territory_id__in=territory_scope_ids(request.user.territory)
        )
    form = forms.ProviderForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.provider_register(
                actor=request.user, request=request, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            _attach_errors(form, exc)
        else:
            return redirect(provider)
    return _form_page(request, form, _("Add a provider to the register"), "../")


@needs(KEEP_PROVIDER_REGISTER, MANAGE_PROGRAMMES, EVALUATE_PROGRAMMES)
def provider_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(selectors.providers_for(request.user), pk=pk)
    return render(
        request,
        "programs/provider_detail.html",
        {
            "provider": provider,
            "programmes": selectors.programmes_for(request.user).filter(provider=provider),
            "can_register": request.user.has_perm(KEEP_PROVIDER_REGISTER),
        },
    )


def _programme_form_save(
    request: AuthenticatedHttpRequest, programme: Programme, form: forms.ProgrammeForm
) -> HttpResponse | None:
    if request.method == "POST" and form.is_valid():
        for name, value in form.cleaned_data.items():
            setattr(programme, name, value)
        try:
            services.programme_save(actor=request.user, request=request, programme=programme)
        except (ValidationError, PermissionDenied) as exc:
            _attach_errors(form, exc)
        else:
            return redirect(programme)
    return None


@needs(KEEP_PROVIDER_REGISTER)
def programme_create(request: AuthenticatedHttpRequest, provider_pk: int) -> HttpResponse:
    provider = get_object_or_404(selectors.providers_for(request.user), pk=provider_pk)
    form = forms.ProgrammeForm(request.POST or None)
    done = _programme_form_save(request, Programme(provider=provider), form)
    return done or _form_page(request, form, _("New programme"), provider.get_absolute_url())


@needs(KEEP_PROVIDER_REGISTER)
def programme_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(
        Programme.objects.filter(provider__in=selectors.providers_for(request.user)), pk=pk
    )
    initial = {name: getattr(programme, name) for name in forms.ProgrammeForm.base_fields}
    form = forms.ProgrammeForm(request.POST or None, initial=initial)
    done = _programme_form_save(request, programme, form)
    return done or _form_page(request, form, str(programme), programme.get_absolute_url())


@needs(KEEP_PROVIDER_REGISTER, MANAGE_PROGRAMMES, EVALUATE_PROGRAMMES)
def programme_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(selectors.programmes_for(request.user), pk=pk)
    participants = selectors.enrolments_for(request.user).filter(
        programme=programme, status__in=(EnrolmentStatus.WAITING, EnrolmentStatus.ENROLLED)
    )
    if not request.user.has_perm(MANAGE_PROGRAMMES):
        participants = participants.none()  # the register shows places, not people
    return render(
        request,
        "programs/programme_detail.html",
        {
            "programme": programme,
            "participants": participants.order_by("status", "listed_on", "pk"),
            "can_register": request.user.has_perm(KEEP_PROVIDER_REGISTER),
        },
    )


@needs(KEEP_PROVIDER_REGISTER, MANAGE_PROGRAMMES, EVALUATE_PROGRAMMES)
def demand(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = selectors.demand_by_region(
        on=timezone.localdate(), regions=selectors.demand_regions_for(request.user)
    )
    if request.GET.get("format") == "csv":
        return _csv(
            "programme-demand.csv",
            ["region", "obliged", "unlisted", "waiting", "enrolled", "capacity", "coverage"],
            [
                [
                    r.region.kato_code,
                    r.obliged,
                    r.unlisted,
                    r.waiting,
                    r.enrolled,
                    r.capacity,
                    "" if r.coverage is None else f"{r.coverage:.2f}",
                ]
                for r in rows
            ],
        )
    return render(request, "programs/demand.html", {"rows": rows})


# --- Participants ------------------------------------------------------------------------------


def _own_provider(request: AuthenticatedHttpRequest) -> Provider:
    provider = selectors.provider_of(request.user)
    if provider is None:
        raise PermissionDenied
    return provider


@needs(MANAGE_PROGRAMMES)
def participants(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The obliged (automatic, from court requirements), the waiting and the enrolled."""
    provider = _own_provider(request)
    today = timezone.localdate()
    status = request.GET.get("status", "obliged")
    if status == "obliged":
        rows: Any = selectors.candidates(region=provider.region, on=today)
    else:
        rows = selectors.enrolments_for(request.user).filter(status=status)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="programs.enrolment",
        details={"list": status},
    )
    return render(
        request,
        "programs/participants.html",
        {
            "provider": provider,
            "status": status,
            "statuses": [("obliged", _("obliged, not yet listed")), *EnrolmentStatus.choices],
            "page": _page(request, rows),
            "form": forms.EnrolForm(programmes=provider.programmes.filter(is_active=True)),
        },
    )


@needs(MANAGE_PROGRAMMES)
def enrol(request: AuthenticatedHttpRequest, requirement_pk: int) -> HttpResponse:
    provider = _own_provider(request)
    requirement = get_object_or_404(
        selectors.obliged_requirements(region=provider.region), pk=requirement_pk
    )
    form = forms.EnrolForm(
        request.POST or None, programmes=provider.programmes.filter(is_active=True)
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_create(
                actor=request.user, request=request, requirement=requirement, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            _attach_errors(form, exc)
        else:
            return redirect(enrolment)
    title = _("Enrol %(requirement)s") % {"requirement": requirement.offender.label}
    return _form_page(request, form, title, "../../")


def _enrolment(request: AuthenticatedHttpRequest, pk: int) -> Any:
    return get_for_user(selectors.enrolments_for(request.user), request.user, pk)


@needs(*CASEWORK)
def enrolment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk)
    audit_record(action=AuditAction.VIEW, request=request, target=enrolment)
    can_manage = request.user.has_perm(MANAGE_PROGRAMMES)
    return render(
        request,
        "programs/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "attendance": enrolment.attendance.all(),
            "reports": enrolment.partner_reports.all(),
            "violations": enrolment.possible_violations.all(),
            "can_manage": can_manage,
            "attendance_form": forms.AttendanceForm(),
            "day_form": forms.DayForm(),
            "drop_form": forms.DropOutForm(),
        },
    )


ACTIONS: dict[str, tuple[type[Form], Callable[..., Any], Any]] = {
    "attendance": (
        forms.AttendanceForm,
        services.attendance_record,
        gettext_lazy("Record a session"),
    ),
    "complete": (forms.DayForm, services.enrolment_complete, gettext_lazy("Completion")),
    "admit": (forms.DayForm, services.enrolment_admit, gettext_lazy("Admit from the waiting list")),
    "drop-out": (forms.DropOutForm, services.enrolment_drop_out, gettext_lazy("Drop-out")),
    "partner-report": (
        forms.PartnerReportForm,
        services.partner_report_record,
        gettext_lazy("Partner's report"),
    ),
}


@needs(MANAGE_PROGRAMMES)
def enrolment_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    enrolment = _enrolment(request, pk)
    form_class, service, title = ACTIONS[action]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, request=request, enrolment=enrolment, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _attach_errors(form, exc)
        else:
            return redirect(enrolment)
    return _form_page(request, form, f"{enrolment.label}: {title}", enrolment.get_absolute_url())


@needs(MANAGE_PROGRAMMES)
def partner_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(PartnerSafetyReport, pk=pk)
    try:
        text = services.partner_report_text(actor=request.user, request=request, report=report)
    except PermissionDenied:
        raise Http404 from None
    return render(request, "programs/partner_report.html", {"report": report, "text": text})


@needs(MANAGE_PROGRAMMES)
def attendance_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    _own_provider(request)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"attendance{suffix}"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            try:
                result = attendance_import_file(actor=request.user, path=path, request=request)
            except UnreadableFile as exc:
                form.add_error("file", str(exc.reason))
    return render(request, "programs/import.html", {"form": form, "result": result})


# --- Possible violations -----------------------------------------------------------------------


@needs(*CASEWORK)
def violation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    reports = selectors.possible_violations_for(request.user)
    if status := request.GET.get("status"):
        reports = reports.filter(status=status)
    can_resolve = request.user.has_perm(MANAGE_REQUIREMENTS) or request.user.has_perm(MANAGE_ORDERS)
    return render(
        request,
        "programs/violations.html",
        {"page": _page(request, reports), "can_resolve": can_resolve, "form": forms.ResolveForm()},
    )


@needs(MANAGE_REQUIREMENTS, MANAGE_ORDERS)
def violation_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_for_user(selectors.possible_violations_for(request.user), request.user, pk)
    form = forms.ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.possible_violation_resolve(
                actor=request.user,
                request=request,
                report=report,
                confirm=form.cleaned_data["decision"] == "confirm",
                sanction=form.cleaned_data["sanction"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _attach_errors(form, exc)
        else:
            return redirect("programs:violations")
    return _form_page(request, form, str(report), "../../")


# --- Evaluation --------------------------------------------------------------------------------


def _scope_key(request: AuthenticatedHttpRequest) -> tuple[str, Any]:
    """Whose results: a provider its own; a regional coordinator the region; else the country."""
    user = request.user
    if user.has_perm(EVALUATE_PROGRAMMES) and user.scope_kind == ScopeKind.COUNTRY:
        return "country", None
    provider = selectors.provider_of(user)
    if provider is not None:
        return f"provider-{provider.pk}", provider
    regions = selectors.demand_regions_for(user)
    region = regions.first() if user.scope_kind in (ScopeKind.REGION, ScopeKind.DISTRICT) else None
    if region is None:
        raise PermissionDenied
    return f"region-{region.pk}", region


def evaluation_for(request: AuthenticatedHttpRequest) -> tuple[Evaluation, StoredEvaluation]:
    """The stored evaluation of the user's scope (computed here only the very first time)."""
    key, _holder = _scope_key(request)
    return evaluation_stored(key)


@needs(EVALUATE_PROGRAMMES, MANAGE_PROGRAMMES, KEEP_PROVIDER_REGISTER)
def evaluation(request: AuthenticatedHttpRequest) -> HttpResponse:
    result, stored = evaluation_for(request)
    return render(
        request,
        "programs/evaluation.html",
        {
            "result": result,
            "stored": stored,
            "outdated": stored.data_version != data_version(),
            "caveat": CAVEAT,
            "horizons": HORIZONS,
        },
    )


@needs(EVALUATE_PROGRAMMES, MANAGE_PROGRAMMES, KEEP_PROVIDER_REGISTER)
@csp_update({"style-src": ["'unsafe-inline'"]})  # type: ignore[arg-type]  # SVG inline styles
def evaluation_chart(request: AuthenticatedHttpRequest, by: str) -> HttpResponse:
    result, _stored = evaluation_for(request)
    curves = {"group": result.curves, "provider": result.by_provider, "region": result.by_region}
    if by not in curves:
        raise Http404
    titles = {
        "group": _("Re-offending by completion status"),
        "provider": _("Re-offending of attenders by provider"),
        "region": _("Re-offending by region"),
    }
    return HttpResponse(charts.km_chart(curves[by], titles[by]), content_type="image/svg+xml")


@needs(EVALUATE_PROGRAMMES, MANAGE_PROGRAMMES, KEEP_PROVIDER_REGISTER)
def evaluation_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The figures of the page (aggregates only: no row describes a person)."""
    result, _stored = evaluation_for(request)
    rows: list[list[Any]] = []
    for by, curves in (
        ("group", result.curves),
        ("provider", result.by_provider),
        ("region", result.by_region),
    ):
        for curve in curves:
            for horizon in HORIZONS:
                rate = curve.reoffended.get(horizon)
                rows.append(
                    [
                        by,
                        curve.group,
                        curve.n,
                        curve.events,
                        horizon,
                        *(["", "", ""] if rate is None else [f"{v:.4f}" for v in rate]),
                    ]
                )
    for row in result.cox:
        rows.append(
            [
                "cox",
                row.covariate,
                "",
                "",
                "",
                f"{row.hazard_ratio:.4f}",
                f"{row.low:.4f}",
                f"{row.high:.4f}",
            ]
        )
    audit_record(action=AuditAction.EXPORT, request=request, object_type="programs.evaluation")
    return _csv(
        "programme-evaluation.csv",
        ["by", "group", "n", "events", "months", "share_reoffended_or_hr", "low", "high"],
        rows,
    )


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    payload = table_bytes(header, rows, "csv", bom=False)
    response = HttpResponse(payload, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
