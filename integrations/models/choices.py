"""The words of the integration options (product.md §1), shared by models, forms and the API."""

from __future__ import annotations

from django.db import models


class Direction(models.TextChoices):
    SEND = "send", "sends data to the Connector"
    RECEIVE = "receive", "receives data from the Connector"
    BOTH = "both", "sends and receives (two-way)"


class DataKind(models.TextChoices):
    PROSPECTS = "prospects", "prospects"
    MEMBERS = "members", "members"
    BOTH = "both", "prospects and members"


class Mode(models.TextChoices):
    PUSH = "push", "the platform calls the partner API"
    API = "api", "the Connector calls the platform's API"


class UnmatchedOwner(models.TextChoices):
    SEND_WITHOUT_OWNER = "send_without_owner", "send without owner (and log a warning)"
    HOLD = "hold", "hold the lead until the owner is mapped"
    DEFAULT_STAFF = "default_staff", "assign a default staff"


class RecordKind(models.TextChoices):
    PROSPECT = "prospect", "prospect"
    MEMBER = "member", "member"


class Adapter(models.TextChoices):
    REST = "rest", "generic REST contract"


class Gender(models.TextChoices):
    FEMALE = "female", "female"
    MALE = "male", "male"
    OTHER = "other", "other"
    UNKNOWN = "unknown", "unknown"


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "active"
    FROZEN = "frozen", "frozen"
    CANCELLED = "cancelled", "cancelled"
    EXPIRED = "expired", "expired"


FORMER_MEMBER_STATUSES = (MemberStatus.CANCELLED, MemberStatus.EXPIRED)
