"""The Entra emulator speaks the token protocol msal and azure-identity use (research/dataverse.md §1)."""

from __future__ import annotations

import ipaddress
import pathlib
import ssl
import time

import httpx
import jwt
import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential
from cryptography import x509
from emulator_helpers import api_client

from emulators.launcher import RunningEmulators, ssl_context, start_emulators


def _app(
    running: RunningEmulators, client_id: str, secret: str
) -> tuple[msal.ConfidentialClientApplication, httpx.Client]:
    http = httpx.Client(verify=ssl_context(running.endpoints.ca_file), timeout=30)
    app = msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{running.endpoints.entra_url}/{running.endpoints.tenant_id}",
        instance_discovery=False,
        http_client=http,
        azure_region=False,
    )
    return app, http


def test_certificate_has_loopback_ip_san_and_verifies(emulators: RunningEmulators) -> None:
    ca = pathlib.Path(emulators.endpoints.ca_file)
    server_cert = x509.load_pem_x509_certificate((ca.parent / "server.pem").read_bytes())
    san = server_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    with httpx.Client(verify=ssl.create_default_context()) as untrusting, pytest.raises(httpx.ConnectError):
        untrusting.get(f"{emulators.endpoints.entra_url}/_emulator/stats")


def test_openid_configuration_points_at_https_token_endpoint(emulators: RunningEmulators) -> None:
    ep = emulators.endpoints
    with httpx.Client(verify=emulators.ssl_context()) as client:
        doc = client.get(f"{ep.entra_url}/{ep.tenant_id}/v2.0/.well-known/openid-configuration").json()
        missing = client.get(f"{ep.entra_url}/not-a-tenant/v2.0/.well-known/openid-configuration")
    assert doc["token_endpoint"] == f"{ep.entra_url}/{ep.tenant_id}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"].startswith("https://127.0.0.1:")
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_tenant"
    assert missing.json()["error_codes"] == [90002]


def test_msal_gets_a_signed_token_and_caches_it(emulators: RunningEmulators) -> None:
    ep = emulators.endpoints
    app, http = _app(emulators, ep.client_id, ep.client_secret)
    before = emulators.entra_control.stats()["tokens_issued"].get(ep.client_id, 0)
    requested_at = int(time.time())
    first = app.acquire_token_for_client(scopes=[f"{ep.dataverse_url}/.default"])
    second = app.acquire_token_for_client(scopes=[f"{ep.dataverse_url}/.default"])
    http.close()
    assert first["token_source"] == "identity_provider"
    assert second["token_source"] == "cache"
    assert first["expires_in"] >= 3599
    assert emulators.entra_control.stats()["tokens_issued"][ep.client_id] == before + 1
    with httpx.Client(verify=emulators.ssl_context()) as client:
        jwks = client.get(f"{ep.entra_url}/{ep.tenant_id}/discovery/v2.0/keys").json()
    header = jwt.get_unverified_header(first["access_token"])
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(first["access_token"], jwt.PyJWK(key).key, algorithms=["RS256"], audience=ep.dataverse_url)
    assert header["alg"] == "RS256"
    assert claims["appid"] == ep.client_id
    assert claims["tid"] == ep.tenant_id
    assert claims["exp"] >= requested_at + 3599  # issued at or after the request, for the default lifetime


def test_msal_refuses_plain_http_authority() -> None:
    with pytest.raises(ValueError, match="https"):
        msal.ConfidentialClientApplication(
            "cid", client_credential="s", authority="http://127.0.0.1:1/tenant", instance_discovery=False
        )


@pytest.mark.parametrize(
    ("case", "status", "error", "code"),
    [
        ("bad_secret", 401, "invalid_client", 7000215),
        ("unknown_client", 400, "unauthorized_client", 700016),
        ("bad_scope", 400, "invalid_scope", 1002012),
        ("unknown_resource", 400, "invalid_resource", 500011),
    ],
)
def test_token_errors_are_entras(emulators: RunningEmulators, case: str, status: int, error: str, code: int) -> None:
    ep = emulators.endpoints
    form = {
        "grant_type": "client_credentials",
        "client_id": ep.client_id,
        "client_secret": ep.client_secret,
        "scope": f"{ep.dataverse_url}/.default",
    }
    if case == "bad_secret":
        form["client_secret"] = "wrong"
    elif case == "unknown_client":
        form["client_id"] = "00000000-0000-0000-0000-00000000beef"
    elif case == "bad_scope":
        form["scope"] = f"{ep.dataverse_url}/user_impersonation"
    else:
        form["scope"] = "https://elsewhere.crm.dynamics.com/.default"
    with httpx.Client(verify=emulators.ssl_context()) as client:
        response = client.post(f"{ep.entra_url}/{ep.tenant_id}/oauth2/v2.0/token", data=form)
    body = response.json()
    assert response.status_code == status
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")


