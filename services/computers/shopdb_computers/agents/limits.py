"""Every bound of the agent intake, in one place (the numbers the ADR and OpenAPI quote).

Measured on real inventories (tests/data/agents): a Debian PC with 830-880 packages is 250-350 KB
of XML or JSON and 19-42 KB as the agents send it (zlib); GLPI's published example of a PC with
3,033 packages is ~1.3 MB of JSON. The limits leave room for the largest PC a site will have
without letting one request hold the service.
"""

from __future__ import annotations

# One agent request as it arrives (compressed or not). The gateway's body limit for the agent
# route must be at least this, so a refusal is this service's 413 problem+json, not a reset.
MAX_BODY_BYTES = 4 * 1024 * 1024
# The inventory once decompressed: a zlib bomb stops here.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
# `<REQUEST><CONTENT><SECTION><FIELD>` is 4 deep; a few levels more for nested fields.
MAX_XML_DEPTH = 8

# Lists: over its cap a list is kept cut (in its sorted order) with a note, not refused.
LIST_CAPS = {
    "software": 2000,  # as many as computers' application list takes
    "interfaces": 64,
    "addresses": 32,  # per interface
    "memory_modules": 64,
    "disks": 64,
    "volumes": 128,
    "monitors": 16,
    "users": 64,
    "antivirus": 16,
    "firewalls": 16,
    "dns_servers": 8,
}

# Text: cut to the column it lands in, control characters made spaces.
HOSTNAME = 63
NAME = 200  # software, monitor, disk names, CPU model
INTERFACE = 100  # computers' interface name column
VENDOR = 100  # core's vendor and model names
MODEL = 100
SERIAL = 100  # core's serial number column
VERSION = 100
PUBLISHER = 200
PATH = 260  # a mount point or Windows path
SHORT = 40  # types, statuses, file systems, architectures
LOGIN = 100
ADDRESS = 45  # an IPv6 address in text
MAC = 17
UUID = 36
AGENT = 100  # an agent's name and version, a device id
