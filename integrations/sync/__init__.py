"""The sync engine, in the order a record travels (design.md, "The path of a record").

- `inbound/`: records in. `ingest` (the one way in, for the partner API and fetching alike:
  `plan` decides, `write` stores), `routing` (who receives a change), `echo` (references a
  sender repeats are not changes), `fetch` (polling `api` platforms).
- `delivery/`: records out, one outbox row per destination. `deliver` (claim, send, record the
  outcome) over three transports: `send_api` (the platform's adapter), `send_webhook`
  (signed POSTs) and `feed` (partners read it); `events` renders a row in the destination's
  terms, `completion` applies the owner policy and creates missing lead sources, `outcomes`
  and `backoff` decide what a failure means, `claim` shares the work between workers, `wake`
  and `worker` run it, `release` sends what waited for a staff mapping, `resend` is support
  staff's retry and discard.
- What supports both: `conf` (settings), `schedules` (django-q2's periodic tasks), `journey`
  (where a record has been). A fetch and the deliveries to one platform take turns through
  `integrations.db.locks`.
"""
