"""Controlled lists of the registry; labels use the official legal terms where they exist."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")
    UNKNOWN = "U", _("unknown")


class Disability(models.TextChoices):
    NONE = "none", _("none")
    GROUP_1 = "group_1", _("disability group 1")
    GROUP_2 = "group_2", _("disability group 2")
    GROUP_3 = "group_3", _("disability group 3")
    CHILD = "child", _("child with a disability")
    UNKNOWN = "unknown", _("unknown")


class SettlementType(models.TextChoices):
    URBAN = "urban", _("urban")
    RURAL = "rural", _("rural")


class SourceChannel(models.TextChoices):
    CALL_102 = "call_102", _("call to 102")
    CONTACT_CENTRE_111 = "contact_111", _("contact centre 111")
    OWN_STATEMENT = "statement", _("own statement to the police")
    HEALTH_FACILITY = "health", _("health facility")
    SCHOOL = "school", _("school")
    CRISIS_CENTRE = "crisis_centre", _("crisis centre")
    CITIZEN_REPORT = "citizen", _("report by a citizen")
    POLICE_PATROL = "patrol", _("police patrol")
    OTHER = "other", _("other")


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("spouse")
    FORMER_SPOUSE = "former_spouse", _("former spouse")
    COHABITANT = "cohabitant", _("cohabitant")
    FORMER_COHABITANT = "former_cohabitant", _("former cohabitant")
    PARENT = "parent", _("parent")
    CHILD = "child", _("child")
    SIBLING = "sibling", _("brother or sister")
    IN_LAW = "in_law", _("relative by marriage")
    OTHER_RELATIVE = "other_relative", _("other relative")
    OTHER = "other", _("other person in the household")


class InjurySeverity(models.TextChoices):
    NONE = "none", _("no injury")
    LIGHT = "light", _("light harm")
    MODERATE = "moderate", _("medium harm")
    GRAVE = "grave", _("grave harm")
    DEATH = "death", _("death")


class Weapon(models.TextChoices):
    NONE = "none", _("none")
    COLD = "cold", _("cold weapon or object")
    FIREARM = "firearm", _("firearm")
    OTHER = "other", _("other")


class ParticipantRole(models.TextChoices):
    VICTIM = "victim", _("victim")
    OFFENDER = "offender", _("offender")


class OrderProhibition(models.TextChoices):
    NO_CONTACT = "no_contact", _("no contact with the protected persons against their will")
    NO_PURSUIT = "no_pursuit", _("no seeking out or pursuing")
    NO_VISIT = "no_visit", _("no visits")
    NO_COMMUNICATION = "no_communication", _("no calls, messages or other communication")


class RequirementCondition(models.TextChoices):
    NO_CONTACT = "no_contact", _("no seeking out, pursuing, visiting or contacting the victim")
    NO_WEAPONS = "no_weapons", _("no acquiring, keeping, carrying or using weapons")
    MINOR_PLACES = (
        "minor_places",
        _("for a minor: no visiting set places or travel without permission"),
    )
    NO_ALCOHOL_DRUGS = "no_alcohol_drugs", _("no alcohol, narcotic or psychotropic substances")
    REPORT_TO_POLICE = "report_to_police", _("report to the police (up to four times a month)")
    ATTEND_PSYCHOCORRECTION = (
        "attend_psychocorrection",
        _("attend a psychological correction programme"),
    )
    NO_COHABITATION = "no_cohabitation", _("not to live with the victim for a time")


class Sanction(models.TextChoices):
    WARNING = "warning", _("warning")
    FINE = "fine", _("fine")
    COMMUNITY_SERVICE = "community_service", _("community service")
    ARREST = "arrest", _("administrative arrest")
    NONE = "none", _("none yet")


class OffenceKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("administrative offence")
    CRIMINAL = "criminal", _("criminal offence")


class OffenceOutcome(models.TextChoices):
    PENDING = "pending", _("pending")
    WARNING = "warning", _("warning")
    FINE = "fine", _("fine")
    COMMUNITY_SERVICE = "community_service", _("community service")
    DETENTION = "detention", _("administrative arrest")
    CONVICTION = "conviction", _("conviction")
    RECONCILIATION = "reconciliation", _("reconciliation of the parties")
    DISMISSED = "dismissed", _("case closed")


class RiskLevel(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


RISK_ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL]


class PreventionKind(models.TextChoices):
    """Individual prevention measures of Law 245-VIII (arts. 50, 51), glossary terms."""

    PREVENTIVE_TALK = "preventive_talk", _("preventive talk")
    OFFICIAL_WARNING = "official_warning", _("official warning")
