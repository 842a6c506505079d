"""Setup pages of coordinating bodies and their members (administrators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qorgau.accounts.http import AuthenticatedHttpRequest
from qorgau.accounts.models import Organisation
from qorgau.accounts.setup_services import setup_filter, setup_territories
from qorgau.accounts.setup_views import (
    ACTIVE,
    NAME_HELP,
    SetupSection,
    setup_form,
    setup_page,
    setup_saved,
    setup_submitted,
)
from qorgau.coordination.models import CoordinatingBody, MemberRole, Membership
from qorgau.coordination.setup_services import (
    body_create,
    body_update,
    member_add,
    member_update,
)
from qorgau.lib.widgets import DateInput
from qorgau.territory.models import Territory
from qorgau.territory.services import territory_scope_ids

if TYPE_CHECKING:
    from qorgau.accounts.models import User


DATE = DateInput()


class BodyForm(forms.Form):
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
    territory = forms.ModelChoiceField(
        label=gettext_lazy("Territory"),
        queryset=Territory.objects.none(),
        help_text=gettext_lazy("The region or district of the akimat."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = setup_territories(actor)  # type: ignore[attr-defined]


class MemberAddForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Agency"), queryset=Organisation.objects.none()
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=MemberRole.choices)
    joined_on = forms.DateField(label=gettext_lazy("Member since"), required=False, widget=DATE)

    def __init__(self, *args: Any, body: CoordinatingBody, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = Organisation.objects.filter(
            territory_id__in=territory_scope_ids(body.territory), is_active=True
        ).exclude(pk__in=body.members.values("organisation_id"))
        self.fields["organisation"].queryset = agencies  # type: ignore[attr-defined]


class MemberEditForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=MemberRole.choices)
    joined_on = forms.DateField(label=gettext_lazy("Member since"), widget=DATE)
    left_on = forms.DateField(label=gettext_lazy("Member until"), required=False, widget=DATE)


def _bodies(actor: User) -> QuerySet[CoordinatingBody]:
    queryset = CoordinatingBody.objects.select_related("territory")
    return setup_filter(queryset, actor, "territory_id")


BODIES = SetupSection[CoordinatingBody](
    app="coordination",
    name="body",
    prefix="setup/bodies/",
    title=gettext_lazy("Coordinating bodies"),
    new_title=gettext_lazy("New coordinating body"),
    columns=[gettext_lazy("Name"), gettext_lazy("Territory"), ACTIVE],
    records=_bodies,
    cells=lambda body: [
        body.display_name,
        body.territory.name,
        _("yes") if body.is_active else _("no"),
    ],
    form=BodyForm,
    create=body_create,
    update=body_update,
    record_title=lambda body: body.display_name,
    open_after_create=True,  # to add its member agencies
)


@setup_page
def body_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    body = BODIES.record(request, pk)
    initial = {name: getattr(body, name) for name in BodyForm.base_fields}
    form = BodyForm(request.POST or None, actor=request.user, initial=initial)
    saved = setup_submitted(
        request,
        form,
        lambda data: body_update(actor=request.user, request=request, body=body, **data),
    )
    if saved:
        return setup_saved(request, "coordination:setup_body_list")
    members = body.members.select_related("organisation")
    context = {
        "form": form,
        "title": body.display_name,
        "back": reverse("coordination:setup_body_list"),
        "body": body,
        "members": members,
    }
    return render(request, "coordination/setup/body.html", context)


@setup_page
def member_add_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    body = BODIES.record(request, pk)
    form = MemberAddForm(request.POST or None, body=body)
    back = reverse("coordination:setup_body_edit", args=[body.pk])
    saved = setup_submitted(
        request,
        form,
        lambda data: member_add(actor=request.user, request=request, body=body, **data),
    )
    if saved:
        return redirect(back)
    return setup_form(request, form, title=_("New member agency"), back=back)


@setup_page
def member_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    memberships = Membership.objects.filter(body__in=_bodies(request.user)).select_related("body")
    membership = get_object_or_404(memberships, pk=pk)
    initial = {name: getattr(membership, name) for name in MemberEditForm.base_fields}
    form = MemberEditForm(request.POST or None, initial=initial)
    back = reverse("coordination:setup_body_edit", args=[membership.body_id])
    saved = setup_submitted(
        request,
        form,
        lambda data: member_update(
            actor=request.user, request=request, membership=membership, **data
        ),
    )
    if saved:
        return redirect(back)
    return setup_form(request, form, title=str(membership), back=back)
