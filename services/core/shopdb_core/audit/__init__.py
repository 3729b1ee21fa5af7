"""Core's audit store: every service's audit events, stored once, queryable by everyone."""
