"""Health, metrics and the system check for operators (docs/operations.md says what each means)."""
