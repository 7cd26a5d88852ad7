"""State survives a restart with a state directory; without one nothing is kept (issue: persistent state)."""

from __future__ import annotations

import pathlib
import tempfile

import pytest
from emulator_helpers import acquire_token, api_client

from emulators.launcher import start_emulators

OPTIONS = {"cost_model": False, "key_activation": {"mode": "immediate"}}


def test_state_survives_restart(tmp_path: pathlib.Path) -> None:
    with start_emulators(state_dir=tmp_path, time_scale=0.01, dataverse_options=OPTIONS) as first:
        token = acquire_token(first)
        with api_client(first, token) as api:
            api.post(
                "EntityDefinitions(LogicalName='contact')/Attributes",
                json={
                    "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
                    "SchemaName": "new_Kept",
                },
            )
            api.post(
                "EntityDefinitions(LogicalName='contact')/Keys",
                json={"SchemaName": "new_kept_key", "KeyAttributes": ["new_kept"]},
            )
            created = api.patch(
                "contacts(new_kept='K-1')",
                json={"lastname": "Persisted"},
                headers={"Prefer": "return=representation"},
            ).json()
        endpoints = first.endpoints
        ca = pathlib.Path(endpoints.ca_file).read_bytes()
    with start_emulators(state_dir=tmp_path, time_scale=0.01, dataverse_options=OPTIONS) as second:
        assert (second.endpoints.tenant_id, second.endpoints.client_id) == (
            endpoints.tenant_id,
            endpoints.client_id,
        )
        assert second.endpoints.client_secret != endpoints.client_secret  # a fresh local secret per start
        assert pathlib.Path(second.endpoints.ca_file).read_bytes() == ca
        with api_client(second, acquire_token(second)) as api:
            again = api.get("contacts(new_kept='K-1')?$select=lastname").json()
            keys = api.get("EntityDefinitions(LogicalName='contact')/Keys").json()["value"]
            version = api.patch(
                "contacts(new_kept='K-1')",
                json={"firstname": "A"},
                headers={"Prefer": "return=representation"},
            ).json()["@odata.etag"]
        assert (again["contactid"], again["lastname"]) == (created["contactid"], "Persisted")
        assert [(k["SchemaName"], k["EntityKeyIndexStatus"]) for k in keys] == [("new_kept_key", "Active")]
        assert int(version[3:-1]) > int(created["@odata.etag"][3:-1])
    assert (tmp_path / "dataverse.sqlite").exists()


def test_in_memory_state_leaves_nothing(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the temporary CA goes under tmp_path
    with start_emulators(time_scale=0.01, dataverse_options=OPTIONS) as running:
        ca_dir = pathlib.Path(running.endpoints.ca_file).parent
        assert tmp_path in ca_dir.parents
        with api_client(running) as api:
            assert api.post("contacts", json={"lastname": "gone"}).status_code == 204
        assert not running.dataverse_backend.store.persistent
    assert not ca_dir.exists()
    with start_emulators(time_scale=0.01, dataverse_options=OPTIONS) as fresh:
        assert [r for r in fresh.dataverse_control.dump_table("contact") if r["lastname"] == "gone"] == []
