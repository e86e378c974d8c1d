"""Creating a lead source at a destination from two workers at once makes it once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from integrations.adapters.base import AdapterConfig, RemoteLeadSourceRecord
from integrations.sync.delivery.lead_source_creation import lead_source_create_at
from mappings.models import LeadSource, LeadSourceMapping, RemoteLeadSource
from tests.factories import IntegrationFactory, PlatformFactory, RemoteLeadSourceFactory
from tests.sync.fakes import FakePlatform


class TwoAtOnce(FakePlatform):
    """Both creators are in the platform call at the same time; a key is made once."""

    def __init__(self) -> None:
        super().__init__()
        self.config = AdapterConfig(base_url="http://fake")
        self.barrier = threading.Barrier(2, timeout=10)
        self.lock = threading.Lock()
        self.by_source_key: dict[str, str] = {}

    def create_lead_source(self, name, *, idempotency_key=None):
        self.barrier.wait()
        with self.lock:
            self.calls.append(("create_lead_source", name, idempotency_key))
            made = self.by_source_key.setdefault(idempotency_key, f"LS{len(self.by_source_key)}")
        return RemoteLeadSourceRecord(id=made, name=name)


@pytest.mark.django_db(transaction=True)
def test_two_workers_creating_the_same_source_at_once_make_it_once(club):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (SQLite serializes them)")
    destination = IntegrationFactory(client=club, platform=PlatformFactory(slug="dest"),
                                     mode="api", direction="receive")
    senders = [IntegrationFactory(client=club, platform=PlatformFactory(slug=f"s{i}"),
                                  direction="send") for i in range(2)]
    sources = [RemoteLeadSourceFactory(integration=sender, name=name)
               for sender, name in zip(senders, ("Spring promo", "spring  Promo"), strict=True)]
    platform, found, errors = TwoAtOnce(), [], []

    def create(source):
        try:
            found.append(lead_source_create_at(integration=destination, source=source,
                                               adapter=platform))
        except Exception as error:  # the test reports it below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == [] and len(set(found)) == 1  # one source, the same for both
    assert len({key for _, _, key in platform.calls}) == 1  # one Idempotency-Key
    assert LeadSource.objects.filter(client=club).count() == 1  # no normalized-name clash
    assert RemoteLeadSource.objects.filter(integration=destination).count() == 1
    mapped = LeadSourceMapping.objects.filter(remote__in=sources).values_list("lead_source",
                                                                                flat=True)
    assert len(set(mapped)) == 1
