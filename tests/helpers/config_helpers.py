"""A valid customer configuration (as parsed YAML) for the configuration tests to start from."""

from __future__ import annotations

from typing import Any

from customers.endpoints import secret_env_name

CUSTOMER = "harbour-physio"


def valid_config(trial_dump: str, live_dump: str) -> dict[str, Any]:
    """Cliniko dumps in, Dynamics 365 out, secrets named by the customer's own variables."""
    return {
        "customer_id": CUSTOMER,
        "name": "Harbour Physio",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "cliniko", "trial": {"dump": trial_dump}, "live": {"dump": live_dump}},
        "target": {
            "system": "dynamics365",
            "trial": {
                "environment": "sandbox",
                "url": "https://harbour-sandbox.crm6.dynamics.com",
                "tenant_id": "t",
                "client_id": "c",
                "client_secret_env": secret_env_name(CUSTOMER, "SANDBOX_SECRET"),
            },
            "live": {
                "environment": "production",
                "url": "https://harbour.crm6.dynamics.com",
                "tenant_id": "t",
                "client_id": "c",
                "client_secret_env": secret_env_name(CUSTOMER, "PRODUCTION_SECRET"),
            },
        },
        "fallback_owner_email": "Owner@Harbour.example",
    }
