"""Golden rows: a hand-written practice (golden_practice.py) loaded into the Dataverse emulator, compared column
by column with the rows a person worked out from the source — read back through the Web API, not from the
emulator's internals, and not from the payloads the loader built (issue 23 item 1).

The read-back check compares the target with what the mapping says; these rows do not come from the mapping,
so a wrong mapping expression or a time-zone shift fails here even where the read-back agrees with it (the
last test shows exactly that). A new target adds its own EXPECTED rows the same way.

Owners, lookups and keys are written as the record they name (``("contact", "cliniko:client:5001")``, a
user's e-mail); the test turns them into the deterministic GUIDs. ``createdon`` states the intended Dataverse
semantics: the record's creation time in the source (set through ``overriddencreatedon``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import golden_practice
import pytest
from dynamics_load_helpers import FALLBACK_EMAIL, load, ready, seed_users, target_block
from golden_helpers import golden_differences as compare_golden
from pipeline_helpers import register_customer, run_pipeline

from customers import MigrationHome
from customers.endpoints import secret_env_name
from emulators.launcher import RunningEmulators
from mappings import spec as mapping_spec
from targets.dynamics import flow
from targets.dynamics.payloads import record_guid
from targets.dynamics.tables import TABLES

CUSTOMER = "golden"
SECRET_ENV = secret_env_name(CUSTOMER, "DATAVERSE_SECRET")  # the customer's own prefix (customers/endpoints.py)
AROHA, JAMES = (u["email"] for u in golden_practice.USERS)
Ref = tuple[str, str]  # (target table, canonical id) of a migrated record

CLIENT_DEFAULTS = {"statecode": 0, "statuscode": 1, "_ownerid_value": FALLBACK_EMAIL}
# The patient entered twice (5001, then 5002 a year later) is one contact: the earlier record survives and
# gains the work number only the later one had; its bookings point at the survivor.
EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    "contact": {
        "cliniko:client:5001": {
            **CLIENT_DEFAULTS,
            "salutation": "Mrs",
            "firstname": "Ellen",
            "lastname": "Muir",
            "fullname": "Ellen Muir",
            "birthdate": "1980-04-05",
            "gendercode": 2,
            "emailaddress1": "ellen.muir@example.com",
            "mobilephone": "+64211234567",  # 021 123 4567 in New Zealand
            "telephone2": "+6493031234",  # 09 303 1234, from the merged duplicate
            "address1_line1": "12 Ponsonby Road",
            "address1_city": "Auckland",
            "address1_postalcode": "1011",
            "address1_country": "NZ",
            "jobtitle": "Teacher",
            "donotbulkemail": True,  # she did not accept e-mail marketing
            "new_referrerid": "cliniko:referrer:4001",
            "createdon": "2024-03-01T22:15:00Z",
        },
        "cliniko:client:5003": {
            **CLIENT_DEFAULTS,
            "salutation": "Mr",
            "firstname": "Tom",
            "lastname": "Baker",
            "birthdate": "1975-10-25",
            "gendercode": 1,
            "emailaddress1": "tom.baker@example.co.uk",
            "mobilephone": None,
            "telephone2": None,
            "donotbulkemail": False,
            "createdon": "2025-11-20T10:00:00Z",
        },
        "cliniko:client:5004": {
            **CLIENT_DEFAULTS,
            "salutation": "Ms",
            "firstname": "Sarah",
            "lastname": "Lee",
            "birthdate": "1990-02-28",
            "gendercode": 2,
            "emailaddress1": "sarah.lee@example.com.au",
            "donotbulkemail": True,
            "createdon": "2026-01-15T23:30:00Z",
        },
        "cliniko:referrer:4001": {
            "salutation": "Dr",
            "firstname": "Mere",
            "lastname": "Parata",
            "new_organisationname": "Ponsonby Medical Centre",
            "new_providernumber": "123456AB",
            "new_referraltype": 100000000,  # doctor
            "birthdate": None,
            "createdon": "2021-05-04T03:00:00Z",
        },
    },
    # scheduledstart/-end in UTC; new_localstart is the site's wall clock on the day its clock changes.
    "appointment": {
        "cliniko:appointment:7001": {
            "subject": "Initial consultation",
            "scheduledstart": "2026-09-26T20:00:00Z",  # 09:00 NZDT (UTC+13), first day of daylight time
            "scheduledend": "2026-09-26T20:45:00Z",
            "new_localstart": "2026-09-27 09:00",
            "new_timezone": "Pacific/Auckland",
            "location": "Ponsonby",
            "_regardingobjectid_value": ("contact", "cliniko:client:5001"),
            "_ownerid_value": AROHA,
            "new_attendance": "completed",
            "statecode": 1,  # Completed
            "statuscode": 3,
            "createdon": "2026-03-01T00:00:00Z",
        },
        "cliniko:appointment:7002": {
            "subject": "Follow-up",
            "scheduledstart": "2026-09-25T21:00:00Z",  # 09:00 NZST (UTC+12), the day before
            "new_localstart": "2026-09-26 09:00",
            "_regardingobjectid_value": ("contact", "cliniko:client:5001"),  # booked on the duplicate
            "new_attendance": "completed",
            "statecode": 1,
            "statuscode": 3,
        },
        "cliniko:appointment:7003": {
            "scheduledstart": "2026-04-04T21:00:00Z",  # 09:00 NZST, first day back on standard time
            "scheduledend": "2026-04-04T21:30:00Z",
            "new_localstart": "2026-04-05 09:00",
            "new_attendance": "did_not_attend",
            "new_cancellationreason": None,
            "statecode": 2,  # Canceled
            "statuscode": 4,
        },
        "cliniko:appointment:7004": {
            "scheduledstart": "2026-10-03T23:00:00Z",  # 10:00 AEDT (UTC+11), first day of daylight time
            "new_localstart": "2026-10-04 10:00",
            "new_timezone": "Australia/Sydney",
            "location": "Bondi",
            "_regardingobjectid_value": ("contact", "cliniko:client:5004"),
            "_ownerid_value": JAMES,
            "new_attendance": "cancelled",
            "new_cancellationreason": "Away",  # Cliniko's reason 40
            "statecode": 2,
            "statuscode": 4,
        },
        "cliniko:appointment:7005": {
            "scheduledstart": "2026-03-29T09:30:00Z",  # 10:30 BST (UTC+1), first day of summer time
            "scheduledend": "2026-03-29T10:15:00Z",
            "new_localstart": "2026-03-29 10:30",
            "new_timezone": "Europe/London",
            "location": "Islington",
            "_regardingobjectid_value": ("contact", "cliniko:client:5003"),
        },
        "cliniko:appointment:7006": {
            "scheduledstart": "2026-10-25T10:30:00Z",  # 10:30 GMT (UTC+0), first day back on GMT
            "new_localstart": "2026-10-25 10:30",
            "new_timezone": "Europe/London",
        },
    },
    "annotation": {
        "cliniko:clinical_note:8001": {
            "subject": "Treatment note — Initial assessment",
            # One line per answered question under its section's name; markup removed, the chosen option kept.
            "notetext": "Subjective\nComments: Heel pain, 6/10.\nProgress: Better\nPlan\nHome exercises: Calf raises",
            "_objectid_value": ("contact", "cliniko:client:5001"),
            "_ownerid_value": AROHA,
            "isdocument": False,
            "createdon": "2026-09-26T20:50:00Z",
        },
        "cliniko:document:9001": {
            "subject": "Attachment: referral.pdf",
            "notetext": "GP referral",
            "filename": "referral.pdf",
            "mimetype": "application/pdf",
            "filesize": len(golden_practice.LETTER),
            "isdocument": True,
            "_objectid_value": ("contact", "cliniko:client:5004"),
            "createdon": "2026-01-16T00:00:00Z",
        },
    },
    # 95.00 − 10 % (9.50) + GST 15 % of 85.50 (12.83) = 98.33; 2 × 12.00 + GST (3.60) = 27.60; total 125.93.
    "invoice": {
        "cliniko:invoice:10001": {
            "name": "Invoice 1001",
            "invoicenumber": "1001",
            "datedelivered": "2026-09-27",
            "totalamount": 125.93,
            "totaltax": 16.43,
            "_customerid_value": ("contact", "cliniko:client:5001"),
            "_ownerid_value": AROHA,
            "new_invoicestatus": "paid",
            "new_location": "Ponsonby",
            "createdon": "2026-09-26T21:05:00Z",
        },
    },
    "invoicedetail": {
        "cliniko:invoice_line:11001": {
            "_invoiceid_value": ("invoice", "cliniko:invoice:10001"),
            "productdescription": "Initial consultation",
            "isproductoverridden": True,
            "quantity": 1,
            "priceperunit": 95.00,
            "manualdiscountamount": 9.50,
            "tax": 12.83,
            "extendedamount": 98.33,
            "new_itemcode": "INIT",
        },
        "cliniko:invoice_line:11002": {
            "_invoiceid_value": ("invoice", "cliniko:invoice:10001"),
            "productdescription": "Exercise band",
            "quantity": 2,
            "priceperunit": 12.00,
            "manualdiscountamount": 0,
            "tax": 3.60,
            "extendedamount": 27.60,
            "new_itemcode": "BAND",
        },
    },
    # Three sites, so each is a business unit under the org's root one.
    "businessunit": {
        "cliniko:site:1001": {"name": "Ponsonby", "emailaddress": "ponsonby@golden-physio.example"},
        "cliniko:site:1002": {"name": "Bondi", "emailaddress": "bondi@golden-physio.example"},
        "cliniko:site:1003": {"name": "Islington", "emailaddress": "islington@golden-physio.example"},
    },
}


def _golden_part(root: Path, org: RunningEmulators, overrides: dict | None = None) -> tuple[flow.Partition, dict]:
    """The practice staged, mapped, loaded into the freshly reset org; returns the partition and the users."""
    dump = golden_practice.write_dump(root / "dump")
    home = root / "home"
    config = register_customer(
        home,
        CUSTOMER,
        dump,
        site_zones=golden_practice.SITE_ZONES,
        target=target_block(org.endpoints, SECRET_ENV),
        overrides=overrides,
    )
    outcome = run_pipeline(home, config)
    assert not outcome.blocking_failures, [r.definition.name for r in outcome.blocking_failures]
    part = flow.Partition(MigrationHome(home), MigrationHome(home).load(CUSTOMER), "trial")
    flow.prepare(part)
    control = org.dataverse_control
    control.reset(keep_metadata=True)
    users = seed_users(control, golden_practice.USERS)
    ready(part)
    result = load(part, "run-golden")
    assert [(t.table, t.failed) for t in result.tables if t.failed] == []
    return part, users


@pytest.fixture
def golden(
    dataverse_pair: RunningEmulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[flow.Partition, dict, RunningEmulators]]:
    monkeypatch.setenv(SECRET_ENV, dataverse_pair.endpoints.client_secret)
    part, users = _golden_part(tmp_path, dataverse_pair)
    yield part, users, dataverse_pair
    shutil.rmtree(tmp_path / "dump", ignore_errors=True)


def _resolved(value: Any, users: dict[str, str]) -> Any:
    """An expected value as the Web API returns it: a named record → its GUID, a user's e-mail → its id."""
    if isinstance(value, tuple):
        table, key = value
        return record_guid(CUSTOMER, table, key)
    if isinstance(value, str) and value in users:
        return users[value]
    return value


