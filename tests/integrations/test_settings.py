"""Settings come from the environment, and production refuses unsafe defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'q': {k: settings.Q_CLUSTER.get(k) for k in ('orm', 'redis', 'timeout', 'retry', "
    "'max_attempts')}, 'cache': settings.CACHES['default']['BACKEND'], "
    "'debug': settings.DEBUG, 'loopback': settings.CONNECTOR_ALLOW_LOOPBACK_URLS}))"
)


def probe(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONNECTOR_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    clean.update(DJANGO_SETTINGS_MODULE="connector_portal.settings", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_the_development_secret():
    result = probe(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_requires_encryption_keys():
    result = probe(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "CONNECTOR_ENCRYPTION_KEYS" in result.stderr


def test_embedded_default_is_sqlite_with_the_orm_broker(tmp_path):
    result = probe(DJANGO_DEBUG="1", CONNECTOR_VAR_DIR=str(tmp_path))
    settings = json.loads(result.stdout)
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["q"]["orm"] == "default" and settings["q"]["redis"] is None
    assert settings["q"]["timeout"] < settings["q"]["retry"]
    assert settings["q"]["max_attempts"] > 0
    assert settings["loopback"] is False


def test_database_url_and_redis_url_switch_to_postgresql_and_redis():
    result = probe(
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/connector",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    settings = json.loads(result.stdout)
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["q"]["redis"] == "redis://127.0.0.1:6379/0" and settings["q"]["orm"] is None
    assert settings["cache"] == "django.core.cache.backends.redis.RedisCache"


POOL_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'pool': db.get('OPTIONS', {}).get('pool'), 'age': db['CONN_MAX_AGE']}))"
)


def test_connection_pool_is_an_option_and_off_by_default():
    url = "postgres://postgres@127.0.0.1:5432/connector"
    off = probe(DJANGO_DEBUG="1", DATABASE_URL=url)
    on = subprocess.run([sys.executable, "-c", POOL_PROBE], cwd=ROOT, capture_output=True,
                        text=True, timeout=60, check=True,
                        env={**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": url,
                             "CONNECTOR_DB_POOL": "8"})
    assert json.loads(off.stdout)["engine"] == "django.db.backends.postgresql"
    assert json.loads(on.stdout) == {"pool": {"min_size": 2, "max_size": 8, "timeout": 10},
                                     "age": 0}


def test_qcluster_keeps_persistent_connections_even_with_the_pool_option():
    """qcluster forks its workers: a pool's open connections must not cross a fork."""
    probe_qcluster = POOL_PROBE.replace("import json,", "import sys; sys.argv[1:] = ['qcluster'];"
                                        " import json,")
    result = subprocess.run(
        [sys.executable, "-c", probe_qcluster], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=True,
        env={**os.environ, "DJANGO_DEBUG": "1", "CONNECTOR_DB_POOL": "8",
             "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/connector"})
    assert json.loads(result.stdout) == {"pool": None, "age": 60}
