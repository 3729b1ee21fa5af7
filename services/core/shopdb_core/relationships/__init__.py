"""Relationships between assets (controls, connected_to, powered_by, ...)."""