def _read(part: flow.Partition, table: str, columns: list[str]) -> dict[str, dict[str, Any]]:
    """The table's migrated rows through the Web API, keyed by their deterministic primary key."""
    definition = TABLES[table]

    async def read() -> list[dict[str, Any]]:
        async with flow.dataverse_client(part) as dv:
            return await dv.get_all(definition.entity_set, select=[definition.primary_key, *columns])

    return {str(r[definition.primary_key]).lower(): r for r in flow.run(read())}


def _same(expected: Any, actual: Any) -> bool:
    """The Web API may spell a GUID in upper case."""
    if isinstance(actual, str) and isinstance(expected, str) and len(expected) == 36:
        actual = actual.lower()
    return actual == expected


def golden_differences(part: flow.Partition, users: dict[str, str]) -> list[tuple[str, str, str, Any, Any]]:
    """(table, canonical id, column, expected, actual) for every expected value the target does not hold."""
    actual: dict[str, dict[str, dict[str, Any]]] = {}
    for table, rows in EXPECTED.items():
        columns = sorted({c for row in rows.values() for c in row})  # lookups as _<name>_value, as $select wants
        found = _read(part, table, columns)
        keys = {record_guid(CUSTOMER, table, key): key for key in rows}
        # A migrated record the golden rows do not name is reported by its GUID.
        actual[table] = {keys.get(guid, guid): row for guid, row in found.items()}
    return compare_golden(
        EXPECTED,
        actual,
        resolve=lambda value: _resolved(value, users),
        same=_same,
        foreign_rows={"businessunit"},  # the org's root business unit is not ours
    )


