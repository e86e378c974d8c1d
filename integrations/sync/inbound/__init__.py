"""Records in: ingest, routing and fetching (see `integrations.sync`)."""
