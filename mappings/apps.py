from __future__ import annotations

from django.apps import AppConfig


class MappingsConfig(AppConfig):
    name = "mappings"
    verbose_name = "Staff and lead-source mapping"
    default_auto_field = "django.db.models.BigAutoField"
