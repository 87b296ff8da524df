"""Chinese and English for: credit insurance, guarantees, letters of credit and claims."""

MESSAGES: dict[str, dict[str, str]] = {}
