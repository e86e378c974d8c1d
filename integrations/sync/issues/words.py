"""What an issue says, and the action that fixes it, in words, rendered at read time.

Issues store ids (the owner's remote staff, the lead source), never a person's name; these
functions name them when a page, the admin or an email is rendered, in the time zone that is
active (the club's, on its pages and in its emails).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

from integrations.models import Integration, Issue, IssueKind
from integrations.records.translate import staff_translate
from mappings.models import RemoteLeadSource, RemoteStaff


def staff_words(remote: RemoteStaff) -> str:
    """'Jordan Reyes (Acme staff AC-14)': a staff member as the log and issues name them."""
    name = remote.full_name or remote.external_id
    return f"{name} ({remote.integration.platform.name} staff {remote.external_id})"


@dataclass(frozen=True)
class IssueWords:
    """An issue as people read it: what is wrong, and what to do about it."""

    issue: Issue
    title: str
    action: str
    # Where the fix is made: ("staff", integration id) for a staff mapping, ("lead-sources",
    # integration id), ("connection", integration id), ("failed", integration id), or None.
    fix: tuple[str, int] | None = None

    @property
    def ongoing(self) -> bool:
        return self.issue.ongoing


def since(moment: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """'21:38' today, '6 Dec, 21:38' another day, in the active time zone."""
    local = timezone.localtime(moment)
    today = timezone.localtime(now or timezone.now()).date()
    time = date_format(local, "H:i")
    return time if local.date() == today else f"{date_format(local, 'j M')}, {time}"


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def issues_words(issues: Iterable[Issue], *, now: dt.datetime | None = None
                 ) -> list[IssueWords]:
    """Words for each issue, with the owners and lead sources they name read in two queries
    (the issues' integrations and platforms selected with them)."""
    issues = list(issues)
    staff_ids = {int(i.subject) for i in issues
                 if i.kind in (IssueKind.OWNER_HELD, IssueKind.OWNER_MISSING) and i.subject}
    source_ids = {int(i.subject) for i in issues
                  if i.kind == IssueKind.LEAD_SOURCE_MISSING and i.subject}
    staff = {r.pk: r for r in RemoteStaff.objects.filter(pk__in=staff_ids)
             .select_related("integration__platform")} if staff_ids else {}
    sources = dict(RemoteLeadSource.objects.filter(pk__in=source_ids)
                   .values_list("pk", "name")) if source_ids else {}
    mapped_there = _mapped_to_a_person(issues, staff)
    return [_words(issue, staff, sources, mapped_there, now) for issue in issues]


def _mapped_to_a_person(issues: list[Issue], staff: dict[int, RemoteStaff]
                        ) -> set[tuple[int, int]]:
    """(integration, owner) of owner issues whose owner is a person of the staff list, but
    has no staff linked to them at the integration: the link to make is there (a couple of
    queries per integration with owner issues)."""
    owners: dict[Integration, list[int]] = defaultdict(list)
    for issue in issues:
        if issue.kind in (IssueKind.OWNER_HELD, IssueKind.OWNER_MISSING) and \
                int(issue.subject or 0) in staff:
            owners[issue.integration].append(int(issue.subject))
    found = set()
    for integration, ids in owners.items():
        for owner, translation in staff_translate(integration=integration,
                                                  remote_staff_ids=list(ids)).items():
            if translation.status == "destination_unmapped":
                found.add((integration.pk, owner))
    return found


def _words(issue: Issue, staff: dict[int, RemoteStaff], sources: dict[int, str],
           mapped_there: set[tuple[int, int]], now: dt.datetime | None) -> IssueWords:
    platform = issue.integration.platform.name
    when = since(issue.first_seen_at, now=now)
    kind, n, seen = issue.kind, issue.affected, issue.seen
    here = issue.integration_id
    if kind == IssueKind.CREDENTIALS_REFUSED:
        waiting = f": {_n(n, 'record')} waiting" if n else ""
        return IssueWords(issue, f"{platform} refuses the credentials since {when}{waiting}",
                          f"Enter {platform}'s new API token, test it, and save it: what "
                          "waits is sent at once.", ("connection", here))
    if kind == IssueKind.PLATFORM_DOWN:
        waiting = f": {_n(n, 'record')} waiting" if n else ""
        return IssueWords(issue, f"{platform} is not answering since {when}{waiting}",
                          "Nothing is lost: the Connector tries again every minute and sends "
                          f"everything when {platform} is back. If it lasts, contact "
                          f"{platform}.")
    if kind == IssueKind.RECORD_REFUSED:
        return IssueWords(issue, f"{platform} refused {_n(n or seen, 'record')}: "
                          f"{issue.detail or 'no reason given'}",
                          "Correct what the answer points to, then send them again.",
                          ("failed", here))
    if kind == IssueKind.DELIVERY_FAILED:
        return IssueWords(issue, f"{_n(n or seen, 'record')} could not be delivered to "
                          f"{platform} after every retry: {issue.detail or 'no answer'}",
                          f"Send them again once {platform} works.", ("failed", here))
    if kind in (IssueKind.OWNER_HELD, IssueKind.OWNER_MISSING):
        owner = int(issue.subject or 0)
        return _owner_words(issue, staff.get(owner), platform,
                            there=(here, owner) in mapped_there)
    if kind == IssueKind.LEAD_SOURCE_MISSING:
        name = sources.get(int(issue.subject or 0), "a lead source")
        return IssueWords(issue, f"{_n(seen, 'lead')} sent to {platform} without the lead "
                          f"source “{name}”", f"Map “{name}” to one of {platform}'s lead "
                          "sources (ask Connector support): it follows as an update.",
                          ("lead-sources", here))
    if kind == IssueKind.FETCH_FAILED:
        return IssueWords(issue, f"Fetching from {platform} is incomplete since {when}: "
                          f"{issue.detail}", "Nothing to do: the Connector fetches again in a "
                          f"minute. If it lasts, {platform} has a problem to look at.")
    return IssueWords(issue, f"{_n(n, issue.subject or 'record')} fetched from {platform} "
                      f"{'is' if n == 1 else 'are'} not valid: {issue.detail}",
                      f"Correct {'it' if n == 1 else 'them'} in {platform}: fetched again at "
                      "each fetch, and taken as soon as valid.")


def _owner_words(issue: Issue, owner: RemoteStaff | None, platform: str, *, there: bool
                 ) -> IssueWords:
    """`there`: the owner is a person of the staff list, and it is the platform of the issue
    that has no staff linked to them: the link to make is on its staff page."""
    who = staff_words(owner) if owner is not None else "an owner no longer known"
    if there:
        fix: tuple[str, int] | None = ("staff", issue.integration_id)
        how = (f"Link {platform}'s account of {owner.full_name if owner else 'them'} to your "
               "staff list (Connector support reviews the suggestions with you)")
    else:
        fix = ("staff", owner.integration_id) if owner is not None else None
        how = (f"Map {who} to a person of your staff list (Connector support does it with "
               "you)")
    if issue.kind == IssueKind.OWNER_HELD:
        return IssueWords(issue, f"{_n(issue.affected, 'lead')} held for {who}: no staff "
                          f"mapping in {platform}", f"{how}: the leads are sent at once.", fix)
    return IssueWords(issue, f"{_n(issue.seen, 'lead')} sent to {platform} without owner "
                      f"{who}", f"{how}: the owner follows as an update.", fix)
