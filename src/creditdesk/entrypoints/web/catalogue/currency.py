"""Chinese and English for: documents in other currencies, the reporting currency."""

MESSAGES: dict[str, dict[str, str]] = {}
