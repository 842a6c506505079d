from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import can_place_in_scope
from qorgau.accounts.models import Organisation, User
from qorgau.accounts.roles import Role
from qorgau.territory.models import Level, Territory
from qorgau.territory.services import territory_scope_ids


def _territory_choices(actor: User) -> Any:
    territories = Territory.objects.current().filter(level__lte=Level.DISTRICT)
    if actor.is_superuser or actor.territory is None or actor.territory.level == Level.COUNTRY:
        return territories
    return territories.filter(pk__in=territory_scope_ids(actor.territory))


def _organisation_choices(actor: User) -> Any:
    organisations = Organisation.objects.filter(is_active=True).select_related("territory")
    if actor.is_superuser or actor.territory is None or actor.territory.level == Level.COUNTRY:
        return organisations
    return organisations.filter(territory_id__in=territory_scope_ids(actor.territory))


class UserScopeFields(forms.Form):
    """Role and scope fields, offering only what the acting administrator may assign."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    territory = forms.ModelChoiceField(
        label=_("Territory"),
        queryset=Territory.objects.none(),
        required=False,
        help_text=_("For roles that work in the country, a region or a district."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("For crisis centres and programme providers."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["territory"].queryset = _territory_choices(actor)  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = _organisation_choices(actor)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        territory, organisation = data.get("territory"), data.get("organisation")
        if not can_place_in_scope(
            self.actor,
            territory.pk if territory else None,
            organisation.pk if organisation else None,
        ):
            raise forms.ValidationError(_("Choose a territory or organisation within your scope."))
        return data


class UserCreateForm(UserScopeFields):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("Letters, digits and the characters @ . + - _, e.g. inspector.semey"),
    )
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        help_text=password_validators_help_text_html(),
    )
    password_repeat = forms.CharField(label=_("Repeat the password"), widget=forms.PasswordInput)

    field_order = [
        "username",
        "role",
        "territory",
        "organisation",
        "first_name",
        "last_name",
        "email",
        "password",
        "password_repeat",
    ]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return str(username)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") != data.get("password_repeat"):
            self.add_error("password_repeat", _("The two passwords differ."))
        return data


class UserUpdateForm(UserScopeFields):
    is_active = forms.BooleanField(label=_("Active"), required=False)


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("One-time code"),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
