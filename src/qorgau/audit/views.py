from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from qorgau.audit.filters import AuditEntryFilterSet
from qorgau.audit.forms import AccessReasonForm
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.audit.services import (
    access_reason,
    access_reason_grant,
    audit_record,
)
from qorgau.audit.verification import chain_last_verification, chain_verify_now, entries_since

PAGE_SIZE = 50


@login_required
@permission_required("audit.browse_audit", raise_exception=True)
def entry_list(request: HttpRequest) -> HttpResponse:
    filterset = AuditEntryFilterSet(request.GET or None, queryset=AuditEntry.objects.all())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/entry_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
@permission_required("audit.browse_audit", raise_exception=True)
@require_http_methods(["GET", "POST"])
def chain_status(request: HttpRequest) -> HttpResponse:
    """The last stored verification of the chain (``audit.verification``); the button posts
    here to walk the whole chain again, since walking it on every visit grows with the trail."""
    if request.method == "POST":
        chain_verify_now()
        return redirect(request.path)
    report = chain_last_verification()
    return render(
        request,
        "audit/chain_status.html",
        {"report": report, "entries_since": entries_since(report)},
    )


def ask_access_reason(request: HttpRequest, obj: models.Model) -> HttpResponse | None:
    """Record the opening of ``obj``, first asking why when it was not reached by the usual flow.

    Returns the reason page to show instead of the record, or ``None`` once the access is
    recorded and the record may be shown.
    """
    reason = access_reason(request, obj)
    if reason is not None:
        audit_record(action=AuditAction.VIEW, request=request, target=obj, reason=reason)
        return None
    form = AccessReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        access_reason_grant(request, obj, form.reason_text())
        return redirect(request.path)
    return render(request, "audit/access_reason.html", {"form": form})
