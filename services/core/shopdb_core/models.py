"""Every core table, imported in one place so Alembic and tests see the whole metadata."""

from shopdb_core.db import Base  # noqa: F401
from shopdb_core.reference import models as _reference  # noqa: F401
from shopdb_core.locations import models as _locations  # noqa: F401
from shopdb_core.assets import models as _assets  # noqa: F401
from shopdb_core.relationships import models as _relationships  # noqa: F401
from shopdb_core.sitesettings import models as _sitesettings  # noqa: F401
from shopdb_core.registry import models as _registry  # noqa: F401
from shopdb_core.audit import models as _audit  # noqa: F401
from shopdb_core.identity import models as _identity  # noqa: F401
