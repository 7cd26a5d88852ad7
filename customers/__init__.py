"""Customer configurations (one validated YAML file per practice) and the migration home layout."""

from customers.config import (
    CUSTOMER_ID_PATTERN,
    RUN_KINDS,
    CustomerConfig,
    CustomerConfigError,
    load_customer_config,
    parse_customer_config,
)
from customers.home import MigrationHome, default_home

__all__ = [
    "CUSTOMER_ID_PATTERN",
    "RUN_KINDS",
    "CustomerConfig",
    "CustomerConfigError",
    "MigrationHome",
    "default_home",
    "load_customer_config",
    "parse_customer_config",
]
