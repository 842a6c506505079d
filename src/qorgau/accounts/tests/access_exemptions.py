"""The queries on personal-data models that do not go through the access layer, and why.

``test_access_walk.py`` reads every library module and fails on a query of a personal-data
model (``Model.objects`` / ``Model._default_manager``) that is not the queryset handed to
:func:`~qorgau.accounts.access.restrict`, :func:`~qorgau.accounts.access.get_for_user` or
:func:`~qorgau.accounts.access.placed_in`, unless it is listed here with its reason. A new
entry is a decision a reviewer must agree with: no page, form or endpoint may show a row that
the access layer did not give its user.
"""

from __future__ import annotations

# Whole modules: code that runs as the system, or counts without returning rows.
MODULES: dict[str, str] = {
    "*/synthesis.py": "the synthetic generator writes the data set it generates",
    "*/measures.py": (
        "indicator numerators: counts per territory and period; no row leaves as a record"
    ),
    "monitoring/measures/*.py": "as */measures.py (monitoring's measures, in parts)",
    "linkage/engine.py": "the linkage run reads every register as the system (command or job)",
    "monitoring/engine/*.py": "indicator computation: counts per territory and period",
    "programs/evaluation_store.py": (
        "a fingerprint of the registry (counts, newest keys) that says when the stored "
        "programme evaluation is out of date; no row leaves"
    ),
    "programs/outcomes.py": (
        "programme outcome evaluation over whole cohorts; only rates and counts are shown"
    ),
    "synth/evaluation.py": "evaluation against the synthetic truth, never published",
    "monitoring/risk_outcomes.py": (
        "risk-instrument accuracy over every assessment and what followed it, and the "
        "fingerprint that says when the cached report is out of date; only counts, AUCs and "
        "shares leave (monitoring/risk_accuracy.py)"
    ),
    "rating/sources.py": "register counts per region for the rating; no row leaves",
    "cases/demo.py": "the demo centre's case files, written once by `qorgau demo_accounts`",
    "reviews/opening.py": (
        "the system's search for deaths and near-deaths that owe a serious-case review "
        "(`qorgau reviews open`); the reviews it opens are seen through the access layer"
    ),
    "reviews/timeline.py": (
        "the system assembles a review's timeline from every register and service inside the "
        "trust zone (a panel must read what every agency knew); the snapshot is stored under "
        "the review, references and codes only, and seen where the review is"
    ),
    "notices/job.py": (
        "the daily notification job runs as the system: it reads the subscriptions and the "
        "registry events (orders, violations, requirements, conferences, safety actions) of "
        "the person a case is linked to by her IIN pseudonym; only texts with a date and a "
        "phone number leave, to her own safe contact, each one audited"
    ),
    "registry/importing/engine.py": "the import job's own progress row, written by the job",
    "registry/importing/jobs.py": (
        "job bookkeeping by the system (create, run, purge); who sees a job's rejects is "
        "decided by restrict() in rejects_visible_to"
    ),
    "budget/uploads.py": (
        "upload-job bookkeeping by the system (create, run, purge); who sees a job is decided "
        "by the access layer"
    ),
    "registry/management/commands/import.py": "the command's own job row, as the system",
    "registry/services_*.py": (
        "workflows that write: the records they read are the caller's, obtained through "
        "get_for_user by the view or endpoint (walked here too) — new rows, their children, "
        "and numbering"
    ),
    "coordination/services/*.py": (
        "workflows that write conference cases, actions and referrals for a case the caller "
        "obtained through the access layer; escalation runs as the system"
    ),
    "programs/services.py": (
        "workflows that write enrolments, attendance and violation reports for an enrolment "
        "obtained through the access layer"
    ),
    "citizens/services.py": (
        "the anonymous portal writes reports, additions and volunteer sign-ups, and finds a "
        "report only by its secret receipt"
    ),
}

