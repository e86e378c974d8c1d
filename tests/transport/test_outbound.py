"""The outbound-HTTP rules against real local servers: SSRF, redirects, size, timeouts."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from django.core.exceptions import ValidationError

from integrations import outbound
from integrations.outbound import (
    OutboundConnectionError,
    OutboundTimeout,
    RedirectRefused,
    ResponseTooLarge,
    UrlNotAllowed,
    safe_request,
    validate_outbound_url,
)
from integrations.outbound import connection as outbound_connection
from integrations.outbound import url_policy as outbound_policy

SSRF_CORPUS = [
    "https://127.0.0.1/",
    "https://127.0.0.1:8443/hook",
    "https://127.1/",
    "https://127.0.1/",
    "https://0177.0.0.1/",
    "https://0x7f.1/",
    "https://0x7f.0x0.0x0.0x1/",
    "https://0x7f000001/",
    "https://2130706433/",
    "https://017700000001/",
    "https://127.000.000.001/",
    "https://0/",
    "https://0.0.0.0/",
    "https://[::]/",
    "https://[::1]/",
    "https://[0:0:0:0:0:0:0:1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[::127.0.0.1]/",
    "https://169.254.169.254/latest/meta-data/",
    "https://2852039166/",
    "https://0xa9fea9fe/",
    "https://0251.0376.0251.0376/",
    "https://10.0.0.1/",
    "https://10.255.255.53/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://224.0.0.1/",
    "https://239.255.255.250/",
    "https://255.255.255.255/",
    "https://240.0.0.1/",
    "https://[fc00::1]/",
    "https://[fd12:3456::1]/",
    "https://[fe80::1]/",
    "https://[fe80::1%25eth0]/",
    "https://[fec0::1]/",
    "https://[ff02::1]/",
    "https://[2002:7f00:1::]/",
    "https://[2002:a9fe:a9fe::]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[64:ff9b::7f00:1]/",
    "https://[64:ff9b:1::a00:1]/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "https://localhost/",
    "https://localhost./",
    "https://LOCALHOST/",
    "https://api.localhost/",
    "https://good.example.com@127.0.0.1/",
    "https://user:pass@partner.example.com/",
    "https://good.example.com\\@127.0.0.1/",
    "https://%31%32%37.0.0.1/",
    "https://127.0.0.1\t/",
    " https://partner.example.com/",
    "http://partner.example.com/hook",
    "http://127.0.0.1/",
    "ftp://partner.example.com/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "javascript:alert(1)",
    "https:///path-only",
    "",
]


@pytest.mark.parametrize("url", SSRF_CORPUS)
def test_ssrf_corpus_is_refused_on_save(url, loopback_off):
    with pytest.raises(UrlNotAllowed) as info:
        validate_outbound_url(url)
    assert info.value.message
    assert isinstance(info.value, ValidationError)  # forms and serializers show it as is


def test_ssrf_corpus_is_large_enough():
    assert len(SSRF_CORPUS) >= 30


@pytest.mark.parametrize("url", SSRF_CORPUS)
def test_ssrf_corpus_is_refused_on_send(url, loopback_off, local_server):
    target = url.replace("127.0.0.1/", f"127.0.0.1:{local_server.port}/")
    with pytest.raises(UrlNotAllowed):
        safe_request("GET", target, timeout=(0.5, 0.5))
    assert local_server.received == []


@pytest.mark.parametrize(
    "url",
    ["https://partner.example.com/hook", "https://8.8.8.8/", "https://[2606:4700::1111]/x?y=1"],
)
def test_public_https_addresses_are_allowed(url, loopback_off):
    validate_outbound_url(url)


def test_messages_say_why(loopback_off):
    with pytest.raises(UrlNotAllowed, match="link-local"):
        validate_outbound_url("https://[::ffff:a9fe:a9fe]/")
    with pytest.raises(UrlNotAllowed, match="169.254.169.254, a link-local"):
        validate_outbound_url("https://2852039166/")
    with pytest.raises(UrlNotAllowed, match="https://"):
        validate_outbound_url("http://partner.example.com/")


def test_loopback_server_reached_only_with_the_setting(settings, local_server):
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False
    with pytest.raises(UrlNotAllowed):
        safe_request("GET", local_server.url + "/")
    assert local_server.received == []

    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = True
    answer = safe_request("GET", local_server.url + "/")
    assert answer.status == 200
    assert answer.json() == {"ok": True}
    assert len(local_server.received) == 1


def test_http_stays_refused_for_other_hosts_with_the_setting(loopback_on):
    with pytest.raises(UrlNotAllowed):
        validate_outbound_url("http://partner.example.com/")
    with pytest.raises(UrlNotAllowed):
        validate_outbound_url("https://10.0.0.1/")


def test_dns_rebinding_between_save_and_send_is_refused(loopback_off, local_server, monkeypatch):
    # The first DNS answer (on save) is public, the next one (at connect) is loopback.
    answers = iter([["8.8.8.8"], ["127.0.0.1"]])

    def rebinding_dns(host, port):
        return [(socket.AF_INET, (ip, port)) for ip in next(answers)]

    monkeypatch.setattr(outbound_policy, "_resolve", rebinding_dns)
    url = f"https://partner.example.com:{local_server.port}/"
    validate_outbound_url(url)
    with pytest.raises(UrlNotAllowed, match="resolves to a loopback"):
        safe_request("GET", url)
    assert local_server.received == []


def test_a_real_etc_hosts_name_for_loopback_is_refused(loopback_off, local_server):
    name = socket.gethostname()
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except OSError:
        pytest.skip("this machine's name does not resolve")
    if not all(a.startswith("127.") or a == "::1" for a in addresses):
        pytest.skip("this machine's name is not a loopback name here")
    with pytest.raises(UrlNotAllowed, match="loopback"):
        safe_request("GET", f"https://{name}:{local_server.port}/")


def test_mixed_dns_answer_is_refused(loopback_off, monkeypatch):
    monkeypatch.setattr(
        outbound_policy, "_resolve", _fake_dns({"partner.example.com": ["8.8.8.8", "10.0.0.7"]})
    )
    with pytest.raises(UrlNotAllowed, match="private"):
        safe_request("GET", "https://partner.example.com/")


def test_connects_to_the_checked_address_and_keeps_the_host_name(
    loopback_on, local_server, monkeypatch
):
    calls = []

    def dns(host, port):
        calls.append(host)
        return [(socket.AF_INET, ("127.0.0.1", port))]

    monkeypatch.setattr(outbound_policy, "_resolve", dns)
    outbound_connection._local.__dict__.clear()  # a fresh pool: this test counts new connections
    answer = safe_request("POST", f"http://localhost:{local_server.port}/echo", json={"a": 1})
    assert answer.status == 200
    assert answer.json()["headers"]["Host"] == f"localhost:{local_server.port}"
    assert calls == ["localhost"]  # one resolution, and that answer is what was connected to


def test_redirect_is_refused(loopback_on, local_server):
    with pytest.raises(RedirectRefused, match="redirect to 169.254.169.254"):
        safe_request("GET", local_server.url + "/redirect")
    assert [r["path"] for r in local_server.received] == ["/redirect"]


def test_oversize_answer_with_length_is_refused(loopback_on, local_server):
    with pytest.raises(ResponseTooLarge, match="larger than 1024 KiB"):
        safe_request("GET", local_server.url + "/big")


def test_oversize_streamed_answer_is_cut_off(loopback_on, local_server):
    with pytest.raises(ResponseTooLarge):
        safe_request("GET", local_server.url + "/big-chunked")
    with pytest.raises(ResponseTooLarge):
        safe_request("GET", local_server.url + "/echo", max_bytes=10)


def test_read_timeout_is_honoured(loopback_on, local_server):
    local_server.httpd.slow_seconds = 3
    started = time.monotonic()
    with pytest.raises(OutboundTimeout) as info:
        safe_request("GET", local_server.url + "/slow", timeout=(1, 0.5))
    assert time.monotonic() - started < 1.5
    assert info.value.phase == "read"
    assert not info.value.permanent
    assert "did not answer within 0.5 seconds" in info.value.message


def test_connection_refused_is_reported_in_plain_words(loopback_on):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OutboundConnectionError) as info:
        safe_request("GET", f"http://127.0.0.1:{port}/")
    assert info.value.reason == "connection refused"
    assert not info.value.permanent


def test_environment_proxies_are_ignored(loopback_on, local_server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    assert safe_request("GET", local_server.url + "/").status == 200


def test_credentials_are_never_logged(loopback_on, local_server, caplog):
    caplog.set_level(logging.DEBUG)
    safe_request(
        "GET",
        local_server.url + "/?token=query-secret-123",
        headers={"Authorization": "Bearer header-secret-456"},
    )
    assert local_server.received[0]["headers"]["Authorization"] == "Bearer header-secret-456"
    assert "query-secret-123" not in caplog.text
    assert "header-secret-456" not in caplog.text


def test_session_is_reused_per_thread(loopback_on):
    assert outbound.session(allow_loopback=True) is outbound.session(allow_loopback=True)
    assert outbound.session(allow_loopback=True) is not outbound.session(allow_loopback=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (None, None),
        ("soon", None),
        ("²", None),  # a digit to str.isdigit(), not to float()
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_is_parsed(value, expected):
    assert outbound.retry_after_seconds(value) == expected


def _fake_dns(table):
    def resolve(host, port):
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, (ip, port)) for ip in table[host]
        ]

    return resolve


def test_save_check_resolves_names(loopback_off, monkeypatch):
    monkeypatch.setattr(
        outbound_policy,
        "_resolve",
        _fake_dns({"internal.partner.example": ["10.1.2.3"], "ok.partner.example": ["8.8.4.4"]}),
    )
    with pytest.raises(UrlNotAllowed, match="internal.partner.example resolves to a private"):
        validate_outbound_url("https://internal.partner.example/hook")
    validate_outbound_url("https://ok.partner.example/hook")


def test_save_check_accepts_a_name_that_does_not_resolve_yet(loopback_off):
    validate_outbound_url("https://not-yet.invalid/hook")
