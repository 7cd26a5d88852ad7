"""Start the Entra, Dataverse, Cliniko, Core Plus and PracSuite emulators on free loopback ports (CLI, pytest, demo)."""

from __future__ import annotations

import json
import pathlib
import shutil
import ssl
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from .cliniko.app import create_app as create_cliniko_app
from .cliniko.models import ClinikoBackend, ClinikoOptions
from .common.server import BackgroundServer
from .common.timescale import TimeScale
from .common.tls import ensure_tls
from .coreplus.app import create_app as create_coreplus_app
from .coreplus.models import CoreplusBackend, CoreplusOptions
from .dataverse.app import create_app as create_dataverse_app
from .dataverse.constants import CONTROL_PREFIX
from .dataverse.models import DataverseBackend, DataverseOptions
from .entra.app import create_app as create_entra_app
from .entra.models import EntraBackend
from .pracsuite.app import create_app as create_pracsuite_app
from .pracsuite.models import PracsuiteBackend, PracsuiteOptions

ENTRA_OPTIONS = (
    "tenant_id",
    "client_id",
    "client_secret",
    "token_lifetime_seconds",
    "app_users",
    "domains",
    "resources",
)


@dataclass(frozen=True)
class EmulatorEndpoints:
    """Where the emulators listen and the local tenant's credentials (local test secrets)."""

    dataverse_url: str | None
    entra_url: str | None
    tenant_id: str
    client_id: str
    client_secret: str
    ca_file: str
    cliniko_url: str | None = None
    cliniko_api_key: str | None = None
    coreplus_url: str | None = None  # the API base: <url>/API/Core/v2
    coreplus_consumer_id: str | None = None
    coreplus_consumer_secret: str | None = None
    coreplus_access_token: str | None = None
    pracsuite_url: str | None = None  # the API base: <url>/v1
    pracsuite_vendor_key: str | None = None
    pracsuite_account_key: str | None = None

    def to_json(self) -> str:
        """One line of JSON with every field."""
        return json.dumps(asdict(self))

    def dataverse_environment(self, environment: str, secret_env: str) -> dict[str, str | None]:
        """A customer file's `target.<run kind>` entry that points at this emulator pair; the client
        secret is named by its environment variable, never written (DESIGN.md §6)."""
        return {
            "environment": environment,
            "url": self.dataverse_url,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "client_secret_env": secret_env,
            "authority": self.entra_url,
            "ca_file": self.ca_file,
        }


@dataclass(frozen=True)
class AppUser:
    """An app registration in the Entra emulator and its application user in Dataverse."""

    client_id: str
    client_secret: str
    systemuser_id: str | None


def ssl_context(ca_file: str) -> ssl.SSLContext:
    """A client context that trusts the emulators' CA (TLS verification stays on)."""
    return ssl.create_default_context(cafile=ca_file)


class _Control:
    """A small HTTPS client for an emulator's ``/_emulator`` endpoints."""

    def __init__(self, base_url: str, ca_file: str) -> None:
        self._client = httpx.Client(base_url=base_url + CONTROL_PREFIX, verify=ssl_context(ca_file), timeout=60)

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None, **params: Any) -> Any:
        response = self._client.request(method, path, json=dict(body) if body is not None else None, params=params)
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        self._client.close()


