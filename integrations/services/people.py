"""Support staff's decisions about possible duplicates (product.md §3a): same person,
different people, undo; and merging two stored records.

    duplicate_same(*, review, acting_user, candidate_id=None) -> PossibleDuplicate
    duplicate_different(*, review, acting_user) -> PossibleDuplicate
    duplicate_undo(*, review, acting_user) -> PossibleDuplicate
    records_merge(*, survivor, other, acting_user) -> PossibleDuplicate

*Same person*: the record that arrived is merged into the person the client had (a member
into a prospect becomes its conversion instead). Merging keeps everything: the other record
stays, `merged_into` the survivor, with its changes; its external links move to the survivor
wherever the survivor has none at that platform (a platform holding both keeps both, and the
log says so, for someone to merge them there); the survivor's empty fields take the other's
values; the other's deliveries not yet made are discarded, and every platform that takes the
kind gets an update of the survivor, in its own ids. *Different people*: the record's held
deliveries are released. Each decision is audited with who, and kept in `merge` so that
`duplicate_undo` can put things back.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.models import ExternalLink, Integration, LogEntry, Member, OutboxRow, Prospect
from integrations.models.choices import DataKind, Direction
from integrations.models.logs import audit_record, log_write
from integrations.models.matching import DuplicateStatus, PossibleDuplicate
from integrations.models.sync import OutboxStatus
from integrations.records.shape import record_shape
from integrations.sync.delivery.release import held_rows_release, record_update_queue
from integrations.sync.delivery.wake import deliveries_kick
from integrations.sync.inbound.write import LAUNCH_HOLD

MODELS: dict[str, Any] = {"prospect": Prospect, "member": Member}
UNSENT = (OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.FAILED)
OWNERS = ("staff_owner_id", "lead_source_id")


def duplicate_same(
    *, review: PossibleDuplicate, acting_user: Any, candidate_id: Any = None
) -> PossibleDuplicate:
    """The record is `candidate_id` (default: the best candidate); raises ValidationError when
    the review is decided already or either record is gone."""
    with transaction.atomic():
        review = _open(review)
        kind, target = _chosen(review, candidate_id)
        if kind == review.kind:
            survivor, other = _pair_locked(kind, target, review.record_id)
            merge, woken = _merge(survivor, other)
        else:  # a member that is a prospect: its conversion
            merge, woken = _convert(review, target)
        review.candidate_kind, review.candidate_id = kind, target
        _decided(review, DuplicateStatus.SAME, acting_user, merge)
    deliveries_kick(integration_ids=woken)
    return review


def duplicate_different(*, review: PossibleDuplicate, acting_user: Any) -> PossibleDuplicate:
    """Two people: the record's held deliveries go; raises ValidationError when decided."""
    with transaction.atomic():
        review = _open(review)
        released = _held_release(review)
        _decided(review, DuplicateStatus.DIFFERENT, acting_user, {})
    deliveries_kick(integration_ids=set(released))
    return review


def duplicate_undo(*, review: PossibleDuplicate, acting_user: Any) -> PossibleDuplicate:
    """Back to *needs review*: a merge or a conversion is taken back, the records told."""
    with transaction.atomic():
        review = PossibleDuplicate.objects.select_for_update().get(pk=review.pk)
        if review.status == DuplicateStatus.NEEDS_REVIEW:
            raise ValidationError("Nothing to undo: this is not decided.")
        woken: set[int] = set()
        if review.status == DuplicateStatus.SAME:
            woken = (_unmerge if review.kind == review.candidate_kind else _unconvert)(review)
        old = review.status
        review.status, review.held, review.merge = DuplicateStatus.NEEDS_REVIEW, False, {}
        review.decided_by, review.decided_at = None, None
        review.save(update_fields=["status", "held", "merge", "decided_by", "decided_at"])
        audit_record(actor=acting_user, action="duplicate.undo", target=review,
                     client=review.client_id, old={"status": old})
    deliveries_kick(integration_ids=woken)
    return review


def records_merge(*, survivor: Any, other: Any, acting_user: Any) -> PossibleDuplicate:
    """Merge two stored records of one kind that support staff found to be one person (the
    decision goes in the queue as decided, so it can be undone there)."""
    kind = "prospect" if isinstance(survivor, Prospect) else "member"
    if type(other) is not type(survivor) or other.pk == survivor.pk:
        raise ValidationError("Choose two different records of the same kind.")
    if other.client_id != survivor.client_id:
        raise ValidationError("The two records belong to different clients.")
    with transaction.atomic():
        review = PossibleDuplicate.objects.select_for_update().filter(record_id=other.pk).first()
        if review is not None and review.status != DuplicateStatus.NEEDS_REVIEW:
            raise ValidationError("That record was decided already: undo that decision first.")
        if review is None:
            review = PossibleDuplicate.objects.create(
                client_id=other.client_id, kind=kind, record_id=other.pk,
                candidate_kind=kind, candidate_id=survivor.pk, method="manual",
                reason="merged by support staff",
            )
    return duplicate_same(review=review, acting_user=acting_user, candidate_id=survivor.pk)


