"""Yearly returns of social services and of forensic medicine, per district: aggregates, not
personal data.

The rating of akimats judges them on social disadvantage as well as on violence, and counts
deaths from a register the police do not keep. Neither comes as a list of persons: a district
department of social protection (or the family support centre) reports how many families in a
difficult life situation it identified and supported in the year, how many children live in
families at social risk and how many family support centres serve the district; the forensic
medical service (or the civil registry) reports how many people died of domestic violence.
One :class:`SocialReturn` is one such report for one district and year, with the body that
made it (``source``). It holds counts only, so it is not registered with the access layer.

Returns enter through ``qorgau returns import`` (:mod:`qorgau.registry.importing.returns`);
``(district, year, source)`` is unique, which makes a re-run add nothing. A figure a body does
not report stays empty (``None``), never 0.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qorgau.territory.models import Territory

FIGURES = (
    "families_identified",
    "families_supported",
    "children_at_risk",
    "support_centres",
    "deaths",
    "deaths_female",
    "deaths_children",
)


def _at_most(field: str, bound: str) -> models.CheckConstraint:
    """``field`` ≤ ``bound`` whenever both are given (a part is never larger than its whole)."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True})
        | Q(**{f"{bound}__isnull": True})
        | Q(**{f"{field}__lte": F(bound)}),
        name=f"social_return_{field}_within_{bound}",
    )


class SocialReturn(models.Model):
    """One body's yearly figures for one district: social disadvantage and deaths."""

    district = models.ForeignKey(
        Territory,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The district or city administration in force that year."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(
        _("source"),
        max_length=120,
        help_text=_("The body and report the figures come from."),
    )
    families_identified = models.PositiveIntegerField(
        _("families in a difficult life situation identified"), null=True, blank=True
    )
    families_supported = models.PositiveIntegerField(
        _("families in a difficult life situation supported"), null=True, blank=True
    )
    children_at_risk = models.PositiveIntegerField(
        _("children in families at social risk"), null=True, blank=True
    )
    support_centres = models.PositiveSmallIntegerField(
        _("family support centres serving the district"), null=True, blank=True
    )
    deaths = models.PositiveIntegerField(_("deaths from domestic violence"), null=True, blank=True)
    deaths_female = models.PositiveIntegerField(_("of them women and girls"), null=True, blank=True)
    deaths_children = models.PositiveIntegerField(
        _("of them children under 18"), null=True, blank=True
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("social or forensic return")
        verbose_name_plural = _("social and forensic returns")
        ordering = ["year", "district_id", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "source"], name="social_return_once_per_source"
            ),
            _at_most("families_supported", "families_identified"),
            _at_most("deaths_female", "deaths"),
            _at_most("deaths_children", "deaths"),
        ]
        indexes = [models.Index(fields=["year"], name="social_return_year")]
        permissions = [
            (
                "import_social_returns",
                _("Can import yearly returns of social services and forensic medicine"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.year} {self.district_id}"

    def figures(self) -> dict[str, int | None]:
        """The figures of the return, by name (``None``: not reported)."""
        return {name: getattr(self, name) for name in FIGURES}
