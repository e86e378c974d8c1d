"""The options form: saved through the service, refused field by field, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.models import AuditEntry, LogEntry
from integrations.services.options import integration_options_update
from tests.factories import RemoteStaffFactory

pytestmark = pytest.mark.django_db

VALID = {
    "direction": "both",
    "data": "both",
    "staff_owner": "on",
    "lead_source": "on",
    "unmatched_owner": "hold",
    "enabled": "on",
}


def post(web, integration, **changes):
    data = {**VALID, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return web.post(reverse("integration-detail", args=[integration.pk]), data)


def test_saving_options_changes_them_and_confirms(web, acme, manager):
    response = post(web, acme)
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.direction, acme.data, acme.lead_source, acme.unmatched_owner) == (
        "both",
        "both",
        True,
        "hold",
    )
    page = web.get(response["Location"]).content.decode()
    assert "Saved. The options for Acme are in effect now." in page
    audit = AuditEntry.objects.get(action="integration.options_update")
    assert audit.actor == manager and audit.new["direction"] == "both"
    assert audit.old["direction"] == "receive"
    assert LogEntry.objects.filter(summary__startswith="Options for Acme changed").exists()


def test_the_review_options_are_asked_and_saved(web, acme):
    page = web.get(reverse("integration-detail", args=[acme.pk])).content.decode()
    assert "may be a person the club already has" in page
    assert 'name="prospect_review" value="send_as_new"' in page and "checked" in page
    response = post(web, acme, prospect_review="hold", member_review="send_as_new")
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.prospect_review, acme.member_review) == ("hold", "send_as_new")
    audit = AuditEntry.objects.get(action="integration.options_update")
    assert audit.old["prospect_review"] == "send_as_new" and audit.new["prospect_review"] == "hold"


def test_a_form_without_the_review_options_keeps_them(web, acme):
    acme.member_review = "send_as_new"
    acme.save()
    assert post(web, acme).status_code == 302
    acme.refresh_from_db()
    assert (acme.prospect_review, acme.member_review) == ("send_as_new", "send_as_new")


def test_a_review_option_out_of_its_choices_is_refused(web, acme):
    response = post(web, acme, member_review="merge")
    assert response.status_code == 400
    assert 'id="member_review-error"' in response.content.decode()
    with pytest.raises(ValidationError) as exc:
        integration_options_update(integration=acme, acting_user=None, prospect_review="merge")
    assert "prospect_review" in exc.value.message_dict
    acme.refresh_from_db()
    assert acme.member_review == "hold"


def test_unticked_enabled_pauses(web, acme):
    post(web, acme, enabled=None)
    acme.refresh_from_db()
    assert acme.enabled is False


def test_prospect_extras_sent_with_members_only_are_refused_next_to_the_field(web, acme):
    response = post(web, acme, data="members")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="staff_owner-error"' in page
    assert "include prospects to use them" in page
    acme.refresh_from_db()
    assert acme.data == "prospects"  # nothing saved


def test_members_only_without_extras_is_saved(web, acme):
    post(web, acme, data="members", staff_owner=None, lead_source=None, unmatched_owner=None)
    acme.refresh_from_db()
    assert (acme.data, acme.staff_owner, acme.lead_source) == ("members", False, False)


def test_an_unknown_choice_is_refused(web, acme):
    response = post(web, acme, direction="sideways")
    assert response.status_code == 400
    assert 'id="direction-error"' in response.content.decode()


def test_extras_the_platform_cannot_do_are_refused(web, acme):
    acme.platform.has_lead_sources = False
    acme.platform.save()
    with pytest.raises(ValidationError) as exc:
        integration_options_update(integration=acme, acting_user=None, lead_source=True)
    assert "Acme has no lead sources." in exc.value.message_dict["lead_source"]


def test_default_staff_comes_from_this_platform_active_staff(web, acme, other_club_integration):
    sam = RemoteStaffFactory(integration=acme, first_name="Sam", last_name="Ortiz")
    RemoteStaffFactory(integration=acme, first_name="Rosalind", last_name="Hale", active=False)
    page = web.get(reverse("integration-detail", args=[acme.pk])).content.decode()
    assert "Sam Ortiz" in page and "Rosalind Hale" not in page
    post(web, acme, unmatched_owner="default_staff", default_staff=str(sam.pk))
    acme.refresh_from_db()
    assert acme.default_staff == sam


def test_default_staff_of_another_integration_is_refused(web, acme, other_club_integration):
    stranger = RemoteStaffFactory(integration=other_club_integration)
    response = post(web, acme, unmatched_owner="default_staff", default_staff=str(stranger.pk))
    assert response.status_code == 400
    assert 'id="default_staff-error"' in response.content.decode()


def test_default_staff_policy_needs_a_person(web, acme):
    response = post(web, acme, unmatched_owner="default_staff")
    assert response.status_code == 400
    assert "Choose the Acme staff who receives these leads." in response.content.decode()


def test_default_staff_is_cleared_with_another_policy(acme):
    sam = RemoteStaffFactory(integration=acme)
    integration_options_update(
        integration=acme, acting_user=None, unmatched_owner="default_staff", default_staff=sam
    )
    integration_options_update(integration=acme, acting_user=None, unmatched_owner="hold")
    acme.refresh_from_db()
    assert acme.default_staff is None


def test_nothing_changed_writes_nothing(acme):
    integration_options_update(integration=acme, acting_user=None, direction=acme.direction)
    assert not AuditEntry.objects.filter(action="integration.options_update").exists()


def test_service_refuses_unknown_options(acme):
    with pytest.raises(ValidationError):
        integration_options_update(integration=acme, acting_user=None, is_primary=True)


def test_saving_switches_off_what_the_platform_cannot_do(web, acme):
    acme.platform.has_staff = False
    acme.platform.save()
    response = post(web, acme, staff_owner="on", unmatched_owner=None)
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.staff_owner is False and acme.lead_source is True


@pytest.mark.parametrize(
    "changes",
    [
        {"default_staff": "abc", "unmatched_owner": "default_staff"},
        {"default_staff": "99999999999999999999999", "unmatched_owner": "default_staff"},
        {"direction": "x" * 10_000},
        {"data": "members\x00"},
        {"unmatched_owner": "explode"},
        {"enabled": "maybe"},
    ],
)
def test_bad_input_is_refused_never_a_server_error(web, acme, changes):
    response = post(web, acme, **changes)
    assert response.status_code in (302, 400)
    acme.refresh_from_db()
    assert acme.direction == "receive" or response.status_code == 302


def test_bad_connection_input_is_refused(web, acme_api):
    url = reverse("integration-connection", args=[acme_api.pk])
    for data in (
        {"base_url": "https://a.example/" + "x" * 600},
        {"base_url": "https://a\x00b"},
        {"base_url": "https://acme.example.com", "credentials": "t" * 3000},
    ):
        assert web.post(url, data).status_code == 400
