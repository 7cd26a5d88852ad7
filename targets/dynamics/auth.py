"""Bearer tokens for one application user through msal's client-credentials flow (research §1)."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from typing import Any

import httpx
import msal

from .config import AppCredential, DataverseConnection
from .errors import AuthenticationError, TransientError

LOG = logging.getLogger("targets.dynamics")
# research/dataverse.md §1.1: msal treats a cached token as expired when fewer than 300 s remain.
EXPIRY_MARGIN_SECONDS = 300.0
# Entra answers throttling and outages with this OAuth error (429/503); anything else is the credential.
TRANSIENT_OAUTH_ERRORS = frozenset({"temporarily_unavailable", "server_error"})
# Tokens carry whole-second `iat` claims, so one minted in the same second as a revocation can be refused
# too (the emulator's tokens/expire does exactly that): a new token is fetched one second after a 401.
SETTLE_SECONDS = 1.0


class TokenProvider:
    """One ``msal.ConfidentialClientApplication`` per application user (research §1.4 recipe A).

    msal caches the token and only calls Entra on a miss; the provider keeps the last token too, so most
    requests need no thread hop. The secret stays inside msal: nothing here logs or repeats it.
    """

    def __init__(self, connection: DataverseConnection, credential: AppCredential, context: ssl.SSLContext) -> None:
        self.client_id = credential.client_id
        self._connection = connection
        self._credential = credential
        self._http = httpx.Client(verify=context, timeout=connection.timeout_seconds)
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._fresh_until = 0.0
        self._settle_until = 0.0

    def _build(self) -> msal.ConfidentialClientApplication:
        # Building the app fetches the tenant's OpenID configuration, so it happens on a worker thread.
        return msal.ConfidentialClientApplication(
            self._credential.client_id,
            client_credential=self._credential.client_secret,
            authority=self._connection.authority,
            instance_discovery=False,  # research §1.2: skips the "known authority" call to Microsoft
            http_client=self._http,
        )

    def _acquire(self) -> dict[str, Any]:
        try:
            if self._app is None:
                self._app = self._build()
            return dict(self._app.acquire_token_for_client(scopes=[self._connection.scope]))
        except (httpx.TransportError, msal.exceptions.MsalServiceError) as exc:
            raise TransientError(0, None, type(exc).__name__) from None
        except ValueError as exc:
            # msal: the authority answered 4xx to discovery (wrong tenant) or is not https (§1.2).
            raise AuthenticationError(0, "invalid_authority", type(exc).__name__) from None

    async def token(self) -> str:
        """A valid access token, from memory or msal's cache, or fetched from Entra.

        Returns:
            The bearer token.

        Raises:
            AuthenticationError: Entra refused the credential (``invalid_client`` …) or the authority.
            TransientError: Entra was throttling, unavailable or unreachable.
        """
        if self._token is not None and time.monotonic() < self._fresh_until:
            return self._token
        async with self._lock:
            if self._token is not None and time.monotonic() < self._fresh_until:
                return self._token
            settle = self._settle_until - time.monotonic()
            if settle > 0:
                await asyncio.sleep(settle)
            result = await asyncio.to_thread(self._acquire)
            if "access_token" not in result:
                code = str(result.get("error") or "unknown_error")
                description = str(result.get("error_description") or "")
                if code in TRANSIENT_OAUTH_ERRORS:
                    raise TransientError(503, code, description)
                LOG.warning("token endpoint refused client %s: %s", self.client_id, code)
                raise AuthenticationError(401, code, description)
            self._token = str(result["access_token"])
            expires_in = float(result.get("expires_in") or 0)
            self._fresh_until = time.monotonic() + expires_in - EXPIRY_MARGIN_SECONDS
            return self._token

    async def invalidate(self, token: str) -> None:
        """Forget ``token`` (Dataverse answered 401 to it) so the next call fetches a new one.

        Concurrent requests that failed with the same token drop it once; a newer token is kept. The next
        token is fetched ``SETTLE_SECONDS`` after the 401.
        """
        async with self._lock:
            if self._token != token:
                return  # another request already dropped it (and may have fetched a new one)
            self._token = None
            self._fresh_until = 0.0
            self._settle_until = time.monotonic() + SETTLE_SECONDS
            if self._app is not None:
                await asyncio.to_thread(self._app.remove_tokens_for_client)

    def close(self) -> None:
        """Close msal's HTTP client."""
        self._http.close()
