"""Friendly pages for errors people can run into in the browser."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_gets_a_plain_words_page():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/login/", {"username": "a@b.example", "password": "x"})
    assert response.status_code == 403
    assert "Please try again" in response.content.decode()


@pytest.mark.django_db
def test_unknown_page_is_a_plain_words_404(client, settings):
    settings.DEBUG = False
    client.force_login(UserFactory())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
