"""DRF's JSON parser and renderer, doing the work with orjson.

A 500-record batch is ~80 kB of JSON in and ~60 kB out: the standard library took ~0.35 ms
to read it and ~0.35 ms to write the answer, orjson ~0.17 ms and ~0.02 ms (docs/performance.md,
"Partner API"). The results are the same JSON (tests/api/test_fastjson.py), with one
difference: orjson reads an integer over 64 bits as a float. No field of the contract is a
number, so such a value fails its field's check with the same message either way.

Whatever orjson declines goes to DRF's own code, which decides as before:
- reading: an escaped lone surrogate (valid JSON orjson does not take), every malformed body
  (so errors keep DRF's messages), a body declared in another charset than UTF-8;
- writing: an indented answer (`Accept: application/json; indent=4`), and a value orjson
  cannot write (an integer over 64 bits).
"""

from __future__ import annotations

import io
from typing import Any

import orjson
from django.conf import settings
from rest_framework import parsers, renderers

_UTF8 = {"utf-8", "utf8"}
# JSON allows U+2028 and U+2029 raw; JavaScript did not. DRF escapes them, and so do we.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        body = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        if encoding.lower() in _UTF8:
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError:
                pass
        return super().parse(io.BytesIO(body), media_type, parser_context)


class JSONRenderer(renderers.JSONRenderer):
    _default = renderers.JSONRenderer.encoder_class().default
    _options = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                rendered = orjson.dumps(data, default=self._default, option=self._options)
            except TypeError:
                pass
            else:
                for raw, escaped in _LINE_SEPARATORS:
                    rendered = rendered.replace(raw, escaped)
                return rendered
        return super().render(data, accepted_media_type, renderer_context)
