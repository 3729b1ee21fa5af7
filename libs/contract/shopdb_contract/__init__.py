"""The ShopDB service contract.

`__contract_version__` is the version a service's manifest range (`core_version`) is checked
against. Additive surface is a minor bump, a breaking change a major bump; before 1.0 a minor
bump may break, so sites pin ranges such as ">=0.1,<0.2".
"""

__contract_version__ = "0.1.0"

from shopdb_contract.errors import (  # noqa: E402
    ConflictError,
    ContractError,
    ContractVersionError,
    DependencyError,
    NotFoundError,
    PreconditionFailedError,
    ProblemError,
)
from shopdb_contract.manifest import ManifestError, ServiceManifest, load_manifest  # noqa: E402

__all__ = [
    "__contract_version__",
    "ConflictError",
    "ContractError",
    "ContractVersionError",
    "DependencyError",
    "ManifestError",
    "NotFoundError",
    "PreconditionFailedError",
    "ProblemError",
    "ServiceManifest",
    "load_manifest",
]
