"""Schemathesis against the partner API as it serves itself: every check, 0 failures.

The schema at /api/v1/schema/ is the contract's truth: what it calls valid the API takes
(positive_data_acceptance), what it calls invalid the API refuses (negative_data_rejection),
and every answer matches it. Schemathesis runs as in CI, its own command against a live
server on this test's database, with the hooks of tests/api/schemathesis_hooks.py for what a
JSON schema cannot say (the values of opaque cursors and phone numbers, a batch's one rule
across its records) and two partners that must never see each other's records
(object_level_authorization).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from integrations.models import ApiKey
from integrations.services.launch import hash_api_key
from tests.factories import ClientFactory, IntegrationFactory, PlatformFactory

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
OWNER_KEY = "cpk_schemathesis_owner_0000000000000000000000000"
PEER_KEY = "cpk_schemathesis_peer_00000000000000000000000000"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.fuzzed_people]


def _key(platform, raw: str) -> None:
    ApiKey.objects.create(platform=platform, prefix=raw[:12], hashed_key=hash_api_key(raw))


@pytest.fixture
def partners(settings) -> None:
    """club-a with a partner that sends and receives everything (the owner) and a primary
    receiver; the peer partner only with club-b."""
    settings.CONNECTOR_API_RATE = "1000000/min"
    settings.CONNECTOR_ALLOW_LOOPBACK_URLS = False
    club = ClientFactory(id="club-a", name="Club A")
    owner = IntegrationFactory(client=club, platform=PlatformFactory(slug="gymapp"),
                               direction="both", data="both")
    IntegrationFactory(client=club, platform=PlatformFactory(slug="crm"), direction="receive",
                       is_primary=True)
    peer = IntegrationFactory(client=ClientFactory(id="club-b"),
                              platform=PlatformFactory(slug="other"), direction="both")
    _key(owner.platform, OWNER_KEY)
    _key(peer.platform, PEER_KEY)


def _wfc(path: Path) -> Path:
    users = [("owner", OWNER_KEY), ("peer", PEER_KEY)]
    path.write_text(json.dumps({
        "auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {key}"}]}
            for name, key in users
        ]
    }))
    return path


def test_the_api_conforms_to_its_schema_by_every_check(live_server, partners, tmp_path):
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
        f"{live_server.url}/api/v1/schema/?format=json",
        "--checks", "all", "--workers", "1", "--seed", os.environ.get("ST_SEED", "1"),
        "--report", "ndjson", "--report-dir", str(tmp_path),
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
        "SCHEMATHESIS_WFC_AUTH": str(_wfc(tmp_path / "auth.json")),
    }
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=900)
    (tmp_path / "schemathesis.out").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
