"""Database-specific SQL, in one place: every raw query and every `connection.vendor` branch.

Everything else uses the ORM. What is here is here because a benchmark showed the ORM's
spelling costs more than the difference is worth, or because the database's own feature is
the point (row locks that skip, advisory locks, the feed's snapshot watermark). Each function
names the benchmark or the reason in its docstring; one that cannot is a candidate to go.

- `lookups`: `field__any=[...]`, membership as one array parameter (the ingest benchmark);
- `ingest`: a batch's reads and writes (COPY, the outbox fan-out, the receivers and the
  references locked as they are read, links by external id) — `benchmarks/api_ingest.py`;
- `claims`: due outbox rows, `FOR UPDATE SKIP LOCKED` so workers on many machines share them;
- `feed`: the change feed's watermark and index walk — `benchmarks/api_feed.py`;
- `locks`: a fetch and the deliveries to one platform take turns (advisory locks / flock);
- `admin`: the row estimate that spares big admin lists a COUNT(*) — `benchmarks/admin_lists.py`;
- `connection`: json values decoded by orjson on PostgreSQL — `benchmarks/api_feed.py`.

The schema's own database specifics stay with the models that declare them: byte-wise
collation (`models/fields.py`), `json` snapshots and the outbox's transaction-id default
(`models/sync.py`).
"""
