"""Computers' API: the declared resource (routes come from the contract's `DomainResource`);
its own router adds computer types (`POST /api/computers/types`, admins)."""

from shopdb_computers.computers.resource import ComputerResource

__all__ = ["ComputerResource"]
