"""Chinese and English for: history of the master data, status and merges."""

MESSAGES: dict[str, dict[str, str]] = {}
