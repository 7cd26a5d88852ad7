"""Bearer-token verification (signature, audience, expiry) and the systemuser a request runs as."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from .. import exceptions as e
from .config import DataverseOptions
from .context import Caller
from .rules import Rules, ref
from .store import Store

CACHE_LIMIT = 4096


class AuthError(Exception):
    """Why a bearer token was refused (answered with 401 and WWW-Authenticate, research §1.1)."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


class TokenVerifier:
    """Checks RS256 tokens from the (emulated) Entra tenant for this org's audience."""

    def __init__(self, public_keys: list[str], audience: str, tenant_id: str) -> None:
        self.keys = [RSAAlgorithm.from_jwk(k) if k.startswith("{") else k for k in public_keys]
        self.audience = audience.rstrip("/")
        self.tenant_id = tenant_id
        self.expired_before = 0.0
        self._cache: dict[str, dict[str, Any]] = {}

    def verify(self, header: str | None) -> dict[str, Any]:
        """The claims of a valid ``Authorization: Bearer`` header.

        Raises:
            AuthError: Missing, malformed, badly signed, foreign, expired or revoked token.
        """
        if not header or not header.lower().startswith("bearer "):
            raise AuthError("missing bearer token")
        token = header[7:].strip()
        claims = self._cache.get(token)
        if claims is None:
            claims = self._decode(token)
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[token] = claims
        now = time.time()
        if claims["exp"] <= now:
            raise AuthError("token expired", expired=True)
        if claims.get("iat", 0) < self.expired_before:
            raise AuthError("token expired", expired=True)
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        last: Exception | None = None
        for key in self.keys:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=["RS256"],
                    audience=[self.audience, self.audience + "/"],
                    options={"require": ["exp", "iat", "aud"], "verify_exp": False},
                )
            except jwt.InvalidSignatureError as err:
                last = err
                continue
            except jwt.PyJWTError as err:
                raise AuthError(f"invalid token: {err}") from None
            if claims.get("tid") != self.tenant_id:
                raise AuthError("token from another tenant")
            return claims
        raise AuthError(f"invalid token signature: {last}")

    def expire_all(self) -> None:
        """Fault injection: every token issued so far is treated as expired."""
        self.expired_before = time.time()


class CallerResolver:
    """Maps the token's application id to its application user, then applies impersonation headers."""

    def __init__(self, store: Store, rules: Rules, options: DataverseOptions) -> None:
        self.store = store
        self.rules = rules
        self.options = options

    def resolve(self, claims: Mapping[str, Any], headers: Mapping[str, str]) -> Caller:
        """Raises UserNotInOrganization (no application user) or UserNotEnabled (disabled user)."""
        app_id = str(claims.get("appid") or claims.get("azp") or "")
        user = self._find("applicationid", app_id.lower())
        if user is None and self.options.auto_provision_app_users and app_id:
            user = ensure_app_user(self.store, self.rules, app_id, f"# {app_id[:8]}", claims.get("oid"))
        if user is None:
            raise e.UserNotInOrganization()
        if user.get("isdisabled"):
            raise e.UserNotEnabled(id=user["systemuserid"], details="The application user is disabled.")
        impersonated = self._impersonated(headers)
        if impersonated is None:
            return Caller(user["systemuserid"], _bu(user), app_id)
        return Caller(impersonated["systemuserid"], _bu(impersonated), app_id, user["systemuserid"])

    def app_user_id(self, client_id: str) -> str | None:
        """The systemuserid of the application user of an app registration, if the org has one."""
        user = self._find("applicationid", client_id.lower())
        return str(user["systemuserid"]) if user else None

    def _impersonated(self, headers: Mapping[str, str]) -> dict[str, Any] | None:
        # research/dataverse.md §2.1: MSCRMCallerID (systemuserid) or CallerObjectId (Entra object id).
        caller_id = headers.get("mscrmcallerid")
        object_id = headers.get("callerobjectid")
        if not caller_id and not object_id:
            return None
        if caller_id:
            user = self.store.get("systemuser", caller_id.lower())
        else:
            user = self._find("azureactivedirectoryobjectid", str(object_id).lower())
        if user is None:
            raise e.ObjectDoesNotExist(entity="systemuser", id=caller_id or object_id)
        if user.get("isdisabled"):
            raise e.UserNotEnabled(id=user["systemuserid"], details="The impersonated user is disabled.")
        return user

    def _find(self, column: str, value: str) -> dict[str, Any] | None:
        if not value:
            return None
        for user in self.store.rows("systemuser").values():
            if str(user.get(column) or "").lower() == value:
                return user
        return None


def _bu(user: Mapping[str, Any]) -> str:
    unit = user.get("businessunitid")
    return unit["id"] if isinstance(unit, dict) else ""


def ensure_app_user(
    store: Store, rules: Rules, client_id: str, name: str, object_id: str | None = None
) -> dict[str, Any]:
    """The application user (a systemuser with ``applicationid``) for an app registration (§7.5)."""
    client_id = client_id.lower()
    user_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"applicationuser:{client_id}"))
    existing = store.get("systemuser", user_id)
    if existing is not None:
        return existing
    record = {
        "systemuserid": user_id,
        "applicationid": client_id,
        "azureactivedirectoryobjectid": (object_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{client_id}"))).lower(),
        "firstname": None,
        "lastname": name,
        "fullname": name,
        "accessmode": 4,
        "isdisabled": False,
        "islicensed": False,
        "businessunitid": ref("businessunit", rules.root_business_unit()),
        "versionnumber": store.next_version(),
    }
    with store.transaction():
        store.put("systemuser", user_id, record)
    return record
