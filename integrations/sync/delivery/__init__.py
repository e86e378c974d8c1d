"""Records out: claiming, rendering and sending outbox rows (see `integrations.sync`)."""