def test_the_target_holds_exactly_the_rows_worked_out_from_the_source(golden: tuple) -> None:
    part, users, _org = golden
    assert golden_differences(part, users) == []


def test_a_changed_mapping_expression_fails_the_read_back(golden: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """One expression of the Dynamics mapping changed after the load (first name ← last name): the read-back,
    which compares the target with what the mapping now says, reports every contact's first name."""
    part, _users, _org = golden
    clean = {r.table: r for r in flow.run(flow.verify(part, ["contact"]))}["contact"]
    assert clean.clean and clean.expected_checksum == clean.actual_checksum
    original = mapping_spec.load_spec
    mutated = {"contact": {"firstname": "last_name"}}
    monkeypatch.setattr(
        flow,
        "load_spec",
        lambda system, overrides=None, **kw: original(system, mutated if system == "dynamics365" else overrides, **kw),
    )
    flow.prepare(part)
    after = {r.table: r for r in flow.run(flow.verify(part, ["contact"]))}["contact"]
    assert after.fields["firstname"].different == len(EXPECTED["contact"])
    assert after.differences == len(EXPECTED["contact"]) and after.expected_checksum != after.actual_checksum


def test_a_wrong_customer_override_passes_the_read_back_but_not_the_golden_rows(
    dataverse_pair: RunningEmulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer override mapping a patient's first name from the wrong column is loaded faithfully — so the
    read-back, which follows the mapping, passes — and only rows worked out from the source catch it."""
    monkeypatch.setenv(SECRET_ENV, dataverse_pair.endpoints.client_secret)
    part, users = _golden_part(tmp_path, dataverse_pair, overrides={"client": {"first_name": "last_name"}})
    readback = {r.table: r for r in flow.run(flow.verify(part, ["contact"]))}["contact"]
    assert readback.clean
    assert sorted(golden_differences(part, users)) == [
        ("contact", "cliniko:client:5001", "firstname", "Ellen", "Muir"),
        ("contact", "cliniko:client:5001", "fullname", "Ellen Muir", "Muir Muir"),  # Dataverse composes it
        ("contact", "cliniko:client:5003", "firstname", "Tom", "Baker"),
        ("contact", "cliniko:client:5004", "firstname", "Sarah", "Lee"),
    ]
