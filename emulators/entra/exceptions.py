"""Entra ID token-endpoint errors: one class per AADSTS error, with Entra's status, error and wording."""
# ruff: noqa: N818 - classes carry the service's own error names (research/aesthetics.md Synthesis 7).

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar


class EntraError(Exception):
    """Base: renders Entra's OAuth error body (research/dataverse.md §1.1)."""

    status: ClassVar[int] = 400
    error: ClassVar[str] = "invalid_request"
    aadsts: ClassVar[int] = 0
    template: ClassVar[str] = ""

    def __init__(self, **params: Any) -> None:
        self.params = params
        self.description = f"AADSTS{self.aadsts}: " + self.template.format(**params)
        super().__init__(self.description)

    def body(self) -> dict[str, Any]:
        """The JSON body Entra sends: error, error_description with trace ids, error_codes, ids."""
        trace_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        timestamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": (
                f"{self.description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"
            ),
            "error_codes": [self.aadsts],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.aadsts}",
        }


class TenantNotFound(EntraError):
    """AADSTS90002: the tenant segment of the URL is not a known tenant id or domain."""

    error = "invalid_request"
    aadsts = 90002
    template = (
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
        "into the correct cloud. Check with your subscription administrator, this may happen if there are "
        "no active subscriptions for the tenant."
    )


class InvalidTenantConfiguration(TenantNotFound):
    """The same AADSTS90002 as served by the OpenID configuration document (``invalid_tenant``)."""

    error = "invalid_tenant"


class MissingParameter(EntraError):
    """AADSTS900144: a required form field is absent."""

    error = "invalid_request"
    aadsts = 900144
    template = "The request body must contain the following parameter: '{name}'."


class UnsupportedGrantType(EntraError):
    """AADSTS70003: anything but client_credentials (the only grant a migration job uses)."""

    error = "unsupported_grant_type"
    aadsts = 70003
    template = "The app requested an unsupported grant type '{grant_type}'."


class ApplicationNotFound(EntraError):
    """AADSTS700016: no app registration with this client id in the tenant."""

    error = "unauthorized_client"
    aadsts = 700016
    template = (
        "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can "
        "happen if the application has not been installed by the administrator of the tenant or consented "
        "to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
    )


class MissingClientCredential(EntraError):
    """AADSTS7000216: neither client_secret nor client_assertion was sent."""

    status = 401
    error = "invalid_client"
    aadsts = 7000216
    template = "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."


class InvalidClientSecret(EntraError):
    """AADSTS7000215: wrong secret (research/dataverse.md §1.1 quotes this body)."""

    status = 401
    error = "invalid_client"
    aadsts = 7000215
    template = (
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        "value, not the client secret ID, for a secret added to app '{client_id}'."
    )


class InvalidScope(EntraError):
    """AADSTS1002012: client credentials need a ``<resource>/.default`` scope."""

    error = "invalid_scope"
    aadsts = 1002012
    template = (
        "The provided value for scope {scope} is not valid. Client credential flows must have a scope value "
        "with /.default suffixed to the resource identifier (application ID URI)."
    )


class ResourceNotFound(EntraError):
    """AADSTS500011: the scope names a resource that is not registered in the tenant."""

    error = "invalid_resource"
    aadsts = 500011
    template = (
        "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen "
        "if the application has not been installed by the administrator of the tenant or consented to by any "
        "user in the tenant. You might have sent your authentication request to the wrong tenant."
    )


class RequestThrottled(EntraError):
    """Injected 429: Entra throttles token requests with Retry-After (msal replays it, §1.1)."""

    status = 429
    error = "temporarily_unavailable"
    aadsts = 50196
    template = "The server terminated an operation because it encountered a client request loop."


class ServiceUnavailable(EntraError):
    """Injected 503: msal raises on 5xx token responses (research/dataverse.md §1.1)."""

    status = 503
    error = "temporarily_unavailable"
    aadsts = 90033
    template = "A transient error has occurred. Please try again."
