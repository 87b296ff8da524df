"""Chinese and English for: credit applications."""

MESSAGES: dict[str, dict[str, str]] = {}
