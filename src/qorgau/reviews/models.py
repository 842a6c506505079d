"""Serious-case reviews of domestic homicides and near-deaths (issue 29).

Every death or grave harm in the registry opens a :class:`SeriousCaseReview` (England and Wales
call theirs Domestic Homicide Reviews): a panel reads a timeline of everything the registers and
services knew of the victim and the offender before the event, records what went wrong as coded
:class:`Finding` s, and makes :class:`Recommendation` s with an owner and a deadline, tracked as
the coordinating bodies track their decisions. The codes are fixed so that the indicators can
show what recurs across the country.

The timeline is a snapshot (:class:`TimelineEntry`), assembled by the system inside the trust
zone (``reviews/timeline.py``) when the review opens, so that the panel reads what was known
then even where its own scope would not reach (a referral to an agency of another region). It
names persons only by pseudonymous references (``P-000123``) and agencies by name; nothing on a
review decrypts a name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qorgau.accounts.access import personal_data, personal_data_of
from qorgau.accounts.models import Organisation
from qorgau.accounts.roles import KEEP_SERIOUS_CASE_REVIEWS
from qorgau.coordination.models import Tracked, TrackedQuerySet
from qorgau.registry.models import Incident, Person
from qorgau.territory.models import Territory


class Harm(models.TextChoices):
    DEATH = "death", _("death")
    NEAR_DEATH = "grave", _("grave harm (near-death)")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed, summary published")


class OpenedHow(models.TextChoices):
    AUTOMATIC = "automatic", _("opened automatically from the registry")
    BY_HAND = "by_hand", _("opened by hand")


class FindingCode(models.TextChoices):
    """What went wrong, coded so that the indicators count what recurs (fixed list)."""

    MISSED_RISK = "missed_risk", _("risk missed or underestimated")
    NO_ORDER = "no_order", _("no protective order")
    ORDER_NOT_SERVED = "order_not_served", _("order not served")
    FAILED_CHECK = "failed_check", _("check failed or missed")
    BREACH_NOT_ACTED_ON = "breach_not_acted_on", _("breach not acted on")
    NO_REFERRAL = "no_referral", _("no referral")
    REFERRAL_NOT_ANSWERED = "referral_not_answered", _("referral not answered")
    NO_CONFERENCE = "no_conference", _("no multi-agency conference")
    VICTIM_NOT_INFORMED = "victim_not_informed", _("victim not informed")
    PROGRAMME_NOT_COMPLETED = "programme_not_completed", _("offender programme not completed")
    OTHER = "other", _("other")


class Source(models.TextChoices):
    """Where a timeline entry comes from: a register or a service."""

    INCIDENT = "incident", _("incident")
    ORDER = "order", _("protective order issued")
    ORDER_SERVED = "order_served", _("protective order served")
    ORDER_EXTENDED = "order_extended", _("protective order extended")
    ORDER_CHECK = "order_check", _("check-in on a protective order")
    ORDER_VIOLATION = "order_violation", _("protective order violated")
    REQUIREMENT = "requirement", _("special behaviour requirements set")
    REQUIREMENT_VIOLATION = "requirement_violation", _("requirement violated")
    RISK = "risk", _("risk assessment")
    OFFENCE = "offence", _("offence")
    PREVENTION = "prevention", _("prevention measure")
    REFERRAL = "referral", _("referral")
    CONFERENCE = "conference", _("multi-agency case conference")
    SAFETY_ACTION = "safety_action", _("safety action")
    ENROLMENT = "enrolment", _("offender programme")
    CITIZEN_REPORT = "citizen_report", _("citizen portal report")


class Subject(models.TextChoices):
    VICTIM = "victim", _("victim")
    OFFENDER = "offender", _("offender")


class SeriousCaseReviewQuerySet(models.QuerySet["SeriousCaseReview"]):
    def still_open(self) -> SeriousCaseReviewQuerySet:
        return self.filter(status=ReviewStatus.OPEN)


@personal_data(view_permission=KEEP_SERIOUS_CASE_REVIEWS, territory=("district",))
class SeriousCaseReview(models.Model):
    """The review of one victim's death or grave harm in one incident."""

    victim = models.ForeignKey(
        Person, verbose_name=_("victim"), on_delete=models.PROTECT, related_name="+"
    )
    offender = models.ForeignKey(
        Person,
        verbose_name=_("offender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Territory, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    event_on = models.DateField(_("date of the event"), db_index=True)
    harm = models.CharField(_("harm"), max_length=8, choices=Harm.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    opened_on = models.DateField(_("opened on"))
    opened_how = models.CharField(_("how it was opened"), max_length=10, choices=OpenedHow.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    timeline_built_at = models.DateTimeField(_("timeline assembled at"), null=True, blank=True)
    summary = models.TextField(
        _("published summary"),
        blank=True,
        help_text=_("Anonymised: no names, only the references shown on the review."),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = SeriousCaseReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("serious-case review")
        verbose_name_plural = _("serious-case reviews")
        ordering = ["-event_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["victim", "incident"], name="review_once_per_victim")
        ]
        permissions = [
            ("keep_serious_case_reviews", _("Can keep serious-case reviews and their findings")),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("reviews:review_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """Pseudonymous: what every page and summary shows instead of a name."""
        return f"SCR-{self.pk:06d}" if self.pk else "SCR-new"

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN


@personal_data_of(SeriousCaseReview, via="review")
class TimelineEntry(models.Model):
    """One thing a register or service saw of the victim or the offender, and who saw it."""

    review = models.ForeignKey(SeriousCaseReview, on_delete=models.CASCADE, related_name="timeline")
    day = models.DateField(_("date"))
    source = models.CharField(_("what"), max_length=24, choices=Source.choices)
    subject = models.CharField(_("about"), max_length=8, choices=Subject.choices)
    person_reference = models.CharField(_("person"), max_length=16)
    reference = models.CharField(_("record"), max_length=40, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("where"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The staff user the source row names (recorder, checker, assessor); empty when it names
    # none, and emptied if the account is deleted: the agency still says who saw it.
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Codes (levels, statuses, outcomes), shown in the reader's language by the page.
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["day", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "source", "object_type", "object_id", "subject"],
                name="timeline_entry_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.review} {self.day} {self.source}"


@personal_data_of(SeriousCaseReview, via="review")
class Finding(models.Model):
    """What the panel found went wrong, coded from the fixed list."""

    review = models.ForeignKey(SeriousCaseReview, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(_("finding"), max_length=24, choices=FindingCode.choices)
    text = models.TextField(_("what the panel found"))
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["code", "pk"]

    def __str__(self) -> str:
        return f"{self.review} {self.code}"


@personal_data_of(SeriousCaseReview, via="review")
class Recommendation(Tracked):
    """What an agency must change, by when: tracked like a coordinating body's decision."""

    review = models.ForeignKey(
        SeriousCaseReview, on_delete=models.CASCADE, related_name="recommendations"
    )
    text = models.TextField(_("recommendation"))

    objects = TrackedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"R-{self.pk:06d}" if self.pk else "R-new"
