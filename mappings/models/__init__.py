"""Remote staff and lead sources, the client's directory, and the mappings between them."""

from mappings.models.lead_sources import LeadSource, LeadSourceMapping, RemoteLeadSource
from mappings.models.review import LeadSourceReview, StaffReview
from mappings.models.staff import (
    MappingMethod,
    MappingStatus,
    RemoteStaff,
    StaffMapping,
    StaffPerson,
)

__all__ = [
    "LeadSource",
    "LeadSourceMapping",
    "LeadSourceReview",
    "MappingMethod",
    "MappingStatus",
    "RemoteLeadSource",
    "RemoteStaff",
    "StaffMapping",
    "StaffPerson",
    "StaffReview",
]