def _open(review: PossibleDuplicate) -> PossibleDuplicate:
    locked = PossibleDuplicate.objects.select_for_update().filter(pk=review.pk).first()
    if locked is None or locked.status != DuplicateStatus.NEEDS_REVIEW:
        raise ValidationError("This possible duplicate was decided already.")
    return locked


def _chosen(review: PossibleDuplicate, candidate_id: Any) -> tuple[str, Any]:
    if candidate_id is None or str(candidate_id) == str(review.candidate_id):
        return review.candidate_kind, review.candidate_id
    for candidate in review.candidates:
        if candidate.get("id") == str(candidate_id):
            return candidate["kind"], candidate_id
    if review.method == "manual":
        return review.candidate_kind, candidate_id
    raise ValidationError("That record is not one of this review's candidates.")


def _pair_locked(kind: str, survivor_id: Any, other_id: Any) -> tuple[Any, Any]:
    """Both records, locked in id order (as ingest locks them); ValidationError if one is
    gone, erased or merged already."""
    found = {
        r.pk: r
        for r in MODELS[kind].objects.select_for_update().filter(pk__in=[survivor_id, other_id])
        .order_by("pk")
    }
    survivor, other = found.get(survivor_id), found.get(other_id)
    for record in (survivor, other):
        if record is None or record.erased_at or record.merged_into_id:
            raise ValidationError("One of the two records is gone, erased or merged already.")
    return survivor, other


def _merge(survivor: Any, other: Any) -> tuple[dict, set[int]]:
    kind = "prospect" if isinstance(survivor, Prospect) else "member"
    fk = f"{kind}_id"
    theirs = {link.integration_id for link in ExternalLink.objects.filter(**{fk: survivor.pk})}
    moved: list[ExternalLink] = []
    both: list[ExternalLink] = []
    for link in ExternalLink.objects.filter(**{fk: other.pk}).order_by("pk"):
        (both if link.integration_id in theirs else moved).append(link)
    ExternalLink.objects.filter(pk__in=[link.pk for link in moved]).update(**{fk: survivor.pk})
    filled = _gaps_fill(survivor, other, kind)
    followers = MODELS[kind].objects.filter(merged_into_id=other.pk)
    repointed = list(followers.values_list("pk", flat=True))
    MODELS[kind].objects.filter(pk__in=repointed).update(merged_into_id=survivor.pk)
    other.merged_into_id = survivor.pk
    other.save(update_fields=["merged_into", "updated_at"])
    discarded = list(
        OutboxRow.objects.filter(kind=kind, record_id=other.pk, status__in=UNSENT)
        .values_list("pk", flat=True)
    )
    OutboxRow.objects.filter(pk__in=discarded).update(
        status=OutboxStatus.DISCARDED, hold_reason="",
        last_error=f"The same person as {kind} {survivor.pk}: merged into it.",
    )
    woken = record_update_queue(
        record=survivor, integration_ids=_receivers(survivor.client_id, kind),
        reason="merged with a duplicate",
    )
    _both_reported(survivor, kind, both)
    merge = {
        "survivor": str(survivor.pk), "other": str(other.pk),
        "moved_links": [link.pk for link in moved], "filled": filled,
        "repointed": [str(pk) for pk in repointed], "discarded": discarded,
    }
    return merge, set(woken)


def _gaps_fill(survivor: Any, other: Any, kind: str) -> dict[str, Any]:
    """The survivor's empty fields take the other's values; returns {field: its old value}
    (as JSON), for the undo."""
    shape = record_shape(kind)
    filled: dict[str, Any] = {}
    for name in (*shape.names, *OWNERS):
        mine, theirs = getattr(survivor, name), getattr(other, name)
        if theirs not in (None, "", {}, False) and mine in (None, "", {}):
            filled[name] = mine.isoformat() if hasattr(mine, "isoformat") else mine
            setattr(survivor, name, theirs)
    if filled:
        survivor.version += 1
        survivor.save()
    return filled


def _receivers(client_id: str, kind: str) -> list[int]:
    """The client's enabled integrations that receive this kind of record (routing.py)."""
    data = [DataKind.BOTH, DataKind.PROSPECTS if kind == "prospect" else DataKind.MEMBERS]
    return list(
        Integration.objects.filter(
            client_id=client_id, enabled=True, launching=False,
            direction__in=[Direction.RECEIVE, Direction.BOTH],
            data__in=data,
        ).values_list("pk", flat=True)
    )


