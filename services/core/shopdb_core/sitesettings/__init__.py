"""Site settings: namespaced keys (core.*, service.<name>.*) with JSON values."""
