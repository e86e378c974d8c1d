"""Support admin of the mapping app: rosters, directory, mappings and the review queues."""

from mappings.admin import lead_sources, staff

__all__ = ["lead_sources", "staff"]
