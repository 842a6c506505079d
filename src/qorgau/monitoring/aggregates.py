"""Monthly aggregate reports of the bodies that report only totals: forms as data, validation,
and the submit → approve → accept workflow with locking. Every change is audited."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import can_place_in_scope
from qorgau.accounts.models import Organisation
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.monitoring.models import AggregateFigure, AggregateReport, ReportStatus
from qorgau.monitoring.periods import PeriodError, PeriodKind, period_parse
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


FORMS_FILE = Path(__file__).resolve().parent / "data" / "aggregate_forms.yaml"
ENTER = "monitoring.enter_aggregates"
APPROVE = "monitoring.approve_aggregates"
ACCEPT = "monitoring.accept_aggregates"

LOCKED = _("This report is locked: it was approved. Ask the region to return it for correction.")
NOT_A_MONTH = _("Aggregate reports are monthly: give the period as 2024-10.")
FUTURE_MONTH = _("A month can be reported only after it has ended.")
NEGATIVE = _("A count cannot be negative.")
TOO_LARGE = _("More than %(max)s is not plausible here; check the figure.")
SUM_MISMATCH = _("%(total)s must equal the sum of its parts (%(sum)s).")
WRONG_STATUS = _("The report is %(status)s; this step is not possible now.")
OUTSIDE = _("This territory or organisation is outside your scope.")


@dataclass(frozen=True)
class Item:
    code: str
    name: dict[str, str]
    max: int

    def label(self) -> str:
        return self.name.get((get_language() or "kk")[:2], self.name["en"])


@dataclass(frozen=True)
class ReportForm:
    code: str
    name: dict[str, str]
    reporter: str  # "organisation" or "district"
    items: tuple[Item, ...]
    sums: tuple[tuple[str, tuple[str, ...]], ...]
    organisation_kinds: tuple[str, ...] = ()  # who owes an organisation form every month

    def label(self) -> str:
        return self.name.get((get_language() or "kk")[:2], self.name["en"])


@lru_cache(maxsize=1)
def forms_load() -> tuple[dict[str, ReportForm], int]:
    data = yaml.safe_load(FORMS_FILE.read_text(encoding="utf-8"))
    forms = {
        code: ReportForm(
            code=code,
            name=spec["name"],
            reporter=spec["reporter"],
            items=tuple(Item(i["code"], i["name"], int(i["max"])) for i in spec["items"]),
            sums=tuple((s["total"], tuple(s["parts"])) for s in spec.get("sums") or ()),
            organisation_kinds=tuple(spec.get("organisation_kinds") or ()),
        )
        for code, spec in data["forms"].items()
    }
    return forms, int(data["due_day"])


def report_form(code: str) -> ReportForm:
    try:
        return forms_load()[0][code]
    except KeyError:
        raise ValidationError({"form": _("Unknown report form.")}) from None


def figures_validate(form: ReportForm, values: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """Check the figures; return them as integers and no warnings (outliers need the
    reporter's history: :func:`figures_outliers`)."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for item in form.items:
        raw = values.get(item.code, 0)
        try:
            number = int(raw if raw not in (None, "") else 0)
        except (TypeError, ValueError):
            errors.setdefault(item.code, []).append(str(_("Enter a whole number.")))
            continue
        if number < 0:
            errors.setdefault(item.code, []).append(str(NEGATIVE))
        elif number > item.max:
            errors.setdefault(item.code, []).append(str(TOO_LARGE % {"max": item.max}))
        clean[item.code] = number
    for total, parts in form.sums:
        if total in clean and all(p in clean for p in parts):
            added = sum(clean[p] for p in parts)
            if clean[total] != added:
                errors.setdefault(total, []).append(
                    str(SUM_MISMATCH % {"total": total, "sum": added})
                )
    unknown = set(values) - {item.code for item in form.items}
    if unknown:
        errors.setdefault("__all__", []).append(
            str(_("Unknown items: %s") % ", ".join(sorted(unknown)))
        )
    if errors:
        raise ValidationError(errors)
    return clean, []


def _check_month(period: str) -> None:
    try:
        parsed = period_parse(period)
    except PeriodError as exc:
        raise ValidationError({"period": str(exc)}) from exc
    if parsed.kind != PeriodKind.MONTH:
        raise ValidationError({"period": NOT_A_MONTH})
    if parsed.end >= timezone.localdate():
        raise ValidationError({"period": FUTURE_MONTH})


@transaction.atomic
def report_save(
    *,
    actor: User,
    form_code: str,
    period: str,
    values: dict[str, Any],
    territory: Any = None,
    organisation: Any = None,
    request: Any = None,
) -> AggregateReport:
    """Create or update a draft (or returned) report; approved reports are locked."""
    if not actor.has_perm(ENTER):
        raise PermissionDenied(_("Your role may not do this."))
    form = report_form(form_code)
    _check_month(period)
    if form.reporter == "organisation":
        organisation = organisation or actor.organisation
        if organisation is None:
            raise ValidationError({"organisation": _("Choose the organisation that reports.")})
        territory = organisation.territory
    if territory is None:
        raise ValidationError({"territory": _("Choose the district that reports.")})
    if not can_place_in_scope(
        actor,
        territory.pk if organisation is None else None,
        organisation.pk if organisation is not None else None,
    ):
        raise PermissionDenied(OUTSIDE)
    clean, _warnings = figures_validate(form, values)
    report, _created = AggregateReport.objects.select_for_update().get_or_create(
        form=form_code,
        period=period,
        territory=territory,
        organisation=organisation,
        defaults={"created_by": actor},
    )
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise ValidationError(LOCKED)
    before = dict(report.figures.values_list("item", "value"))
    report.figures.all().delete()
    AggregateFigure.objects.bulk_create(
        AggregateFigure(report=report, item=k, value=v) for k, v in clean.items()
    )
    report.status = ReportStatus.DRAFT
    report.save(update_fields=["status"])
    changed = sorted(k for k in clean if before.get(k) != clean[k])
    audit_record(
        action=AuditAction.CHANGE if before else AuditAction.CREATE,
        request=request,
        actor=actor,
        target=report,
        details={"items": changed},
    )
    return report


@transaction.atomic
def _transition(
    report: AggregateReport,
    *,
    actor: User,
    permission: str,
    source: tuple[str, ...],
    target: str,
    request: Any,
    reason: str = "",
) -> AggregateReport:
    if not actor.has_perm(permission):
        raise PermissionDenied(_("Your role may not do this."))
    report.refresh_from_db()  # the status may have moved on since the caller loaded it
    if not can_place_in_scope(actor, report.territory_id, None) and not (
        report.organisation_id and can_place_in_scope(actor, None, report.organisation_id)
    ):
        raise PermissionDenied(OUTSIDE)
    if report.status not in source:
        raise ValidationError(WRONG_STATUS % {"status": report.get_status_display()})
    now = timezone.now()
    report.status = target
    stamps: dict[str, str] = {
        ReportStatus.SUBMITTED: "submitted",
        ReportStatus.APPROVED: "approved",
        ReportStatus.ACCEPTED: "accepted",
    }
    if target in stamps:
        setattr(report, f"{stamps[target]}_at", now)
        setattr(report, f"{stamps[target]}_by", actor)
    if target == ReportStatus.RETURNED:
        report.return_reason = reason
    report.save()
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=report,
        details={"status": target},
        reason=reason,
    )
    return report


