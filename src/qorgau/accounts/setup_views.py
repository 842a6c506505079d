"""Setup pages of an administrator: the hub and organisations.

The parts above (coordinating bodies, programme providers, the help directory) declare their
setup pages as a ``SetupSection`` here, so that every setup page is refused, listed and laid
out the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
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
R = TypeVar("R", bound=Model)
SetupForm = type[forms.Form] | type["forms.ModelForm[Any]"]


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


ACTIVE = gettext_lazy("Active")


@dataclass(frozen=True, kw_only=True)
class SetupSection(Generic[R]):
    """One kind of record an administrator keeps: its list, its new form and its edit form.

    Declared once per kind, in the manner of Django's ``ModelAdmin``, so that every setup page
    is refused, scoped, listed, saved and laid out the same way. The services named here still
    decide what is allowed; a form is only what the administrator may choose from.

    ``form`` (and ``edit_form``, when editing shows fewer fields) takes the acting account as
    ``actor``, to offer only the territories and organisations of that account's scope.
    """

    app: str
    name: str  # URL names: "<app>:setup_<name>_list", "…_create", "…_edit"
    prefix: str = ""  # "setup/<name>s/" when empty
    title: Promise
    new_title: Promise
    columns: Sequence[Promise]
    records: Callable[[User], QuerySet[R]]
    cells: Callable[[R], Sequence[Any]]
    form: SetupForm
    edit_form: SetupForm | None = None
    create: Callable[..., Any]  # service(actor=, request=, **cleaned_data)
    update: Callable[..., Any]  # service(actor=, request=, <record_keyword>=record, **data)
    record_keyword: str = ""  # the name of the record in ``update``; ``name`` when empty
    record_title: Callable[[R], str]
    initial: Callable[[R], dict[str, Any]] | None = None  # the form's fields read off the record
    open_after_create: bool = False  # to the new record's page rather than back to the list

    def url_name(self, page: str) -> str:
        return f"{self.app}:setup_{self.name}_{page}"

    def urls(self, *, edit: View | None = None) -> list[URLPattern]:
        """The three pages, under the names the templates and tests reverse; ``edit`` replaces
        the plain edit page where a record shows more than its form."""
        base = self.prefix or f"setup/{self.name}s/"
        return [
            path(base, setup_page(self.list_page), name=f"setup_{self.name}_list"),
            path(f"{base}new/", setup_page(self.create_page), name=f"setup_{self.name}_create"),
            path(
                f"{base}<int:pk>/",
                edit or setup_page(self.edit_page),
                name=f"setup_{self.name}_edit",
            ),
        ]

    def list_page(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return setup_list(
            request,
            title=self.title,
            columns=self.columns,
            rows=self.records(request.user),
            create_url=reverse(self.url_name("create")),
            row=lambda record: SetupRow(
                self.cells(record), reverse(self.url_name("edit"), args=[record.pk])
            ),
        )

    def create_page(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = self.form(request.POST or None, actor=request.user)  # type: ignore[call-arg]
        saved = setup_submitted(
            request, form, lambda data: self.create(actor=request.user, request=request, **data)
        )
        if saved and self.open_after_create:
            return redirect(self.url_name("edit"), pk=saved.pk)
        if saved:
            return setup_saved(request, self.url_name("list"))
        back = reverse(self.url_name("list"))
        return setup_form(request, form, title=self.new_title, back=back)

    def record(self, request: AuthenticatedHttpRequest, pk: int) -> R:
        """The record if it is within the administrator's scope, or 404."""
        return get_object_or_404(self.records(request.user), pk=pk)

    def edit_page(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        record = self.record(request, pk)
        form_class = self.edit_form or self.form
        if self.initial is not None:
            initial = self.initial(record)
        else:
            initial = {name: getattr(record, name) for name in form_class.base_fields}
        form = form_class(  # type: ignore[call-arg]
            request.POST or None, actor=request.user, initial=initial
        )
        keyword = self.record_keyword or self.name
        return setup_form_page(
            request,
            form,
            lambda data: self.update(
                actor=request.user, request=request, **{keyword: record}, **data
            ),
            title=self.record_title(record),
            list_url=self.url_name("list"),
        )


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


def _organisations(actor: User) -> QuerySet[Organisation]:
    queryset = Organisation.objects.select_related("territory").order_by("territory__kato_code")
    return setup_filter(queryset, actor, "territory_id")


ORGANISATIONS = SetupSection[Organisation](
    app="accounts",
    name="organisation",
    title=gettext_lazy("Organisations"),
    new_title=gettext_lazy("New organisation"),
    columns=[gettext_lazy("Name"), gettext_lazy("Kind"), gettext_lazy("Territory"), ACTIVE],
    records=_organisations,
    cells=lambda organisation: [
        organisation.display_name,
        organisation.get_kind_display(),
        organisation.territory.name,
        _("yes") if organisation.is_active else _("no"),
    ],
    form=OrganisationForm,
    create=organisation_create,
    update=organisation_update,
    record_title=lambda organisation: organisation.display_name,
)
