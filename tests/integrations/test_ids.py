"""Record ids are RFC 9562 version 7: time-ordered, unique, in order within a call."""

from __future__ import annotations

import time
import uuid

from integrations.models.ids import uuid7, uuid7_many


def test_ids_are_version_7_with_the_rfc_variant_and_the_time_in_front():
    before = time.time_ns() // 1_000_000
    ids = uuid7_many(500)
    after = time.time_ns() // 1_000_000
    assert {i.version for i in ids} == {7}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
    assert all(before <= i.int >> 80 <= after for i in ids)


def test_ids_of_one_call_are_unique_and_in_increasing_order_beyond_the_counter():
    ids = uuid7_many(5000)  # more than the 12-bit counter holds in one millisecond
    assert len(set(ids)) == 5000
    assert ids == sorted(ids)


def test_ids_of_later_calls_sort_after_earlier_ones_and_never_repeat():
    first = uuid7()
    time.sleep(0.002)
    later = uuid7_many(3)
    assert all(first < i for i in later)
    assert len({first, *later, *uuid7_many(1000), *uuid7_many(1000)}) == 2004


def test_ids_are_the_same_objects_the_uuid_constructor_makes():
    import copy
    import pickle

    for made in uuid7_many(50):
        built = uuid.UUID(int=made.int)
        assert type(made) is uuid.UUID
        assert made == built and hash(made) == hash(built)
        assert (str(made), made.bytes, made.hex, made.is_safe) == (
            str(built),
            built.bytes,
            built.hex,
            built.is_safe,
        )
        assert pickle.loads(pickle.dumps(made)) == made == copy.deepcopy(made)
        assert uuid.UUID(str(made)) == made
