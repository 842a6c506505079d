"""The numbers the generator is calibrated to, each with its source.

Sources: ``kz-domain.md`` §3 (statistics) and §6 (suggested calibration), summarised in
``docs/synthetic-data.md``. All volumes are national figures at scale 1.0; a run multiplies
them by ``--scale``.
"""

from __future__ import annotations

from qorgau.registry.legal import rule_versions

# Registered DV reports (incidents) and protective orders per year, national. 2023: >87k
# orders, 2024: ≈72k orders and ≈100k reports, 2025: ≈70k (+5%) (§3.1); 2015-2022: ">60k"
# (unverified, §3.1), rising gently.
YEAR_VOLUMES: dict[int, tuple[int, int]] = {
    2015: (78_000, 60_000),
    2016: (80_000, 61_000),
    2017: (82_000, 62_000),
    2018: (84_000, 63_500),
    2019: (86_000, 65_000),
    2020: (92_000, 66_000),
    2021: (93_000, 68_000),
    2022: (95_000, 72_000),
    2023: (104_000, 87_000),
    2024: (100_000, 72_000),
    2025: (98_000, 74_000),
    2026: (98_000, 75_000),
}

# Special requirements per protective order: 0.17 (2023), ≈0.22 (2024-2025) (§2.4), times a
# region factor, so that regions stay within 0.15-0.25.
REQUIREMENT_RATIO: dict[int, float] = {2023: 0.175, 2024: 0.215, 2025: 0.215, 2026: 0.215}
REQUIREMENT_RATIO_BEFORE = 0.17
REQUIREMENT_REGION_FACTOR = (0.88, 1.12)

ART73_WITH_ORDER = 0.78  # art. 73 offences ≈0.8-0.9 per order (§6, WKO 2026: 566/659)
ART73_WITHOUT_ORDER = 0.30
ORDER_VIOLATION_SHARE = 0.05  # ≈5% of orders violated (§6)
VIOLATION_ARREST_SHARE = 0.25  # ≈25% of violations → administrative arrest (§6)
# A warning is no longer a penalty for art. 461 (§2.3): the day comes from the table of legal
# rules the registry checks records against (registry/data/legal_rules.yaml).
NO_WARNING_FROM = next(
    rule.valid_from
    for rule in rule_versions("offence.outcome_not_allowed")
    if "461" in rule.value["articles"] and "warning" in rule.value["outcomes"]
)

# Family-domestic criminal offences: ≈938/yr (Form 1-M) before the criminalisation of battery
# and light harm on 16 June 2024, ≈2,556 after (§3.2). Homicides ≈195/yr are part of them.
CRIMINALISATION = next(  # the day battery (art. 109) became a crime again, from the same table
    rule.valid_from
    for rule in rule_versions("offence.article")
    if rule.value == {"kind": "criminal", "article": "109"} and rule.act == "law-72-viii"
)
CRIMINAL_PER_YEAR_BEFORE = 950
CRIMINAL_PER_YEAR_AFTER = 2_500
HOMICIDES_PER_YEAR = 195
CRIMINAL_ARTICLES_BEFORE = {"106": 0.49, "107": 0.42, "110": 0.03, "115": 0.04, "120": 0.02}
CRIMINAL_ARTICLES_AFTER = {
    "108": 0.35,
    "109": 0.32,
    "106": 0.16,
    "107": 0.14,
    "110": 0.01,
    "115": 0.01,
    "120": 0.01,
}
ARTICLE_INJURY = {"106": "grave", "107": "moderate", "108": "light", "109": "light"}

# Reporting intensity: a region-level random multiplier (§3.1, §6).
REPORTING_MULTIPLIER = (0.6, 1.6)

# Hidden violence (§3.3): 70-90% of victims never reach the police (central ≈80%).
POLICE_CAPTURE_MEAN = 0.19
POLICE_CAPTURE_RANGE = (0.10, 0.30)
# Share of true victims each other register sees, nationally (assumptions, see the docs;
# crisis centres: ≈5,500 women helped in 2024, §3.4).
REGISTER_CAPTURE = {"health": 0.06, "crisis_centre": 0.015, "line_111": 0.03, "social": 0.03}
REGISTER_REGION_SD = 0.3  # region effect on the logit of each register's capture
# Effects on the logit of capture: severity z, help-seeking u (both standard normal).
REGISTER_SEVERITY = {"health": 0.9, "crisis_centre": 0.6, "line_111": 0.3, "social": 0.2}
REGISTER_HELP_SEEKING = {"health": 0.5, "crisis_centre": 0.8, "line_111": 0.9, "social": 0.6}
POLICE_SEVERITY = 0.8
POLICE_HELP_SEEKING = 0.7
# Being seen by a register raises the chance of reaching the police (referrals).
POLICE_REFERRAL = {"health": 1.0, "crisis_centre": 0.8, "line_111": 0.6, "social": 0.3}
# No crisis centre in Abai and Almaty Region until 2023 (§3.4, ≈2022).
NO_CRISIS_CENTRE_UNTIL = {"100000000": 2022, "190000000": 2022}

