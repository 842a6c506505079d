"""Regions and districts of Kazakhstan with their validity in time and their population.

A territory is a *version* of an administrative unit: when the 2022 reform moved districts to
new regions, the old versions were closed on 7 June 2022 and new ones opened on 8 June 2022,
linked by :class:`TerritorySuccession`. A figure is recorded on the version that existed at
the time, rolls up along that version's parents, and is mapped onto today's units through the
successions.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qorgau.lib.languages import in_language


class Level(models.IntegerChoices):
    COUNTRY = 0, _("country")
    REGION = 1, _("region")
    DISTRICT = 2, _("district")


class Kind(models.TextChoices):
    COUNTRY = "country", _("country")
    OBLAST = "oblast", _("oblast")
    CITY = "city", _("city of republican significance")
    DISTRICT = "district", _("district")
    CITY_ADMINISTRATION = "city_administration", _("city administration")
    CITY_DISTRICT = "city_district", _("city district")


def name_field() -> str:
    """The name column in the active language, for ordering."""
    language = (get_language() or "kk")[:2]
    return f"name_{language}" if language in ("kk", "ru", "en") else "name_ru"


class TerritoryQuerySet(models.QuerySet["Territory"]):
    def valid_on(self, day: dt.date) -> TerritoryQuerySet:
        """The versions that existed on ``day``."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def current(self) -> TerritoryQuerySet:
        return self.filter(valid_to__isnull=True)

    def regions(self) -> TerritoryQuerySet:
        return self.filter(level=Level.REGION)

    def districts(self) -> TerritoryQuerySet:
        return self.filter(level=Level.DISTRICT)

    def by_code(self, kato_code: str, *, on: dt.date | None = None) -> Territory:
        """The version with this KATO code on a day (today when not given)."""
        day = on or dt.date.today()
        return self.valid_on(day).get(kato_code=kato_code)


class Territory(models.Model):
    """A version of a country, region (oblast or city) or district, named in three languages."""

    kato_code = models.CharField(_("KATO code"), max_length=9)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name_kk = models.CharField(_("name in Kazakh"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects: ClassVar[TerritoryQuerySet] = TerritoryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["level", "kato_code", "valid_from"]
        constraints = [
            # Two partial constraints instead of nulls_distinct=False, which SQLite lacks.
            models.UniqueConstraint(
                fields=["kato_code", "valid_from"],
                condition=Q(valid_from__isnull=False),
                name="territory_code_version_unique",
                violation_error_message=_(
                    "A version of this KATO code already starts on this date."
                ),
            ),
            models.UniqueConstraint(
                fields=["kato_code"],
                condition=Q(valid_from__isnull=True),
                name="territory_code_first_version_unique",
                violation_error_message=_(
                    "A version of this KATO code already starts on this date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="territory_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["level", "valid_to"], name="territory_level_current")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("territory:detail", args=[self.pk])

    @property
    def name(self) -> str:
        """The name in the active language."""
        return str(getattr(self, name_field()) or self.name_ru)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    def exists_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def latest_population(self) -> TerritoryPopulation | None:
        return self.population.order_by("-year").first()


class TerritoryPopulation(models.Model):
    """Population on 1 January of ``year`` (BNS), by sex and settlement type where known."""

    territory = models.ForeignKey(
        Territory, verbose_name=_("territory"), on_delete=models.CASCADE, related_name="population"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    total = models.PositiveIntegerField(_("population"))
    males = models.PositiveIntegerField(_("men"), null=True, blank=True)
    females = models.PositiveIntegerField(_("women"), null=True, blank=True)
    urban = models.PositiveIntegerField(_("urban"), null=True, blank=True)
    rural = models.PositiveIntegerField(_("rural"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, help_text=_("As entered."))
    source_kk = models.CharField(_("source in Kazakh"), max_length=300, blank=True, default="")
    source_ru = models.CharField(_("source in Russian"), max_length=300, blank=True, default="")
    source_en = models.CharField(_("source in English"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("population")
        verbose_name_plural = _("population")
        ordering = ["territory", "year"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "year"], name="population_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.territory} {self.year}: {self.total}"

    @property
    def display_source(self) -> str:
        """The source in the reader's language: its dates are written the language's way."""
        return in_language(self, "source")


class TerritorySuccession(models.Model):
    """An old version of a unit handing over (a share of) its population to a new version."""

    predecessor = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="successions_out",
        verbose_name=_("before"),
    )
    successor = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="successions_in", verbose_name=_("after")
    )
    date = models.DateField(_("date of change"))
    population_share = models.DecimalField(
        _("share of the population"), max_digits=5, decimal_places=4
    )
    note = models.CharField(_("note"), max_length=300, blank=True, help_text=_("As entered."))
    note_kk = models.CharField(_("note in Kazakh"), max_length=300, blank=True, default="")
    note_ru = models.CharField(_("note in Russian"), max_length=300, blank=True, default="")
    note_en = models.CharField(_("note in English"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("territorial change")
        verbose_name_plural = _("territorial changes")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.date})"

    @property
    def display_note(self) -> str:
        """The note in the reader's language, else as entered."""
        return in_language(self, "note")
