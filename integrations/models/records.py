from __future__ import annotations

from django.db import models
from django.db.models import Q

from integrations.models.choices import Gender, MemberStatus, RecordKind
from integrations.models.fields import (
    BytewiseCharField,
    RecordAddress,
    RecordChoice,
    RecordDate,
    RecordEmail,
    RecordFlag,
    RecordLongText,
    RecordPhone,
    RecordText,
)
from integrations.models.ids import uuid7
from integrations.models.integrity import LockingDeleteModel


class PersonRecord(LockingDeleteModel):
    """The fields prospects and members share (partner-api.md, prospect body).

    The fields of the partner record are the `Record*` fields (`models/fields.py`): each says
    how the API checks, stores and shows it. The others are the Connector's bookkeeping.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No index of its own: the (client, -id) index serves every lookup by client.
    # No database constraint either (nor on source_integration): see `integrity.py`.
    client = models.ForeignKey(
        "integrations.Client",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    first_name = RecordText(
        max_length=100,
        blank=True,
        help_text="Required with last_name unless email or phone is given.",
    )
    last_name = RecordText(max_length=100, blank=True)
    email = RecordEmail(max_length=254, blank=True)
    phone = RecordPhone(
        max_length=20,
        blank=True,
        help_text="Stored in E.164; an unparseable number is a field error.",
    )
    birth_date = RecordDate(null=True, blank=True)
    gender = RecordChoice(max_length=10, choices=Gender.choices, blank=True)
    address = RecordAddress(default=dict, blank=True)
    notes = RecordLongText(blank=True, max_length=5000)
    # Owner and source as the sender named them: its remote staff / lead source record.
    # Translated into each destination's ids at delivery time, through the mappings.
    # No database constraint on either (`integrity.py`). The owner's index is partial (the
    # subclasses' Meta): only records with an owner are looked up by it (mapping releases).
    staff_owner = models.ForeignKey(
        "mappings.RemoteStaff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # Not indexed (nor is source_integration): no query looks records up by them, and each
    # index costs every ingest write (docs/performance.md, "Partner API").
    lead_source = models.ForeignKey(
        "mappings.RemoteLeadSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    source_integration = models.ForeignKey(
        "integrations.Integration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The integration the last accepted change came from.",
        db_index=False,
        db_constraint=False,
    )
    source_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="The source's own change time of the stored version."
    )
    version = models.PositiveIntegerField(default=1)
    # The normalized full name ('ana lopez': names.py, accents, middle names and initials left
    # out), kept by ingest: with the email, the E.164 phone and the birth date, what a record
    # that arrives without a link is looked up by (product.md §3a; sync/inbound/people.py).
    name_key = models.CharField(max_length=201, blank=True, default="", editable=False)
    # Set when support staff decided this record is the same person as another one
    # (services/people.py): its links moved there where they could, and ingest applies what
    # still arrives for it to that record. Kept, not deleted: its history stays.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # Set when the person was erased (services/erasure.py): the row is then a tombstone that
    # keeps the id the history refers to, and nothing about the person.
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or str(self.id)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


# What matching looks people up by, per client (sync/inbound/people.py): partial, so a record
# without the value costs no index entry (the email index served nothing else).
MATCHING_INDEXES = [
    models.Index(
        fields=["client", "email"], condition=~Q(email=""), name="%(class)s_match_email"
    ),
    models.Index(
        fields=["client", "phone"], condition=~Q(phone=""), name="%(class)s_match_phone"
    ),
    models.Index(
        fields=["client", "name_key"], condition=~Q(name_key=""), name="%(class)s_match_name"
    ),
]


class Prospect(PersonRecord):
    """A lead: the Connector's canonical copy."""

    class Meta:
        # Newest first by id: ids are UUIDv7, in creation order (models/ids.py), so the
        # primary key serves this order and no index on created_at is kept up by every insert.
        ordering = ["-id"]
        indexes = [
            # Read backward for a client's newest first. Ascending, so a new id goes at the
            # right end of its client's entries, where B-tree page splits leave pages 90%
            # full; descending, every insert went to the left end and each split left two
            # half-full pages (an index twice the size, ~0.7 ms more PostgreSQL per
            # 500-record batch; docs/performance.md, "Partner API").
            models.Index(fields=["client", "id"], name="%(class)s_client_newest"),
            *MATCHING_INDEXES,
            models.Index(
                fields=["staff_owner"],
                condition=Q(staff_owner__isnull=False),
                name="%(class)s_staff_owner",
            ),
        ]


class Member(PersonRecord):
    """A person with a membership: the Connector's canonical copy."""

    membership_number = RecordText(max_length=50, blank=True)
    membership_type = RecordText(max_length=100, blank=True)
    status = RecordChoice(max_length=10, choices=MemberStatus.choices, blank=True)
    join_date = RecordDate(null=True, blank=True)
    end_date = RecordDate(null=True, blank=True)
    is_secondary = RecordFlag(default=False, help_text="A family add-on membership.")
    prospect = models.ForeignKey(
        Prospect,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversions",
        help_text="The prospect this member converted from.",
    )

    class Meta:
        # Newest first by id: ids are UUIDv7, in creation order (models/ids.py), so the
        # primary key serves this order and no index on created_at is kept up by every insert.
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["client", "id"], name="%(class)s_client_newest"),  # as above
            *MATCHING_INDEXES,
            models.Index(
                fields=["staff_owner"],
                condition=Q(staff_owner__isnull=False),
                name="%(class)s_staff_owner",
            ),
        ]


class ExternalLink(models.Model):
    """A record's id in one integration's platform."""

    # Indexed only through the constraints below: (integration, kind, external_id) serves
    # lookups by integration, (prospect, integration) / (member, integration) lookups by record.
    # No database constraint on the integration: see `integrity.py`.
    integration = models.ForeignKey(
        "integrations.Integration",
        on_delete=models.PROTECT,
        related_name="links",
        db_index=False,
        db_constraint=False,
    )
    kind = BytewiseCharField(max_length=10, choices=RecordKind.choices)
    external_id = BytewiseCharField(max_length=100)
    # Nor on the record: ingest writes a new record and its link in one transaction, and a
    # record's delete locks it first, then cascades to every link (models/integrity.py).
    prospect = models.ForeignKey(
        Prospect,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="links",
        db_index=False,
        db_constraint=False,
    )
    member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="links",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "kind", "external_id"], name="one_link_per_external_id"
            ),
            # Record first, so the same index finds a record's links (cascade, admin, trace).
            models.UniqueConstraint(
                fields=["prospect", "integration"],
                condition=Q(prospect__isnull=False),
                name="one_link_per_prospect_and_integration",
            ),
            models.UniqueConstraint(
                fields=["member", "integration"],
                condition=Q(member__isnull=False),
                name="one_link_per_member_and_integration",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=RecordKind.PROSPECT, prospect__isnull=False, member__isnull=True)
                    | Q(kind=RecordKind.MEMBER, member__isnull=False, prospect__isnull=True)
                ),
                name="link_points_at_its_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id} @ {self.integration_id}"

    @property
    def record_id(self):
        return self.prospect_id or self.member_id
