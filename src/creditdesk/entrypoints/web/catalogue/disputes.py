"""Chinese and English for: dispute cases."""

MESSAGES: dict[str, dict[str, str]] = {}