def _both_reported(survivor: Any, kind: str, both: list[ExternalLink]) -> None:
    """A platform that holds both records keeps both: the log says so, in ids."""
    for link in both:
        mine = ExternalLink.objects.filter(
            integration_id=link.integration_id, **{f"{kind}_id": survivor.pk}
        ).first()
        integration = Integration.objects.select_related("platform").get(pk=link.integration_id)
        log_write(
            client_id=survivor.client_id, integration_id=link.integration_id,
            level=LogEntry.Level.WARNING,
            summary=f"{integration.platform.name} holds one person twice: its {kind}s "
            f"{mine.external_id if mine else '?'} and {link.external_id}. The Connector merged "
            "them; merge them in the platform too.",
            record_kind=kind, record_id=survivor.pk,
        )


def _convert(review: PossibleDuplicate, prospect_id: Any) -> tuple[dict, set[int]]:
    member = Member.objects.select_for_update().filter(pk=review.record_id).first()
    prospect = Prospect.objects.filter(pk=prospect_id, erased_at__isnull=True).first()
    if member is None or member.erased_at or prospect is None:
        raise ValidationError("The member or the prospect is gone.")
    before = member.prospect_id
    member.prospect_id, member.version = prospect.pk, member.version + 1
    member.save(update_fields=["prospect", "version", "updated_at"])
    released = _held_release(review)
    woken = record_update_queue(
        record=member, integration_ids=_receivers(member.client_id, "member"),
        reason="the conversion of a prospect",
    )
    merge = {"converted": str(prospect.pk), "prospect_before": str(before) if before else None}
    return merge, set(woken) | set(released)


def _unmerge(review: PossibleDuplicate) -> set[int]:
    merge, kind = review.merge, review.kind
    survivor, other = _merged_pair(kind, merge)
    fk = f"{kind}_id"
    ExternalLink.objects.filter(pk__in=merge.get("moved_links", [])).update(**{fk: other.pk})
    MODELS[kind].objects.filter(pk__in=merge.get("repointed", [])).update(merged_into_id=other.pk)
    other.merged_into_id = None
    other.save(update_fields=["merged_into", "updated_at"])
    _gaps_restore(survivor, other, merge.get("filled", {}))
    receivers = _receivers(survivor.client_id, kind)
    woken = record_update_queue(record=survivor, integration_ids=receivers,
                                reason="a merge undone")
    sender = [pk for pk in receivers if pk != review.integration_id]
    woken.update(record_update_queue(record=other, integration_ids=sender,
                                      reason="a merge undone"))
    return set(woken)


def _merged_pair(kind: str, merge: dict) -> tuple[Any, Any]:
    model = MODELS[kind]
    found = {
        str(r.pk): r
        for r in model.objects.select_for_update()
        .filter(pk__in=[merge["survivor"], merge["other"]]).order_by("pk")
    }
    survivor, other = found.get(merge["survivor"]), found.get(merge["other"])
    if survivor is None or other is None or str(other.merged_into_id) != merge["survivor"]:
        raise ValidationError("This merge can no longer be undone: a record changed since.")
    return survivor, other


def _gaps_restore(survivor: Any, other: Any, filled: dict[str, Any]) -> None:
    """Empty again what the merge filled in, where the survivor still has the other's value."""
    changed = False
    for name, before in filled.items():
        if getattr(survivor, name) == getattr(other, name):
            field = survivor._meta.get_field(name.removesuffix("_id"))
            setattr(survivor, name, field.to_python(before) if before is not None else None)
            changed = True
    if changed:
        survivor.version += 1
        survivor.save()


def _unconvert(review: PossibleDuplicate) -> set[int]:
    member = Member.objects.select_for_update().filter(pk=review.record_id).first()
    if member is None or str(member.prospect_id) != review.merge.get("converted"):
        raise ValidationError("This conversion can no longer be undone: the member changed.")
    member.prospect_id = review.merge.get("prospect_before")
    member.version += 1
    member.save(update_fields=["prospect", "version", "updated_at"])
    return set(record_update_queue(
        record=member, integration_ids=_receivers(member.client_id, "member"),
        reason="a conversion undone",
    ))


def _held_release(review: PossibleDuplicate) -> dict[int, int]:
    """The record's deliveries held for this review, sent now (not those a launch preview
    holds: they wait for the switch-on)."""
    if not review.held:
        return {}
    rows = list(
        OutboxRow.objects.select_for_update().filter(
            kind=review.kind, record_id=review.record_id, status=OutboxStatus.HELD
        ).exclude(hold_reason=LAUNCH_HOLD).order_by("pk")
    )
    return held_rows_release(rows=rows)


def _decided(review: PossibleDuplicate, status: str, actor: Any, merge: dict) -> None:
    review.status, review.merge = status, merge
    review.decided_by = actor if getattr(actor, "pk", None) else None
    review.decided_at = timezone.now()
    review.save(update_fields=[
        "status", "merge", "decided_by", "decided_at", "candidate_kind", "candidate_id"
    ])
    audit_record(actor=actor, action=f"duplicate.{status}", target=review,
                 client=review.client_id, new={"candidate": str(review.candidate_id)})
