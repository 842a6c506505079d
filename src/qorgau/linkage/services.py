"""Workflows of the linkage part: start a run, show a pair to the reviewer, apply a decision."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import restrict
from qorgau.accounts.roles import REVIEW_LINKAGE, RUN_LINKAGE
from qorgau.audit.models import AuditAction
from qorgau.audit.services import audit_record
from qorgau.lib.crypto import decrypt_text
from qorgau.linkage.engine import UnionFind, run_execute
from qorgau.linkage.evaluation import POLICE, truth_keys
from qorgau.linkage.models import (
    DEFAULT_THRESHOLD,
    CandidatePair,
    LinkageRun,
    LinkEdge,
    LinkedRecord,
    PairStatus,
    RunStatus,
)
from qorgau.linkage.splink_model import BACKENDS

if TYPE_CHECKING:
    from qorgau.accounts.models import User


logger = logging.getLogger(__name__)


def run_create(
    *,
    actor: User | None,
    years: Sequence[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    backend: str = "duckdb",
    parameters: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> LinkageRun:
    """Queue a run (started by :func:`run_start` once the transaction commits)."""
    if actor is not None and not actor.has_perm(RUN_LINKAGE):
        raise PermissionDenied
    if not 0.5 <= threshold < 1:
        raise ValidationError({"threshold": _("The threshold must lie between 0.5 and 1.")})
    if backend not in BACKENDS:
        raise ValidationError({"backend": _("Unknown backend.")})
    run = LinkageRun.objects.create(
        started_by=actor,
        years=sorted(set(years or [])),
        threshold=threshold,
        backend=backend,
        parameters=parameters or {},
    )
    audit_record(
        action=AuditAction.CREATE,
        request=request,
        actor=actor,
        target=run,
        details={"years": run.years, "threshold": threshold, "backend": backend},
    )
    return run


def run_start(run_id: int) -> None:
    """Run in a background thread (or inline when ``QORGAU_LINKAGE_IN_BACKGROUND`` is off)."""
    if getattr(settings, "QORGAU_LINKAGE_IN_BACKGROUND", True):
        thread = threading.Thread(
            target=_run_in_thread, args=(run_id,), name=f"linkage-{run_id}", daemon=True
        )
        thread.start()
    else:
        run_execute(LinkageRun.objects.get(pk=run_id))


def _run_in_thread(run_id: int) -> None:
    try:
        run_execute(LinkageRun.objects.get(pk=run_id))
    except Exception:
        logger.exception("Linkage run %s failed", run_id)
    finally:
        connections.close_all()


def latest_finished_run() -> LinkageRun | None:
    return LinkageRun.objects.filter(status=RunStatus.FINISHED).order_by("-pk").first()


@dataclass(frozen=True)
class RecordView:
    """What the reviewer sees of one record of a pair (decrypted, in the trust zone)."""

    register: str
    label: str
    region_code: str
    year: int
    surname: str
    first_name: str
    patronymic: str
    sex: str
    birth: str
    has_iin: bool


def _source_object(record: LinkedRecord, actor: User) -> tuple[Any, str]:
    """The police ``Person`` or the ``RegisterRecord`` behind ``record`` that ``actor`` may
    see (``None`` otherwise), and its pseudonymous label."""
    from qorgau.registry.models import Person, RegisterRecord

    if record.register == POLICE:
        person = (
            restrict(Person.objects.all(), actor, permission=REVIEW_LINKAGE)
            .filter(pk=record.source_record_id)
            .first()
        )
        return person, f"P-{record.source_record_id:06d}"
    found = (
        restrict(RegisterRecord.objects.all(), actor, permission=REVIEW_LINKAGE)
        .filter(pk=record.source_record_id)
        .first()
    )
    return found, found.label if found else ""


def _source_rows(records: list[LinkedRecord], actor: User) -> dict[int, RecordView]:
    views: dict[int, RecordView] = {}
    for record in records:
        obj, label = _source_object(record, actor)
        if obj is None:
            continue
        birth = obj.birth_date.isoformat() if obj.birth_date else str(obj.birth_year or "")
        views[record.pk] = RecordView(
            register=record.register,
            label=label,
            region_code=record.region_code,
            year=record.year,
            surname=decrypt_text(obj.surname_token) if obj.surname_token else "",
            first_name=decrypt_text(obj.first_name_token) if obj.first_name_token else "",
            patronymic=decrypt_text(obj.patronymic_token) if obj.patronymic_token else "",
            sex=obj.sex,
            birth=birth,
            has_iin=bool(obj.iin_pseudonym),
        )
    return views


def pair_records(
    pair: CandidatePair, *, actor: User, request: HttpRequest | None = None
) -> tuple[RecordView | None, RecordView | None]:
    """The two records' attributes, decrypted for the reviewer; one audit entry per opening."""
    if not actor.has_perm(REVIEW_LINKAGE):
        raise PermissionDenied
    views = _source_rows([pair.left, pair.right], actor)
    audit_record(
        action=AuditAction.DECRYPT,
        request=request,
        actor=actor,
        target=pair,
        reason="review of a linkage pair",
        details={
            "records": [f"{r.register}:{r.source_record_id}" for r in (pair.left, pair.right)],
        },
    )
    # Also one entry under each record whose names were shown, so that the auditor asking
    # "who saw person P-…" finds the reviews too, not only the pair.
    for record in (pair.left, pair.right):
        if record.pk in views:
            audit_record(
                action=AuditAction.DECRYPT,
                request=request,
                actor=actor,
                object_type="registry.person"
                if record.register == POLICE
                else "registry.registerrecord",
                object_id=str(record.source_record_id),
                reason="review of a linkage pair",
                details={"pair": pair.pk},
            )
    return views.get(pair.left_id), views.get(pair.right_id)