def report_submit(report: AggregateReport, *, actor: User, request: Any = None) -> AggregateReport:
    return _transition(
        report,
        actor=actor,
        permission=ENTER,
        source=(ReportStatus.DRAFT,),
        target=ReportStatus.SUBMITTED,
        request=request,
    )


def report_approve(report: AggregateReport, *, actor: User, request: Any = None) -> AggregateReport:
    """The region approves; from now on the figures are locked."""
    return _transition(
        report,
        actor=actor,
        permission=APPROVE,
        source=(ReportStatus.SUBMITTED,),
        target=ReportStatus.APPROVED,
        request=request,
    )


def report_accept(report: AggregateReport, *, actor: User, request: Any = None) -> AggregateReport:
    return _transition(
        report,
        actor=actor,
        permission=ACCEPT,
        source=(ReportStatus.APPROVED,),
        target=ReportStatus.ACCEPTED,
        request=request,
    )


def report_return(
    report: AggregateReport, *, actor: User, reason: str, request: Any = None
) -> AggregateReport:
    """Send a submitted or approved report back for correction (the only way to unlock it)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say what must be corrected.")})
    permission = APPROVE if report.status == ReportStatus.SUBMITTED else ACCEPT
    return _transition(
        report,
        actor=actor,
        permission=permission,
        source=(ReportStatus.SUBMITTED, ReportStatus.APPROVED),
        target=ReportStatus.RETURNED,
        request=request,
        reason=reason.strip(),
    )


OUTLIER_MONTHS = 12  # the history a figure is compared with: the months before its own
OUTLIER_MIN_MONTHS = 6  # fewer reported months say too little about what is usual
OUTLIER_LIMIT = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
_MAD_TO_SD = 1.4826  # the MAD of a normal sample times this estimates its standard deviation
# the reports that are the reporter's word: compared with for outliers, and no longer overdue
SUBMITTED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.ACCEPTED)


@dataclass(frozen=True)
class OutlierFlag:
    """A figure far from what the same reporter reported for the same item before."""

    item: str
    value: int
    median: float
    low: int  # the usual range: what the history's median and spread allow
    high: int
    months: int  # how many months of history it was compared with

    def message(self, form: ReportForm) -> str:
        label = next((i.label() for i in form.items if i.code == self.item), self.item)
        return str(
            _(
                "%(item)s: %(value)s is far from the last %(months)s months of this report "
                "(median %(median)s, usual range %(low)s–%(high)s). Check the figure before "
                "it is submitted or approved."
            )
            % {
                "item": label,
                "value": self.value,
                "months": self.months,
                "median": f"{self.median:g}",
                "low": self.low,
                "high": self.high,
            }
        )


def figures_outliers(
    *,
    form_code: str,
    period: str,
    territory_id: int,
    organisation_id: int | None,
    values: dict[str, int],
) -> list[OutlierFlag]:
    """The figures far from the same reporter's own figures of the twelve months before.

    A flag is a question to the reporter and the approver, not an error: the figure may be
    right (a new shelter opened). Method: the modified z-score of Iglewicz and Hoaglin,
    ``(x - median) / (1.4826 MAD)``, flagged beyond 3.5, over the figures of the reports of the
    same form and reporter submitted (or further) for the months before; with fewer than six
    such months nothing is flagged. The median and the median absolute deviation are not moved
    by the odd wrong month in the history itself, as a mean and a standard deviation would be.
    Counts that never varied (a MAD of zero, often all zeros) use the Poisson spread of their
    median, ``sqrt(max(median, 1))``, so a first 4 after a year of zeros is flagged and a 3 is
    not.
    """
    month = period_parse(period)
    first = month.start.replace(year=month.start.year - 1)
    reporter: dict[str, Any] = (
        {"report__organisation__isnull": True}
        if organisation_id is None
        else {"report__organisation_id": organisation_id}
    )
    history = AggregateFigure.objects.filter(
        **reporter,
        report__form=form_code,
        report__territory_id=territory_id,
        report__status__in=SUBMITTED_STATUSES,
        report__period__gte=f"{first:%Y-%m}",
        report__period__lt=period,
    ).values_list("item", "value")
    series: dict[str, list[int]] = {}
    for item, value in history:
        series.setdefault(item, []).append(value)
    flags = []
    for item, value in values.items():
        past = series.get(item, [])
        if len(past) < OUTLIER_MIN_MONTHS:
            continue
        median = statistics.median(past)
        spread = _MAD_TO_SD * statistics.median(abs(x - median) for x in past)
        if spread == 0:
            spread = math.sqrt(max(median, 1.0))
        if abs(value - median) / spread > OUTLIER_LIMIT:
            low = max(0, math.ceil(median - OUTLIER_LIMIT * spread))
            high = math.floor(median + OUTLIER_LIMIT * spread)
            flags.append(OutlierFlag(item, value, median, low, high, len(past)))
    return flags


def report_outliers(report: AggregateReport) -> list[OutlierFlag]:
    """:func:`figures_outliers` of a stored report's figures."""
    return figures_outliers(
        form_code=report.form,
        period=report.period,
        territory_id=report.territory_id,
        organisation_id=report.organisation_id,
        values=dict(report.figures.values_list("item", "value")),
    )


