"""Client ↔ practitioner relationships (issue #22 item 5): every client seen by a practitioner with a user gets one
row in the junction table new_clientpractitioner, pointing at the client's contact and the practitioner's user; a
client seen by several practitioners has several rows; the practitioner's specialty and type land on the user; a
second run writes nothing; a rollback removes the rows and gives the user its own values back."""

from __future__ import annotations

from dynamics_load_helpers import OPERATOR, canonical_key, load, migrated_rows, ready
from gd_helpers import make_client

from emulators.launcher import RunningEmulators
from targets.dynamics import flow
from targets.dynamics.payloads import record_guid
from targets.dynamics.relationships import TABLE, pairs


def _junction_rows(org: RunningEmulators) -> list[dict]:
    async def read() -> list[dict]:
        async with make_client(org) as client:
            select = ["new_clientpractitionerid", "new_sourcesystemid", "new_appointments", "_new_clientid_value"]
            return await client.get_all("new_clientpractitioners", select=[*select, "_new_practitionerid_value"])

    return flow.run(read())  # type: ignore[return-value]


async def _user(org: RunningEmulators, user: str, body: dict | None = None) -> dict:
    async with make_client(org) as client:
        if body:
            await client.patch("systemusers", user, body, if_match="*")
        return (await client.request("GET", f"systemusers({user})")).json()


def test_each_client_practitioner_pair_becomes_one_junction_row_once(
    part: flow.Partition, org: RunningEmulators
) -> None:
    with part.warehouse.connect() as con:
        con.execute("update staged.practitioner set specialty = 'Sports' where run_kind = ?", [part.run_kind])
    ready(part)
    with part.warehouse.connect(read_only=True) as con:
        matched = con.execute(
            "select o.systemuser_id, p.profession from dynamics.owner_resolution o join staged.practitioner p "
            "on p.canonical_id = o.practitioner_id and p.run_kind = o.run_kind where o.run_kind = ? "
            "and o.outcome = 'matched' order by o.practitioner_id limit 1",
            [part.run_kind],
        ).fetchone()
    user, profession = matched
    # The org's own value, before the migration: a rollback must give it back.
    flow.run(_user(org, user, {"new_specialty": "Org value"}))
    outcome = load(part, "first")
    details = flow.run(_user(org, user))
    assert (details["new_specialty"], details["new_practitionertype"]) == ("Sports", profession)
    assert outcome.user_details is not None and outcome.user_details.updated >= 1
    with part.warehouse.connect(read_only=True) as con:
        expected = pairs(con, part.run_kind)
        owners = dict(
            con.execute(
                "select practitioner_id, systemuser_id from dynamics.owner_resolution where run_kind = ? "
                "and systemuser_id is not null and outcome in ('matched', 'some_tables')",
                [part.run_kind],
            ).fetchall()
        )
    with_user = expected.filter(expected["practitioner_id"].is_in(list(owners)))
    assert with_user.height > 0
    result = outcome.relationships
    assert result is not None
    assert (result.pairs, result.created, result.failed) == (expected.height, with_user.height, 0)
    assert result.no_user == expected.height - with_user.height
    # Several practitioners for one client: the case one owner per contact cannot hold.
    assert with_user["client_id"].is_duplicated().any()

    rows = {canonical_key(r): r for r in _junction_rows(org)}
    contacts = migrated_rows(org, part, "contact")
    assert len(rows) == with_user.height
    for pair in with_user.iter_rows(named=True):
        row = rows[f"{pair['client_id']}|{pair['practitioner_id']}"]
        assert row["_new_clientid_value"] == contacts[pair["client_id"]]["contactid"]
        assert row["_new_practitionerid_value"] == owners[pair["practitioner_id"]]
        assert row["new_appointments"] == pair["appointments"]
        key = f"{pair['client_id']}|{pair['practitioner_id']}"
        assert row["new_clientpractitionerid"] == record_guid(part.config.customer_id, TABLE, key)

    again = load(part, "second")
    assert again.relationships is not None
    assert (again.relationships.created, again.relationships.updated) == (0, 0)
    assert again.relationships.unchanged == with_user.height
    assert again.user_details is not None and again.user_details.updated == 0

    flow.run(flow.rollback(part, "undo", OPERATOR))
    assert _junction_rows(org) == []
    details = flow.run(_user(org, user))
    assert (details["new_specialty"], details["new_practitionertype"]) == ("Org value", None)