# Registered incidents per police-registered victim in a year (repeat victimisation).
REPEAT_RATE = 0.28  # mean extra incidents; heavier for severe cases

# Victim profiles (§6: women 77.9%, children 17.5%, elderly 3.5%, men 1.1% in a forensic
# study; police registers hold more adult partners): share, victim sex, victim age range,
# offender relationships with weights.
PROFILES: list[tuple[str, float, str, tuple[int, int]]] = [
    ("partner_woman", 0.70, "F", (18, 64)),
    ("relative_woman", 0.08, "F", (18, 70)),
    ("child", 0.09, "X", (3, 15)),
    ("elderly", 0.06, "X", (65, 88)),
    ("man", 0.07, "M", (20, 70)),
]
PARTNER_RELATIONSHIPS = {
    "spouse": 0.55,
    "former_spouse": 0.13,
    "cohabitant": 0.22,
    "former_cohabitant": 0.10,
}
RELATIVE_RELATIONSHIPS = {"in_law": 0.45, "sibling": 0.30, "child": 0.15, "other_relative": 0.10}
MAN_RELATIONSHIPS = {"spouse": 0.35, "sibling": 0.25, "child": 0.25, "in_law": 0.15}

SOURCE_CHANNELS = {
    "call_102": 0.56,
    "statement": 0.20,
    "patrol": 0.07,
    "citizen": 0.05,
    "health": 0.05,
    "contact_111": 0.03,
    "crisis_centre": 0.02,
    "other": 0.02,
}

# Seasonality: relative weight of each month (summer peak) and holiday spikes.
MONTH_WEIGHTS = (1.05, 0.85, 0.95, 0.95, 1.0, 1.12, 1.18, 1.15, 1.0, 0.95, 0.9, 1.0)
HOLIDAYS = ((1, 1), (1, 2), (3, 8), (3, 21), (3, 22), (3, 23), (12, 16), (12, 31))
HOLIDAY_WEIGHT = 1.7
HOUR_WEIGHTS = (
    3, 2, 2, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 4, 5, 5, 6, 8, 9, 10, 10, 8, 5,
)  # fmt: skip

# National population on 1 January (BNS; §1.2); districts keep their 2023 shares.
NATIONAL_POPULATION = {
    2015: 17_415_715,
    2016: 17_669_896,
    2017: 17_918_214,
    2018: 18_157_337,
    2019: 18_395_567,
    2020: 18_631_779,
    2021: 18_879_552,
    2022: 19_186_015,
    2023: 19_765_004,
    2024: 20_033_546,
    2025: 20_283_399,
    2026: 20_495_975,
}
POPULATION_YEAR = 2023


def year_volumes(year: int) -> tuple[int, int]:
    """(registered incidents, protective orders) nationally at scale 1.0."""
    return YEAR_VOLUMES[min(max(year, min(YEAR_VOLUMES)), max(YEAR_VOLUMES))]


def requirement_ratio(year: int) -> float:
    return REQUIREMENT_RATIO.get(min(year, max(REQUIREMENT_RATIO)), REQUIREMENT_RATIO_BEFORE)


def national_population(year: int) -> int:
    years = NATIONAL_POPULATION
    return years[min(max(year, min(years)), max(years))]


# Violence types recorded on an incident besides physical (any injury, or 40% without one).
# kz-domain.md §3.3: the 2017 survey's breakdown by type was NOT retrieved, so these are
# assumptions: psychological violence accompanies most police-recorded incidents (threats,
# insults), economic violence is recognised in a minority, sexual violence is the least
# reported (2%, besides every art. 120 case).
PSYCHOLOGICAL_SHARE = 0.70
SEXUAL_SHARE = 0.02
ECONOMIC_SHARE = 0.10