OVERDUE_MONTHS = 12  # how far back the list of overdue reports looks


@dataclass(frozen=True)
class OverdueReport:
    """A month's report that a reporter owes and has not submitted by the due day."""

    form: ReportForm
    period: str
    due: dt.date
    territory_id: int  # the district (of the organisation, for an organisation form)
    organisation_id: int | None
    reporter: str  # the organisation's or the district's name
    status: str  # "" when nothing was entered, else the report's status (draft, returned)

    def status_label(self) -> str:
        if not self.status:
            return str(_("not entered"))
        return str(ReportStatus(self.status).label)


def forms_first_reported() -> dict[str, str]:
    """The first month (``YYYY-MM``) each form was reported by anyone; unused forms are absent.

    Nothing is owed before it: a form enters the obligations when it is first used. Read as
    one indexed lookup per form of the catalogue (the unique index starts with form and
    period), where a grouped minimum scans every report on SQLite.
    """
    first: dict[str, str] = {}
    for code in forms_load()[0]:
        period = (
            AggregateReport.objects.filter(form=code)
            .order_by("period")
            .values_list("period", flat=True)
            .first()
        )
        if period is not None:
            first[code] = period
    return first


def reporters_owing(
    form: ReportForm, *, within: Collection[int] | None = None
) -> list[tuple[int, int | None, str]]:
    """Who owes ``form`` every month, as (territory, organisation, name).

    For an organisation form, every active organisation of the form's ``organisation_kinds``;
    for a district form, every district that has reported it at least once (a form a district
    has never used is not expected of it). The overdue list and the completeness indicator both
    count from this one definition. ``within`` keeps only the reporters of those districts,
    read by the database rather than filtered afterwards (a coordinator's overdue list).
    """
    if form.reporter == "organisation":
        organisations = Organisation.objects.filter(
            is_active=True, kind__in=form.organisation_kinds
        )
        if within is not None:
            organisations = organisations.filter(territory_id__in=within)
        return [
            (territory, pk, name)
            for pk, territory, name in organisations.values_list("pk", "territory_id", "name")
        ]
    used = AggregateReport.objects.filter(form=form.code).values("territory_id")
    districts = Territory.objects.filter(pk__in=used)
    if within is not None:
        districts = districts.filter(pk__in=within)
    names = districts.only("pk", "name_kk", "name_ru", "name_en")
    return [(d.pk, None, d.name) for d in names]


