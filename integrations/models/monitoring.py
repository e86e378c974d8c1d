from __future__ import annotations

from django.db import models


class DeliveryTally(models.Model):
    """Deliveries so far by transport and result, summed by every worker on every machine.

    A counter in the database because deliveries happen in worker processes that nothing
    scrapes; GET /metrics reads these few rows (connector_deliveries_total). One update per
    delivery pass, not per row.
    """

    transport = models.CharField(max_length=10)  # api, webhook, feed
    result = models.CharField(max_length=20)  # delivered, retry, failed, held, ...
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transport", "result"], name="one_tally_per_result")
        ]

    def __str__(self) -> str:
        return f"{self.transport} {self.result}: {self.count}"


class IngestTally(models.Model):
    """Records the workers' fetches took in, by kind and result, summed on every machine.

    The partner API's are counted by the web processes that answered (metrics.py); these
    happen in workers, which nothing scrapes. One update per fetched page.
    """

    kind = models.CharField(max_length=10)  # prospect, member
    status = models.CharField(max_length=20)  # created, updated, unchanged, error
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "status"], name="one_ingest_tally_per_status")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}: {self.count}"


class ReceivedTally(models.Model):
    """Records a platform sent to the Connector, per integration and day (UTC): what a
    platform that only sends shows on the club's pages ("6,000 records received"), read from
    a few rows instead of the change log. The sweep adds the changes received since its last
    run every minute (monitoring/tally.py): nothing is written on ingest's path."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    records = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "day"], name="one_tally_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.integration_id} {self.day}: {self.records}"
