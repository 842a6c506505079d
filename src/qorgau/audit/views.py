from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from qorgau.audit.filters import AuditEntryFilterSet
from qorgau.audit.forms import AccessReasonForm
from qorgau.audit.models import AuditAction, AuditEntry
from qorgau.audit.services import (
    access_reason,
    access_reason_grant,
    audit_chain_verify,
    audit_record,
)

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
def chain_status(request: HttpRequest) -> HttpResponse:
    return render(request, "audit/chain_status.html", {"report": audit_chain_verify()})


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
