"""Where a Dataverse org is and who the loader signs in as (application users; secrets from the caller)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .business_logic import bypass_headers


@dataclass(frozen=True)
class AppCredential:
    """One application user (an Entra app registration mapped to a Dataverse systemuser, research §7.5).

    Attributes:
        client_id: The app registration's client (application) id.
        client_secret: Its secret, resolved by the caller from the environment; never logged, not in repr.
    """

    client_id: str
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.client_id:
            raise ValueError("AppCredential.client_id is empty")
        if not self.client_secret:
            raise ValueError(f"AppCredential {self.client_id}: client_secret is empty")


@dataclass(frozen=True)
class DataverseConnection:
    """One Dataverse environment and the application users that write to it.

    Several credentials multiply throughput: service-protection limits count per user (research §4.1).

    Attributes:
        url: Org URL, e.g. ``https://org.crm6.dynamics.com`` or the emulator's; must be https.
        tenant_id: Entra tenant id (or verified domain).
        credentials: One or more application users.
        authority_host: Entra's host; the Entra emulator's URL in tests.
        ca_file: An extra CA to trust (the emulator's); None trusts only the system store.
        api_version: Web API version (research §2.1).
        timeout_seconds: Per-request timeout; bulk requests of a few hundred rows can take minutes
            (ServiceClient's default is 4 min, anchors §4.1), 120 s matches CrmServiceClient.
        run_business_logic: The org's own logic a load lets run (``sync``, ``async``, ``flows``); everything
            else is bypassed on every write (targets/dynamics/business_logic.py). Empty by default.
    """

    url: str
    tenant_id: str
    credentials: tuple[AppCredential, ...]
    authority_host: str = "https://login.microsoftonline.com"
    ca_file: str | None = None
    api_version: str = "v9.2"
    timeout_seconds: float = 120.0
    run_business_logic: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", self.url.rstrip("/"))
        object.__setattr__(self, "authority_host", self.authority_host.rstrip("/"))
        object.__setattr__(self, "credentials", tuple(self.credentials))
        for name in ("url", "authority_host"):
            parts = urlsplit(getattr(self, name))
            # DESIGN.md §6: TLS is never switched off; msal refuses non-https authorities anyway (§1.2).
            if parts.scheme != "https" or not parts.netloc:
                raise ValueError(f"DataverseConnection.{name} must be an https URL, got {getattr(self, name)!r}")
        if not self.tenant_id:
            raise ValueError("DataverseConnection.tenant_id is empty")
        if not self.credentials:
            raise ValueError("DataverseConnection.credentials needs at least one AppCredential")
        ids = [c.client_id for c in self.credentials]
        if len(set(ids)) != len(ids):
            raise ValueError("DataverseConnection.credentials lists the same client_id twice")
        if self.timeout_seconds <= 0:
            raise ValueError("DataverseConnection.timeout_seconds must be > 0")
        object.__setattr__(self, "run_business_logic", tuple(self.run_business_logic))
        bypass_headers(self.run_business_logic)  # refuses an unknown kind

    @property
    def api_root(self) -> str:
        """``{url}/api/data/{api_version}`` (research §2.1)."""
        return f"{self.url}/api/data/{self.api_version}"

    @property
    def bypass_headers(self) -> dict[str, str]:
        """What every write carries so the org's own logic does not run (DESIGN.md §6)."""
        return bypass_headers(self.run_business_logic)

    @property
    def authority(self) -> str:
        """The msal authority: ``{authority_host}/{tenant_id}`` (research §1.1)."""
        return f"{self.authority_host}/{self.tenant_id}"

    @property
    def scope(self) -> str:
        """The client-credentials scope ``{url}/.default`` (research §1.1)."""
        return f"{self.url}/.default"

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying TLS context: the system store, plus ``ca_file`` when given."""
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context
