"""A club downloads its connector data as CSV: made in the background, shown with progress."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import DataExport, ExternalLink, Prospect
from integrations.services import export as export_service
from integrations.services.erasure import record_erase
from integrations.services.export import export_build, export_path, exports_expire
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _exports_here(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    queued = []
    monkeypatch.setattr(export_service, "async_task", lambda *a, **k: queued.append(a))
    monkeypatch.setattr(export_service, "CHUNK", 2)  # several chunks even for a few records
    return queued


@pytest.fixture
def people(club, intouch_integration, acme):
    ana = Prospect.objects.create(client=club, first_name="Ana", last_name="Lopez",
                                  email="ana@example.com", phone="+12125551234",
                                  notes="=HYPERLINK(\"http://evil\")")
    bo = Prospect.objects.create(client=club, first_name="Bo", last_name="Berg")
    gone = Prospect.objects.create(client=club, first_name="Ottoline", last_name="Vance")
    ExternalLink.objects.create(integration=intouch_integration, kind="prospect",
                                external_id="IT-1", prospect=ana)
    ExternalLink.objects.create(integration=acme, kind="prospect", external_id="AC-1",
                                prospect=ana)
    record_erase(record=gone)
    return ana, bo


def _rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_a_manager_asks_for_the_export_watches_it_and_downloads_it(
    web, people, _exports_here, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert web.post(reverse("data-export")).status_code == 302
    export = DataExport.objects.get()
    assert export.status == "queued" and _exports_here == [(export_service.BUILD_TASK, export.pk)]
    waiting = web.get(reverse("data-export"))
    assert b"Export progress" in waiting.content and b"Download the CSV" not in waiting.content

    export_build(export_id=export.pk)

    progress = web.get(reverse("data-export"), HTTP_ACCEPT="application/json").json()
    assert progress == {"status": "ready", "percent": 100, "rows_done": 2, "rows_total": 2}
    page = web.get(reverse("data-export")).content.decode()
    assert "ready" in page and reverse("data-export-download", args=[export.pk]) in page
    rows = _rows(web.get(reverse("data-export-download", args=[export.pk])))
    ana = next(row for row in rows if row["first_name"] == "Ana")
    assert (ana["id at InTouch"], ana["id at Acme"], ana["phone"]) == ("IT-1", "AC-1",
                                                                      "+12125551234")
    assert ana["notes"].startswith("'=")  # a spreadsheet does not run it
    assert {row["first_name"] for row in rows} == {"Ana", "Bo"}  # the erased person is not in it


def test_another_club_cannot_download_it(client, people, other_club_integration):
    export = DataExport.objects.create(client=people[0].client, token="t" * 48)
    export_build(export_id=export.pk)
    client.force_login(UserFactory(email="boss@rival.example",
                                   client=other_club_integration.client))
    assert client.get(reverse("data-export-download", args=[export.pk])).status_code == 404


def test_one_export_at_a_time_and_files_go_after_a_day(web, people):
    web.post(reverse("data-export"))
    web.post(reverse("data-export"))
    export = DataExport.objects.get()
    export_build(export_id=export.pk)
    assert export_path(export).exists()
    assert exports_expire(now=timezone.now() + dt.timedelta(hours=2)) == 0
    assert exports_expire(now=timezone.now() + dt.timedelta(days=2)) == 1
    assert not export_path(export).exists() and not DataExport.objects.exists()


def test_erasing_a_person_deletes_the_clubs_exports_once_committed(
    people, other_club_integration, django_capture_on_commit_callbacks
):
    ana, _ = people
    ours = DataExport.objects.create(client=ana.client, token="a" * 48)
    theirs = DataExport.objects.create(client=other_club_integration.client, token="b" * 48)
    for export in (ours, theirs):
        export_build(export_id=export.pk)
    assert "ana@example.com" in export_path(ours).read_text()

    with django_capture_on_commit_callbacks(execute=False) as pending:
        record_erase(record=ana)
    assert export_path(ours).exists()  # nothing goes before the erasure is committed
    for callback in pending:
        callback()

    assert not export_path(ours).exists() and not DataExport.objects.filter(pk=ours.pk).exists()
    assert export_path(theirs).exists() and DataExport.objects.filter(pk=theirs.pk).exists()


def test_an_export_being_made_when_a_person_is_erased_stops_and_leaves_no_file(
    people, monkeypatch
):
    Prospect.objects.create(client=people[0].client, first_name="Cy")  # a second chunk
    export = DataExport.objects.create(client=people[0].client, token="c" * 48)
    chunk_write = export_service._chunk_write

    def erased_meanwhile(*args, **kwargs):
        done = chunk_write(*args, **kwargs)
        export_service.client_exports_discard(client_id=export.client_id)
        return done

    monkeypatch.setattr(export_service, "_chunk_write", erased_meanwhile)
    export_build(export_id=export.pk)  # its next chunk finds the export gone

    assert not DataExport.objects.exists()
    assert list(export_service.export_dir().iterdir()) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_shows_progress_then_the_download(browser_page, live_server, manager, people):
    from tests.web.test_browser import log_in

    page = browser_page
    log_in(page, live_server, manager.email)
    page.get_by_role("link", name="Your data").click()
    page.get_by_role("button", name="Prepare an export").click()
    export = DataExport.objects.get()
    assert page.get_by_label("Export progress").is_visible()
    export_build(export_id=export.pk)  # the worker finishes while the page polls
    page.get_by_role("link", name="Download the CSV").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV").click()
    body = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Ana" in body and "IT-1" in body and "Ottoline" not in body
