"""The orjson parser and renderer give what DRF's own JSON parser and renderer give."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import uuid

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import parsers, renderers
from rest_framework.exceptions import ErrorDetail, ParseError

from integrations.api.fastjson import JSONParser, JSONRenderer

UTF8 = {"encoding": "utf-8"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def drf_parse(body: bytes, context: dict = UTF8):
    return parsers.JSONParser().parse(io.BytesIO(body), "application/json", context)


def fast_parse(body: bytes, context: dict = UTF8):
    return JSONParser().parse(io.BytesIO(body), "application/json", context)


def drf_render(data, media_type: str = "application/json") -> bytes:
    return renderers.JSONRenderer().render(data, media_type, {})


def fast_render(data, media_type: str = "application/json") -> bytes:
    return JSONRenderer().render(data, media_type, {})


@given(json_values)
def test_reads_any_json_as_drf_does(value):
    body = json.dumps(value, ensure_ascii=False).encode()
    assert fast_parse(body) == drf_parse(body)


@given(st.recursive(st.integers(-(2**80), 2**80), lambda children: st.lists(children)))
def test_writes_any_json_value_byte_for_byte_as_drf_does_big_integers_too(value):
    assert fast_render(value) == drf_render(value)


@given(json_values)
def test_writes_any_json_value_byte_for_byte_as_drf_does(value):
    assert fast_render(value) == drf_render(value)


@pytest.mark.parametrize(
    "body",
    [
        b'{"s": "\\ud800"}',  # an escaped lone surrogate: valid JSON, orjson declines
        '{"name": "Zoë \u2028"}'.encode(),
        b'{"a": 1, "a": 2}',
    ],
)
def test_valid_json_orjson_declines_is_read_as_drf_reads_it(body):
    assert fast_parse(body) == drf_parse(body)


def test_an_integer_over_64_bits_is_read_as_a_number_all_the_same():
    """orjson reads it as a float, DRF as an int. No field of the contract is a number, so
    either way the field's check refuses it with the same message."""
    assert fast_parse(b'{"n": 123456789012345678901234567890}') == {"n": 1.2345678901234568e29}


def test_a_record_with_a_huge_number_gets_the_same_field_error(api, club):
    response = api.post(
        f"/api/v1/clients/{club.pk}/prospects/batch",
        data=b'{"records": [{"external_id": 123456789012345678901234567890}]}',
        content_type="application/json",
    )
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert {"field": "external_id", "message": "Must be a string."} in result["errors"]


@pytest.mark.parametrize(
    "body", [b"{", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe", b"[1,]", b""]
)
def test_malformed_json_fails_with_drf_own_error(body):
    with pytest.raises(ParseError) as drf:
        drf_parse(body)
    with pytest.raises(ParseError) as fast:
        fast_parse(body)
    assert str(fast.value) == str(drf.value)


def test_a_body_declared_in_another_charset_is_decoded_in_it():
    body = '{"name": "Zoë"}'.encode("latin-1")
    context = {"encoding": "latin-1"}
    assert fast_parse(body, context) == drf_parse(body, context) == {"name": "Zoë"}


def test_writes_what_the_api_answers_with_byte_for_byte_as_drf_does():
    data = {
        "id": uuid.UUID("0192f0c4-1c1e-7a55-8b1e-2f2b6f8e9a10"),
        "at": dt.datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=dt.UTC),
        "on": dt.date(2026, 11, 26),
        "offset": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "amount": decimal.Decimal("12.50"),
        "detail": gettext_lazy("Not found."),
        "error": ErrorDetail("Must be a string.", code="invalid"),
        "ids": (1, 2, 3),
        7: "int key",
        "big": 2**70,
        "separators": "a\u2028b\u2029c",
    }
    assert fast_render(data) == drf_render(data)


def test_indented_answers_are_drf_own():
    data = {"results": [{"status": "created"}]}
    media_type = "application/json; indent=4"
    assert fast_render(data, media_type) == drf_render(data, media_type)
    assert b"\n    " in fast_render(data, media_type)


def test_nothing_renders_as_an_empty_body():
    assert fast_render(None) == b""
