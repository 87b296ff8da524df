"""Chinese and English for: credit segments per company code."""

MESSAGES: dict[str, dict[str, str]] = {}
