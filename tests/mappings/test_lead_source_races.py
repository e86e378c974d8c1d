"""The client's lead sources are written by several writers at once, and none of them fails.

Issue 20: two re-matching runs of the primary at once, or one racing a delivery that adds the
same name to create it at a platform (lead_source_creation.py), raised IntegrityError on
`one_lead_source_per_normalized_name`. Two threads meet at the insert of a lead source, so
both have read what exists before either writes (PostgreSQL: SQLite has one writer at a time).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.db.models import Model

from integrations.adapters import adapter_for
from integrations.models import Integration
from integrations.sandbox import SandboxServer, SandboxStore
from integrations.sync.delivery.lead_source_creation import (
    _client_lead_source,
    lead_source_create_at,
)
from mappings.models import LeadSource, LeadSourceMapping, MappingStatus, RemoteLeadSource
from mappings.services.directory import lead_sources_sync
from tests.factories import IntegrationFactory, PlatformFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("writers at the same moment need PostgreSQL (SQLite has one writer)")


@pytest.fixture
def primary(club):
    """The client's primary, listing "Spring promo" (LS1)."""
    primary = IntegrationFactory(client=club, platform=PlatformFactory(slug="crm"),
                                 is_primary=True, mode="api")
    RemoteLeadSource.objects.create(integration=primary, external_id="LS1", name="Spring promo")
    return primary


def at_once(monkeypatch, steps: dict[str, Callable[[], object]], *, late: str = "",
            model: type[Model] = LeadSource, methods: tuple[str, ...] = ("bulk_create",)
            ) -> list[str]:
    """Run `steps` in threads that meet at their first write of `model` by one of `methods`
    (`late` then waits a moment more, so the other's write commits first); returns the
    errors raised.

    A thread that waits for a lock the other holds never arrives: the other goes on alone
    after a second.
    """
    meeting = threading.Barrier(len(steps), timeout=1)
    manager = type(model._default_manager)

    def meeting_first(real):
        def write(self, *args, **kwargs):
            if self.model is model:
                with contextlib.suppress(threading.BrokenBarrierError):
                    meeting.wait()
                if threading.current_thread().name == late:
                    time.sleep(0.3)
            return real(self, *args, **kwargs)
        return write

    for method in methods:
        monkeypatch.setattr(manager, method, meeting_first(getattr(manager, method)))
    errors: list[str] = []

    def run(step: Callable[[], object]) -> None:
        try:
            step()
        except Exception as error:  # a test of exactly this: collect, assert none
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(step,), name=name)
               for name, step in steps.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return errors


@pytest.mark.parametrize("known", [False, True], ids=["new name", "name known, unlinked"])
def test_two_runs_of_the_primary_at_once_make_one_lead_source(monkeypatch, club, primary, known):
    if known:  # as the primary lists it, but its link is not made yet: nothing to insert
        LeadSource.objects.create(client=club, name="Spring promo", normalized_name="spring promo",
                                  external_id="LS1")
    errors = at_once(monkeypatch, {"one": lambda: lead_sources_sync(client=club),
                                   "two": lambda: lead_sources_sync(client=club)})

    assert errors == []
    [source] = LeadSource.objects.filter(client=club)
    assert (source.name, source.external_id) == ("Spring promo", "LS1")
    assert LeadSourceMapping.objects.get(remote__integration=primary).lead_source == source


def test_a_run_racing_a_delivery_that_adds_the_name_takes_its_row(monkeypatch, club, primary):
    partner = IntegrationFactory(client=club, platform=PlatformFactory(slug="acme"),
                                 direction="send")
    theirs = RemoteLeadSource.objects.create(integration=partner, external_id="X1",
                                             name="spring  Promo")

    errors = at_once(monkeypatch, {
        "run": lambda: lead_sources_sync(client=club),
        "delivery": lambda: _client_lead_source(integration=primary, source=theirs),
    }, late="run")  # the run read the list before the delivery's insert, inserts after it

    assert errors == []
    [source] = LeadSource.objects.filter(client=club)
    assert (source.name, source.external_id) == ("Spring promo", "LS1")  # the primary's
    mapped = LeadSourceMapping.objects.filter(lead_source=source)
    assert set(mapped.values_list("remote__external_id", flat=True)) == {"LS1", "X1"}


def test_a_run_racing_a_delivery_that_links_the_primarys_source_makes_one_link(
    monkeypatch, settings, club, primary
):
    """The delivery creates "Spring promo" at the primary, which answers with the source it
    already lists (LS1), not yet linked: the run and the delivery both link it."""
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    store = SandboxStore(lead_sources=[{"id": "LS1", "name": "Spring promo"}])
    ours = LeadSource.objects.create(client=club, name="Spring promo",
                                     normalized_name="spring promo", external_id="LS1")
    partner = IntegrationFactory(client=club, platform=PlatformFactory(slug="acme"),
                                 direction="send")
    theirs = RemoteLeadSource.objects.create(integration=partner, external_id="X1",
                                             name="Spring promo")
    LeadSourceMapping.objects.create(remote=theirs, integration=partner, lead_source=ours,
                                     status=MappingStatus.MATCHED)
    with SandboxServer(token="races", store=store) as platform:
        Integration.objects.filter(pk=primary.pk).update(base_url=platform.base_url,
                                                         credentials="races")
        primary.refresh_from_db()

        errors = at_once(monkeypatch, {
            "run": lambda: lead_sources_sync(client=club),
            "delivery": lambda: lead_source_create_at(integration=primary, source=theirs,
                                                      adapter=adapter_for(primary)),
        }, late="run", model=LeadSourceMapping,
           methods=("bulk_create", "update_or_create"))

    assert errors == []
    assert store.stats["POST /lead-sources 200"] == 1  # it answered with LS1
    mapping = LeadSourceMapping.objects.get(remote__integration=primary)
    assert (mapping.remote.external_id, mapping.lead_source) == ("LS1", ours)
