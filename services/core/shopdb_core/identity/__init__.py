"""Identity and access: users, passwords, signing keys, API tokens, login sessions (ADR-009)."""
