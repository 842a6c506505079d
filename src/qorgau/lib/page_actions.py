"""What a page does with a service's refusal or a form's errors: messages on the next page.

Pages whose actions are small POST forms beside a record (a case file, a review) redirect back
to the record after each action; the service's refusal (a rule broken, a permission lacking)
and the form's errors then reach the user as messages there, field by field, rather than as an
error page that loses what the user was looking at.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils.translation import gettext as _


def service_applied(request: HttpRequest, action: Callable[[], Any]) -> bool:
    """Run a service; a refusal becomes an error message. Whether it ran."""
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Your role may not do this."))
        return False
    return True


def form_errors_as_messages(request: HttpRequest, form: Form) -> None:
    """Each error of an invalid form as a message, prefixed with its field's label."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))
