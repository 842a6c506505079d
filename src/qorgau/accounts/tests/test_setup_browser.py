"""A region's administrator sets up the bodies the work needs, in a real Chromium, in Kazakh.

Through the Setup pages only, as a user does: an organisation, a coordinating body with that
organisation seated on it, the organisation registered as a programme provider and an entry of
the help directory; then the organisation is given its Kazakh name. Each step is checked on
the page and in the database.
"""

from __future__ import annotations

import pytest

from qorgau.accounts.models import Organisation, OrganisationKind
from qorgau.accounts.roles import Role
from qorgau.audit.models import AuditEntry
from qorgau.citizens.models import HelpService
from qorgau.conftest import ABAI, SEMEY
from qorgau.coordination.models import CoordinatingBody, Membership
from qorgau.programs.models import Provider
from qorgau.territory.models import Territory
from qorgau.tests.browser import BROWSER_MARKS, sign_in
from qorgau.tests.browser_text import translated

pytestmark = [*BROWSER_MARKS]


def _save(page) -> None:
    page.click("main form.stacked button[type=submit].primary")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("LANGUAGE", ["kk", "ru", "en"])
def test_a_regional_administrator_sets_up_the_bodies_of_the_region(
    browser_page, make_user, LANGUAGE
):
    page = browser_page
    admin = make_user(Role.ADMINISTRATOR, ABAI, username="admin.abai")
    semey = Territory.objects.by_code(SEMEY)
    abai = Territory.objects.by_code(ABAI)
    saved = translated("The changes were saved.", LANGUAGE)
    assert LANGUAGE == "en" or saved != "The changes were saved."  # the catalogue has it

    sign_in(page, "admin.abai", LANGUAGE)
    page.click("nav.menu a[href$='/accounts/setup/']")
    assert page.get_attribute("html", "lang") == LANGUAGE
    assert page.inner_text("main h1") == translated("Setup", LANGUAGE)

    # 1. An organisation: a psychocorrection programme provider in Semey.
    page.click("main a[href$='/accounts/setup/organisations/']")
    assert page.inner_text("main h1") == translated("Organisations", LANGUAGE)
    page.click("main a.button[href$='/new/']")
    page.fill("#id_name", "Semey psychological support centre")
    page.select_option("#id_kind", OrganisationKind.PROGRAM_PROVIDER.value)
    page.select_option("#id_territory", str(semey.pk))
    _save(page)
    assert page.inner_text(".messages") == saved
    assert "Semey psychological support centre" in page.inner_text("main table")
    organisation = Organisation.objects.get(name="Semey psychological support centre")
    assert (organisation.kind, organisation.territory, organisation.is_active) == (
        OrganisationKind.PROGRAM_PROVIDER,
        semey,
        True,
    )

    # 2. The region's coordinating body, and the organisation seated on it.
    page.click("nav.menu a[href$='/accounts/setup/']")
    page.click("main a[href$='/coordination/setup/bodies/']")
    assert page.inner_text("main h1") == translated("Coordinating bodies", LANGUAGE)
    page.click("main a.button[href$='/new/']")
    page.fill("#id_name", "Abai regional commission on women and family")
    page.select_option("#id_territory", str(abai.pk))
    _save(page)
    body = CoordinatingBody.objects.get(name="Abai regional commission on women and family")
    assert body.territory == abai and body.is_active
    page.wait_for_url(f"**/coordination/setup/bodies/{body.pk}/")  # the body's own page
    assert page.inner_text("main h1") == body.name
    page.click(f"main a.button[href$='/setup/bodies/{body.pk}/members/new/']")
    page.select_option("#id_organisation", str(organisation.pk))
    page.select_option("#id_role", "secretary")
    page.fill("#id_joined_on", "2025-01-15")
    _save(page)
    page.wait_for_url(f"**/coordination/setup/bodies/{body.pk}/")
    members = page.inner_text("main table")
    assert organisation.name in members and translated("secretary", LANGUAGE) in members
    membership = Membership.objects.get(body=body)
    assert (membership.organisation, membership.role, str(membership.joined_on)) == (
        organisation,
        "secretary",
        "2025-01-15",
    )

    # 3. The organisation on the register of programme providers.
    page.click("nav.menu a[href$='/accounts/setup/']")
    page.click("main a[href$='/programmes/setup/providers/']")
    assert page.inner_text("main h1") == translated("Programme providers", LANGUAGE)
    page.click("main a.button[href$='/new/']")
    page.select_option("#id_organisation", str(organisation.pk))
    page.select_option("#id_ownership", "ngo")
    page.select_option("#id_accreditation", "accredited")
    page.fill("#id_accredited_from", "2025-01-01")
    page.fill("#id_accredited_until", "2027-12-31")
    _save(page)
    assert page.inner_text(".messages") == saved
    providers = page.inner_text("main table")
    assert organisation.name in providers and getattr(abai, f"name_{LANGUAGE}") in providers
    provider = Provider.objects.get(organisation=organisation)
    assert (provider.region, provider.ownership, provider.accreditation) == (
        abai,
        "ngo",
        "accredited",
    )

    # 4. An entry of the help directory for the region.
    page.click("nav.menu a[href$='/accounts/setup/']")
    page.click("main a[href$='/portal/setup/help/']")
    assert page.inner_text("main h1") == translated("Help directory", LANGUAGE)
    page.click("main a.button[href$='/new/']")
    page.fill("#id_name", "Semey crisis line")
    page.select_option("#id_kind", "hotline")
    page.select_option("#id_region", str(abai.pk))
    page.fill("#id_phone", "+7 7222 00 11 22")
    page.fill("#id_hours", "24/7")
    _save(page)
    assert page.inner_text(".messages") == saved
    assert "+7 7222 00 11 22" in page.inner_text("main table")
    entry = HelpService.objects.get(name="Semey crisis line")
    assert (entry.kind, entry.region, entry.phone, entry.active) == (
        "hotline",
        abai,
        "+7 7222 00 11 22",
        True,
    )

    # 5. The organisation edited: its Kazakh name, shown to Kazakh readers from now on.
    page.click("nav.menu a[href$='/accounts/setup/']")
    page.click("main a[href$='/accounts/setup/organisations/']")
    page.click(f"main a[href$='/accounts/setup/organisations/{organisation.pk}/']")
    assert page.input_value("#id_name") == organisation.name
    # the reader's own language shows its name, where one is given
    own_name = {
        "kk": "Семей психологиялық қолдау орталығы",
        "ru": "Семейский центр психологической поддержки",
        "en": "Semey Centre of Psychological Support",
    }[LANGUAGE]
    page.fill(f"#id_name_{LANGUAGE}", own_name)
    _save(page)
    assert page.inner_text(".messages") == saved
    assert own_name in page.inner_text("main table")
    organisation.refresh_from_db()
    assert getattr(organisation, f"name_{LANGUAGE}") == own_name
    assert organisation.name == "Semey psychological support centre"

    # Every step is on the audit trail, in the administrator's name.
    assert AuditEntry.objects.filter(actor=admin).count() >= 6