# Single functions of request-facing modules.
FUNCTIONS: dict[str, str] = {
    "cases/register_feed.py:case_register_record": (
        "is this case's register line already written (a key lookup, nothing returned)"
    ),
    "cases/register_feed.py:case_register_records_sync": (
        "the system's job writing every case's crisis-centre register line"
    ),
    "cases/services_assessment.py:case_assess": "writes an assessment of a case checked by _held",
    "cases/services_sharing.py:_withdraw_waiting": (
        "withdraws the waiting referrals and transfer of a case checked by _held"
    ),
    "cases/services_sharing.py:case_refer": "writes the link of a case checked by _held",
    "cases/services_sharing.py:case_transfer_request": (
        "is a transfer of a case checked by _held already pending; writes the request"
    ),
    "cases/statistics.py:month_statistics": (
        "counts the referrals of cases the caller scoped; only counts leave"
    ),
    "citizens/api.py:get_queryset": "`.none()` for a user without the permission; else restrict",
    "citizens/views.py:activities": (
        "the public page lists vetted volunteer councils by name, which is what vetting makes "
        "public; no contact or person data"
    ),
    "coordination/api/meetings.py:perform_create": (
        "re-reads by key a victim the serializer obtained through get_for_user"
    ),
    "coordination/views.py:candidates": (
        "re-reads by key a candidate the access-layer candidate list offered"
    ),
    "coordination/selectors.py:_victims_in": (
        "conference candidates: a body's keeper sees candidates of the body's territory only "
        "(district ids from the keeper's scope), as references, until a case is opened"
    ),
    "coordination/selectors.py:high_risk_victims": "as _victims_in",
    "coordination/selectors.py:violation_victims": "as _victims_in",
    "coordination/selectors.py:repeat_case_victims": "as _victims_in",
    "coordination/selectors.py:conference_candidates": "as _victims_in",
    "coordination/selectors.py:activity_counts": "counts per territory for the body's report",
    "coordination/selectors.py:cases_for": "`.none()` for a user who keeps no body",
    "coordination/selectors.py:victim_recorded_in": "each queryset is handed to placed_in()",
    "programs/api.py:get_queryset": "`.none()` for a user without the permission; else restrict",
    "programs/selectors.py:obliged_requirements": (
        "a correlated subquery inside a queryset the caller restricts"
    ),
    "programs/selectors.py:candidates": "counts of enrolments per region (capacity planning)",
    "programs/selectors.py:_listed": (
        "a correlated subquery of enrolments inside the requirements' count (demand)"
    ),
    "programs/selectors.py:_statuses_by_district": "counts per district (capacity planning)",
    "programs/selectors.py:period_counts": "counts per territory and period",
    "programs/selectors.py:active_enrolment": (
        "the active enrolment of a requirement the caller obtained through get_for_user"
    ),
    "registry/forms.py:<module>": "`.none()` placeholders; each form sets a restricted queryset",
    "registry/forms.py:_persons": "re-reads the persons a form was given (already restricted)",
    "registry/importing/api.py:get": (
        "the job row; job_visible_to and rejects_visible_to decide what is shown"
    ),
    "registry/importing/views.py:_job_for": "as registry/importing/api.py:get",
    "registry/importing/persons.py:resolve": (
        "matches an extract's own source keys; matches by IIN go through registry.identities"
    ),
    "registry/selectors.py:incidents_for": "a Prefetch on incidents the access layer gave",
    "registry/selectors.py:fresh_order": "re-reads by key an order the caller obtained",
    "registry/timeline.py:household_walk": (
        "ids of the household of a person the caller obtained through get_for_user; every "
        "record the timeline shows is then read through restrict()"
    ),
    "registry/timeline.py:_incident_events": "a subquery of incident ids handed to restrict()",
    "reviews/display.py:summaries": (
        "the closed reviews' published summaries: region, year, harm, finding codes and "
        "recommendations, written anonymised by the panel; no person, incident or timeline"
    ),
}

# Models with a foreign key to a personal-data model that are not personal data themselves.
NOT_PERSONAL: dict[str, str] = {
    "authtoken.Token": "DRF's token table, unused: Qorgau's tokens are accounts.ApiToken",
    "authtoken.TokenProxy": "as authtoken.Token",
    "otp_totp.TOTPDevice": "a user's own second factor, read by django-otp at sign-in",
    "audit.AuditEntry": "the audit trail, read only by auditors through the audit app",
    "accounts.ApiToken": "a user's own tokens (hashes), listed on the user's own profile",
    "synth.VictimTruth": "synthetic truth, never shown on a page",
    "synth.RecordTruth": "synthetic truth, never shown on a page",
    "monitoring.AggregateReport": "aggregate returns; the users are their authors",
    "linkage.LinkageRun": "a run's figures; the user is who started it",
    "linkage.CandidatePair": "reviewed by the data steward (whole country); decrypts audited",
    "latency.EstimationRun": "a run's figures; the user is who started it",
    "rating.RatingMethod": "a method; the user is its author",
    "rating.RatingRun": "a run; the user is who started it",
    "rating.RatingStress": "a stress run; the user is who started it",
    "coordination.Notification": "a user's own notifications",
    "coordination.CalendarFeed": "a user's own calendar feed",
    "budget.AllocationRevision": "budget figures; the user is who revised them",
    "citizens.HelpService": "the public help directory; the user is who last edited it",
    "citizens.PreventionActivity": "public prevention activities; volunteers by council name",
    "registry.SocialReturn": (
        "district-year aggregates of social services and forensic medicine; the user is who "
        "loaded them"
    ),
    "reports.Report": "a generated report of aggregates; the user is who asked for it",
}
