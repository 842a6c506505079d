"""Refusals and failures are shown in the site's layout and the user's language (DEBUG off),
not as Django's bare English "403 Forbidden"."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext
from django.views.defaults import server_error

from qorgau import urls as project_urls
from qorgau.accounts.roles import Role
from qorgau.conftest import COUNTRY


def _boom(request: object) -> None:
    raise RuntimeError("a failure inside a view")


urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "sign_out"), [("ru", "Выйти"), ("kk", "Шығу")])
def test_a_refused_page_is_styled_and_in_the_users_language(
    make_user, signed_in, language, sign_out
):
    client = signed_in(make_user(Role.AUDITOR, COUNTRY))
    client.cookies["qorgau_language"] = language
    response = client.get("/monitoring/")
    html = response.content.decode()
    assert response.status_code == 403
    assert f'<html lang="{language}">' in html
    assert sign_out in html, "the page has the site's header"
    assert 'class="menu"' in html, "and the user's menu"
    with translation.override(language):
        assert gettext("You do not have access to this page") in html
    assert "403 Forbidden" not in html


@pytest.mark.django_db
def test_a_missing_page_is_styled(make_user, signed_in):
    response = signed_in(make_user(Role.NATIONAL_ANALYST, COUNTRY)).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'class="menu"' in html
    assert "qorgau/qorgau.css" in html


@pytest.mark.django_db
def test_a_bad_request_is_styled():
    response = Client().get("/", headers={"host": "not-an-allowed-host.example"})
    assert response.status_code == 400
    assert "The request could not be understood" in response.content.decode()


@pytest.mark.django_db
def test_a_failing_view_shows_the_styled_error_page(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and "qorgau/qorgau.css" in html


def test_the_error_page_renders_without_the_database():
    """No ``django_db`` mark: a query while rendering would fail the test, as it would fail
    the page when the database is what broke."""
    with translation.override("ru"):
        response = server_error(RequestFactory().get("/"))
        html = response.content.decode()
        assert response.status_code == 500
        assert '<html lang="ru">' in html
        assert gettext("Something went wrong") in html


@pytest.mark.django_db
def test_a_form_refused_by_the_csrf_check_is_explained_in_the_layout(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.NATIONAL_ANALYST, COUNTRY))
    response = client.post("/reports/", {"period": "2025"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "The form could not be sent" in html and "qorgau/qorgau.css" in html
