from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from qorgau.accounts.roles import Role
from qorgau.territory.models import Level, Territory


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's starting page for their role; the sign-in page otherwise."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    scope = user.scope_territory
    regions = Territory.objects.current().filter(level=Level.REGION).count()
    return render(
        request,
        "web/home.html",
        {
            "role": Role(user.role) if user.role else None,
            "scope": scope,
            "scope_population": scope.latest_population() if scope else None,
            "n_regions": regions,
        },
    )
