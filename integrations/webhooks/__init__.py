"""Outgoing webhooks: Standard Webhooks signing and the one-POST sender."""
