"""From the bytes an inventory agent sends to a document: decompressed within a limit, parsed safely.

The agents compress with zlib (GLPI Agent, FusionInventory: `application/x-compress-zlib`;
OCS: `application/x-compress`), or gzip where zlib is missing, or send plain JSON/XML (`-C`).
Like the agents themselves, the format is recognised by its first bytes, not by the header.

A small body can expand a thousandfold, so decompression stops at `limits.MAX_DOCUMENT_BYTES`.
XML is parsed by defusedxml with DTDs refused: no entity expansion ("billion laughs"), no
external entities, no network.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from xml.etree.ElementTree import Element, ParseError

from shopdb_computers.agents.limits import MAX_BODY_BYTES, MAX_DOCUMENT_BYTES, MAX_XML_DEPTH
from shopdb_contract.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError

ZLIB = "zlib"
GZIP = "gzip"
PLAIN = "plain"

JSON = "json"
XML = "xml"


@dataclass(frozen=True)
class Document:
    """A decoded message: `kind` json or xml, `data` the parsed tree (see `xml_tree`)."""

    kind: str
    data: dict[str, Any]
    compression: str


def compression_of(body: bytes) -> str:
    # zlib's first byte is 0x78 with a header checksum (RFC 1950 3.1.1); gzip's magic is 1f 8b.
    if len(body) >= 2 and body[0] == 0x78 and (body[0] * 256 + body[1]) % 31 == 0:
        return ZLIB
    if body[:2] == b"\x1f\x8b":
        return GZIP
    return PLAIN


def too_large(what: str, limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"{what} is over the limit of {limit:,} bytes", limit=limit, message=f"{what} is over {limit} bytes")


def decompress(body: bytes, *, limit: int = MAX_DOCUMENT_BYTES) -> tuple[bytes, str]:
    """The plain bytes and the compression found; 413 past `limit` decompressed bytes."""
    if len(body) > MAX_BODY_BYTES:
        raise too_large("the request body", MAX_BODY_BYTES)
    kind = compression_of(body)
    if kind == PLAIN:
        if len(body) > limit:
            raise too_large("the inventory", limit)
        return body, kind
    inflater = zlib.decompressobj(zlib.MAX_WBITS if kind == ZLIB else zlib.MAX_WBITS | 16)
    try:
        plain = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BadRequestError(f"the {kind} data is corrupt: {exc}", message=f"corrupt {kind} data") from exc
    if len(plain) > limit or inflater.unconsumed_tail:
        raise too_large("the decompressed inventory", limit)
    if not inflater.eof:
        raise BadRequestError(f"the {kind} data is truncated", message=f"truncated {kind} data")
    return plain, kind


def _children(element: Element, depth: int) -> dict[str, Any] | str:
    if depth > MAX_XML_DEPTH:
        raise BadRequestError(f"the XML nests deeper than {MAX_XML_DEPTH} levels", message="XML too deep")
    if len(element) == 0:
        return (element.text or "").strip()
    tree: dict[str, Any] = {}
    for child in element:
        value = _children(child, depth + 1)
        key = child.tag.lower()
        if key in tree:
            previous = tree[key]
            if isinstance(previous, list):
                previous.append(value)
            else:
                tree[key] = [previous, value]
        else:
            tree[key] = value
    return tree


def xml_tree(text: bytes) -> dict[str, Any]:
    """`<REQUEST>…` as nested dicts with lower-case keys; a repeated tag becomes a list."""
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadRequestError(f"the XML is refused: {type(exc).__name__} (no DTDs or entities)", message="XML refused") from exc
    except ParseError as exc:
        raise BadRequestError(f"the body is not well-formed XML: {exc}", message="not well-formed XML") from exc
    tree = _children(root, 1)
    return {root.tag.lower(): tree if isinstance(tree, dict) else {}}


def parse(body: bytes) -> Document:
    """Decompress and parse an agent's message, JSON or XML, whichever it is."""
    plain, compression = decompress(body)
    start = plain.lstrip()[:1]
    if start in (b"{", b"["):
        try:
            data = orjson.loads(plain)
        except orjson.JSONDecodeError as exc:
            raise BadRequestError(f"the body is not valid JSON: {exc}", message="not valid JSON") from exc
        return Document(JSON, data, compression)
    if start == b"<":
        return Document(XML, xml_tree(plain), compression)
    raise UnsupportedMediaTypeError(
        "send a GLPI JSON inventory or a FusionInventory/OCS XML request, plain or compressed with zlib or gzip",
        message="neither JSON nor XML",
    )
