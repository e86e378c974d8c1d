"""Data migrations do what they say on rows an older version stored."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from integrations.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def migration(name: str):
    return importlib.import_module(f"integrations.migrations.{name}")


def test_user_emails_are_lower_cased_unless_another_user_has_that_email():
    mixed, twin, taken = UserFactory(), UserFactory(), UserFactory(email="ana@club.example")
    User.objects.filter(pk=mixed.pk).update(email="Sam@Club.Example")
    User.objects.filter(pk=twin.pk).update(email="ANA@club.example")
    migration("0026_user_emails_lower_cased").emails_lower_cased(apps, None)
    emails = dict(User.objects.values_list("pk", "email"))
    assert emails[mixed.pk] == "sam@club.example"
    assert emails[twin.pk] == "ANA@club.example"  # left for support staff to merge
    assert emails[taken.pk] == "ana@club.example"
