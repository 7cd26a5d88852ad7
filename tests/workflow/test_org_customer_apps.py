"""A second practice in the demo's persistent org (issue 25; docs/screenshots/setup.py's clean-physio): its own
app registration and application user, its secret written to dev.env beside the demo's (0600, only there),
still valid after the pair restarts from its state; a customer unknown when the pair started is provisioned in
the running org (app, application user, its practitioners and fallback owner as users) without a restart. Tokens
come from the Entra emulator by client credentials and WhoAmI answers from Dataverse, as for a real org."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import msal
import pytest
from loopback_ports import free_port

from customers.config import TargetEnvironment
from emulators.launcher import DataverseControl, ssl_context
from practice_migrate import targets
from synthetic import generate_practice


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migration home whose org listens on free ports; the background pair stopped at the end."""
    root = tmp_path / "home"
    monkeypatch.setenv("MIGRATION_HOME", str(root))
    monkeypatch.setenv(targets.DATAVERSE_PORT_ENV, str(free_port()))
    monkeypatch.setenv(targets.ENTRA_PORT_ENV, str(free_port()))
    try:
        yield root
    finally:
        targets.stop_background(root)


def _who_am_i(block: dict[str, str], secret: str) -> dict[str, str]:
    """WhoAmI as the app of a customer's target block, with the secret its variable would hold."""
    with httpx.Client(verify=ssl_context(block["ca_file"]), timeout=30) as http:
        app = msal.ConfidentialClientApplication(
            block["client_id"],
            client_credential=secret,
            instance_discovery=False,
            authority=f"{block['authority']}/{block['tenant_id']}",
            http_client=http,
        )
        answer = app.acquire_token_for_client(scopes=[f"{block['url']}/.default"])
        if "access_token" not in answer:
            raise PermissionError(answer.get("error"))
        who = http.get(
            f"{block['url']}/api/data/v9.2/WhoAmI", headers={"Authorization": f"Bearer {answer['access_token']}"}
        )
        who.raise_for_status()
        return dict(who.json())


def test_the_practice_customer_has_its_own_application_user_that_survives_a_restart(home: Path) -> None:
    demo_secret = targets.ensure_secrets(home, renew=True)
    env_file = targets.env_file(home)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = targets.read_env_file(env_file)
    app = targets.ensure_customer_app(home, "clean-physio")  # ensured above: same client id, same secret
    assert targets.PRACTICE_CUSTOMERS == ("clean-physio",)
    assert app.secret_env == "PM_CLEAN_PHYSIO__DATAVERSE_SECRET"
    assert values[app.secret_env] == targets.read_env_file(env_file)[app.secret_env] != demo_secret
    # The secret is only in dev.env: the org's state keeps client ids, never a secret.
    assert values[app.secret_env] not in (targets.state_dir(home) / targets.APPS_FILE).read_text(encoding="utf-8")

    with targets.start_persistent(home, demo_secret) as running:
        block = targets.target_environment(home, app, "production")
        assert TargetEnvironment.model_validate(block).client_secret_env == app.secret_env
        practice_user = _who_am_i(block, values[app.secret_env])["UserId"]
        demo_block = {**block, "client_id": running.endpoints.client_id}
        assert _who_am_i(demo_block, demo_secret)["UserId"] != practice_user  # an application user of its own
        with pytest.raises(PermissionError):
            _who_am_i(block, demo_secret)  # the demo's secret is not this app's

    # `make targets` later: the pair starts again from its state with the same app and secret.
    targets.start_background(home)
    assert _who_am_i(targets.target_environment(home, app, "production"), values[app.secret_env])["UserId"] == (
        practice_user
    )


def test_a_customer_unknown_at_start_is_provisioned_in_the_running_org(home: Path, tmp_path: Path) -> None:
    targets.start_background(home)
    dump = generate_practice(tmp_path / "dump", country="NZ", clients=8, defect_rate=0.0, seed=3).out_dir
    app = targets.provision_customer(home, "harbour-physio", dump, "owner@harbour.example.org")
    assert targets.customer_apps(home)["harbour-physio"] == app.client_id
    secret = targets.read_env_file(targets.env_file(home))[app.secret_env]
    block = targets.target_environment(home, app, "sandbox")
    assert _who_am_i(block, secret)["UserId"]  # no restart needed

    control = DataverseControl(block["url"], block["ca_file"])
    try:
        emails = {str(u.get("internalemailaddress") or "").lower() for u in control.dump_table("systemuser")}
    finally:
        control.close()
    practitioners = [json.loads(line) for line in (dump / "users.ndjson").read_text(encoding="utf-8").splitlines()]
    assert {p["email"].lower() for p in practitioners if p.get("email")} | {"owner@harbour.example.org"} <= emails
    # Provisioning again changes nothing that works (a second pass of the screenshots' set-up).
    assert targets.provision_customer(home, "harbour-physio", dump, "owner@harbour.example.org") == app
    assert _who_am_i(block, secret)["UserId"]