def test_msal_returns_invalid_client_for_a_wrong_secret(emulators: RunningEmulators) -> None:
    app, http = _app(emulators, emulators.endpoints.client_id, "not-the-secret")
    result = app.acquire_token_for_client(scopes=[f"{emulators.endpoints.dataverse_url}/.default"])
    http.close()
    assert result["error"] == "invalid_client"
    assert 7000215 in result["error_codes"]


def test_extra_app_user_gets_its_own_token_and_dataverse_user(emulators: RunningEmulators) -> None:
    extra = emulators.add_app_user("second-loader")
    app, http = _app(emulators, extra.client_id, extra.client_secret)
    result = app.acquire_token_for_client(scopes=[f"{emulators.endpoints.dataverse_url}/.default"])
    token = result["access_token"]
    who = http.get(
        f"{emulators.endpoints.dataverse_url}/api/data/v9.2/WhoAmI",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    http.close()
    assert who["UserId"] == extra.systemuser_id
    assert extra.client_id != emulators.endpoints.client_id


def test_azure_identity_credential_gets_a_token(emulators: RunningEmulators) -> None:
    ep = emulators.endpoints
    requested_at = int(time.time())
    credential = ClientSecretCredential(
        ep.tenant_id,
        ep.client_id,
        ep.client_secret,
        authority=ep.entra_url,
        disable_instance_discovery=True,
        connection_verify=ep.ca_file,
    )
    token = credential.get_token(f"{ep.dataverse_url}/.default")
    assert token.expires_on >= requested_at + 3599
    wrong = ClientSecretCredential(
        ep.tenant_id,
        ep.client_id,
        "wrong",
        authority=ep.entra_url,
        disable_instance_discovery=True,
        connection_verify=ep.ca_file,
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        wrong.get_token(f"{ep.dataverse_url}/.default")


def test_token_endpoint_faults(emulators: RunningEmulators) -> None:
    ep = emulators.endpoints
    form = {
        "grant_type": "client_credentials",
        "client_id": ep.client_id,
        "client_secret": ep.client_secret,
        "scope": f"{ep.dataverse_url}/.default",
    }
    url = f"{ep.entra_url}/{ep.tenant_id}/oauth2/v2.0/token"
    emulators.entra_control.set_faults("throttle", count=1, retry_after_seconds=7)
    with httpx.Client(verify=emulators.ssl_context()) as client:
        throttled = client.post(url, data=form)
        recovered = client.post(url, data=form)
        emulators.entra_control.set_faults("unavailable", count=1)
        unavailable = client.post(url, data=form)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert unavailable.status_code == 503
    assert recovered.status_code == 200


def test_a_token_for_one_org_is_refused_by_another(emulators: RunningEmulators, tmp_path: pathlib.Path) -> None:
    """Isolation between customers' orgs: a token names its org (audience) and its tenant (signing key), and
    Dataverse accepts neither another org's token nor one another tenant issued for it (research §1.1)."""
    ep = emulators.endpoints
    with start_emulators(state_dir=tmp_path / "other", dataverse_options={"cost_model": False}) as other:
        emulators.entra_backend.add_resource(str(other.endpoints.dataverse_url))  # this tenant also issues for it
        app, http = _app(emulators, ep.client_id, ep.client_secret)
        own = app.acquire_token_for_client(scopes=[f"{ep.dataverse_url}/.default"])["access_token"]
        foreign = app.acquire_token_for_client(scopes=[f"{other.endpoints.dataverse_url}/.default"])["access_token"]
        http.close()
        with api_client(emulators, own) as here, api_client(other, own) as there:
            accepted, refused_audience = here.get("WhoAmI"), there.get("WhoAmI")
        with api_client(other, foreign) as there:
            refused_tenant = there.get("WhoAmI")
        writes = other.dataverse_control.stats()["records"]
    assert accepted.status_code == 200
    assert refused_audience.status_code == 401 and refused_tenant.status_code == 401
    assert str(other.endpoints.dataverse_url) in refused_audience.headers["WWW-Authenticate"]  # names its own org
    assert writes["created"] == writes["updated"] == writes["deleted"] == 0
