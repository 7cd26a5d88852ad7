"""The hardening tests' one generated practice (small, clean, generated once per session) and the real Dagster
runs over hostile dumps derived from it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import hardening_jobs
import pytest
import yaml
from corpus_helpers import (
    HOSTILE,
    HOSTILE_FILE_NAME,
    HOSTILE_PRACTICE,
    copy_dump,
    deep_json,
    edit_lines,
    map_field,
    record,
    refresh_manifest,
    set_field,
)
from pipeline_helpers import register_customer
from privacy_helpers import personal_values

from customers import MigrationHome
from migration_assets.partitions import add_customer_partition
from synthetic import GenerationSummary, generate_practice

CORPUS_CLIENTS = 60


@pytest.fixture(scope="session")
def corpus_practice(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """A clean NZ practice every corpus variant is derived from (each test copies it before damaging it)."""
    return generate_practice(tmp_path_factory.mktemp("corpus-dump"), country="NZ", clients=CORPUS_CLIENTS, seed=15)


def _hostile_patient(line: bytes) -> bytes:
    data = json.loads(line)
    data["first_name"] = f"{HOSTILE[0]}{data['first_name']}"
    data["last_name"] = f"{data['last_name']}{HOSTILE[1]}"
    data["notes"] = f"{HOSTILE[2]} allergic"
    return json.dumps(data).encode()


def _hostile_text(name: str) -> Callable[[bytes], bytes]:
    return map_field(name, lambda value: f"{HOSTILE[1]} {value or ''}")


def write_hostile_dump(source: Path, target: Path) -> Path:
    """The practice with markup in every patient's names and notes, every SMS, every note answer and every
    attachment's file name, and nested fields of the wrong shape quoting patients' phone numbers and NHIs."""
    dump = copy_dump(source, target)
    patients = (dump / "patients.ndjson").read_bytes().splitlines()
    edit_lines(dump, "patients", {n: _hostile_patient for n in range(1, len(patients) + 1)})
    phone = record(dump, "patients", 2)["patient_phone_numbers"][0]["number"]
    edit_lines(
        dump,
        "patients",
        {
            2: set_field("patient_phone_numbers", [phone]),
            3: set_field("custom_fields", f"NHI {record(dump, 'patients', 3)['id']}"),
            4: set_field("patient_phone_numbers", raw=deep_json(3000, json.dumps(phone))),
        },
    )
    messages = (dump / "communications.ndjson").read_bytes().splitlines()
    edit_lines(dump, "communications", {n: _hostile_text("content") for n in range(1, len(messages) + 1)})
    notes = dump / "treatment_notes.ndjson"
    notes.write_bytes(notes.read_bytes().replace(b'"answer":"', f'"answer":"{HOSTILE[1]}'.encode()))
    attachments = [json.loads(line) for line in (dump / "patient_attachments.ndjson").read_bytes().splitlines()]
    manifest = json.loads((dump / "manifest.json").read_text(encoding="utf-8"))
    for attachment in attachments:
        folder = dump / "attachments" / attachment["id"]
        (folder / attachment["filename"]).rename(folder / HOSTILE_FILE_NAME)
        for entry in manifest["files"]:
            if entry["path"] == f"attachments/{attachment['id']}/{attachment['filename']}":
                entry["path"] = f"attachments/{attachment['id']}/{HOSTILE_FILE_NAME}"
        attachment["filename"] = HOSTILE_FILE_NAME
    (dump / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (dump / "patient_attachments.ndjson").write_text(
        "".join(json.dumps(a) + "\n" for a in attachments), encoding="utf-8"
    )
    refresh_manifest(dump)
    return dump


@dataclass
class HostileRuns:
    """Real Dagster runs over hostile dumps, on one temporary instance."""

    instance_root: Path
    home: Path
    dump: Path
    results: dict[str, dg.JobExecutionResult]
    values: set[str]


@pytest.fixture(scope="session")
def hostile_runs(corpus_practice: GenerationSummary, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileRuns]:
    """`hostile|trial` staged (markup everywhere, wrong shapes quoting patients' values), `refused|trial`
    failing in its raw layer on a value of the wrong type, and a guarded step failing with a value."""
    root = tmp_path_factory.mktemp("hostile")
    dump = write_hostile_dump(corpus_practice.out_dir, root / "dump")
    refused = copy_dump(dump, root / "refused-dump")
    phone = record(dump, "patients", 5)["patient_phone_numbers"][0]["number"]
    edit_lines(refused, "individual_appointments", {2: set_field("did_not_arrive", phone)})
    home = root / "home"
    (root / "instance").mkdir()
    results = {}
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test(temp_dir=str(root / "instance")) as instance:
        patch.setenv("MIGRATION_HOME", str(home))
        for customer_id, folder in (("hostile", dump), ("refused", refused)):
            config = register_customer(home, customer_id, folder)
            data = yaml.safe_load(MigrationHome(home).config_path(customer_id).read_text(encoding="utf-8"))
            data["name"] = HOSTILE_PRACTICE
            MigrationHome(home).config_path(customer_id).write_text(yaml.safe_dump(data), encoding="utf-8")
            add_customer_partition(instance, config.customer_id)
            results[customer_id] = dg.execute_job(
                dg.reconstructable(hardening_jobs.cliniko_stage),
                instance,
                tags=hardening_jobs.partition_tags(customer_id, "trial"),
            )
        results["leaky"] = dg.execute_job(
            dg.reconstructable(hardening_jobs.leaky_job),
            instance,
            tags=hardening_jobs.partition_tags("hostile", "trial"),
        )
        yield HostileRuns(
            root / "instance",
            home,
            dump,
            results,
            personal_values(corpus_practice.out_dir) | {hardening_jobs.LEAKED_VALUE, phone},
        )
