"""The prevention instruments of Law 245-VIII "On the prevention of offences" (30 Dec 2025):
the preventive talk (art. 50), the official warning (art. 51) and the preventive register
(профилактический учёт / профилактикалық есеп).

Only what the table of legal rules gives is checked (``prevention.*`` in
``data/legal_rules.yaml``): the law in force on the day (reported from 2 March 2026) and the
warning's term. Who may issue them and the register's grounds of entry and exit were not
retrieved from the official text; they are recorded as stated, not checked.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data
from qorgau.accounts.roles import VIEW_PERSONAL_DATA
from qorgau.registry import choices as c
from qorgau.registry.models import Incident, Person, SourceRecord, _source_unique
from qorgau.territory.models import Territory


@personal_data(view_permission=VIEW_PERSONAL_DATA, territory=("district",))
class PreventionMeasure(SourceRecord):
    """A preventive talk held with, or an official warning given to, a person."""

    kind = models.CharField(_("measure"), max_length=20, choices=c.PreventionKind.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    held_on = models.DateField(_("date"), db_index=True)
    ends_on = models.DateField(_("in force until"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("prevention measure")
        verbose_name_plural = _("prevention measures")
        ordering = ["-held_on", "-pk"]
        constraints = [_source_unique("prevention_measure")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"


@personal_data(view_permission=VIEW_PERSONAL_DATA, territory=("district",))
class PreventiveRegisterEntry(SourceRecord):
    """A person on the preventive register of a district, from entry to exit."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    entered_on = models.DateField(_("entered on"), db_index=True)
    grounds = models.CharField(_("grounds"), max_length=500)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    exit_reason = models.CharField(_("reason for leaving"), max_length=500, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)

    class Meta:
        verbose_name = _("preventive register entry")
        verbose_name_plural = _("preventive register entries")
        ordering = ["-entered_on", "-pk"]
        constraints = [
            _source_unique("preventive_register_entry"),
            models.UniqueConstraint(
                fields=["person", "district"],
                condition=models.Q(left_on__isnull=True),
                name="preventive_register_one_open_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.entered_on}"
