"""The main menu of every demo role: only pages it may open, exactly one item lit per page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from qorgau.accounts.demo import demo_accounts_create
from qorgau.accounts.models import User
from qorgau.web.navigation import MENU, MenuEntry, active_url, menu_for

pytestmark = pytest.mark.django_db

MENU_NAV = re.compile(r'<nav class="menu"[^>]*>(.*?)</nav>', re.S)


@pytest.fixture
def demo_users(settings: Any) -> list[User]:
    settings.QORGAU_REQUIRE_2FA = False
    return demo_accounts_create()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _menu(html: str) -> str:
    found = MENU_NAV.search(html)
    return found.group(1) if found else ""


def test_every_menu_link_opens_for_its_role_and_no_refused_page_is_listed(demo_users):
    for user in demo_users:
        client = _client(user)
        shown = {entry["url"] for entry in menu_for(user, "/")}
        for entry in MENU:
            url = reverse(entry.url_name)
            status = client.get(url).status_code
            if url in shown:
                assert status == 200, (user.username, url, status)
            elif status == 403:
                assert url not in shown, (user.username, url)


def test_each_page_of_the_menu_lights_exactly_its_own_item(demo_users):
    for user in demo_users:
        client = _client(user)
        for entry in menu_for(user, "/"):
            html = client.get(entry["url"]).content.decode()
            if entry["url"] == reverse("api-docs"):
                continue  # the API's own documentation page, without the site's frame
            menu = _menu(html)
            lit = re.findall(r'<a href="([^"]+)" aria-current="page"', menu)
            assert lit == [entry["url"]], (user.username, entry["url"], lit)


def test_a_page_under_two_menu_urls_lights_only_the_nearer():
    urls = ["/", "/programmes/", "/programmes/violations/", "/monitoring/"]
    assert active_url(urls, "/programmes/violations/12/") == "/programmes/violations/"
    assert active_url(urls, "/programmes/evaluation/") == "/programmes/"
    assert active_url(urls, "/") == "/"
    assert active_url(urls, "/accounts/profile/") is None


def test_menus_are_short_and_fit_the_role(demo_users):
    labels = {u.username: {str(e["label"]) for e in menu_for(u, "/")} for u in demo_users}
    assert labels["inspector.semey"] >= {"Case registry", "Coordination", "Citizen reports"}
    assert not labels["inspector.semey"] & {"Budget programme", "Rating of akimats", "API"}
    assert labels["auditor"] == {"Home", "Audit trail"}
    assert "Budget programme" in labels["finance.abai"]
    assert max(len(items) for items in labels.values()) <= 12


def test_a_new_entry_needs_only_a_label_a_page_and_a_permission(make_user):
    from qorgau.accounts.roles import MANAGE_USERS, Role

    extra = (*MENU, MenuEntry("Organisations", "accounts:user_list", MANAGE_USERS))
    admin = make_user(Role.ADMINISTRATOR, "000000000")
    auditor = make_user(Role.AUDITOR, "000000000")
    assert "Organisations" in [e["label"] for e in menu_for(admin, "/", extra)]
    assert "Organisations" not in [e["label"] for e in menu_for(auditor, "/", extra)]
