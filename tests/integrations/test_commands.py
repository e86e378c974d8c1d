"""The launch commands: they do what they say, and bad input changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.models import ApiKey, AuditEntry, Client, Integration, Platform, User
from integrations.services.launch import hash_api_key
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Client, Platform, Integration, ApiKey, User))


def test_add_platform_creates_it_with_capabilities():
    run("add_platform", "acme", "--name", "Acme", "--can-create-lead-sources")
    platform = Platform.objects.get(slug="acme")
    assert platform.name == "Acme"
    assert platform.can_create_lead_sources is True
    assert AuditEntry.objects.filter(action="platform.add", target_id=str(platform.pk)).exists()


def test_launch_client_and_add_integration():
    PlatformFactory(slug="acme")
    run("launch_client", "club-1", "--name", "Club One")
    out = run(
        "add_integration",
        "club-1",
        "acme",
        "--direction",
        "receive",
        "--data",
        "prospects",
        "--staff-owner",
        "--lead-source",
    )
    integration = Integration.objects.get(client_id="club-1", platform__slug="acme")
    assert (integration.direction, integration.data) == ("receive", "prospects")
    assert integration.staff_owner and integration.lead_source
    assert "Added integration" in out


def test_api_integration_token_is_encrypted_at_rest(intouch):
    from django.db import connection

    ClientFactory(id="club-2")
    run(
        "add_integration",
        "club-2",
        "intouch",
        "--direction",
        "both",
        "--data",
        "both",
        "--primary",
        "--mode",
        "api",
        "--base-url",
        "https://intouch.example/api",
        "--token",
        "secret-token-3f9a",
    )
    integration = Integration.objects.get(client_id="club-2")
    assert integration.credentials == "secret-token-3f9a"
    assert integration.credentials_hint == "3f9a"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM integrations_integration WHERE id = %s", [integration.pk]
        )
        stored = cursor.fetchone()[0]
    assert "secret-token" not in stored


def test_issue_api_key_prints_the_key_alone_on_the_last_line_and_keeps_only_its_hash():
    PlatformFactory(slug="acme")
    out = run("issue_api_key", "acme")
    raw_key = out.strip().splitlines()[-1]
    assert raw_key.startswith("cpk_") and " " not in raw_key
    stored = ApiKey.objects.get()
    assert stored.hashed_key == hash_api_key(raw_key)
    assert raw_key not in (stored.hashed_key, stored.prefix)
    assert stored.prefix == raw_key[:12]


def test_add_client_user_logs_in_with_email(client):
    ClientFactory(id="club-3")
    run("add_client_user", "club-3", "Manager@Club.example", "--password", "a-long-passphrase")
    user = User.objects.get(email="manager@club.example")
    assert user.client_id == "club-3"
    assert user.check_password("a-long-passphrase")


@pytest.mark.parametrize(
    "args",
    [
        ("add_platform", "acme", "--name", "Again"),  # slug taken
        ("add_platform", "bad slug!", "--name", "X"),
        ("launch_client", "club-x", "--name", "Again"),  # id taken
        ("launch_client", "bad id!", "--name", "X"),
        ("add_integration", "nope", "acme", "--direction", "send", "--data", "prospects"),
        ("add_integration", "club-x", "nope", "--direction", "send", "--data", "prospects"),
        (
            "add_integration",
            "club-x",
            "acme",
            "--direction",
            "send",
            "--data",
            "members",
            "--staff-owner",
        ),
        (
            "add_integration",
            "club-x",
            "other",
            "--direction",
            "send",
            "--data",
            "both",
            "--primary",
        ),  # a second primary
        ("add_integration", "club-x", "acme", "--direction", "send", "--data", "both"),  # twice
        (
            "add_integration",
            "club-x",
            "other",
            "--direction",
            "send",
            "--data",
            "both",
            "--mode",
            "api",
        ),  # api without base URL
        ("issue_api_key", "nope"),
        ("add_client_user", "nope", "a@b.example", "--password", "a-long-passphrase"),
        ("add_client_user", "club-x", "not-an-email", "--password", "a-long-passphrase"),
        ("add_client_user", "club-x", "taken@b.example", "--password", "a-long-passphrase"),
        ("add_client_user", "club-x", "new@b.example", "--password", "short"),
    ],
)
def test_bad_input_is_a_one_line_error_and_changes_nothing(args):
    client = ClientFactory(id="club-x")
    acme = PlatformFactory(slug="acme")
    other = PlatformFactory(slug="other")
    IntegrationFactory(client=client, platform=acme, is_primary=True)
    User.objects.create_user(email="taken@b.example", password="whatever-long")
    assert other
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        run(*args)
    assert "\n" not in str(excinfo.value).strip()
    assert snapshot() == before


def test_bad_choice_exits_non_zero_without_changes():
    ClientFactory(id="club-y")
    before = snapshot()
    with pytest.raises(CommandError):
        run("add_integration", "club-y", "intouch", "--direction", "sideways", "--data", "both")
    assert snapshot() == before


def test_seed_demo_needs_loopback_urls_allowed(settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False
    with pytest.raises(CommandError, match="CONNECTOR_ALLOW_LOOPBACK_URLS=1"):
        run("seed_demo")
    assert not Client.objects.filter(pk="demo-club").exists()


def test_seed_demo_twice_changes_nothing(settings):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True  # the demo's platforms are on 127.0.0.1
    out = run("seed_demo")
    assert "support@demo.example" in out and "manager@demo.example" in out
    counts = snapshot()
    audit = AuditEntry.objects.count()
    run("seed_demo")
    assert snapshot() == counts
    assert AuditEntry.objects.count() == audit
    client = Client.objects.get(pk="demo-club")
    assert client.integrations.filter(is_primary=True, platform__slug="intouch").exists()
    assert User.objects.get(email="manager@demo.example").client == client
    # A possible duplicate waits for support staff; a member entered without its lead's id
    # was found to be that lead's conversion (product.md §3a).
    from integrations.models import ExternalLink, PossibleDuplicate

    assert PossibleDuplicate.objects.get(external_id="ACP-3").status == "needs_review"
    kenji = ExternalLink.objects.get(external_id="ACM-2").member
    assert kenji.prospect_id == ExternalLink.objects.get(external_id="ACP-2").prospect_id
