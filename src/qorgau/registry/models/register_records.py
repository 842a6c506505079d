"""Records of the registers outside the police: health facilities, crisis centres, the 111
line and social services.

One :class:`RegisterRecord` is one person as one of those registers recorded her or him on one
day, in that register's own spelling. These are the other lists of the hidden-violence
estimate: linkage finds the same person across them and the police register, and the
multiple-systems estimate counts who was seen by which. They enter only through the import
(:mod:`qorgau.registry.importing.register_records`), whoever supplies them — a health
department, a crisis centre, the synthetic generator — so that a real deployment and the demo
run the same path.

Identities are kept as in :class:`~qorgau.registry.models.Person`: the IIN as its keyed
pseudonym, names as Fernet tokens; the access layer places a record in its district and in
the organisation that supplied it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data
from qorgau.accounts.roles import VIEW_PERSONAL_DATA
from qorgau.registry import choices as c
from qorgau.registry.models import SourceRecord, _source_unique
from qorgau.territory.models import Territory


class Register(models.TextChoices):
    """The registers outside the police that a victim of domestic violence may reach."""

    HEALTH = "health", _("health facility")
    CRISIS_CENTRE = "crisis_centre", _("crisis centre")
    LINE_111 = "line_111", _("contact centre 111")
    SOCIAL = "social", _("social services")


@personal_data(
    view_permission=VIEW_PERSONAL_DATA,
    territory=("district",),
    organisation=("organisation",),
)
class RegisterRecord(SourceRecord):
    """A person as one non-police register recorded her or him on one day."""

    register = models.CharField(_("register"), max_length=16, choices=Register.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("supplied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        Territory,
        verbose_name=_("district on the day"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    seen_on = models.DateField(_("seen on"))
    iin_pseudonym = models.CharField(_("IIN pseudonym"), max_length=64, blank=True, default="")
    surname_token = models.TextField(blank=True, default="")
    first_name_token = models.TextField(blank=True, default="")
    patronymic_token = models.TextField(blank=True, default="")
    sex = models.CharField(_("sex"), max_length=1, choices=c.Sex.choices, default=c.Sex.UNKNOWN)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    injury = models.CharField(
        _("injury"),
        max_length=10,
        choices=c.InjurySeverity.choices,
        blank=True,
        default="",
        help_text=_("Empty when the register did not record it."),
    )

    class Meta:
        verbose_name = _("register record")
        verbose_name_plural = _("register records")
        constraints = [_source_unique("register_record")]
        indexes = [
            models.Index(fields=["register", "seen_on"], name="register_record_seen"),
            models.Index(fields=["seen_on"], name="register_record_day"),
        ]
        permissions = [
            ("import_health_records", _("Can import records of health facilities")),
            ("import_crisis_centre_records", _("Can import records of crisis centres")),
            ("import_line_111_records", _("Can import records of the 111 line")),
            ("import_social_records", _("Can import records of social services")),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """A pseudonymous label: never a name."""
        return f"R-{self.pk:07d}" if self.pk else "R-new"
