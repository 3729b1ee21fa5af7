"""Build the gauges' app from its declaration."""

from pathlib import Path

from shopdb_contract.domain import create_domain_app
from shopdb_gauges.settings import GaugesSettings

SERVICE_DIR = Path(__file__).resolve().parent.parent


def create_app(manifest=None, settings=None, *, core=None, register=True, **factory):
    return create_domain_app(
        SERVICE_DIR, resource="shopdb_gauges.api:GaugeResource", settings_class=GaugesSettings,
        manifest=manifest, settings=settings, core=core, register=register, **factory,
    )
