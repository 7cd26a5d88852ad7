"""State and behaviour of the emulated Entra tenant: app registrations, signing key, token issuance."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from . import constants as c
from . import exceptions as e

FAULT_MODES = ("invalid_client", "throttle", "unavailable")


@dataclass
class AppRegistration:
    """One confidential client (an app registration with a secret and its service principal)."""

    client_id: str
    client_secret: str
    display_name: str
    object_id: str

    def public(self) -> dict[str, str]:
        """Everything about the app, secret included (these are local test credentials)."""
        return asdict(self)


@dataclass
class EntraFaults:
    """Failure modes of the token endpoint (research/dataverse.md §11 item 1)."""

    mode: str | None = None
    remaining: int | None = None
    retry_after_seconds: int = c.FAULT_RETRY_AFTER_SECONDS

    def take(self) -> str | None:
        """The fault to apply to this request, consuming one use when a count was set."""
        if self.mode is None:
            return None
        mode = self.mode
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining <= 0:
                self.mode, self.remaining = None, None
        return mode


@dataclass
class EntraStats:
    """What the token endpoint did, for tests and the control endpoint."""

    tokens_issued: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    discovery_requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tokens_issued": dict(self.tokens_issued),
            "tokens_total": sum(self.tokens_issued.values()),
            "errors": dict(self.errors),
            "discovery_requests": self.discovery_requests,
        }


class EntraBackend:
    """A single tenant: validates client credentials and signs v1 access tokens with RS256."""

    def __init__(
        self,
        tenant_id: str,
        *,
        signing_key_pem: bytes | None = None,
        resources: set[str] | None = None,
        token_lifetime_seconds: int = c.TOKEN_LIFETIME_SECONDS,
        domains: tuple[str, ...] = (),
    ) -> None:
        self.tenant_id = tenant_id
        self.domains = {d.lower() for d in domains}
        if signing_key_pem is None:
            self._key = rsa.generate_private_key(public_exponent=65537, key_size=c.RSA_KEY_BITS)
        else:
            loaded = serialization.load_pem_private_key(signing_key_pem, password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ValueError("the Entra signing key must be an RSA private key")
            self._key = loaded
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = base64.urlsafe_b64encode(hashlib.sha1(der, usedforsecurity=False).digest()).decode().rstrip("=")
        self.resources = {r.rstrip("/") for r in (resources or set())}
        if token_lifetime_seconds < 1:
            raise ValueError("token_lifetime_seconds must be positive")
        self.token_lifetime_seconds = token_lifetime_seconds
        self.apps: dict[str, AppRegistration] = {}
        self._initial_apps: dict[str, AppRegistration] = {}
        self.faults = EntraFaults()
        self.stats = EntraStats()
        self._lock = threading.Lock()

    # -- configuration ------------------------------------------------------------------------------

    def signing_key_pem(self) -> bytes:
        """The private signing key, for persisting it across restarts."""
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_key_pem(self) -> bytes:
        """The public half, handed to the Dataverse emulator to verify signatures."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def issuer(self) -> str:
        """The ``iss`` claim of v1 access tokens."""
        return c.V1_ISSUER_TEMPLATE.format(tenant=self.tenant_id)

    def add_resource(self, url: str) -> None:
        """Register a resource (application ID URI) tokens may be issued for, e.g. the Dataverse URL."""
        self.resources.add(url.rstrip("/"))

    def register_app(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        display_name: str | None = None,
        *,
        initial: bool = False,
    ) -> AppRegistration:
        """Add (or replace) an app registration; ids and secrets are random unless given."""
        cid = client_id or str(uuid.uuid4())
        app = AppRegistration(
            client_id=cid,
            client_secret=client_secret or secrets.token_urlsafe(32),
            display_name=display_name or f"practice-migration-{cid[:8]}",
            object_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{self.tenant_id}:{cid}")),
        )
        with self._lock:
            self.apps[cid] = app
            if initial:
                self._initial_apps[cid] = app
        return app

    def reset(self) -> None:
        """Back to the apps registered at start, no faults, zero stats."""
        with self._lock:
            self.apps = dict(self._initial_apps)
            self.faults = EntraFaults()
            self.stats = EntraStats()

    def set_faults(self, mode: str | None, count: int | None = None, retry_after_seconds: int | None = None) -> None:
        """Make the next ``count`` token requests (all, when None) fail with ``mode``."""
        if mode is not None and mode not in FAULT_MODES:
            raise ValueError(f"unknown Entra fault {mode!r}; valid: {', '.join(FAULT_MODES)}")
        self.faults = EntraFaults(
            mode=mode,
            remaining=count,
            retry_after_seconds=retry_after_seconds or c.FAULT_RETRY_AFTER_SECONDS,
        )

    # -- protocol -------------------------------------------------------------------------------------

    def resolve_tenant(self, tenant: str, *, for_config: bool = False) -> str:
        """Accept the tenant id or a registered domain; anything else is AADSTS90002."""
        if tenant.lower() == self.tenant_id.lower() or tenant.lower() in self.domains:
            return self.tenant_id
        if for_config:
            raise e.InvalidTenantConfiguration(tenant=tenant)
        raise e.TenantNotFound(tenant=tenant)

    def openid_configuration(self, base_url: str, tenant: str, *, v2: bool) -> dict[str, Any]:
        """The OpenID configuration msal reads (research/dataverse.md §1.2 step 3, §1.4)."""
        tid = self.resolve_tenant(tenant, for_config=True)
        self.stats.discovery_requests += 1
        root = f"{base_url}/{tid}"
        suffix = "/v2.0" if v2 else ""
        return {
            "token_endpoint": f"{root}/oauth2{suffix}/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{root}/discovery{suffix}/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": [c.SIGNING_ALGORITHM],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{root}/v2.0" if v2 else self.issuer(),
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{root}/oauth2{suffix}/authorize",
            "device_authorization_endpoint": f"{root}/oauth2{suffix}/devicecode",
            "end_session_endpoint": f"{root}/oauth2{suffix}/logout",
            "tenant_region_scope": "OC",
            "cloud_instance_name": "microsoftonline.com",
        }

    def jwks(self) -> dict[str, Any]:
        """The signing keys document (``jwks_uri``)."""
        jwk = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        jwk.update({"use": "sig", "kid": self.kid, "x5t": self.kid, "issuer": self.issuer()})
        return {"keys": [jwk]}

    def token(
        self,
        tenant: str,
        form: dict[str, str],
        basic: tuple[str, str] | None,
        *,
        v2: bool,
    ) -> dict[str, Any]:
        """Validate a client-credentials request in Entra's order and issue a signed access token.

        Raises:
            EntraError: The subclass Entra would answer with (tenant, parameters, app, secret, scope).
        """
        try:
            return self._token(tenant, form, basic, v2=v2)
        except e.EntraError as err:
            self.stats.errors[err.error] += 1
            raise

    def _token(self, tenant: str, form: dict[str, str], basic: tuple[str, str] | None, *, v2: bool) -> dict[str, Any]:
        fault = self.faults.take()
        if fault == "throttle":
            raise e.RequestThrottled()
        if fault == "unavailable":
            raise e.ServiceUnavailable()
        tid = self.resolve_tenant(tenant)
        client_id = form.get("client_id") or (basic[0] if basic else "")
        secret = form.get("client_secret") or (basic[1] if basic else "")
        grant_type = form.get("grant_type", "")
        if not grant_type:
            raise e.MissingParameter(name="grant_type")
        if not client_id:
            raise e.MissingParameter(name="client_id")
        if grant_type != c.GRANT_CLIENT_CREDENTIALS:
            raise e.UnsupportedGrantType(grant_type=grant_type)
        app = self.apps.get(client_id)
        if app is None:
            raise e.ApplicationNotFound(client_id=client_id, tenant=tid)
        if not secret and "client_assertion" not in form:
            raise e.MissingClientCredential()
        if fault == "invalid_client" or not secrets.compare_digest(secret, app.client_secret):
            raise e.InvalidClientSecret(client_id=client_id)
        resource = self._resource(form, v2=v2)
        if resource not in self.resources:
            raise e.ResourceNotFound(resource=resource, tenant=tid)
        now = int(time.time())
        claims = {
            "aud": resource,
            "iss": self.issuer(),
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime_seconds,
            "appid": app.client_id,
            "appidacr": "1",
            "idp": self.issuer(),
            "idtyp": "app",
            "oid": app.object_id,
            "sub": app.object_id,
            "tid": tid,
            "uti": secrets.token_urlsafe(16),
            "ver": "1.0",
        }
        token = jwt.encode(claims, self._key, algorithm=c.SIGNING_ALGORITHM, headers={"kid": self.kid, "x5t": self.kid})
        self.stats.tokens_issued[app.client_id] += 1
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime_seconds,
            "ext_expires_in": self.token_lifetime_seconds,
            "access_token": token,
        }
        if not v2:
            body.update({"expires_on": str(claims["exp"]), "not_before": str(now), "resource": resource})
        return body

    @staticmethod
    def _resource(form: dict[str, str], *, v2: bool) -> str:
        if not v2:
            resource = form.get("resource", "")
            if not resource:
                raise e.MissingParameter(name="resource")
            return resource.rstrip("/")
        scope = form.get("scope", "").strip()
        if not scope:
            raise e.MissingParameter(name="scope")
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith(c.DEFAULT_SCOPE_SUFFIX):
            raise e.InvalidScope(scope=scope)
        return scopes[0][: -len(c.DEFAULT_SCOPE_SUFFIX)].rstrip("/")
