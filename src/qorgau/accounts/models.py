"""Users, their role and the one territory or organisation their work is scoped to."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data
from qorgau.accounts.roles import (
    MANAGE_USERS,
    ROLE_SCOPES,
    ROLES_REQUIRING_SECOND_FACTOR,
    Role,
    ScopeKind,
)
from qorgau.lib.languages import in_language
from qorgau.territory.models import Level, Territory


class OrganisationKind(models.TextChoices):
    CRISIS_CENTRE = "crisis_centre", _("crisis centre")
    SHELTER = "shelter", _("shelter")
    FAMILY_SUPPORT_CENTRE = "family_support_centre", _("family support centre")
    PROGRAM_PROVIDER = "program_provider", _("psychocorrection programme provider")
    NGO = "ngo", _("non-governmental organisation")
    # The agencies of a coordinating body and the receivers of referrals.
    POLICE = "police", _("police")
    HEALTH = "health", _("health care")
    EDUCATION = "education", _("education")
    SOCIAL_PROTECTION = "social_protection", _("social protection")
    JUSTICE = "justice", _("justice")
    PROSECUTOR = "prosecutor", _("prosecutor's office")
    LEGAL_AID = "legal_aid", _("legal aid")


class Organisation(models.Model):
    """A centre or provider whose staff see only their own clients or participants."""

    name = models.CharField(_("name"), max_length=300)
    name_kk = models.CharField(_("name in Kazakh"), max_length=300, blank=True, default="")
    name_ru = models.CharField(_("name in Russian"), max_length=300, blank=True, default="")
    name_en = models.CharField(_("name in English"), max_length=300, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "territory"], name="organisation_unique_name"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language, else as entered (``name`` stays the key)."""
        return in_language(self, "name")


@personal_data(
    view_permission=MANAGE_USERS,
    territory=("territory", "organisation__territory"),
    organisation=("organisation",),
)
class User(AbstractUser):
    """A staff member of a state body, centre or provider."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            ("view_personal_data", _("Can see personal data within own scope")),
            ("view_aggregates", _("Can see aggregate figures")),
            ("manage_users", _("Can manage user accounts within own scope")),
        ]

    @property
    def scope_kind(self) -> str | None:
        """What the user's scope is: the country, a region, a district or an organisation."""
        if self.organisation_id:
            return ScopeKind.ORGANISATION
        if self.territory is None:
            return None
        return {
            Level.COUNTRY: ScopeKind.COUNTRY,
            Level.REGION: ScopeKind.REGION,
            Level.DISTRICT: ScopeKind.DISTRICT,
        }[Level(self.territory.level)]

    @property
    def scope_territory(self) -> Territory | None:
        if self.organisation_id:
            return self.organisation.territory  # type: ignore[union-attr]
        return self.territory

    @property
    def requires_second_factor(self) -> bool:
        return self.is_superuser or self.role in ROLES_REQUIRING_SECOND_FACTOR

    def clean(self) -> None:
        super().clean()
        if self.is_superuser and not self.role:
            return
        allowed = ROLE_SCOPES.get(self.role, frozenset())
        if self.organisation_id and self.territory_id:
            raise ValidationError(
                {"organisation": _("Give either a territory or an organisation, not both.")}
            )
        if self.territory_id and not self.territory.is_current:  # type: ignore[union-attr]
            raise ValidationError({"territory": _("This territory no longer exists.")})
        if self.scope_kind not in allowed:
            names = ", ".join(str(ScopeKind(kind).label) for kind in sorted(allowed))
            field = "organisation" if ScopeKind.ORGANISATION in allowed else "territory"
            raise ValidationError(
                {
                    field: _("A %(role)s works within %(scopes)s.")
                    % {"role": Role(self.role).label, "scopes": names}
                }
            )


class ApiToken(models.Model):
    """A user's API token, kept only as the SHA-256 digest of the key.

    The key itself is shown once, when issued, and stored nowhere: a token found in the
    database or in a backup cannot be replayed. Tokens are 32 random bytes, so a plain digest
    is enough (no password hashing: there is nothing to guess). ``second_factor`` records
    whether the holder had passed the second factor when the token was issued; a token issued
    without it stops working once the second factor becomes due for the user
    (``accounts.tokens``). One token per user: issuing another replaces it.
    """

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_token"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"))
    second_factor = models.BooleanField(_("issued with the second factor"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"API token of {self.user_id}"


class RequestCount(models.Model):
    """Requests of one client to one rate-limited action in one time window.

    Kept in the database so that every worker process counts the same requests: a limit held
    in each process's memory multiplies by the number of workers and resets on every restart.
    ``client`` is a keyed hash of the address, never the address itself.
    """

    bucket = models.CharField(max_length=40)
    client = models.CharField(max_length=64)
    window_start = models.BigIntegerField(help_text="Unix time the window began.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "client", "window_start"], name="request_count_unique"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="request_count_window")]

    def __str__(self) -> str:
        return f"{self.bucket} {self.window_start}: {self.count}"
