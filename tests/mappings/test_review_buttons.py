"""The review queue as support staff work it: a button per row and on the detail page, undo
on the same page, owners the partner named but never listed, filters that are never empty."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import AuditEntry, Prospect
from integrations.sync.inbound.references import staff_refs_resolve
from mappings.models import RemoteStaff, StaffMapping, StaffPerson
from mappings.services.directory import staff_directory_sync
from mappings.services.rosters import staff_roster_replace
from mappings.services.staff_run import staff_match_run
from tests.factories import ClientFactory, IntegrationFactory
from tests.mappings.conftest import roster

QUEUE = "admin:mappings_staffreview_changelist"


@pytest.fixture
def queue(club, primary, other):
    roster(
        primary,
        ("P1", "Robert", "Smith", "rob@club.com"),
        ("P2", "Anna", "Berg", ""),
        ("P3", "Sam", "Ortiz", "sam@club.com"),
    )
    staff_directory_sync(client=club)
    roster(other, ("S1", "Bob", "Smith", ""), ("S3", "Nobody", "Here", ""))
    staff_match_run(integration=other)
    return {m.remote.external_id: m for m in StaffMapping.objects.filter(integration=other)}


def decide_url(mapping, decision):
    return reverse("admin:mappings_staffreview_decide", args=[mapping.pk, decision])


def test_each_row_has_an_accept_button_next_to_its_suggestion(admin_client, queue):
    page = admin_client.get(reverse(QUEUE)).content.decode()
    assert f'formaction="{decide_url(queue["S1"], "accept")}"' in page
    assert f'formaction="{decide_url(queue["S3"], "accept")}"' not in page  # no suggestion
    assert f'formaction="{decide_url(queue["S3"], "no_counterpart")}"' in page
    assert "no suggestion" in page


def test_accepting_a_row_stays_on_the_queue_and_offers_undo(admin_client, admin_user, queue):
    back = reverse(QUEUE) + "?status__exact=needs_review"
    response = admin_client.post(decide_url(queue["S1"], "accept"), {"next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    queue["S1"].refresh_from_db()
    assert (queue["S1"].status, queue["S1"].person.external_id) == ("matched", "P1")
    assert queue["S1"].decided_by == admin_user
    page = response.content.decode()
    assert "Suggestion accepted" in page
    undo = decide_url(queue["S1"], "undo")
    assert f'action="{undo}"' in page

    response = admin_client.post(undo, {"next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    queue["S1"].refresh_from_db()
    assert (queue["S1"].status, queue["S1"].person, queue["S1"].suggestion.external_id) == (
        "needs_review",
        None,
        "P1",
    )
    assert queue["S1"].reason == "nickname of first name, same last name"
    assert queue["S1"].confirmed is False
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["mapping.accept", "mapping.undo"]
    assert "Bob Smith" in response.content.decode()  # back in the queue


def test_undo_is_refused_once_the_mapping_changed_again(admin_client, queue):
    admin_client.post(decide_url(queue["S3"], "no_counterpart"))
    admin_client.post(reverse("admin:mappings_staffmapping_decide", args=[queue["S3"].pk, "undo"]))
    response = admin_client.post(decide_url(queue["S3"], "undo"), follow=True)
    assert "can no longer be undone" in response.content.decode()


def test_the_detail_page_has_the_buttons_and_undo(admin_client, queue):
    url = reverse("admin:mappings_staffreview_change", args=[queue["S1"].pk])
    page = admin_client.get(url).content.decode()
    assert f'formaction="{decide_url(queue["S1"], "accept")}"' in page
    response = admin_client.post(decide_url(queue["S1"], "accept"), {"next": reverse(QUEUE)})
    assert response.status_code == 302
    detail = reverse("admin:mappings_staffmapping_change", args=[queue["S1"].pk])
    page = admin_client.get(detail).content.decode()
    assert "Undo the last decision" in page


def test_only_post_is_a_decision(admin_client, queue):
    assert admin_client.get(decide_url(queue["S1"], "accept")).status_code == 405
    assert admin_client.post(decide_url(queue["S1"], "delete")).status_code == 403


def test_the_queue_offers_only_the_statuses_it_holds(admin_client, queue):
    page = admin_client.get(reverse(QUEUE)).content.decode()
    assert "?status__exact=needs_review" in page and "?status__exact=unmatched" in page
    assert "?status__exact=matched" not in page and "?status__exact=no_counterpart" not in page
    mappings = admin_client.get(reverse("admin:mappings_staffmapping_changelist")).content.decode()
    assert "method__exact=nickname" in mappings  # Bob Smith's suggestion
    assert "method__exact=created" not in mappings  # staff are never created


def test_an_owner_named_but_never_listed_shows_what_is_known(admin_client, club, queue, other):
    [rid] = staff_refs_resolve(integration=other, refs=[{"external_id": "NOPE-99"}])
    for _ in range(3):
        Prospect.objects.create(client=club, first_name="Lead", staff_owner_id=rid)
    staff_match_run(integration=other)
    page = admin_client.get(reverse(QUEUE)).content.decode()
    assert "unknown to us: NOPE-99, named on 3 leads" in page
    assert "(no name)" not in page
    listed = admin_client.get(reverse(QUEUE), {"listed": "no"}).content.decode()
    assert "NOPE-99" in listed and "Bob Smith" not in listed


def test_the_owner_leaves_the_queue_when_the_partner_lists_it(admin_client, club, queue, other):
    staff_refs_resolve(integration=other, refs=[{"external_id": "NOPE-99"}])
    staff_roster_replace(
        integration=other,
        staff=[
            {"external_id": "S1", "first_name": "Bob", "last_name": "Smith", "email": ""},
            {"external_id": "S3", "first_name": "Nobody", "last_name": "Here", "email": ""},
            {"external_id": "NOPE-99", "first_name": "Sam", "last_name": "Ortiz", "email": ""},
        ],
    )
    staff_match_run(integration=other)
    remote = RemoteStaff.objects.get(integration=other, external_id="NOPE-99")
    assert remote.seen_in_roster and remote.mapping.status == "matched"
    assert remote.mapping.person == StaffPerson.objects.get(external_id="P3")
    page = admin_client.get(reverse(QUEUE)).content.decode()
    assert "NOPE-99" not in page and "Sam Ortiz" not in page


def test_the_listed_filter_is_offered_only_when_the_queue_holds_unknown_owners(
    admin_client, club, queue, other
):
    assert "listed=no" not in admin_client.get(reverse(QUEUE)).content.decode()
    staff_refs_resolve(integration=other, refs=[{"external_id": "NOPE-99"}])
    staff_match_run(integration=other)
    page = admin_client.get(reverse(QUEUE)).content.decode()
    assert "?listed=no" in page and "?listed=yes" in page


def test_the_method_filter_offers_the_methods_of_the_list_shown(admin_client, queue, club):
    elsewhere = ClientFactory()
    roster(IntegrationFactory(client=elsewhere, is_primary=True), ("Q1", "Ivy", "Holm", ""))
    staff_directory_sync(client=elsewhere)
    their_other = IntegrationFactory(client=elsewhere)
    roster(their_other, ("T1", "Ivy", "Holm", ""))
    staff_match_run(integration=their_other)
    mappings = reverse("admin:mappings_staffmapping_changelist")
    everyone = admin_client.get(mappings).content.decode()
    assert "method__exact=nickname" in everyone and "method__exact=name" in everyone
    theirs = admin_client.get(mappings, {"client": elsewhere.pk}).content.decode()
    assert "method__exact=name" in theirs
    assert "method__exact=nickname" not in theirs  # Bob Smith is the first client's
