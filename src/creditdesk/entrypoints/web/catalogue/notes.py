"""Chinese and English for: notes and attachments."""

MESSAGES: dict[str, dict[str, str]] = {}
