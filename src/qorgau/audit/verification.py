"""The last verification of the audit chain, kept so that the chain page opens at once.

Verifying re-computes the seal of every entry since the first, which grows with the trail
(a third of a second on the demo, minutes on years of real use), while the page is opened far
more often than the chain can usefully be re-checked. The page therefore shows the stored
result of the last walk, when it ran and how many entries were recorded since, and walks the
chain again on request; ``qorgau audit verify`` always walks the whole chain and stores its
result too (a nightly run keeps the page current). Each stored result is sealed with a key
derived from the audit key, so a row forged in the table is not believed.
"""

from __future__ import annotations

from django.utils import timezone

from qorgau.audit.models import AuditChainHead, ChainVerification
from qorgau.audit.services import ChainReport, audit_chain_verify


def chain_verification_store(report: ChainReport) -> ChainVerification:
    """Keep ``report`` as the chain's last verification."""
    verification = ChainVerification(
        checked_at=timezone.now(),
        intact=report.intact,
        entries_checked=report.entries_checked,
        first_broken_position=report.first_broken_position,
        problem=report.problem,
        anchors_checked=report.anchors_checked,
    )
    verification.seal = verification.compute_seal()
    verification.save()
    return verification


def chain_verify_now() -> ChainVerification:
    """Walk the whole chain and keep the result."""
    return chain_verification_store(audit_chain_verify())


def chain_last_verification() -> ChainVerification:
    """The last stored verification, walking the chain first when none was ever stored or
    the last one's seal does not hold (a row written or altered outside this module)."""
    last = ChainVerification.objects.first()
    return last if last is not None and last.is_sealed() else chain_verify_now()


def entries_since(verification: ChainVerification) -> int:
    """How many entries were appended after the verification (not yet covered by it)."""
    head = AuditChainHead.objects.filter(pk=1).values_list("length", flat=True).first()
    return max(0, (head or 0) - verification.entries_checked)
