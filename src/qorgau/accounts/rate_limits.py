"""Rate limits shared by every worker: counts in the database, one row per client and window.

A fixed window is enough here: the limits protect forms that a person uses a few times an hour
(the citizen portal's report, receipt look-up and volunteer sign-up), and the database is the
one store all processes of an installation already share — no cache server to run.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from qorgau.accounts.models import RequestCount


def request_count(
    *, bucket: str, client: str, window_seconds: int, now: dt.datetime | None = None
) -> int:
    """Count one request of ``client`` to ``bucket``; the number counted in this window."""
    moment = int((now or timezone.now()).timestamp())
    start = moment - moment % window_seconds
    key = {"bucket": bucket, "client": client, "window_start": start}
    with transaction.atomic():
        if not RequestCount.objects.filter(**key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RequestCount.objects.create(**key, count=1)
            except IntegrityError:  # another worker created it a moment ago
                RequestCount.objects.filter(**key).update(count=F("count") + 1)
            _forget_old_windows(bucket, before=start - window_seconds)
        return RequestCount.objects.filter(**key).values_list("count", flat=True).get()


def _forget_old_windows(bucket: str, *, before: int) -> None:
    """Drop windows that can no longer refuse anything (once per new window, not per hit)."""
    RequestCount.objects.filter(bucket=bucket, window_start__lt=before).delete()
