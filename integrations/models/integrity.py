"""Referential integrity of the ingest tables, set-based rather than one check per row.

Records, links, changes and outbox rows refer to their client, integrations and records
without database foreign keys (`db_constraint=False`). PostgreSQL checks a foreign key with
one trigger call per inserted row, at commit: for a 500-record batch (a prospect, a link, a
change and two outbox rows each) ~5,000 checks and ~16 ms of the database's time, the largest
single cost of ingest (docs/performance.md, "Partner API"). Worse, a check against a table
that grows in the same transaction (a link's new prospect, an outbox row's new change) runs a
plan made from the table's statistics: analyzed while nearly empty, that plan is a sequential
scan per row, and a batch's commit took 170 ms. The same guarantee is kept with one lock per
batch instead:

- a writer locks the integrations it writes for with `FOR KEY SHARE` (what the foreign-key
  trigger does per row, done once: `sync.routing.sender_and_receivers_lock`), so none of
  them can be deleted before the writer commits; an integration deleted before that is not
  found;
- existing records a writer touches are locked `FOR UPDATE` (ingest does), and a new record
  is written in the same transaction as its link, change and outbox rows;
- a delete of a client, an integration or a record first locks its rows `FOR UPDATE`, which
  waits for those writers to commit, and only then runs Django's PROTECT and CASCADE: they see
  every row written meanwhile (`LockingDeleteQuerySet`, `LockingDeleteModel`).

Code that locks an integration row only to take turns with itself (a matching run, creating
a lead source at a destination) takes `FOR NO KEY UPDATE`: those exclude one another but not
the writers' key-share locks, so neither waits for the other.

A client is covered through its integrations: an integration refers to its client with a real
foreign key, and every record, link and change is written under a lock on one of the client's
integrations. Changes are never deleted while outbox rows refer to them (PROTECT).

A record's staff owner and lead source (the sender's remote staff and lead source rows) are
kept the same way: ingest reads the rows a batch refers to `FOR KEY SHARE`, locking them in
the query that finds them (`mappings.services.rosters`), and those rows are deleted with a
lock first (`LockingDeleteModel`), so Django's SET_NULL runs after the writer commits and
sees its records. Every new prospect refers to its lead source (the integration's default one
when it names none): as a database foreign key that was one check of the same row per record,
~8% of the database's time in a batch. SQLite serializes write transactions, so the locks are
PostgreSQL-only.
"""

from __future__ import annotations

from django.db import connections, models, router, transaction


def rows_lock(queryset: models.QuerySet) -> None:
    """Lock the queryset's rows `FOR UPDATE`, the one row lock that waits for the writers
    holding them `FOR KEY SHARE` (ingest), and makes later ones wait until this transaction
    ends. PostgreSQL only: SQLite serializes write transactions anyway."""
    if connections[queryset.db].features.has_select_for_update:
        locked = queryset.model._base_manager.using(queryset.db).filter(
            pk__in=queryset.order_by().values("pk")
        )
        list(locked.select_for_update().values_list("pk", flat=True))


class LockingDeleteQuerySet(models.QuerySet):
    """`delete()` locks the rows first, so writers that hold them finish before PROTECT runs."""

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.db):
            rows_lock(self)
            return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]  # as Django marks its own
    delete.queryset_only = True  # type: ignore[attr-defined]


class LockingDeleteModel(models.Model):
    """A model whose rows are locked before they are deleted (see the module's note)."""

    objects = LockingDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, using: str | None = None, keep_parents: bool = False) -> tuple[int, dict]:
        db = using or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=db):
            rows_lock(type(self)._base_manager.using(db).filter(pk=self.pk))
            return super().delete(using=db, keep_parents=keep_parents)

    delete.alters_data = True  # type: ignore[attr-defined]
