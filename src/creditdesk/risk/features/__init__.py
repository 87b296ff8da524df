"""Point-in-time features: each is computed from what was known on the scoring date only."""
