"""The demo's data: one club with InTouch and a partner, both played by sandbox platforms.

`seed_demo` stores it in the Connector and `run_demo_platforms` serves it from two local
sandbox platforms, so a newcomer sees staff mapping and a lead travelling at once.
"""

from __future__ import annotations

import os
from typing import Any

CLIENT_ID = "demo-club"
CLIENT_NAME = "Demo Fitness Club"
PARTNER_SLUG = "acme"
PARTNER_NAME = "Acme Club Manager"

# Other ports by the environment, so a second demo (a test) can run beside the first.
INTOUCH_PORT = int(os.environ.get("CONNECTOR_DEMO_INTOUCH_PORT", 8101))
PARTNER_PORT = int(os.environ.get("CONNECTOR_DEMO_PARTNER_PORT", 8102))
INTOUCH_TOKEN = "demo-intouch-token"  # noqa: S105 (demo sandbox only)
PARTNER_TOKEN = "demo-acme-token"  # noqa: S105 (demo sandbox only)
# A fixed partner API key for the demo, so the README can show curl commands that work.
PARTNER_API_KEY = "cpk_demo_acme_0000000000000000000000000000"

SUPPORT_LOGIN = ("support@demo.example", "demo-support-pass")
CLIENT_LOGIN = ("manager@demo.example", "demo-manager-pass")

STAFF_COLUMNS = ("external_id", "first_name", "last_name", "email", "active")

# InTouch's staff: the client's staff directory (InTouch is the primary integration).
INTOUCH_STAFF = [
    ("IT-1", "Samuel", "Ortiz", "sam.ortiz@democlub.example", True),
    ("IT-2", "Elizabeth", "Chen", "liz.chen@democlub.example", True),
    ("IT-3", "Robert", "Miller", "rmiller@democlub.example", True),
    ("IT-4", "Ana", "Lopez", "ana.lopez@democlub.example", True),
    ("IT-5", "Priya", "Natarajan", "priya@democlub.example", True),
    ("IT-6", "Tom", "Becker", "tom.becker@democlub.example", False),
]

# Acme's staff: some match by email, some by name, some need review, one has no counterpart.
PARTNER_STAFF = [
    ("AC-10", "Sam", "Ortiz", "sam.ortiz@democlub.example", True),  # same email
    ("AC-11", "Ana", "López", "", True),  # same name (accent)
    ("AC-12", "Liz", "Chen", "lchen@acme-mail.example", True),  # nickname: review
    ("AC-13", "Bob", "Miller", "bob.m@acme-mail.example", True),  # nickname: review
    ("AC-14", "Jordan", "Reyes", "jordan@acme-mail.example", True),  # no counterpart
]

INTOUCH_LEAD_SOURCES = [("ITLS-1", "Walk-in"), ("ITLS-2", "Facebook ad"), ("ITLS-3", "Referral")]
PARTNER_LEAD_SOURCES = [("ACLS-1", "Walk in"), ("ACLS-2", "Facebook Ad"), ("ACLS-3", "Google")]

# Prospects the partner has already sent.
PARTNER_PROSPECTS: list[dict[str, Any]] = [
    {
        "external_id": "ACP-1",
        "first_name": "Maria",
        "last_name": "Gomez",
        "email": "maria.gomez@example.com",
        "phone": "+12125550001",
        "staff_owner": {"external_id": "AC-10"},
        "lead_source": {"external_id": "ACLS-2", "name": "Facebook Ad"},
        "updated_at": "2026-11-20T09:00:00+00:00",
    },
    {
        "external_id": "ACP-2",
        "first_name": "Kenji",
        "last_name": "Watanabe",
        "email": "kenji.w@example.com",
        "staff_owner": {"external_id": "AC-14"},
        "lead_source": {"external_id": "ACLS-3", "name": "Google"},
        "updated_at": "2026-11-21T15:30:00+00:00",
    },
    {
        # Maria again, entered a second time at the partner: a possible duplicate, waiting
        # in the support admin's queue (product.md §3a).
        "external_id": "ACP-3",
        "first_name": "MARIA",
        "last_name": "GOMEZ",
        "email": "maria.gomez@example.com",
        "phone": "+12125550001",
        "updated_at": "2026-11-23T11:00:00+00:00",
    },
]

# What InTouch already holds when the demo starts (run_demo_platforms serves them): a lead whose
# owner has only a suggestion at the partner (Robert / Bob Miller, waiting for review), and
# one whose email has a typo InTouch let through. Fetched by the worker, they show two issues
# a newcomer can act on: a lead sent to the partner without its owner, and a record the
# Connector cannot take until it is corrected in InTouch. (The partner's Kenji Watanabe goes
# to InTouch without his owner Jordan Reyes, a third.)
INTOUCH_PROSPECTS = [
    {"first_name": "Oscar", "last_name": "Ruiz", "email": "oscar.ruiz@example.com",
     "staff_owner_id": "IT-3", "lead_source_id": "ITLS-3"},
    {"first_name": "Nina", "last_name": "Kowalski", "email": "nina.kowalski@example,com",
     "staff_owner_id": "IT-2"},
]

PARTNER_MEMBERS: list[dict[str, Any]] = [
    {
        "external_id": "ACM-1",
        "first_name": "Lena",
        "last_name": "Fischer",
        "email": "lena.fischer@example.com",
        "membership_number": "M-1001",
        "membership_type": "Monthly",
        "status": "active",
        "join_date": "2026-01-15",
        "updated_at": "2026-11-22T08:00:00+00:00",
    },
    {
        # Kenji joined at the front desk, entered without his lead's id: matching finds the
        # lead, and the member is its conversion.
        "external_id": "ACM-2",
        "first_name": "Kenji",
        "last_name": "Watanabe",
        "email": "Kenji.W@example.com",
        "membership_number": "M-1002",
        "membership_type": "Annual",
        "status": "active",
        "join_date": "2026-11-24",
        "updated_at": "2026-11-24T10:00:00+00:00",
    },
]


def staff_dicts(rows: list[tuple]) -> list[dict]:
    return [dict(zip(STAFF_COLUMNS, row, strict=True)) for row in rows]


def lead_source_dicts(rows: list[tuple]) -> list[dict]:
    return [{"external_id": ext, "name": name, "active": True} for ext, name in rows]