class DataverseControl(_Control):
    """reset(), stats(), set_faults(...), dump_table(name) and the other Dataverse control endpoints."""

    def reset(self, *, keep_metadata: bool = False) -> dict[str, Any]:
        return self._call("POST", "/reset", keep_metadata=str(keep_metadata).lower())

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def set_faults(self, *, replace: bool = False, **faults: Any) -> dict[str, Any]:
        """E.g. ``set_faults(error_rate=0.1, drop_next=1, storm_seconds=30)`` (see README)."""
        return self._call("POST", "/faults", {"replace": replace, **faults})

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/faults")

    def expire_tokens(self) -> dict[str, Any]:
        return self._call("POST", "/tokens/expire")

    def dump_table(self, name: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/tables/{name}")["rows"]

    def add_user(self, **user: Any) -> dict[str, Any]:
        return self._call("POST", "/users", user)

    def add_app_user(self, client_id: str, name: str, object_id: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/app-users", {"client_id": client_id, "name": name, "object_id": object_id})

    def advance_keys(self, steps: int = 1, *, key: str | None = None) -> dict[str, str]:
        """Advance manually driven key indexes (all, or the one with SchemaName ``key``)."""
        return self._call("POST", "/keys/advance", {"steps": steps, "key": key})

    def config(self, **changes: Any) -> dict[str, Any]:
        return self._call("POST", "/config", changes) if changes else self._call("GET", "/config")

    def register_logic(
        self, table: str, message: str, kind: str, *, milliseconds: float = 0, effect: str = ""
    ) -> dict[str, Any]:
        """Register a plug-in step (kind ``sync``/``async``) or a flow (``flow``) on a table and message."""
        body = {"table": table, "message": message, "kind": kind, "milliseconds": milliseconds, "effect": effect}
        return self._call("POST", "/business-logic", body)

    def business_logic(self) -> dict[str, Any]:
        """Registrations, the side effects they had, and the background (async/flow) seconds they used."""
        return self._call("GET", "/business-logic")

    def set_privilege(
        self, privilege: str, *, held: bool, client_id: str | None = None, user_id: str | None = None
    ) -> dict[str, Any]:
        """Grant or revoke a privilege (a bypass privilege or `prv<Verb><Entity>`) of an application user (by client
        id) or any systemuser."""
        return self._call(
            "POST",
            "/privileges",
            {"privilege": privilege, "held": held, "client_id": client_id, "systemuserid": user_id},
        )

    def security(self, **model: Any) -> dict[str, Any]:
        """The security model (no arguments), or define roles, assign them to users and create owner teams
        (`security_roles`, `roles`, `users`, `teams`; emulators/dataverse/README.md "Security roles")."""
        return self._call("POST", "/security", model) if model else self._call("GET", "/security")


class EntraControl(_Control):
    """register_app(), set_faults(), stats() and reset() of the Entra emulator."""

    def register_app(
        self, client_id: str | None = None, client_secret: str | None = None, name: str | None = None
    ) -> dict[str, str]:
        """An app registration that exists only in Entra (no Dataverse application user)."""
        body = {"client_id": client_id, "client_secret": client_secret, "display_name": name}
        return self._call("POST", "/apps", body)

    def set_faults(self, mode: str | None, count: int | None = None, **extra: Any) -> dict[str, Any]:
        return self._call("POST", "/faults", {"mode": mode, "count": count, **extra})

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def reset(self) -> dict[str, Any]:
        return self._call("POST", "/reset")


class ClinikoControl(_Control):
    """reset(), stats() and the record changes that simulate a practice still at work (delta window)."""

    def reset(self) -> dict[str, Any]:
        return self._call("POST", "/reset")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def set_faults(self, *, replace: bool = False, **faults: Any) -> dict[str, Any]:
        """E.g. ``set_faults(error_rate=0.2)`` or ``set_faults(drop_next=1, path_prefix="/v1/invoices")``
        (emulators/cliniko/README.md lists them)."""
        return self._call("POST", "/faults", {"replace": replace, **faults})

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/faults")

    def create(self, collection: str, **fields: Any) -> dict[str, Any]:
        """A new record (new id, created_at = updated_at = now); returns it as the API would."""
        return self._call("POST", f"/records/{collection}", fields)

    def update(self, collection: str, record_id: str, **fields: Any) -> dict[str, Any]:
        return self._call("PATCH", f"/records/{collection}/{record_id}", fields)

    def delete(self, collection: str, record_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/records/{collection}/{record_id}")

    def archive(self, collection: str, record_id: str) -> dict[str, Any]:
        return self._call("POST", f"/records/{collection}/{record_id}/archive")

    def cancel(self, collection: str, record_id: str, **fields: Any) -> dict[str, Any]:
        """Cancel an individual appointment or attendee (extra fields, e.g. cancellation_reason=50)."""
        return self._call("POST", f"/records/{collection}/{record_id}/cancel", fields)


class CoreplusControl(_Control):
    """reset(), stats() and faults (emulators/coreplus/README.md lists them)."""

    def reset(self) -> dict[str, Any]:
        return self._call("POST", "/reset")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def set_faults(self, *, replace: bool = False, **faults: Any) -> dict[str, Any]:
        """E.g. ``set_faults(fail_next=2, error_status=429)`` or ``set_faults(expire_next=1)``."""
        return self._call("POST", "/faults", {"replace": replace, **faults})

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/faults")


class PracsuiteControl(CoreplusControl):
    """reset(), stats() and faults as Core Plus's control endpoints, plus key revocation and record changes
    (emulators/pracsuite/README.md)."""

    def revoke_account_key(self) -> dict[str, Any]:
        return self._call("POST", "/revoke_account_key")

    def upsert(self, collection: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """Add or change a record (e.g. ``upsert("patient", {"client_id": 7, "mobile": "0412 555 000"})``)."""
        return self._call("POST", f"/records/{collection}", record)

    def delete(self, collection: str, record_id: object) -> dict[str, Any]:
        return self._call("DELETE", f"/records/{collection}/{record_id}")

    def cancel(self, appointment_id: object, reason_id: int | None = None) -> dict[str, Any]:
        return self._call("POST", f"/cancel/{appointment_id}", {"reason_id": reason_id})


class RunningEmulators:
    """Context manager over started emulators: ``.endpoints``, ``.dataverse_control``, ``.stop()``."""

    def __init__(
        self,
        endpoints: EmulatorEndpoints,
        servers: list[BackgroundServer],
        entra: EntraBackend,
        dataverse: DataverseBackend | None,
        cleanup: Callable[[], None],
        cliniko: ClinikoBackend | None = None,
        clock: TimeScale | None = None,
        coreplus: CoreplusBackend | None = None,
        pracsuite: PracsuiteBackend | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.clock = clock or TimeScale()  # the Dataverse and Cliniko emulators' shared clock
        self.entra_backend = entra
        self.dataverse_backend = dataverse
        self.cliniko_backend = cliniko
        self._servers = servers
        self._cleanup = cleanup
        self._stopped = False
        self.dataverse_control = DataverseControl(endpoints.dataverse_url, endpoints.ca_file) if dataverse else None
        self.entra_control = EntraControl(endpoints.entra_url, endpoints.ca_file) if endpoints.entra_url else None
        cliniko_url = endpoints.cliniko_url
        self.cliniko_control = ClinikoControl(cliniko_url, endpoints.ca_file) if cliniko_url else None
        self.coreplus_backend = coreplus
        coreplus_url = endpoints.coreplus_url
        self.coreplus_control = CoreplusControl(coreplus_url, endpoints.ca_file) if coreplus_url else None
        self.pracsuite_backend = pracsuite
        pracsuite_url = endpoints.pracsuite_url
        self.pracsuite_control = PracsuiteControl(pracsuite_url, endpoints.ca_file) if pracsuite_url else None

    def ssl_context(self) -> ssl.SSLContext:
        return ssl_context(self.endpoints.ca_file)

    def add_app_user(self, name: str | None = None) -> AppUser:
        """Register one more application (own client id and secret) with its own Dataverse user.

        Service-protection limits are per user, so a loader can multiply throughput with several.
        """
        # In-process registration (the Entra backend locks); the Dataverse side goes through its control
        # endpoint so the change happens on the server's own thread.
        app = self.entra_backend.register_app(display_name=name)
        user_id = None
        if self.dataverse_control is not None:
            user = self.dataverse_control.add_app_user(app.client_id, f"# {app.display_name}", app.object_id)
            user_id = str(user["systemuserid"])
        return AppUser(app.client_id, app.client_secret, user_id)

    def stop(self) -> None:
        """Stop every server, close the state database and remove temporary files; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        controls = (
            self.dataverse_control,
            self.entra_control,
            self.cliniko_control,
            self.coreplus_control,
            self.pracsuite_control,
        )
        for control in controls:
            if control is not None:
                control.close()
        for server in self._servers:
            server.request_stop()
        for server in self._servers:
            server.stop()
        if self.dataverse_backend is not None:
            self.dataverse_backend.close()
        self._cleanup()

    def __enter__(self) -> RunningEmulators:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _tenant(state_dir: pathlib.Path | None, options: Mapping[str, Any]) -> dict[str, str]:
    """Tenant and client ids persist with the state; the secret is new at every start unless given."""
    saved: dict[str, str] = {}
    path = state_dir / "tenant.json" if state_dir else None
    if path is not None and path.exists():
        saved = json.loads(path.read_text())
    tenant = {
        "tenant_id": str(options.get("tenant_id") or saved.get("tenant_id") or uuid.uuid4()),
        "client_id": str(options.get("client_id") or saved.get("client_id") or uuid.uuid4()),
    }
    if path is not None:
        path.write_text(json.dumps(tenant))
    return tenant


def _signing_key(state_dir: pathlib.Path | None) -> bytes | None:
    path = state_dir / "entra-signing-key.pem" if state_dir else None
    return path.read_bytes() if path is not None and path.exists() else None


def start_emulators(
    *,
    state_dir: pathlib.Path | None = None,
    dataverse: bool = True,
    entra: bool = True,
    time_scale: float = 1.0,
    manual_clock: bool = False,
    dataverse_options: Mapping[str, object] | None = None,
    entra_options: Mapping[str, object] | None = None,
    cliniko: bool = False,
    cliniko_dump: pathlib.Path | None = None,
    cliniko_options: Mapping[str, object] | None = None,
    coreplus: bool = False,
    coreplus_practice: pathlib.Path | None = None,
    coreplus_options: Mapping[str, object] | None = None,
    pracsuite: bool = False,
    pracsuite_practice: pathlib.Path | None = None,
    pracsuite_options: Mapping[str, object] | None = None,
    dataverse_port: int = 0,
    entra_port: int = 0,
) -> RunningEmulators:
    """state_dir None → in-memory state and a temporary CA; otherwise persistent state and CA under state_dir.

    Args:
        state_dir: Where the CA, the tenant ids, the signing key and the Dataverse database live.
        dataverse: Serve the Dataverse Web API.
        entra: Serve the Entra token endpoint.
        time_scale: Factor applied to every emulated duration (windows, latencies, Retry-After, key jobs).
        manual_clock: Stop the emulators' clock; it moves only by ``RunningEmulators.clock.advance(...)``
            (deterministic windows and latencies for tests, see ``TimeScale``).
        dataverse_options: See ``DataverseOptions`` (limits, cost_model, faults, users, switches).
        entra_options: ``tenant_id``, ``client_id``, ``client_secret``, ``token_lifetime_seconds``,
            ``domains``, ``resources`` (extra token audiences) and ``app_users`` (a list of
            ``{client_id?, client_secret?, name?}``).
        cliniko: Serve the Cliniko API (in memory) for the practice in ``cliniko_dump``.
        cliniko_dump: A Cliniko dump folder (``<resource>.ndjson``, ``attachments/``); required with ``cliniko``.
        cliniko_options: ``api_key``, ``shard``, ``rate_limit`` (``{"requests", "window_seconds"}``),
            ``require_user_agent`` and ``faults`` (see emulators/cliniko/README.md).
        coreplus: Serve the Core Plus API (in memory) for the practice in ``coreplus_practice``.
        coreplus_practice: A Core Plus practice file (``practice.json``, synthetic/coreplus.py); required with
            ``coreplus``.
        coreplus_options: ``consumer_id``, ``consumer_secret``, ``access_token``, ``rate_limit`` (requests per
            second, None = off) and ``faults`` (see emulators/coreplus/README.md).
        pracsuite: Serve the PracSuite API (in memory) for the practice in ``pracsuite_practice``.
        pracsuite_practice: A PracSuite practice file (``practice.json``, synthetic/pracsuite.py); required
            with ``pracsuite``.
        pracsuite_options: ``vendor_key``, ``account_key``, ``rate_limit`` (requests per second, None = off)
            and ``faults`` (see emulators/pracsuite/README.md).
        dataverse_port: Loopback port of the Dataverse emulator (0: a free one chosen by the OS). A fixed
            port keeps the org URL, and so the token audience and a customer file's `url`, stable across
            restarts of a persistent ``state_dir``.
        entra_port: Loopback port of the Entra emulator (0: a free one).

    Returns:
        The running emulators; call ``stop()`` (or use ``with``) to shut them down.
    """
    entra_opts = dict(entra_options or {})
    unknown = set(entra_opts) - set(ENTRA_OPTIONS)
    if unknown:
        raise ValueError(f"unknown Entra emulator option(s) {sorted(unknown)}; valid: {', '.join(ENTRA_OPTIONS)}")
    options = DataverseOptions.from_mapping(dataverse_options)
    cliniko_opts = ClinikoOptions.from_mapping(cliniko_options)
    if cliniko and cliniko_dump is None:
        raise ValueError("the Cliniko emulator needs a dump folder (cliniko_dump / --cliniko-dump DIR)")
    coreplus_opts = CoreplusOptions.from_mapping(coreplus_options)
    if coreplus and coreplus_practice is None:
        raise ValueError("the Core Plus emulator needs a practice file (coreplus_practice)")
    pracsuite_opts = PracsuiteOptions.from_mapping(pracsuite_options)
    if pracsuite and pracsuite_practice is None:
        raise ValueError("the PracSuite emulator needs a practice file (pracsuite_practice)")
    temp_dir = None if state_dir else pathlib.Path(tempfile.mkdtemp(prefix="emulators-"))
    base = state_dir or temp_dir
    assert base is not None
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    tls = ensure_tls(base / "tls")
    servers: list[BackgroundServer] = []
    entra_server = BackgroundServer(tls, entra_port) if entra else None
    dataverse_server = BackgroundServer(tls, dataverse_port) if dataverse else None
    cliniko_server = BackgroundServer(tls) if cliniko else None
    coreplus_server = BackgroundServer(tls) if coreplus else None
    pracsuite_server = BackgroundServer(tls) if pracsuite else None
    every_server = (entra_server, dataverse_server, cliniko_server, coreplus_server, pracsuite_server)
    servers = [s for s in every_server if s is not None]
    cliniko_backend = None
    coreplus_backend = None
    pracsuite_backend = None
    clock = TimeScale(time_scale, manual=manual_clock)

    def cleanup() -> None:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)

    try:
        tenant = _tenant(state_dir, entra_opts)
        tenant_backend = EntraBackend(
            tenant["tenant_id"],
            signing_key_pem=_signing_key(state_dir),
            resources={dataverse_server.url} if dataverse_server else set(),
            token_lifetime_seconds=int(entra_opts.get("token_lifetime_seconds") or 3599),
            domains=tuple(entra_opts.get("domains") or ()),
        )
        for resource in entra_opts.get("resources") or []:
            tenant_backend.add_resource(str(resource))  # e.g. a Dataverse emulator started elsewhere
        if state_dir is not None:
            (state_dir / "entra-signing-key.pem").write_bytes(tenant_backend.signing_key_pem())
        default_app = tenant_backend.register_app(
            tenant["client_id"], entra_opts.get("client_secret"), "practice-migration", initial=True
        )
        apps = [default_app] + [
            tenant_backend.register_app(a.get("client_id"), a.get("client_secret"), a.get("name"), initial=True)
            for a in entra_opts.get("app_users") or []
        ]
        backend = None
        if dataverse_server is not None:
            options.tenant_id = tenant_backend.tenant_id
            options.entra_url = entra_server.url if entra_server else None
            options.trusted_keys = [tenant_backend.public_key_pem().decode()]
            options.app_users = [
                *options.app_users,
                *({"client_id": a.client_id, "name": f"# {a.display_name}", "object_id": a.object_id} for a in apps),
            ]
            backend = DataverseBackend(
                options,
                org_url=dataverse_server.url,
                state_path=state_dir / "dataverse.sqlite" if state_dir else None,
                clock=clock,
            )
            dataverse_server.start(create_dataverse_app(backend, options.entra_url), "dataverse")
        if entra_server is not None:
            entra_server.start(create_entra_app(tenant_backend), "entra")
        if cliniko_server is not None:
            assert cliniko_dump is not None
            cliniko_backend = ClinikoBackend(cliniko_dump, cliniko_opts, clock=clock)
            cliniko_server.start(create_cliniko_app(cliniko_backend, cliniko_server.url), "cliniko")
        if coreplus_server is not None:
            assert coreplus_practice is not None
            coreplus_backend = CoreplusBackend(coreplus_practice, coreplus_opts)
            coreplus_server.start(create_coreplus_app(coreplus_backend), "coreplus")
        if pracsuite_server is not None:
            assert pracsuite_practice is not None
            pracsuite_backend = PracsuiteBackend(pracsuite_practice, pracsuite_opts)
            pracsuite_server.start(create_pracsuite_app(pracsuite_backend), "pracsuite")
    except BaseException:
        for server in servers:
            server.stop()
        cleanup()
        raise
    endpoints = EmulatorEndpoints(
        dataverse_url=dataverse_server.url if dataverse_server else None,
        entra_url=entra_server.url if entra_server else None,
        tenant_id=tenant_backend.tenant_id,
        client_id=default_app.client_id,
        client_secret=default_app.client_secret,
        ca_file=str(tls.ca_file),
        cliniko_url=cliniko_server.url if cliniko_server else None,
        cliniko_api_key=cliniko_backend.api_key if cliniko_backend else None,
        coreplus_url=coreplus_server.url if coreplus_server else None,
        coreplus_consumer_id=coreplus_opts.consumer_id if coreplus else None,
        coreplus_consumer_secret=coreplus_opts.consumer_secret if coreplus else None,
        coreplus_access_token=coreplus_opts.access_token if coreplus else None,
        pracsuite_url=pracsuite_server.url if pracsuite_server else None,
        pracsuite_vendor_key=pracsuite_opts.vendor_key if pracsuite else None,
        pracsuite_account_key=pracsuite_opts.account_key if pracsuite else None,
    )
    return RunningEmulators(
        endpoints,
        servers,
        tenant_backend,
        backend,
        cleanup,
        cliniko_backend,
        clock,
        coreplus_backend,
        pracsuite_backend,
    )


def emulator_fixture(*, name: str = "emulators", scope: str = "session", **start_kwargs: Any) -> Any:
    """A pytest fixture named ``name`` that yields started emulators (state under tmp_path_factory).

    Example (in a conftest.py)::

        emulators = emulator_fixture(time_scale=0.01, dataverse_options={"cost_model": False})
    """
    import pytest  # test-only dependency, imported when a test suite asks for the fixture

    @pytest.fixture(scope=scope, name=name)  # type: ignore[call-overload, misc]
    def _emulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulators]:
        running = start_emulators(state_dir=tmp_path_factory.mktemp("emulators"), **start_kwargs)
        try:
            yield running
        finally:
            running.stop()

    return _emulators
