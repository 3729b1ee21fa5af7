"""What travels between ShopDB's processes, named once: HTTP header names and NATS subjects.

Every module (and every service) imports these rather than spelling them again, so a header
or a subject cannot drift between the side that writes it and the side that reads it.
"""

from __future__ import annotations

__all__ = [
    "ACTOR_HEADER", "AUDIT_SUBJECT", "AUDIT_SUBJECTS", "CORE_EVENTS_SUBJECT", "ETAG_HEADER", "EVENT_SUBJECT",
    "EVENT_SUBJECTS", "GATEWAY_TOKEN_HEADER", "IDEMPOTENCY_HEADER", "IF_MATCH_HEADER", "REGISTRATION_SECRET_HEADER",
    "REPLAYED_HEADER", "REQUEST_ID_HEADER", "SERVICE_HEADER",
]

# --- HTTP headers ----------------------------------------------------------------------------
# Service to core: the site's registration secret, the calling service, the actor it acts for.
REGISTRATION_SECRET_HEADER = "X-ShopDB-Registration-Secret"
SERVICE_HEADER = "X-ShopDB-Service"
ACTOR_HEADER = "X-ShopDB-Actor"
# Traefik's HTTP provider to core's route source.
GATEWAY_TOKEN_HEADER = "X-ShopDB-Gateway-Token"
REQUEST_ID_HEADER = "X-Request-Id"
# REST conventions (listing.py, domainasset.py).
ETAG_HEADER = "ETag"
IF_MATCH_HEADER = "If-Match"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

# --- NATS subjects ---------------------------------------------------------------------------
AUDIT_SUBJECT = "shopdb.audit.{service}"  # one service's audit events
EVENT_SUBJECT = "shopdb.events.{service}.{name}"  # one service's domain events
AUDIT_SUBJECTS = "shopdb.audit.>"  # the AUDIT stream, and core's audit store
EVENT_SUBJECTS = "shopdb.events.>"  # the EVENTS stream
CORE_EVENTS_SUBJECT = "shopdb.events.core.>"  # core's asset events, mirrored by domain services
