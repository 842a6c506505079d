"""``account_of``: the one place a request's user is narrowed to an account for the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from rest_framework.request import Request

from qorgau.accounts.http import account_of
from qorgau.accounts.roles import Role


@pytest.mark.django_db
def test_a_signed_in_account_is_returned_from_a_page_or_an_api_request(make_user):
    inspector = make_user(Role.POLICE_INSPECTOR, "101000000")
    page = RequestFactory().get("/")
    page.user = inspector
    assert account_of(page) is inspector
    api = Request(page)
    api.user = inspector
    assert account_of(api) is inspector


def test_an_anonymous_caller_is_refused_not_trusted():
    page = RequestFactory().get("/")
    page.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        account_of(page)
    api = Request(page)
    api.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        account_of(api)
