"""Gauges: an example domain service, written only from the contract's declarations."""
