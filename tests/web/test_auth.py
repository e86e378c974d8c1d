"""Logging in: email and password, throttled by django-axes; password reset by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.factories import UserFactory
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password):
    return client.post("/login/", {"username": email, "password": password})


def test_login_with_email_and_password_opens_the_integrations(client, manager, acme):
    response = login(client, manager.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/integrations/"
    assert "FitLife Gyms: integrations" in client.get("/integrations/").content.decode()


def test_wrong_password_says_so_in_plain_words(client, manager):
    page = login(client, manager.email, "wrong").content.decode()
    assert "Please enter a correct email and password" in page


def test_repeated_failures_lock_out_with_a_friendly_page(client, manager, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert login(client, manager.email, "wrong").status_code == 200
    response = login(client, manager.email, "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed log-in attempts" in page and "15 minutes" in page
    assert "Traceback" not in page
    # Even the right password is refused while locked out.
    assert login(client, manager.email, PASSWORD).status_code == 429


def test_logout_needs_post_and_ends_the_session(web, acme):
    assert web.post("/logout/").status_code == 302
    assert web.get("/integrations/").status_code == 302


def test_password_reset_by_email(client, manager):
    response = client.post("/password-reset/", {"email": manager.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "a new long secret 42", "new_password2": "a new long secret 42"}
    )
    assert response.status_code == 302
    assert login(client, manager.email, "a new long secret 42").status_code == 302


def test_password_reset_for_an_unknown_email_says_the_same(client, manager):
    page = client.post("/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert "Check your email" in page.content.decode()
    assert len(mail.outbox) == 0


def test_a_used_reset_link_is_refused_kindly(client, manager):
    page = client.get("/password-reset/MQ/bad-token/").content.decode()
    assert "already been used or is too old" in page


@pytest.mark.parametrize("typed", ["Ana@Example.com", "ANA@EXAMPLE.COM", " ana@example.com "])
def test_the_login_email_is_not_case_sensitive(client, acme, typed):
    UserFactory(email="ana@example.com", client=acme.client)
    assert login(client, typed, PASSWORD).status_code == 302


def test_a_user_added_in_the_admin_is_stored_lower_cased(admin_client, acme):
    from integrations.models import User

    response = admin_client.post(
        "/admin/integrations/user/add/",
        {"email": "Sam@Club.Example", "client": acme.client_id,
         "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="sam@club.example").exists()


def test_an_account_is_locked_after_failures_from_many_addresses(client, manager, settings):
    """Per address, 2 failures of 3 allowed; 6 across three addresses lock the account at
    every address, a new one with the right password too."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ACCOUNT_FAILURE_LIMIT = 6
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        for email in (manager.email, manager.email.upper()):  # one account, whatever the case
            response = client.post(
                "/login/", {"username": email, "password": "wrong"}, REMOTE_ADDR=address
            )
        assert response.status_code == (200 if address != "198.51.100.3" else 429)
    response = client.post(
        "/login/", {"username": manager.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 429


def test_failures_below_both_limits_lock_nothing(client, manager, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ACCOUNT_FAILURE_LIMIT = 6
    for address in ("198.51.100.1", "198.51.100.2"):
        for _ in range(2):
            client.post("/login/", {"username": manager.email, "password": "wrong"},
                        REMOTE_ADDR=address)
    response = client.post(
        "/login/", {"username": manager.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302
