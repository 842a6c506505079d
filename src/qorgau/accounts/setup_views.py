"""Setup pages of an administrator: the hub and organisations.

The parts above (coordinating bodies, programme providers, the help directory) build their
setup pages from the helpers here, so that every setup page is refused, listed and laid out
the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.setup_services import (
    organisation_create,
    organisation_update,
    setup_allowed,
    setup_filter,
    setup_territories,
)
from qorgau.territory.models import Territory

if TYPE_CHECKING:
    from qorgau.accounts.models import User


PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def setup_page(view: View) -> View:
    """Signed in and allowed to set up, or 403 (the territory is checked by the services)."""

    @login_required
    @functools.wraps(view)
    def checked(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not setup_allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


@dataclass(frozen=True)
class SetupRow:
    cells: Sequence[Any]
    edit_url: str


def setup_list(
    request: AuthenticatedHttpRequest,
    *,
    title: str | Promise,
    columns: Sequence[str | Promise],
    rows: Any,
    create_url: str,
    row: Callable[[Any], SetupRow],
) -> HttpResponse:
    """One page of a setup list: its rows as cells, each with its edit link."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "title": title,
        "columns": columns,
        "page": page,
        "rows": [row(item) for item in page],
        "create_url": create_url,
    }
    return render(request, "accounts/setup/list.html", context)


def setup_form(
    request: AuthenticatedHttpRequest, form: forms.BaseForm, *, title: str | Promise, back: str
) -> HttpResponse:
    return render(request, "accounts/setup/form.html", {"form": form, "title": title, "back": back})


def setup_errors(form: forms.BaseForm, exc: ValidationError | PermissionDenied) -> None:
    """A service's refusal shown on the form: field errors on their fields."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(None, str(exc) or _("You may not do this."))


def setup_submitted(
    request: AuthenticatedHttpRequest, form: forms.BaseForm, save: Callable[[dict[str, Any]], Any]
) -> Any:
    """What ``save`` returned (``True`` for ``None``) when the form was posted, valid and
    accepted by the service; otherwise ``None``, the refusal shown on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        setup_errors(form, exc)
        return None
    return True if saved is None else saved


def setup_saved(request: AuthenticatedHttpRequest, url_name: str) -> HttpResponse:
    messages.success(request, _("The changes were saved."))
    return redirect(url_name)


def setup_form_page(
    request: AuthenticatedHttpRequest,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], Any],
    *,
    title: str | Promise,
    list_url: str,
) -> HttpResponse:
    """A setup record's form: once the service accepts it, back to its list (``list_url``, a URL
    name) with the message; until then the form, with any refusal on it."""
    if setup_submitted(request, form, save):
        return setup_saved(request, list_url)
    return setup_form(request, form, title=title, back=reverse(list_url))


@setup_page
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/setup/index.html")


# --- Organisations ------------------------------------------------------------------------------


# the optional names in the three languages, shown instead of the name as entered
NAME_HELP = gettext_lazy("Optional: shown to readers of this language instead of the name.")


class OrganisationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=300)
    name_kk = forms.CharField(
        label=gettext_lazy("Name in Kazakh"), max_length=300, required=False, help_text=NAME_HELP
    )
    name_ru = forms.CharField(
        label=gettext_lazy("Name in Russian"), max_length=300, required=False, help_text=NAME_HELP
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name in English"), max_length=300, required=False, help_text=NAME_HELP
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=OrganisationKind.choices)
    territory = forms.ModelChoiceField(
        label=gettext_lazy("Territory"),
        queryset=Territory.objects.none(),
        help_text=gettext_lazy("The region or district where it works."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = setup_territories(actor)  # type: ignore[attr-defined]


def _organisations(request: AuthenticatedHttpRequest) -> Any:
    queryset = Organisation.objects.select_related("territory").order_by("territory__kato_code")
    return setup_filter(queryset, request.user, "territory_id")


def _organisation_row(organisation: Organisation) -> SetupRow:
    return SetupRow(
        [
            organisation.display_name,
            organisation.get_kind_display(),
            organisation.territory.name,
            _("yes") if organisation.is_active else _("no"),
        ],
        reverse("accounts:setup_organisation_edit", args=[organisation.pk]),
    )


@setup_page
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return setup_list(
        request,
        title=_("Organisations"),
        columns=[_("Name"), _("Kind"), _("Territory"), _("Active")],
        rows=_organisations(request),
        create_url=reverse("accounts:setup_organisation_create"),
        row=_organisation_row,
    )


@setup_page
def organisation_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, actor=request.user)
    return setup_form_page(
        request,
        form,
        lambda data: organisation_create(actor=request.user, request=request, **data),
        title=_("New organisation"),
        list_url="accounts:setup_organisation_list",
    )


@setup_page
def organisation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(_organisations(request), pk=pk)
    initial = {name: getattr(organisation, name) for name in OrganisationForm.base_fields}
    form = OrganisationForm(request.POST or None, actor=request.user, initial=initial)
    return setup_form_page(
        request,
        form,
        lambda data: organisation_update(
            actor=request.user, request=request, organisation=organisation, **data
        ),
        title=organisation.display_name,
        list_url="accounts:setup_organisation_list",
    )
