"""The sync engine: ingest (records in), routing, translation and delivery (records out)."""
