from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from qorgau.web.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "menu": menu_for(user, request.path) if user is not None and user.is_authenticated else [],
        "second_factor_off": not settings.QORGAU_REQUIRE_2FA,
        "demo": settings.QORGAU_DEMO,
    }
