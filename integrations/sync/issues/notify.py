"""Emails about issues: to the club's users and to support staff, with Django's mail settings.

- When an issue opens, for the kinds a person must act on (refused credentials, refused or
  failed records, held leads, invalid fetched records); once it has lasted an hour for the
  kinds that often end by themselves (a platform down, an incomplete fetch, leads sent
  without an owner or lead source). At most one email per issue a day (a comeback more than
  a day after the last one is news again).
- Once a day, a digest of what is still ongoing: to each club with an ongoing issue, and one
  for support staff across the clubs.

Each person opts out on their own (User.issue_emails: the club's Settings page, the admin).
Times are written in the club's time zone. Run by django-q2 schedules (schedules.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from integrations.models import Client, Issue, IssueKind, IssueStatus, User
from integrations.sync.issues.selectors import issues_of
from integrations.sync.issues.words import IssueWords, issues_words

logger = logging.getLogger(__name__)

AT_ONCE = (IssueKind.CREDENTIALS_REFUSED, IssueKind.RECORD_REFUSED, IssueKind.DELIVERY_FAILED,
           IssueKind.OWNER_HELD, IssueKind.FETCH_INVALID)
LASTING = dt.timedelta(hours=1)
ONCE_A = dt.timedelta(days=1)


def issues_notify(*, now: dt.datetime | None = None) -> int:
    """Email what opened or has lasted an hour, not emailed within a day; returns how many
    issues were emailed about."""
    now = now or timezone.now()
    due = list(
        issues_of(status=IssueStatus.ONGOING)
        .filter(Q(notified_at__isnull=True) | Q(notified_at__lte=now - ONCE_A))
        .filter(Q(kind__in=AT_ONCE) | Q(first_seen_at__lte=now - LASTING))
        .order_by("client_id", "id")[:500]
    )
    by_client: dict[str, list[Issue]] = defaultdict(list)
    for issue in due:
        by_client[issue.client_id].append(issue)
    support = _support_addresses()
    mailed: list[Issue] = []
    for issues in by_client.values():
        client = issues[0].client
        for issue in issues:
            try:
                _issue_mail(client, issue, support, now)
            except MailFailed:
                continue  # not marked: the next run tries again
            mailed.append(issue)
    Issue.objects.filter(pk__in=[i.pk for i in mailed]).update(notified_at=now)
    Issue.objects.filter(pk__in=[i.pk for i in mailed],
                         first_seen_at__lte=now - LASTING).update(notified_lasting=True)
    return len(mailed)


def _issue_mail(client: Client, issue: Issue, support: list[str], now: dt.datetime) -> None:
    lasting = issue.first_seen_at <= now - LASTING
    with timezone.override(client.zone):
        [words] = issues_words([issue], now=now)
        context = {"client": client, "words": words, "lasting": lasting,
                   "url": _absolute(reverse("issue-detail",
                                            args=[issue.integration_id, issue.pk])),
                   "admin_url": _absolute(reverse("admin:integrations_issue_change",
                                                  args=[issue.pk])),
                   "settings_url": _absolute(reverse("club-settings"))}
        subject = f"[Connector] {client.name}: {words.title}"[:200]
        club = render_to_string("email/issue.txt", {**context, "for_support": False})
        staff = render_to_string("email/issue.txt", {**context, "for_support": True})
    _send(subject, club, _club_addresses(client))
    _send(subject, staff, support)


def issues_digest(*, now: dt.datetime | None = None) -> int:
    """Once a day: each club's ongoing issues to its users, and every club's to support;
    returns how many emails went. A second run the same day sends nothing."""
    now = now or timezone.now()
    if not cache.add(f"issues-digest:{now.date().isoformat()}", 1, timeout=2 * 86400):
        return 0
    ongoing = list(issues_of(status=IssueStatus.ONGOING).order_by("client_id", "-last_seen_at"))
    by_client: dict[str, list[Issue]] = defaultdict(list)
    for issue in ongoing:
        by_client[issue.client_id].append(issue)
    sent = 0
    everyone: list[tuple[Client, list[IssueWords]]] = []
    for issues in by_client.values():
        client = issues[0].client
        with timezone.override(client.zone):
            words = issues_words(issues, now=now)
            body = render_to_string("email/digest.txt", {
                "clients": [(client, words)], "for_support": False,
                "url": _absolute(reverse("integration-list")),
                "settings_url": _absolute(reverse("club-settings"))})
        subject = (f"[Connector] {client.name}: {len(issues)} sync problem"
                   f"{'' if len(issues) == 1 else 's'} ongoing")
        sent += _send_logged(subject, body, _club_addresses(client))
        everyone.append((client, words))
    if everyone:
        body = render_to_string("email/digest.txt", {
            "clients": everyone, "for_support": True,
            "url": _absolute(reverse("admin:index"))})
        sent += _send_logged(f"[Connector] {len(ongoing)} sync issues ongoing at "
                             f"{len(everyone)} client{'' if len(everyone) == 1 else 's'}", body,
                             _support_addresses())
    return sent


def _club_addresses(client: Client) -> list[str]:
    return list(User.objects.filter(client=client, is_active=True, issue_emails=True)
                .values_list("email", flat=True))


def _support_addresses() -> list[str]:
    staff = User.objects.filter(is_staff=True, is_active=True, issue_emails=True)
    extra = [a.strip() for a in getattr(settings, "CONNECTOR_SUPPORT_EMAILS", []) if a.strip()]
    return sorted({*staff.values_list("email", flat=True), *extra})


def _absolute(path: str) -> str:
    return getattr(settings, "CONNECTOR_PUBLIC_URL", "").rstrip("/") + path


class MailFailed(Exception):
    """The mail server did not take the messages."""


def _send(subject: str, body: str, addresses: Iterable[str]) -> int:
    """One message per person (nobody sees the others' addresses), one connection for all;
    raises MailFailed, having logged it (the error's name only: a mail server's message
    can quote addresses)."""
    messages = [EmailMessage(subject=subject, body=body, to=[address])
                for address in addresses]
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception as error:
        logger.error("sending %d issue emails failed: %s", len(messages),
                     error.__class__.__name__)
        raise MailFailed from error


def _send_logged(subject: str, body: str, addresses: Iterable[str]) -> int:
    try:
        return _send(subject, body, addresses)
    except MailFailed:
        return 0
