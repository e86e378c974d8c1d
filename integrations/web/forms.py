"""Forms of the client pages: they parse input; services decide and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from integrations.models import Integration, LogEntry
from integrations.models.choices import DataKind, Direction, UnmatchedOwner
from integrations.models.clients import available_time_zones
from integrations.models.matching import ReviewPolicy
from mappings.models import RemoteStaff


class EmailLoginForm(AuthenticationForm):
    """The login form, asking for an email address."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


def direction_choices(platform_name: str) -> list[tuple[str, str]]:
    """The direction question, worded from the platform's side (product.md §1)."""
    return [
        (Direction.SEND, f"{platform_name} sends data to the Connector"),
        (Direction.RECEIVE, f"{platform_name} receives data from the Connector"),
        (Direction.BOTH, f"Both: {platform_name} sends and receives data (two-way)"),
    ]


DATA_CHOICES = [
    (DataKind.PROSPECTS, "Prospects (leads)"),
    (DataKind.MEMBERS, "Members"),
    (DataKind.BOTH, "Prospects and members"),
]


def unmatched_choices(platform_name: str) -> list[tuple[str, str]]:
    return [
        (
            UnmatchedOwner.SEND_WITHOUT_OWNER,
            f"Send the lead to {platform_name} without an owner (a warning is logged)",
        ),
        (UnmatchedOwner.HOLD, "Hold the lead until the owner is linked"),
        (UnmatchedOwner.DEFAULT_STAFF, "Give the lead to this person instead:"),
    ]


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RemoteStaff) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.email and obj.full_name else str(obj)


class OptionsForm(forms.Form):
    """The integration guide's questions, exactly (product.md §1), for one integration."""

    direction = forms.ChoiceField(widget=forms.RadioSelect)
    data = forms.ChoiceField(  # type: ignore[assignment]  # the option's name
        choices=DATA_CHOICES, widget=forms.RadioSelect, label="Which data"
    )
    staff_owner = forms.BooleanField(required=False)
    lead_source = forms.BooleanField(required=False)
    unmatched_owner = forms.ChoiceField(widget=forms.RadioSelect, required=False)
    default_staff = StaffChoiceField(
        queryset=RemoteStaff.objects.none(), required=False, label="Default staff"
    )
    prospect_review = forms.ChoiceField(
        choices=ReviewPolicy.choices, widget=forms.RadioSelect, required=False, label="A prospect"
    )
    member_review = forms.ChoiceField(
        choices=ReviewPolicy.choices, widget=forms.RadioSelect, required=False, label="A member"
    )
    enabled = forms.BooleanField(required=False, label="On: the Connector syncs this integration")

    def __init__(self, *args: Any, integration: Integration, **kwargs: Any) -> None:
        self.integration = integration
        kwargs.setdefault("initial", self._initial(integration))
        super().__init__(*args, **kwargs)
        platform = integration.platform
        cast(forms.ChoiceField, self.fields["direction"]).choices = direction_choices(platform.name)
        self.fields["direction"].label = f"Which way does data go for {platform.name}?"
        self.fields["staff_owner"].label = "Include the lead's staff owner"
        self.fields["lead_source"].label = "Include the lead's lead source"
        cast(forms.ChoiceField, self.fields["unmatched_owner"]).choices = unmatched_choices(
            platform.name
        )
        self.fields[
            "unmatched_owner"
        ].label = f"When a lead's owner has no account in {platform.name}"
        staff = cast(forms.ModelChoiceField, self.fields["default_staff"])
        staff.queryset = RemoteStaff.objects.filter(integration=integration, active=True)
        self._drop_what_the_platform_cannot_do()

    @staticmethod
    def _initial(integration: Integration) -> dict[str, Any]:
        return {
            "direction": integration.direction,
            "data": integration.data,
            "staff_owner": integration.staff_owner,
            "lead_source": integration.lead_source,
            "unmatched_owner": integration.unmatched_owner,
            "default_staff": integration.default_staff_id,
            "prospect_review": integration.prospect_review,
            "member_review": integration.member_review,
            "enabled": integration.enabled,
        }

    def _drop_what_the_platform_cannot_do(self) -> None:
        platform = self.integration.platform
        if not platform.has_staff:
            for name in ("staff_owner", "unmatched_owner", "default_staff"):
                del self.fields[name]
        if not platform.has_lead_sources:
            del self.fields["lead_source"]

    @property
    def offers_prospect_extras(self) -> bool:
        return "staff_owner" in self.fields or "lead_source" in self.fields

    def clean_unmatched_owner(self) -> str:
        # Disabled inputs are not sent: keep what is saved.
        return self.cleaned_data["unmatched_owner"] or self.integration.unmatched_owner

    @property
    def review_fields(self) -> list[forms.BoundField]:
        return [self["prospect_review"], self["member_review"]]

    def clean_prospect_review(self) -> str:
        # Not sent (a form from before the question): keep what is saved.
        return self.cleaned_data["prospect_review"] or self.integration.prospect_review

    def clean_member_review(self) -> str:
        return self.cleaned_data["member_review"] or self.integration.member_review

    def options(self) -> dict[str, Any]:
        """The submitted options, for integration_options_update."""
        options = {name: self.cleaned_data[name] for name in self.fields}
        # What the platform cannot do is switched off, even if it was set before.
        if "staff_owner" not in self.fields:
            options["staff_owner"] = False
        if "lead_source" not in self.fields:
            options["lead_source"] = False
        return options

    def add_service_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class ConnectionForm(forms.Form):
    """Where the Connector calls the platform: base URL and a replacement secret."""

    base_url = forms.CharField(
        label="Platform address (base URL)",
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://api.example.com/v1"}),
    )
    credentials = forms.CharField(
        label="API token",
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )

    def __init__(self, *args: Any, keep_token: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if keep_token:  # after a test, the token just typed stays for "Save connection"
            cast(forms.PasswordInput, self.fields["credentials"].widget).render_value = True

    def add_service_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class LogFilterForm(forms.Form):
    """The connector log's filters; the integration list holds the client's integrations only."""

    level = forms.ChoiceField(
        choices=[("", "Everything"), *LogEntry.Level.choices], required=False, label="Show"
    )
    integration = forms.ModelChoiceField(
        queryset=Integration.objects.none(),
        required=False,
        label="Platform",
        empty_label="All platforms",
    )
    q = forms.CharField(required=False, max_length=100, label="Containing",
                        widget=forms.TextInput(attrs={"type": "search"}))
    since = forms.DateField(required=False, label="From",
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To",
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, client: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["integration"])
        field.queryset = Integration.objects.filter(client=client).select_related("platform")
        field.label_from_instance = lambda integration: integration.platform.name  # type: ignore[assignment]

    def filters(self) -> dict[str, Any]:
        """Valid filters only: a bad value shows everything rather than an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "level": data.get("level") or "",
            "integration": data.get("integration"),
            "text": (data.get("q") or "").strip(),
            "since": data.get("since"),
            "until": data.get("until"),
        }


class SettingsForm(forms.Form):
    """The club's time zone, and whether this person gets emails about issues."""

    time_zone = forms.ChoiceField(label="Your club's time zone",
                                  help_text="Times on these pages, in the log and in emails.")
    issue_emails = forms.BooleanField(
        required=False, label="Email me when a sync problem starts or lasts an hour, and a "
        "daily summary while any is ongoing")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["time_zone"])
        field.choices = [(zone, zone.replace("_", " ")) for zone in sorted(available_time_zones())]
