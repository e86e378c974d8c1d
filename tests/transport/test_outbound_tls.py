"""HTTPS through the checked connection: TLS verifies the host NAME (SNI) while the socket goes
to the address that was resolved and checked."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from http.server import ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integrations import outbound
from integrations.outbound import connection as outbound_connection
from integrations.outbound import url_policy as outbound_policy
from tests.transport.localserver import _Handler


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject, issuer, key, signer, *, ca: bool, dns: str | None = None):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False)
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test CA and a server certificate for partner.test."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert(_name("Test CA"), _name("Test CA"), ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert(_name("partner.test"), ca.subject, key, ca_key, ca=False, dns="partner.test")
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder


@pytest.fixture
def tls_server(pki):
    names_seen: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "leaf.pem", pki / "leaf.key")
    context.sni_callback = lambda sock, name, ctx: names_seen.append(name)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    httpd.received, httpd.statuses, httpd.slow_seconds, httpd.default_status = [], [], 0, 200
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield httpd, names_seen
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def trust_test_ca(pki, loopback_on, monkeypatch):
    session = outbound.session(allow_loopback=True)
    monkeypatch.setattr(session, "verify", str(pki / "ca.pem"))
    resolved: list[str] = []

    def dns(host, port):
        resolved.append(host)
        return [(socket.AF_INET, ("127.0.0.1", port))]

    monkeypatch.setattr(outbound_policy, "_resolve", dns)
    outbound_connection._local.sessions.pop(False, None)
    yield resolved
    session.close()  # no pooled connection with the test CA outlives the test


def test_https_keeps_the_name_for_sni_certificate_and_host(tls_server, trust_test_ca):
    httpd, names_seen = tls_server
    port = httpd.server_address[1]
    answer = outbound.safe_request("POST", f"https://partner.test:{port}/echo", json={"x": 1})
    assert answer.status == 200
    assert answer.json()["headers"]["Host"] == f"partner.test:{port}"
    assert names_seen == ["partner.test"]  # SNI carried the name, not 127.0.0.1
    assert trust_test_ca == ["partner.test"]  # resolved once, and connected to that answer


def test_certificate_for_another_name_is_refused(tls_server, trust_test_ca):
    httpd, _ = tls_server
    port = httpd.server_address[1]
    with pytest.raises(outbound.OutboundConnectionError) as info:
        outbound.safe_request("GET", f"https://other.test:{port}/")
    assert info.value.reason == "a secure connection could not be made"
