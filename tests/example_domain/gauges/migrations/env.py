from shopdb_contract.migrations import run_env
from shopdb_gauges.models import Base

run_env(Base.metadata)
