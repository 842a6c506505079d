"""Report workflows: who may ask for which report, generating it (in the background or
inline), and keeping the file as an artefact."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from qorgau.accounts.models import User
from qorgau.accounts.roles import VIEW_AGGREGATES
from qorgau.reports.models import Report, ReportKind, ReportStatus
from qorgau.reports.render import ReportError, report_render, report_request_parse
from qorgau.reports.sections import ReportRequest
from qorgau.territory.models import Level, Territory

if TYPE_CHECKING:
    from qorgau.accounts.typing import Viewer


logger = logging.getLogger(__name__)


def reports_dir() -> Path:
    return Path(getattr(settings, "QORGAU_REPORTS_DIR", Path(settings.VAR_DIR) / "reports"))


def user_region(user: User) -> Territory | None:
    """The region a user is scoped to (None for country-wide users)."""
    territory = user.scope_territory
    while territory is not None and territory.level > Level.REGION:
        territory = territory.parent
    if territory is None or territory.level == Level.COUNTRY:
        return None
    region: Territory = territory
    return region


def may_request(user: User, request: ReportRequest) -> bool:
    """Country-wide users may ask for any report; others only for their own region's passport."""
    if not user.has_perm(VIEW_AGGREGATES):
        return False
    region = user_region(user)
    if region is None:
        return True
    return request.kind == ReportKind.REGION and request.territory.kato_code == region.kato_code


def reports_for(user: Viewer) -> QuerySet[Report]:
    """The stored reports a user may list and download."""
    reports = Report.objects.select_related("territory", "requested_by", "computation_run")
    if not isinstance(user, User) or not user.has_perm(VIEW_AGGREGATES):
        return reports.none()
    region = user_region(user)
    if region is None:
        return reports
    return reports.filter(
        Q(kind=ReportKind.REGION, territory__kato_code=region.kato_code) | Q(requested_by=user)
    )


def report_request(
    *, actor: User, kind: str, code: str | None, period: str, language: str, fmt: str
) -> Report:
    """Record a report request (checked) and start generating it."""
    parsed = report_request_parse(kind=kind, code=code, period=period, language=language)
    if fmt not in ("pdf", "html"):
        raise ReportError(f"Unknown format {fmt!r}: use pdf or html.")
    if not may_request(actor, parsed):
        raise PermissionDenied
    report = Report.objects.create(
        kind=kind,
        territory=parsed.territory,
        period=parsed.period.code,
        language=language,
        format=fmt,
        requested_by=actor,
    )
    report_start(report.pk)
    return report


def report_start(report_id: int) -> None:
    """In a background thread, or inline when ``QORGAU_REPORTS_IN_BACKGROUND`` is off."""
    if getattr(settings, "QORGAU_REPORTS_IN_BACKGROUND", True):
        threading.Thread(
            target=_in_thread, args=(report_id,), name=f"report-{report_id}", daemon=True
        ).start()
    else:
        report_generate(Report.objects.get(pk=report_id))


def _in_thread(report_id: int) -> None:
    try:
        report_generate(Report.objects.get(pk=report_id))
    except Exception:
        logger.exception("Report %s failed", report_id)
    finally:
        connections.close_all()


def _save_progress(report: Report) -> Any:
    def progress(percent: int, stage: str) -> None:
        report.progress, report.stage = percent, stage[:200]
        Report.objects.filter(pk=report.pk).update(progress=percent, stage=report.stage)

    return progress


def report_generate(report: Report) -> Report:
    """Render the report and keep the file; any failure is recorded on the report."""
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, progress=1)
    try:
        request = report_request_parse(
            kind=report.kind,
            code=report.territory.kato_code,
            period=report.period,
            language=report.language,
        )
        payload, built = report_render(request, report.format, progress=_save_progress(report))
        name = f"report-{report.pk}-{report.download_name}"
        write_atomically(reports_dir() / name, payload)
    except (ReportError, OSError) as exc:
        return _fail(report, str(exc))
    except Exception as exc:
        logger.exception("Report %s failed", report.pk)
        _fail(report, f"{type(exc).__name__}: {exc}")
        raise
    report.status = ReportStatus.FINISHED
    report.progress, report.stage = 100, ""
    report.finished_at = timezone.now()
    report.computation_run = built.run
    report.sections = [
        {"key": s.key, "title": s.title, "skipped": bool(s.skipped)} for s in built.sections
    ]
    report.file_name = name
    report.size = len(payload)
    report.sha256 = hashlib.sha256(payload).hexdigest()
    report.save()
    return report


def _fail(report: Report, message: str) -> Report:
    report.status = ReportStatus.FAILED
    report.error = message[:2000]
    report.finished_at = timezone.now()
    report.save(update_fields=["status", "error", "finished_at"])
    return report


def write_atomically(path: Path, payload: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename: a full disk leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def report_file(report: Report) -> Path | None:
    if report.status != ReportStatus.FINISHED or not report.file_name:
        return None
    path = reports_dir() / report.file_name
    return path if path.is_file() else None
