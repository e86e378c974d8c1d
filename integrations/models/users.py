from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        """The user with this email, whatever its case (emails are stored lower-cased)."""
        return self.get(email=(username or "").strip().lower())

    async def aget_by_natural_key(self, username: str | None) -> User:
        return await self.aget(email=(username or "").strip().lower())

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: support staff (is_staff) or a client user (client set)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    client = models.ForeignKey(
        "integrations.Client",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="The client this user belongs to; empty for support staff.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the support admin.")
    issue_emails = models.BooleanField(
        default=True,
        help_text="Emails about sync issues: when one opens or lasts an hour, and a daily "
        "digest (client users: their club's; support staff: every client's).",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        # As create_user stores it, so the admin's forms do too (and login finds it).
        self.email = self.email.strip().lower()
