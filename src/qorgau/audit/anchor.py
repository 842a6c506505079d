"""Anchors of the audit chain outside the database: what catches a wiped or rolled-back trail.

The chain (``audit.models``) catches any edit, removal or insertion *inside* it, but not a
whole trail replaced: deleting both audit tables makes the application start a new chain, and
cutting the newest entries and restoring an older head row leaves a shorter chain that holds.
Both look intact from inside the database. So every committed entry also appends an *anchor*,
the chain's length and newest seal, to a file outside the database
(``QORGAU_AUDIT_ANCHOR_FILE``), one JSON line each, signed with a key derived from the audit
key (which the database administrators do not hold). :func:`anchors_check` then asks the
chain to reach every anchor with the same seal: a chain shorter than an anchor, or different
at an anchored position, was cut, rolled back or rebuilt, and an empty chain with anchors
was deleted.

The file should be append-only to the database's administrators (another owner, ``chattr +a``,
or shipped to a log host); ``qorgau audit anchor`` appends the current head on demand, e.g.
from the daily verification timer. A missing or empty file is no anchor yet (a new
installation, or one upgraded from before anchors), reported but not a failure. A deliberate
restore of an older backup (``qorgau restore``) appends a signed *rewind* anchor
(:func:`anchor_rewind`), after which the anchors beyond the restored chain no longer count.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    length: int
    seal: str
    at: str
    line: int
    # a deliberate rewind (``qorgau restore`` of an older backup): the anchors before it that
    # count more entries are superseded, the chain restarts from this one
    rewind: bool = False


@dataclass(frozen=True)
class AnchorCheck:
    """The chain against its anchors: ``problem`` empty when every anchor is reached."""

    anchors: int
    problem: str = ""
    last_good: Anchor | None = None


def anchor_path() -> Path | None:
    """The anchor file, or ``None`` when anchoring is switched off (an empty setting)."""
    value = getattr(settings, "QORGAU_AUDIT_ANCHOR_FILE", "")
    return Path(value) if value else None


def _mac(length: int, seal: str, at: str, rewind: bool = False) -> str:
    # A key of its own, derived from the audit key: an anchor cannot pass for an entry seal.
    key = hmac.new(
        settings.QORGAU_AUDIT_KEY.encode(), b"qorgau.audit.anchor", hashlib.sha256
    ).digest()
    kind = "rewind" if rewind else "anchor"
    return hmac.new(key, f"{kind}:{length}:{seal}:{at}".encode(), hashlib.sha256).hexdigest()


def anchor_write(length: int, seal: str, *, rewind: bool = False) -> None:
    """Append one signed anchor. One ``write`` of one short line to a file opened for
    appending, so the lines of concurrent workers never interleave.

    ``rewind`` marks a deliberate return to an older chain (a restored backup): only a
    process holding the audit key can sign one, which the database administrators cannot.
    """
    path = anchor_path()
    if path is None:
        return
    at = timezone.now().isoformat(timespec="seconds")
    data: dict[str, object] = {"length": length, "seal": seal, "at": at}
    if rewind:
        data["rewind"] = True
    data["mac"] = _mac(length, seal, at, rewind)
    line = json.dumps(data)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(handle, (line + "\n").encode())
    finally:
        os.close(handle)


def anchor_on_commit(length: int, seal: str) -> None:
    """Anchor an entry once its transaction commits: an entry rolled back (a refused
    registration, a failed import batch) must leave no anchor the chain can never reach."""

    def write() -> None:
        try:
            anchor_write(length, seal)
        except OSError:
            # The entry is committed; failing the request now would not undo it. The next
            # anchor (or ``qorgau audit anchor``) covers it, and the error is loud in the log.
            logger.exception("audit anchor not written to %s", anchor_path())

    transaction.on_commit(write)


def anchors_read() -> tuple[list[Anchor], str]:
    """The anchors of the file, and a problem if a line is not one this installation signed."""
    path = anchor_path()
    if path is None or not path.exists():
        return [], ""
    anchors: list[Anchor] = []
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
                anchor = Anchor(
                    int(data["length"]),
                    str(data["seal"]),
                    str(data["at"]),
                    number,
                    data.get("rewind") is True,
                )
                good = hmac.compare_digest(
                    str(data["mac"]), _mac(anchor.length, anchor.seal, anchor.at, anchor.rewind)
                )
            except (ValueError, KeyError, TypeError):
                good = False
            if not good:
                return anchors, f"line {number} of the anchor file is not a signed anchor"
            anchors.append(anchor)
    return anchors, ""


def anchored_positions(anchors: Iterable[Anchor]) -> set[int]:
    return {anchor.length for anchor in anchors}


def anchors_in_force(anchors: list[Anchor]) -> list[Anchor]:
    """The anchors the chain must reach: a rewind supersedes the earlier anchors beyond it."""
    active: list[Anchor] = []
    for anchor in anchors:
        if anchor.rewind:
            active = [a for a in active if a.length <= anchor.length]
        active.append(anchor)
    return [anchor for anchor in active if anchor.length > 0]  # an empty chain holds nothing


def anchors_check(anchors: list[Anchor], length: int, seals: dict[int, str]) -> AnchorCheck:
    """Whether a chain of ``length`` entries, with ``seals`` at the anchored positions,
    reaches every anchor in force. Reports the first anchor missed and the last one reached."""
    anchors = anchors_in_force(anchors)
    reached: Anchor | None = None
    for anchor in anchors:
        if anchor.length > length:
            return AnchorCheck(
                len(anchors),
                f"the chain has {length} entries, but the anchor of {anchor.at} counts "
                f"{anchor.length}: entries were deleted or an older copy restored",
                reached,
            )
        if seals.get(anchor.length) != anchor.seal:
            return AnchorCheck(
                len(anchors),
                f"entry #{anchor.length} is not the one anchored at {anchor.at}: "
                "the chain was rebuilt",
                reached,
            )
        if reached is None or anchor.length >= reached.length:
            reached = anchor
    return AnchorCheck(len(anchors), "", reached)


def anchor_rewind() -> None:
    """Anchor the current chain head as a deliberate rewind (after a restore): the anchors
    beyond it stop counting. Written at once, not on commit: the restore is already done."""
    from qorgau.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).first()
    length, seal = (head.length, head.last_seal) if head else (0, "")
    anchor_write(length, seal, rewind=True)
