"""Helpers for the Gensolve → Dynamics extras tests: a Dataverse client on the emulators, an org's own custom
tables."""

from __future__ import annotations

from dynamics_load_helpers import TIME_SCALE

from emulators.launcher import RunningEmulators
from targets.dynamics import AppCredential, DataverseClient, DataverseConnection
from targets.dynamics.custom_tables import CustomTable, entity_metadata


def make_client(running: RunningEmulators) -> DataverseClient:
    """A client for the emulators as the default application user."""
    ep = running.endpoints
    connection = DataverseConnection(
        url=str(ep.dataverse_url),
        tenant_id=ep.tenant_id,
        credentials=(AppCredential(ep.client_id, ep.client_secret),),
        authority_host=str(ep.entra_url),
        ca_file=ep.ca_file,
        timeout_seconds=30,
    )
    return DataverseClient(connection, clock_scale=TIME_SCALE)


async def create_org_tables(client: DataverseClient, count: int) -> list[str]:
    """`count` custom tables the org already has (another solution's, e.g. a partner's), made like any other."""
    names = [f"cr1_existing{i:02d}" for i in range(count)]
    for name in names:
        table = CustomTable(name, name, f"{name}s", "cr1_name", (), (), "the org's own")
        await client.create_entity(entity_metadata(table))
    return names