def reports_overdue(
    *, territory_ids: Collection[int] | None = None, today: dt.date | None = None
) -> list[OverdueReport]:
    """The reports owed for the months whose due day has passed, within the last twelve.

    Who owes a report: :func:`reporters_owing`, from the first month anyone reported the
    form (:func:`forms_first_reported`). Submitted, approved and accepted reports are not
    overdue; a draft or a report returned for correction still is. ``territory_ids`` limits the
    list to those districts (a coordinator's region); ``None`` is the whole country.
    """
    today = today or timezone.localdate()
    forms, due_day = forms_load()
    month = today.replace(day=1)
    months: list[tuple[str, dt.date]] = []
    for _step in range(OVERDUE_MONTHS):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        due = due_date(f"{month:%Y-%m}")
        if due < today:
            months.append((f"{month:%Y-%m}", due))
    if not months:
        return []
    reports = AggregateReport.objects.filter(period__gte=months[-1][0], period__lte=months[0][0])
    if territory_ids is not None:
        reports = reports.filter(territory_id__in=territory_ids)
    state: dict[tuple[str, str, int, int | None], str] = {
        (form, period, territory, organisation): status
        for form, period, territory, organisation, status in reports.values_list(
            "form", "period", "territory_id", "organisation_id", "status"
        )
    }
    first_month = forms_first_reported()
    owed: list[OverdueReport] = []
    for form in forms.values():
        if form.code not in first_month:
            continue
        for territory, organisation, name in reporters_owing(form, within=territory_ids):
            if territory_ids is not None and territory not in territory_ids:
                continue
            for period, due in months:
                if period < first_month[form.code]:
                    continue
                status = state.get((form.code, period, territory, organisation), "")
                if status in SUBMITTED_STATUSES:
                    continue
                owed.append(OverdueReport(form, period, due, territory, organisation, name, status))
    owed.sort(key=lambda o: (o.period, o.form.code, o.reporter))
    return owed


@lru_cache(maxsize=4096)
def due_date(period: str) -> dt.date:
    """The day a month's report is due: the forms' ``due_day`` of the following month."""
    month_end = period_parse(period).end
    return (month_end + dt.timedelta(days=1)).replace(day=forms_load()[1])


def is_on_time(report: AggregateReport) -> bool:
    if report.submitted_at is None:
        return False
    return timezone.localtime(report.submitted_at).date() <= due_date(report.period)
