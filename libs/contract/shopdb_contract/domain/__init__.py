"""A domain service declared once: `DomainResource` and `create_domain_app()`.

- resource.py: `DomainResource` (the declaration and its overridable rules), `Reference`;
- routes.py: the REST routes built from it (list, export, create, get, update, retire,
  restore, position, reference lists, import, collector push);
- collector.py: the collector target, with the unchanged fast path;
- importer.py: the CSV import target;
- app.py: `create_domain_app()`, a service's whole app.

See docs/domain-service.md for how to write a domain service on it.
"""

from shopdb_contract.domain.app import create_domain_app, load_resource
from shopdb_contract.domain.collector import DomainCollector
from shopdb_contract.domain.importer import DomainImport
from shopdb_contract.domain.resource import CORE_ASSET_FIELDS, DomainResource, Reference, iso
from shopdb_contract.domain.routes import domain_routers, export_csv

__all__ = [
    "CORE_ASSET_FIELDS", "DomainCollector", "DomainImport", "DomainResource", "Reference", "create_domain_app",
    "domain_routers", "export_csv", "iso", "load_resource",
]
