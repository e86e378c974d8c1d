"""Production settings: `check --deploy` is clean, HTTPS is enforced, static files are served.

Each case runs the real settings in a fresh process with a production environment (DEBUG off,
real secrets) and calls the WSGI application itself, as gunicorn would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

# Calls connector_portal.wsgi.application for each request of argv[1] (JSON), prints answers.
WSGI_PROBE = r"""
import io, json, sys
from wsgiref.util import setup_testing_defaults
from connector_portal.wsgi import application

answers = []
for request in json.loads(sys.argv[1]):
    environ = {"PATH_INFO": request["path"], "wsgi.url_scheme": request.get("scheme", "https"),
               "HTTP_HOST": "connector.example", "SERVER_NAME": "connector.example",
               "SERVER_PORT": "443" if request.get("scheme", "https") == "https" else "80"}
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v
                    for k, v in request.get("headers", {}).items()})
    setup_testing_defaults(environ)
    started = {}
    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = int(status.split()[0]), headers
    body = b"".join(application(environ, start_response))
    headers = {}
    for name, value in started["headers"]:
        headers.setdefault(name.lower(), []).append(value)
    answers.append({"status": started["status"], "headers": headers,
                    "body": body.decode("utf-8", "replace")[:20000], "size": len(body)})
print(json.dumps(answers))
"""


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "CONNECTOR_", "PROMETHEUS_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="connector_portal.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=Fernet.generate_key().decode() * 2,
        CONNECTOR_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="connector.example",
        CONNECTOR_VAR_DIR=str(tmp_path / "var"),
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def wsgi(env: dict[str, str], *requests: dict) -> list[dict]:
    result = subprocess.run([sys.executable, "-c", WSGI_PROBE, json.dumps(list(requests))],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = production_env(tmp_path)
    assert manage(env, "migrate", "-v0").returncode == 0

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_is_missing_when_https_is_switched_off(tmp_path):
    env = production_env(tmp_path, CONNECTOR_SSL_REDIRECT="0", CONNECTOR_SECURE_COOKIES="0",
                         CONNECTOR_HSTS_SECONDS="0")
    result = manage(env, "check", "--deploy")
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


def test_https_is_enforced_and_health_probes_may_use_http(tmp_path):
    env = production_env(tmp_path)
    manage(env, "migrate", "-v0")

    plain_login, plain_health, login = wsgi(
        env, {"path": "/admin/login/", "scheme": "http"}, {"path": "/healthz", "scheme": "http"},
        {"path": "/admin/login/"})

    assert plain_login["status"] == 301
    assert plain_login["headers"]["location"] == ["https://connector.example/admin/login/"]
    assert plain_health["status"] == 200
    assert login["status"] == 200
    assert login["headers"]["strict-transport-security"] == [
        "max-age=31536000; includeSubDomains"]
    [cookie] = login["headers"]["set-cookie"]
    assert cookie.strip().startswith("csrftoken=") and "Secure" in cookie


def test_behind_a_tls_proxy_its_header_counts_as_https(tmp_path):
    env = production_env(tmp_path, CONNECTOR_PROXY_SSL_HEADER="X-Forwarded-Proto")
    manage(env, "migrate", "-v0")

    forwarded, spoofed = wsgi(
        env, {"path": "/admin/login/", "scheme": "http",
              "headers": {"X-Forwarded-Proto": "https"}},
        {"path": "/admin/login/", "scheme": "http", "headers": {"X-Forwarded-Proto": "http"}})

    assert forwarded["status"] == 200
    assert spoofed["status"] == 301


def test_admin_css_is_served_without_collectstatic(tmp_path):
    env = production_env(tmp_path)
    manage(env, "migrate", "-v0")

    login, css = wsgi(env, {"path": "/admin/login/"}, {"path": "/static/admin/css/base.css"})

    assert '/static/admin/css/base.css"' in login["body"]
    assert css["status"] == 200
    assert css["headers"]["content-type"][0].startswith("text/css")
    assert ":root" in css["body"]


@pytest.mark.slow
def test_after_collectstatic_files_are_hashed_compressed_and_cached(tmp_path):
    env = production_env(tmp_path)
    manage(env, "migrate", "-v0")
    assert manage(env, "collectstatic", "--noinput", "-v0").returncode == 0

    [login] = wsgi(env, {"path": "/admin/login/"})
    [hashed] = [p for p in login["body"].split('"') if p.startswith("/static/admin/css/base.")]
    assert hashed != "/static/admin/css/base.css"
    plain, gzipped = wsgi(env, {"path": hashed},
                          {"path": hashed, "headers": {"Accept-Encoding": "gzip"}})

    assert plain["status"] == 200 and ":root" in plain["body"]
    assert "immutable" in plain["headers"]["cache-control"][0]
    assert gzipped["headers"]["content-encoding"] == ["gzip"]
    assert gzipped["size"] < plain["size"]
