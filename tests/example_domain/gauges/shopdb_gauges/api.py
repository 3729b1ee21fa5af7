"""The gauges resource: a declaration, nothing else."""

from shopdb_contract.domain import DomainResource, Reference
from shopdb_gauges.models import Gauge, GaugeCreate, GaugeKind, GaugeUpdate, Idempotency, Outbox


class GaugeResource(DomainResource):
    entity = "gauge"
    asset_type = "calibrated_gauge"
    model = Gauge
    create_model = GaugeCreate
    update_model = GaugeUpdate
    identity = "gaugenumber"
    identity_label = "gauge number"
    fields = ("gaugenumber", "kind", "lab", "resolution_um")
    core_fields = ("assetnumber", "name", "location")
    brief_fields = ("kind",)
    references = {"kind": Reference(GaugeKind, label="gauge kind", path="/kinds")}
    import_aliases = {"gauge": "gaugenumber", "type": "kind"}
    outbox = Outbox
    idempotency = Idempotency
