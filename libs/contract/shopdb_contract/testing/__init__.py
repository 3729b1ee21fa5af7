"""Helpers for services' tests: real databases, real processes, generic resource checks."""