@transaction.atomic
def pair_decide(
    pair: CandidatePair, *, actor: User, decision: str, request: HttpRequest | None = None
) -> CandidatePair:
    """Record the reviewer's decision and apply it to the run's clusters.

    *Same person*: the two clusters merge (a reviewed link is kept). *Different persons*: the
    pair's own link, if any, is removed and the cluster is split into its remaining connected
    components; if other links still join the two records they stay together (the page says
    so).
    """
    if not actor.has_perm(REVIEW_LINKAGE):
        raise PermissionDenied
    if decision not in (PairStatus.MATCH, PairStatus.NON_MATCH):
        raise ValidationError({"decision": _("Choose same person or different persons.")})
    pair = CandidatePair.objects.select_for_update().select_related("left", "right").get(pk=pair.pk)
    pair.status, pair.reviewer, pair.decided_at = decision, actor, timezone.now()
    pair.save(update_fields=["status", "reviewer", "decided_at"])
    if decision == PairStatus.MATCH:
        LinkEdge.objects.create(
            run_id=pair.run_id,
            left_id=pair.left_id,
            right_id=pair.right_id,
            kind=LinkEdge.Kind.REVIEWED,
            probability=pair.probability,
        )
        keep, other = sorted((pair.left.cluster, pair.right.cluster))
        if keep != other:
            LinkedRecord.objects.filter(run_id=pair.run_id, cluster=other).update(cluster=keep)
    else:
        LinkEdge.objects.filter(
            run_id=pair.run_id,
            left_id__in=(pair.left_id, pair.right_id),
            right_id__in=(pair.left_id, pair.right_id),
        ).delete()
        _recluster(pair.run_id, pair.left.cluster)
    audit_record(
        action=AuditAction.CHANGE,
        request=request,
        actor=actor,
        target=pair,
        details={"decision": decision, "probability": pair.probability},
    )
    return pair


def _recluster(run_id: int, cluster: int) -> None:
    """Split ``cluster`` into the connected components of its remaining links."""
    members = list(
        LinkedRecord.objects.filter(run_id=run_id, cluster=cluster).values_list("pk", flat=True)
    )
    if len(members) < 2:
        return
    index = {pk: i for i, pk in enumerate(members)}
    union = UnionFind(len(members))
    for left, right in LinkEdge.objects.filter(run_id=run_id, left_id__in=members).values_list(
        "left_id", "right_id"
    ):
        if left in index and right in index:
            union.union(index[left], index[right])
    labels = union.labels()
    if max(labels) == 1:
        return
    top = (
        LinkedRecord.objects.filter(run_id=run_id)
        .order_by("-cluster")
        .values_list("cluster", flat=True)
        .first()
        or 0
    )
    for label in range(2, max(labels) + 1):
        pks = [members[i] for i, value in enumerate(labels) if value == label]
        LinkedRecord.objects.filter(pk__in=pks).update(cluster=top + label - 1)


def run_evaluate(run: LinkageRun) -> dict[str, Any]:
    """Precision, recall and F1 of the run's clusters as they stand now (after reviews),
    against the truth keys a registered lookup knows (:mod:`qorgau.linkage.evaluation`);
    stored on the run. Empty when a record has no known truth (always, on real data)."""
    from qorgau.linkage.quality import cluster_quality

    rows = list(
        LinkedRecord.objects.filter(run=run).values_list("register", "source_record_id", "cluster")
    )
    keys = truth_keys()
    truth = [keys.key(register, source) for register, source, _c in rows]
    if not rows or not all(truth):
        return {}
    run.quality = cluster_quality([c for _r, _s, c in rows], truth).as_dict()
    run.save(update_fields=["quality"])
    return dict(run.quality)
