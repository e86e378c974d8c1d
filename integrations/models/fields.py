"""Model fields of our own that are not tied to one model."""

from __future__ import annotations

from typing import Any

from django.db import models


class BytewiseMixin:
    """A text column compared byte by byte on PostgreSQL (`COLLATE "C"`).

    For identifiers and addresses, never sorted for people to read: a partner's external id,
    a record kind, an email address. Under the database's linguistic collation every
    comparison in their indexes (a probe, a uniqueness check, each step of an insert) goes
    through the C library's locale-aware comparison; byte order is plain `memcmp`. Equality is
    the same either way (PostgreSQL's deterministic collations break ties byte-wise), so
    uniqueness and lookups mean what they meant. Measured: ~0.4 ms less PostgreSQL for a
    500-record batch's links on this server's C.UTF-8 databases, more under en_US and the like
    (docs/performance.md, "Partner API"). Other databases keep their own collation.
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)  # type: ignore[misc]
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class BytewiseCharField(BytewiseMixin, models.CharField):
    pass


class BytewiseEmailField(BytewiseMixin, models.EmailField):
    pass
