"""GET /metrics in the Prometheus text format, behind a bearer token.

Two sources:
- counters kept by the web process that answers (partner API answers, records and batches
  taken in): a counter increment on the request path, nothing more. With several gunicorn
  workers prometheus-client's multiprocess mode sums them through files in
  PROMETHEUS_MULTIPROC_DIR (settings.py);
- the database, read at scrape time: what workers on any machine did or left waiting
  (deliveries, records their fetches took in, the outbox, review queues, the workers'
  heartbeat).
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Iterable, Iterator

from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from integrations.models import DeliveryTally, IngestTally
from integrations.monitoring import selectors
from integrations.sync.schedules import PERIODIC

API_ANSWERS = Counter(
    "connector_api_responses", "Partner API answers by HTTP status.", ["status"]
)
INGEST_RECORDS = Counter(
    "connector_ingest_records",
    "Records taken in, by kind, result (created, updated, unchanged, error) and source (api: "
    "the partner API, fetch: a worker's fetch from a platform).",
    ["kind", "status", "source"],
)
INGEST_BATCHES = Counter(
    "connector_ingest_batches", "Batch requests the partner API ran, by kind.", ["kind"]
)


def ingest_counted(*, kind: str, statuses: Iterable[str], batch: bool) -> None:
    """Count one PUT's or one batch's results."""
    for status, n in Tally(statuses).items():
        INGEST_RECORDS.labels(kind, status, "api").inc(n)
    if batch:
        INGEST_BATCHES.labels(kind).inc()


class DatabaseCollector(Collector):
    """The metrics read from the database at each scrape."""

    def collect(self) -> Iterator[Metric]:
        yield self._deliveries()
        yield from self._outbox()
        queues = GaugeMetricFamily(
            "connector_review_queue", "What waits for a person, by queue and status.",
            labels=["queue", "status"],
        )
        for queue, counts in selectors.review_queue_sizes().items():
            for status, n in sorted(counts.items()):
                queues.add_metric([queue, status], n)
        yield queues
        yield self._issues()
        yield from self._engine()

    def _issues(self) -> Metric:
        family = GaugeMetricFamily(
            "connector_issues", "Sync issues by kind and status (ongoing, resolved).",
            labels=["kind", "status"],
        )
        for (kind, status), n in sorted(selectors.issue_counts().items()):
            family.add_metric([kind, status], n)
        return family

    def _deliveries(self) -> Metric:
        family = CounterMetricFamily(
            "connector_deliveries", "Delivery attempts by transport and result, all workers.",
            labels=["transport", "result"],
        )
        for transport, result, count in DeliveryTally.objects.order_by(
            "transport", "result"
        ).values_list("transport", "result", "count"):
            family.add_metric([transport, result], count)
        return family

    def _outbox(self) -> Iterator[Metric]:
        rows = GaugeMetricFamily(
            "connector_outbox_rows", "Deliveries not yet done, by transport and status.",
            labels=["transport", "status"],
        )
        for (transport, status), n in sorted(selectors.outbox_open_counts().items()):
            rows.add_metric([transport, status], n)
        yield rows
        yield GaugeMetricFamily(
            "connector_outbox_due", "Deliveries a worker could take now (the queue's depth).",
            value=selectors.outbox_due_count(),
        )
        yield GaugeMetricFamily(
            "connector_outbox_oldest_due_seconds", "How long the oldest due delivery has waited.",
            value=selectors.outbox_oldest_due_seconds(),
        )

    def _engine(self) -> Iterator[Metric]:
        seen = selectors.worker_last_seen()
        age = (timezone.now() - seen).total_seconds() if seen else float("inf")
        yield GaugeMetricFamily(
            "connector_worker_last_seen_seconds",
            "Seconds since a worker last finished the every-minute sweep (+Inf: never).",
            value=age,
        )
        missing = selectors.schedules_missing()
        yield GaugeMetricFamily(
            "connector_schedules_missing", "The sync engine's schedules that do not exist.",
            value=len(missing) if missing is not None else len(PERIODIC),
        )


class FetchedAdded(Collector):
    """The web processes' counters, with the records workers fetched (from the database)
    added to connector_ingest_records as source="fetch": one family, whoever took them in."""

    def __init__(self, processes: CollectorRegistry) -> None:
        self.processes = processes

    def collect(self) -> Iterator[Metric]:
        fetched = IngestTally.objects.order_by("kind", "status").values_list(
            "kind", "status", "count")
        family = None
        for metric in self.processes.collect():
            if metric.name == INGEST_RECORDS._name:
                family = metric
            else:
                yield metric
        if family is None:  # no partner API record yet in any web process
            family = CounterMetricFamily(INGEST_RECORDS._name, INGEST_RECORDS._documentation,
                                         labels=INGEST_RECORDS._labelnames)
        for kind, status, count in fetched:
            family.add_sample(f"{INGEST_RECORDS._name}_total",
                              {"kind": kind, "status": status, "source": "fetch"}, count)
        yield family


def metrics_text() -> bytes:
    """This deployment's metrics in the Prometheus text format."""
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    processes = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    web = CollectorRegistry(auto_describe=False)
    web.register(FetchedAdded(processes))
    return generate_latest(web) + generate_latest(database)
