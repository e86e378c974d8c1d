"""Emails about issues (Django's locmem mail backend): when they open or last an hour, at most
once a day each, a daily digest, to the club's users and to support, each able to opt out."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from integrations.models import Issue
from integrations.sync.issues import notify
from integrations.sync.issues.notify import issues_digest, issues_notify
from integrations.sync.issues.report import Cause, issues_report
from tests.factories import UserFactory

NOW = timezone.now()


@pytest.fixture
def people(club):
    club.time_zone = "Europe/Madrid"
    club.save()
    return {
        "manager": UserFactory(client=club, email="manager@club.example"),
        "quiet": UserFactory(client=club, email="quiet@club.example", issue_emails=False),
        "support": UserFactory(client=None, is_staff=True, email="support@connector.example"),
        "other": UserFactory(client=None, email="nobody@else.example"),
    }


def open_issue(integration, kind, *, at=NOW, detail="") -> Issue:
    cause = Cause(kind)
    ids = issues_report(integration_id=integration.pk, client_id=integration.client_id,
                        seen={cause: 3}, details={cause: detail} if detail else None, now=at)
    return Issue.objects.get(pk=ids[cause])


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_an_issue_a_person_must_act_on_is_emailed_when_it_opens_once_a_day(
    destination, people
):
    opened = NOW.replace(hour=19, minute=38, second=0, microsecond=0)
    open_issue(destination, "credentials_refused", at=opened, detail="refused (401)")

    assert issues_notify(now=opened) == 1

    assert recipients() == ["manager@club.example", "support@connector.example"]
    club_mail = next(m for m in mail.outbox if m.to == ["manager@club.example"])
    madrid = opened.astimezone(zoneinfo.ZoneInfo("Europe/Madrid"))  # the club's time
    assert club_mail.subject.startswith(f"[Connector] {destination.client.name}: InTouch "
                                        f"refuses the credentials since {madrid:%H:%M}")
    assert "What fixes it: Enter InTouch's new API token" in club_mail.body
    assert "http://127.0.0.1:8000/integrations/" in club_mail.body
    mail.outbox.clear()
    assert issues_notify(now=opened + dt.timedelta(hours=2)) == 0  # once a day at most
    assert issues_notify(now=opened + dt.timedelta(days=1, minutes=1)) == 1


def test_an_outage_is_emailed_only_once_it_has_lasted_an_hour(destination, people):
    open_issue(destination, "platform_down", at=NOW)

    assert issues_notify(now=NOW + dt.timedelta(minutes=30)) == 0
    assert issues_notify(now=NOW + dt.timedelta(minutes=61)) == 1

    assert "Still going after an hour" in mail.outbox[0].body
    assert Issue.objects.get().notified_lasting


def test_a_resolved_issue_is_not_emailed(destination, people):
    issue = open_issue(destination, "record_refused")
    Issue.objects.filter(pk=issue.pk).update(status="resolved")
    assert issues_notify(now=NOW) == 0 and mail.outbox == []


def test_the_daily_digest_goes_to_each_club_and_to_support_once_a_day(
    destination, people, other_client_integration
):
    open_issue(destination, "record_refused", detail="refused (422)")
    open_issue(other_client_integration, "owner_held")

    assert issues_digest(now=NOW) == 3  # our manager, their manager, support

    support = next(m for m in mail.outbox if m.to == ["support@connector.example"])
    assert "2 sync issues ongoing at 2 clients" in support.subject
    assert destination.client.name in support.body
    ours = next(m for m in mail.outbox if m.to == ["manager@club.example"])
    assert "refused 3 records: refused (422)" in ours.body
    assert other_client_integration.client.name not in ours.body
    assert issues_digest(now=NOW + dt.timedelta(hours=3)) == 0


def test_a_mail_server_that_fails_leaves_the_issue_for_the_next_run(
    destination, people, monkeypatch
):
    open_issue(destination, "record_refused")

    class Broken:
        def send_messages(self, messages):
            raise ConnectionRefusedError("smtp is down")

    monkeypatch.setattr(notify, "get_connection", lambda: Broken())
    assert issues_notify(now=NOW) == 0
    assert Issue.objects.get().notified_at is None

    monkeypatch.undo()
    assert issues_notify(now=NOW) == 1


@pytest.fixture
def other_client_integration(db):
    from tests.factories import ClientFactory, IntegrationFactory

    other = ClientFactory(name="Rival Gym")
    UserFactory(client=other, email="manager@rival.example")
    return IntegrationFactory(client=other)
