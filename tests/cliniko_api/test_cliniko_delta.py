"""extract_changes after extract_full: exactly the records and tombstones the practice changed since the
high-water mark, nothing else; the next delta is empty; full + delta equals a fresh full extract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cliniko_api_helpers import (
    api_settings,
    by_id,
    parse_instant,
    raw_client,
    read_ndjson,
    sha256,
    stats,
    wait_until_server_clock_passes,
)

from emulators.launcher import RunningEmulators
from sources.cliniko.api import ID_SET_RESOURCES, TOMBSTONES_FILE, extract_changes, extract_full
from sources.cliniko.api_settings import SOURCE_LIST_FIELD
from sources.cliniko.settings import MANIFEST_FILE, RESOURCES
from sources.cliniko.snapshots import merge_delta, snapshot_ids


def _first(client: Any, path: str, test: Any = lambda r: True, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    body = client.get(path, params={"per_page": 100}).json()
    key = path.split("/")[0]
    return next(r for r in body[key] if test(r) and r["id"] not in skip)


def _resource_records(folder: Path) -> dict[str, dict[str, dict[str, Any]]]:
    # settings and referral_sources have no id: re-read whole by every pass (checked apart).
    return {r: by_id(read_ndjson(folder / f"{r}.ndjson")) for r, spec in RESOURCES.items() if spec.key is not None}


def _verify_manifest(folder: Path) -> dict[str, Any]:
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    for entry in manifest["files"]:
        assert entry["sha256"] == sha256(folder / entry["path"]), entry["path"]
    return manifest


def test_delta_holds_exactly_the_changes_then_nothing(cliniko: RunningEmulators, tmp_path: Path) -> None:
    settings = api_settings(cliniko)
    control = cliniko.cliniko_control
    assert control is not None
    full = extract_full(settings, tmp_path / "full")

    # The practice keeps working: one change of every kind.
    with raw_client(cliniko) as client:
        updated = _first(client, "patients")
        deleted = _first(client, "patients", skip=(updated["id"],))
        archived = _first(client, "patients", skip=(updated["id"], deleted["id"]))
        invoice = _first(client, "invoices")
        appointment = _first(client, "individual_appointments", lambda r: not r.get("cancelled_at"))
        attendee = _first(client, "attendees", lambda r: not r.get("cancelled_at"))
    stamps = [
        control.create("patients", first_name="Mere", last_name="Delta")["updated_at"],
        control.update("patients", updated["id"], occupation="Beekeeper")["updated_at"],
        control.delete("patients", deleted["id"])["deleted_at"],
        control.archive("patients", archived["id"])["archived_at"],
        control.delete("invoices", invoice["id"])["deleted_at"],
        control.cancel("individual_appointments", appointment["id"], cancellation_reason=40)["cancelled_at"],
        control.cancel("attendees", attendee["id"], cancellation_reason=10)["cancelled_at"],
    ]
    wait_until_server_clock_passes(cliniko, max(parse_instant(s) for s in stamps))

    delta = extract_changes(settings, tmp_path / "delta", since=full.high_water_mark)

    out = tmp_path / "delta"
    records = _resource_records(out)
    with raw_client(cliniko) as client:
        now = {
            "patients": client.get("patients", params=[("q[]", "last_name:=Delta")]).json()["patients"],
            "updated": client.get(f"patients/{updated['id']}").json(),
            "archived": client.get(f"patients/{archived['id']}").json(),
            "appointment": client.get(f"individual_appointments/{appointment['id']}").json(),
            "attendee": client.get(f"attendees/{attendee['id']}").json(),
            "invoice": client.get("invoices/deleted").json()["invoices"],
        }
    created = now["patients"][0]
    assert set(records["patients"]) == {created["id"], updated["id"], archived["id"]}
    # Each record as served, marked with the list it was read from (cancelled ones only from /cancelled).
    main, listed = {SOURCE_LIST_FIELD: "main"}, {SOURCE_LIST_FIELD: "archived"}
    assert records["patients"][created["id"]] == {**created, **main}
    assert records["patients"][updated["id"]] == {**now["updated"], **main}
    assert now["updated"]["occupation"] == "Beekeeper"
    assert records["patients"][archived["id"]] == {**now["archived"], **listed} and now["archived"]["archived_at"]
    cancelled = {SOURCE_LIST_FIELD: "cancelled"}
    assert records["individual_appointments"] == {appointment["id"]: {**now["appointment"], **cancelled}}
    assert records["attendees"] == {attendee["id"]: {**now["attendee"], **cancelled}}
    # A deleted invoice comes with its payload from /invoices/deleted (a deleted patient with a link only),
    # but deleted records are tombstones, never data: the delta's invoices file stays empty.
    assert now["invoice"][0]["deleted_at"] and not records.get("invoices")
    changed = {"patients", "individual_appointments", "attendees"}
    assert {r for r, found in records.items() if found} == changed
    assert len(read_ndjson(out / "settings.ndjson")) == 1  # single object, re-read whole
    whole = read_ndjson(out / "referral_sources.ndjson")  # no id nor timestamps: re-read whole
    assert whole and whole == read_ndjson(tmp_path / "full" / "referral_sources.ndjson")
    tombstones = {(t["resource"], t["id"], t["kind"]) for t in read_ndjson(out / TOMBSTONES_FILE)}
    assert tombstones == {
        ("patients", deleted["id"], "deleted"),
        ("patients", archived["id"], "archived"),
        ("invoices", invoice["id"], "deleted"),
        ("individual_appointments", appointment["id"], "cancelled"),
        ("attendees", attendee["id"], "cancelled"),
    }
    assert len(read_ndjson(out / TOMBSTONES_FILE)) == 5
    assert delta.tombstones == {"deleted": 2, "archived": 1, "cancelled": 2}
    assert delta.since == full.high_water_mark and delta.high_water_mark > max(parse_instant(s) for s in stamps)
    manifest = _verify_manifest(out)
    assert (manifest["kind"], manifest["since"]) == ("delta", full.high_water_mark.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert TOMBSTONES_FILE in {e["path"] for e in manifest["files"]}

    # The next delta starts where this one ended: nothing changed since.
    second = extract_changes(settings, tmp_path / "delta2", since=delta.high_water_mark)
    again = _resource_records(tmp_path / "delta2")
    assert {r: len(found) for r, found in again.items() if found} == {}
    assert read_ndjson(tmp_path / "delta2" / TOMBSTONES_FILE) == []
    assert second.tombstones == {} and sum(n for r, n in second.records.items() if RESOURCES[r].key is not None) == 0
    assert set(stats(cliniko)["statuses"]) == {"200", "302"}  # no error; 302: attachment content redirects

    # Converges: the first extract with the delta applied is what a fresh full extract reads now.
    fresh = _resource_records(Path(extract_full(settings, tmp_path / "fresh").out_dir))
    merged = _resource_records(tmp_path / "full")
    for resource, found in records.items():
        merged[resource].update(found)
    for resource, record_id, kind in tombstones:
        if kind == "deleted":  # deleted records are never data: gone from a full extract too
            merged[resource].pop(record_id)
    assert merged == fresh


def test_a_deletion_no_list_announces_is_found_by_id_set(cliniko: RunningEmulators, tmp_path: Path) -> None:
    """Contacts have no /deleted list (sections/contacts.md): a contact deleted in Cliniko leaves the lists and
    nothing says so. Given the last snapshot's ids, the delta reads contacts whole, writes only the contact
    changed in its window, and records the vanished one as a `deleted` tombstone that merging drops."""
    settings = api_settings(cliniko)
    control = cliniko.cliniko_control
    assert control is not None
    full = extract_full(settings, tmp_path / "full")
    with raw_client(cliniko) as client:
        gone = _first(client, "contacts")
        changed = _first(client, "contacts", skip=(gone["id"],))
    stamps = [
        control.delete("contacts", gone["id"])["deleted_at"],
        control.update("contacts", changed["id"], occupation="Kaiwhakahaere")["updated_at"],
    ]
    wait_until_server_clock_passes(cliniko, max(parse_instant(s) for s in stamps))

    known = snapshot_ids(full.out_dir, ID_SET_RESOURCES)
    assert "contacts" in ID_SET_RESOURCES and "patients" not in ID_SET_RESOURCES  # patients have /deleted
    assert gone["id"] in known["contacts"]
    delta = extract_changes(settings, tmp_path / "delta", since=full.high_water_mark, known_ids=known)

    tombstones = read_ndjson(tmp_path / "delta" / TOMBSTONES_FILE)
    assert tombstones == [{"resource": "contacts", "id": gone["id"], "kind": "deleted", "at": None}]
    assert delta.tombstones == {"deleted": 1}
    assert set(_resource_records(tmp_path / "delta")["contacts"]) == {changed["id"]}
    dropped = merge_delta(full.out_dir, tmp_path / "delta", tmp_path / "merged")
    assert dropped == {"contacts": 1}
    merged = _resource_records(tmp_path / "merged")["contacts"]
    assert gone["id"] not in merged and merged[changed["id"]]["occupation"] == "Kaiwhakahaere"
    # Without the snapshot's ids nothing can tell: the windowed delta records no such tombstone.
    blind = extract_changes(settings, tmp_path / "blind", since=full.high_water_mark)
    assert blind.tombstones == {}


def test_a_snapshot_takes_the_deltas_referral_sources_whole(tmp_path: Path) -> None:
    """Referral sources have no id nor timestamps (sections/referral_sources.md): every delta reads them whole,
    so merging takes the delta's list — a referral changed is replaced, one removed in Cliniko is gone."""
    patient = "https://api.au1.cliniko.com/v1/patients/{}"

    def referral(n: int, notes: str) -> str:
        return json.dumps({"patient": {"links": {"self": patient.format(n)}}, "notes": notes})

    current, delta = tmp_path / "current", tmp_path / "delta"
    for folder, lines in ((current, [referral(1, "old"), referral(2, "removed")]), (delta, [referral(1, "new")])):
        folder.mkdir()
        (folder / "referral_sources.ndjson").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        (folder / MANIFEST_FILE).write_text(json.dumps({"kind": "delta", "files": []}), encoding="utf-8")
    (delta / TOMBSTONES_FILE).write_text("", encoding="utf-8")
    assert merge_delta(current, delta, tmp_path / "merged") == {}
    merged = read_ndjson(tmp_path / "merged" / "referral_sources.ndjson")
    assert merged == [json.loads(referral(1, "new"))]
    listed = {e["path"]: e for e in json.loads((tmp_path / "merged" / MANIFEST_FILE).read_text())["files"]}
    assert listed["referral_sources.ndjson"]["records"] == 1
