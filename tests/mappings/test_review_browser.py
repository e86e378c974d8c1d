"""The staff review queue in headless chromium at 1280 px, as support staff work it."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient

from integrations.models import Prospect
from integrations.sync.inbound.references import staff_refs_resolve
from mappings.models import StaffMapping
from mappings.services.directory import staff_directory_sync
from mappings.services.rosters import staff_roster_replace
from mappings.services.staff_run import staff_match_run
from tests.mappings.conftest import roster
from tests.web.conftest import CHROMIUM, chromium  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]

LONG_REASON = "first name differs by a typo, last name differs by a typo; different emails"


@pytest.fixture
def queue(club, primary, other):
    roster(
        primary,
        ("P1", "Robert", "Smith", "robert.smith@club.com"),
        ("P2", "Katarina", "Svensson-Lindqvist", "katarina.svensson.lindqvist@club.com"),
    )
    staff_directory_sync(client=club)
    roster(
        other,
        ("S1", "Bob", "Smith", "bob.smith.personal.address@example.com"),
        ("S2", "Katarnia", "Svensson-Lindqvst", "k.s.l.1987@example.com"),
    )
    [rid] = staff_refs_resolve(integration=other, refs=[{"external_id": "NOPE-99"}])
    for _ in range(3):
        Prospect.objects.create(client=club, first_name="Lead", staff_owner_id=rid)
    staff_match_run(integration=other)
    return {m.remote.external_id: m for m in StaffMapping.objects.filter(integration=other)}


@pytest.fixture
def admin_page(chromium, live_server, admin_user):  # noqa: F811 - the fixture
    client = DjangoClient()
    client.force_login(admin_user)
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    yield context.new_page()
    context.close()


def test_the_queue_fits_at_1280_and_a_row_is_accepted_and_undone(admin_page, live_server, queue):
    page = admin_page
    page.goto(f"{live_server.url}/admin/mappings/staffreview/")
    assert page.get_by_text("unknown to us: NOPE-99, named on 3 leads").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Nothing of the list is scrolled out of sight: every cell ends inside the results box.
    results = page.locator("#changelist-form .results")
    assert results.evaluate("el => el.scrollWidth <= el.clientWidth")
    right = results.evaluate("el => el.getBoundingClientRect().right")
    for cell in ("td.field-score_cell", "td.field-reason_cell", "td.field-decide"):
        for box in [page.locator(cell).nth(i).bounding_box() for i in range(3)]:
            assert box is not None and box["x"] + box["width"] <= right
    reason = page.get_by_text(LONG_REASON).first
    assert reason.is_visible()

    row = page.locator("tr", has_text="Bob Smith")
    row.get_by_role("button", name="Accept").click()
    page.get_by_text("Suggestion accepted: Bob Smith → Robert Smith.").wait_for()
    assert page.url.endswith("/admin/mappings/staffreview/")
    assert page.locator("#result_list tr", has_text="Bob Smith").count() == 0
    queue["S1"].refresh_from_db()
    assert queue["S1"].status == "matched"

    page.locator(".messagelist").get_by_role("button", name="Undo").click()
    page.get_by_text("Undone: Bob Smith").wait_for()
    assert page.locator("#result_list tr", has_text="Bob Smith").count() == 1
    queue["S1"].refresh_from_db()
    assert (queue["S1"].status, queue["S1"].suggestion.external_id) == ("needs_review", "P1")


def test_accept_from_the_detail_page(admin_page, live_server, queue):
    page = admin_page
    page.goto(f"{live_server.url}/admin/mappings/staffreview/{queue['S2'].pk}/change/")
    assert page.get_by_role("button", name="Accept").is_visible()
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("Suggestion accepted: Katarnia Svensson-Lindqvst").wait_for()
    queue["S2"].refresh_from_db()
    assert queue["S2"].person.external_id == "P2"


def test_unknown_owners_leave_the_unknown_rows_once_the_partner_lists_them(
    admin_page, live_server, queue, other
):
    page = admin_page
    queue_url = f"{live_server.url}/admin/mappings/staffreview/"
    staff_refs_resolve(integration=other, refs=[{"external_id": "NOPE-42"}])
    staff_match_run(integration=other)
    page.goto(queue_url)
    filters = page.locator("#changelist-filter")
    assert filters.get_by_role("link", name="unknown to us (only named on records)").is_visible()
    assert page.get_by_text("unknown to us: NOPE-42, named on 0 leads").is_visible()

    # The partner lists both: one as a directory person's address, one as nobody we know.
    staff_roster_replace(
        integration=other,
        staff=[
            {"external_id": "S1", "first_name": "Bob", "last_name": "Smith", "email": ""},
            {"external_id": "S2", "first_name": "Katarnia", "last_name": "Svensson-Lindqvst"},
            {"external_id": "NOPE-99", "first_name": "Rob", "last_name": "Smith",
             "email": "robert.smith@club.com"},
            {"external_id": "NOPE-42", "first_name": "Zed", "last_name": "Quist", "email": ""},
        ],
    )  # fmt: skip
    staff_match_run(integration=other)
    page.goto(queue_url)
    assert page.get_by_text("unknown to us").count() == 0
    assert page.locator("#result_list tr", has_text="Rob Smith").count() == 0  # linked
    row = page.locator("#result_list tr", has_text="Zed Quist")
    assert row.get_by_text("no suggestion").is_visible()  # an ordinary unmatched row
    assert row.get_by_role("button", name="No counterpart").is_visible()
    assert filters.get_by_text("listed by the partner").count() == 0  # nothing left to tell


def test_undo_from_the_detail_page(admin_page, live_server, queue):
    page = admin_page
    page.goto(f"{live_server.url}/admin/mappings/staffreview/{queue['S2'].pk}/change/")
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("Suggestion accepted: Katarnia Svensson-Lindqvst").wait_for()
    page.goto(f"{live_server.url}/admin/mappings/staffmapping/{queue['S2'].pk}/change/")
    page.get_by_role("button", name="Undo the last decision").click()
    page.get_by_text("Undone: Katarnia Svensson-Lindqvst").wait_for()
    queue["S2"].refresh_from_db()
    assert (queue["S2"].status, queue["S2"].person) == ("needs_review", None)
    assert queue["S2"].suggestion.external_id == "P2"


def test_the_filters_offer_what_the_list_holds(admin_page, live_server, queue):
    page = admin_page
    page.goto(f"{live_server.url}/admin/mappings/staffreview/")
    filters = page.locator("#changelist-filter")
    for choice in ("needs review", "unmatched", "listed", "unknown to us (only named on records)"):
        assert filters.get_by_role("link", name=choice, exact=True).is_visible()
    assert filters.get_by_role("link", name="matched", exact=True).count() == 0
    page.goto(f"{live_server.url}/admin/mappings/staffmapping/")
    filters = page.locator("#changelist-filter")
    assert filters.get_by_role("link", name="nickname", exact=True).is_visible()
    for absent in ("created in the platform", "chosen by a person"):
        assert filters.get_by_role("link", name=absent, exact=True).count() == 0
