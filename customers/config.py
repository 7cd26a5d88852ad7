"""The typed model of one customer's YAML configuration, and its validation with clear errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError, field_validator, model_validator

from customers.endpoints import secret_env_problem, url_problem
from customers.yaml_reader import YamlRefusedError, read_yaml

# The location models live with their systems (sources/); re-exported for code that names them here.
from sources.cliniko.location import ClinikoApiSource as ClinikoApiSource
from sources.locations import ENV_NAME_PATTERN, DumpSource
from sources.locations import ExportSource as ExportSource

# Dynamic partition keys are joined into "customer|run" multi-partition keys; a "|" or "," in a key
# breaks parsing and UI selection (research/dagster.md §0.2 K).
CUSTOMER_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
RUN_KINDS: tuple[str, ...] = ("trial", "live")
RunKind = Literal["trial", "live"]
Country = Literal["NZ", "AU", "UK"]
_ENV_NAME = ENV_NAME_PATTERN
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _service_url(service: str) -> Any:
    """A field validator: the URL must be https on the service's real hosts (customers/endpoints.py)."""

    def check(value: str | None) -> str | None:
        problem = None if value is None else url_problem(value, service)
        if problem:
            raise ValueError(problem)
        return value

    return check


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(_Strict):
    """`source:` — the system (a registered source system, sources/registry.py) and where its data is per
    run kind, each block validated by the location models that system declares (`SourceSystem.location_models`:
    a dump folder for every system, an export with read overrides for CSV/XLSX systems, an API for Cliniko)."""

    system: str
    trial: SerializeAsAny[BaseModel]
    live: SerializeAsAny[BaseModel] | None = None

    @model_validator(mode="before")
    @classmethod
    def _locations(cls, data: Any) -> Any:
        from sources.registry import system_names

        if not isinstance(data, dict) or data.get("system") not in system_names():
            return data
        return {
            **data,
            **{kind: _location(data["system"], kind, data[kind]) for kind in RUN_KINDS if data.get(kind) is not None},
        }

    @field_validator("system")
    @classmethod
    def _known_system(cls, value: str) -> str:
        from sources.registry import system_names

        if value not in system_names():
            raise ValueError(f"unknown source system {value!r}; valid: {', '.join(system_names())}")
        return value


def _location(system: str, kind: str, value: object) -> object:
    """One run kind's source block, validated by the first of the system's location models that accepts
    it; when none does, the errors of the one that fits best (fewest problems), kept at their place."""
    from sources.registry import location_models

    models = location_models(system)
    if isinstance(value, models):
        return value
    failures: list[ValidationError] = []
    for model in models:
        try:
            return model.model_validate(value)
        except ValidationError as exc:
            failures.append(exc)
    _raise_at(kind, min(failures, key=lambda e: e.error_count()))
    return value  # unreachable: _raise_at raises


def _raise_at(kind: str, exc: ValidationError) -> None:
    """Raise `exc` again with every error located under `kind` (`source.trial.dump`, `target.live.url`)."""
    errors = [
        {
            "type": e["type"],
            "loc": (kind, *e["loc"]),
            "input": e["input"],
            **({"ctx": e["ctx"]} if "ctx" in e else {}),
        }
        for e in exc.errors()
    ]
    raise ValidationError.from_exception_data(exc.title, errors) from None  # type: ignore[arg-type]


class AppUser(_Strict):
    """An extra application user: limits are per user, so several multiply load throughput."""

    client_id: str
    client_secret_env: Annotated[str, Field(pattern=_ENV_NAME)]


class TargetEnvironment(_Strict):
    """Where one run kind loads to. Secrets are named by environment variable, never written here."""

    environment: Literal["sandbox", "production"]
    url: Annotated[str, Field(pattern=r"^https://")]
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret_env: Annotated[str, Field(pattern=_ENV_NAME)] | None = None
    app_users: list[AppUser] = Field(default_factory=list)
    authority: Annotated[str, Field(pattern=r"^https://")] | None = Field(
        default=None, description="Entra authority host; default https://login.microsoftonline.com"
    )
    ca_file: Path | None = None
    run_business_logic: list[Literal["sync", "async", "flows"]] = Field(
        default_factory=list,
        description="the org's own logic a load lets run (custom sync plug-ins, async plug-ins and workflows, "
        "Power Automate flows); everything else is bypassed on every write (DESIGN.md §6)",
    )
    licence_tier: (
        Literal[
            "sales_professional",
            "customer_service_professional",
            "team_members",
            "sales_enterprise",
            "sales_premium",
            "customer_service_enterprise",
        ]
        | None
    ) = Field(
        default=None,
        description="the org's Dynamics 365 licence: the schema plan holds its custom tables against the tier's "
        "limit (15 for the Professional tiers and Team Members) and refuses before creating any "
        "(targets/dynamics/custom_tables.py)",
    )
    accounting_match_columns: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(
        default_factory=lambda: ["invoicenumber"],
        description="invoice columns in which the org's accounting integration keeps the Xero invoice number or id: "
        "an invoice whose Xero reference (recorded in the source) is found there is matched, not created "
        "(targets/dynamics/accounting.py)",
    )
    practitioner_relationships: bool = Field(
        default=False,
        description="keep practitioners' specialty and type on their System User records and every client ↔ "
        "practitioner relationship in the custom table new_clientpractitioner (moving out of Gensolve, issue #22)",
    )

    @property
    def location(self) -> str:
        """What tells two environments apart (trial and live must differ)."""
        return self.url.rstrip("/")

    check_url_host = field_validator("url")(_service_url("dataverse"))
    check_authority_host = field_validator("authority")(_service_url("entra"))


class TargetConfig(_Strict):
    """`target:` — the system (a registered target, targets/registry.py) and its block per run kind, each
    validated by the model that target declares (Dynamics: TargetEnvironment; Gensolve: GensolveEnvironment)."""

    system: str
    trial: SerializeAsAny[BaseModel]
    live: SerializeAsAny[BaseModel]

    @model_validator(mode="before")
    @classmethod
    def _environments(cls, data: Any) -> Any:
        from targets.registry import target_names

        if not isinstance(data, dict) or data.get("system") not in target_names():
            return data
        return {**data, **{kind: _environment(data["system"], kind, data[kind]) for kind in RUN_KINDS if kind in data}}

    @field_validator("system")
    @classmethod
    def _known_target(cls, value: str) -> str:
        from targets.registry import target_names

        if value not in target_names():
            raise ValueError(f"unknown target {value!r}; valid: {', '.join(target_names())}")
        return value

    @model_validator(mode="after")
    def _trial_is_sandbox(self) -> TargetConfig:
        trial, live = cast(Any, self.trial), cast(Any, self.live)
        if trial.environment != "sandbox":
            raise ValueError("trial.environment: expected 'sandbox' (trial runs never load production)")
        if live.environment != "production":
            raise ValueError("live.environment: expected 'production'")
        if trial.location == live.location:
            raise ValueError("trial and live: expected two different environments, got the same location")
        return self


def _environment(system: str, kind: str, value: object) -> object:
    """One run kind's block validated by the target's model; errors keep their place (`target.trial.url`)."""
    from targets.registry import environment_model

    model = environment_model(system)
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        _raise_at(kind, exc)
    return value  # unreachable: _raise_at raises


class SiteOverride(_Strict):
    """A site whose time zone differs from the practice's (multi-state AU practices, Chatham)."""

    source_id: str
    time_zone: str

    @field_validator("time_zone")
    @classmethod
    def _iana(cls, value: str) -> str:
        return _validate_zone(value)


class DeltaConfig(_Strict):
    """The delta-pickup window after a live load (DESIGN.md §1): how long, how often, and deletions."""

    window_hours: Annotated[int, Field(ge=24, le=48)] = Field(
        default=48, description="how long after the live load changes in the source are picked up"
    )
    poll_minutes: Annotated[int, Field(ge=1, le=1440)] = Field(
        default=15, description="how often the source is asked for changes during the window"
    )
    deletions: Literal["deactivate", "delete"] = Field(
        default="deactivate",
        description="what a record deleted in the source becomes in the target: deactivated (or cancelled) "
        "where the table has an inactive state, else deleted; or deleted everywhere",
    )


class CustomerConfig(_Strict):
    customer_id: Annotated[str, Field(pattern=CUSTOMER_ID_PATTERN, max_length=63)]
    name: str = Field(min_length=1, description="the practice's trading name (shown in reports)")
    country: Country
    time_zone: str
    source: SourceConfig
    target: TargetConfig | None = None
    fallback_owner_email: str
    sites: list[SiteOverride] = Field(default_factory=list)
    delta: DeltaConfig = Field(default_factory=DeltaConfig)
    mapping_overrides: dict[str, Any] = Field(default_factory=dict)
    config_file: Path | None = Field(default=None, exclude=True)
    # What reading the file noticed but accepted (e.g. a UTF-8 byte-order mark); shown by `validate`.
    read_notes: tuple[str, ...] = Field(default=(), exclude=True)

    @field_validator("time_zone")
    @classmethod
    def _iana(cls, value: str) -> str:
        return _validate_zone(value)

    @field_validator("fallback_owner_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("expected an email address (the Dynamics owner used when no practitioner matches)")
        return value.strip().lower()

    @property
    def phone_region(self) -> str:
        """ISO 3166 region for phone parsing: 'UK' is 'GB' to libphonenumber."""
        return "GB" if self.country == "UK" else self.country

    def source_for(self, run_kind: str) -> BaseModel:
        """Where this run kind's data comes from; a live run needs its own source configured."""
        chosen = self.source_for_or_none(run_kind)
        if chosen is None:
            raise CustomerConfigError(
                str(self.config_file or self.customer_id),
                [f"source.{run_kind}: expected a dump or api location for {run_kind} runs"],
            )
        return chosen

    def source_for_or_none(self, run_kind: str) -> BaseModel | None:
        return self.source.trial if run_kind == "trial" else self.source.live

    def dump_dir(self, run_kind: str) -> Path:
        """Absolute dump folder for a run kind (relative paths resolve against the config file)."""
        source = self.source_for(run_kind)
        if not isinstance(source, DumpSource):
            raise CustomerConfigError(
                str(self.config_file or self.customer_id),
                [f"source.{run_kind}: expected a dump folder; this customer is configured for the API"],
            )
        base = self.config_file.parent if self.config_file else Path.cwd()
        return (base / source.dump).resolve()

    def shared_folder(self, run_kind: str) -> Path | None:
        """The absolute shared folder a direct read's block names (PPMP's letters; relative paths resolve
        against the config file), None when the block names none."""
        folder = getattr(self.source_for_or_none(run_kind), "shared_folder", None)
        if folder is None:
            return None
        base = self.config_file.parent if self.config_file else Path.cwd()
        return (base / folder).resolve()

    def target_for(self, run_kind: str) -> BaseModel:
        """The one target this customer's run kind may write to (trial → sandbox, live → production)."""
        if self.target is None:
            raise CustomerConfigError(
                str(self.config_file or self.customer_id),
                ["target: expected a target (system, trial, live) before loading"],
            )
        return self.target.trial if run_kind == "trial" else self.target.live

    def site_time_zones(self) -> dict[str, str]:
        return {s.source_id: s.time_zone for s in self.sites}

    def secret_env_names(self) -> dict[str, str]:
        """Every environment variable the file names for a secret, by its key path."""
        named: dict[str, str] = {}
        for kind in RUN_KINDS:
            source = getattr(self.source, kind)
            # Every location model names its secrets in `*_env` keys (Cliniko's API key), as targets do.
            for key, value in (source.model_dump() if source is not None else {}).items():
                if key.endswith("_env") and value:
                    named[f"source.{kind}.{key}"] = value
            target = getattr(self.target, kind) if self.target else None
            # Every target's block names its secrets in `*_env` keys (Dynamics' client secret, Gensolve's
            # Oracle user and password), whatever the registered target's model is.
            for key, value in (target.model_dump() if target is not None else {}).items():
                if key.endswith("_env") and value:
                    named[f"target.{kind}.{key}"] = value
            for i, user in enumerate(getattr(target, "app_users", None) or []):
                named[f"target.{kind}.app_users.{i}.client_secret_env"] = user.client_secret_env
        return named


def _policy_problems(config: CustomerConfig) -> list[str]:
    """What the schema cannot see: secrets named outside the customer's own variable prefix (so a file
    delivered through the landing area cannot send another customer's secret, or a cloud credential,
    anywhere), and mapping overrides the spec refuses (found here, not in the middle of a run)."""
    problems = []
    for where, name in config.secret_env_names().items():
        problem = secret_env_problem(config.customer_id, name)
        if problem:
            problems.append(f"{where}: {problem}")
    if config.mapping_overrides:
        from mappings.spec import SpecError, load_spec
        from sources.registry import get_system

        try:
            # The system's source spec (gensolve reads mappings/gensolve_source.yaml; gensolve.yaml is its target spec).
            load_spec(get_system(config.source.system).spec_name, config.mapping_overrides)
        except SpecError as exc:
            problems += [f"mapping_overrides: {p.removeprefix('mapping_overrides: ')}" for p in exc.problems]
        except (TypeError, ValueError, AttributeError) as exc:
            problems.append(f"mapping_overrides: cannot be applied to the spec ({type(exc).__name__})")
    return problems


def _validate_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"expected an IANA time zone such as 'Pacific/Auckland', got {value!r}") from exc
    return value


class CustomerConfigError(Exception):
    """An invalid customer configuration: the file, each offending key and what was expected."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid customer configuration:\n  " + "\n  ".join(problems))


def _describe(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"] if not str(part).startswith("function-after"))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; see the configuration reference in README.md)"
    elif error["type"] == "missing":
        message = "required key is missing"
    return f"{location or '(top level)'}: {message}"


# Fields the program fills in when it reads a file; a file that sets them is refused.
_NOT_FROM_FILE = frozenset({"config_file", "read_notes"})


def parse_customer_config(data: object, source: str, config_file: Path | None = None) -> CustomerConfig:
    """Validate already-parsed YAML. Raises CustomerConfigError naming `source` and each key."""
    if not isinstance(data, dict):
        raise CustomerConfigError(source, ["(top level): expected a mapping of keys to values"])
    internal = sorted(str(k) for k in data if k in _NOT_FROM_FILE)
    if internal:
        raise CustomerConfigError(source, [f"{k}: unknown key (set by the program, not the file)" for k in internal])
    try:
        config = CustomerConfig.model_validate({**data, "config_file": config_file})
    except ValidationError as exc:
        # Union members each report their own failure; keep the messages a person can act on.
        problems = sorted({_describe(e) for e in exc.errors(include_input=False)})
        raise CustomerConfigError(source, problems) from None
    problems = _policy_problems(config)
    if problems:
        raise CustomerConfigError(source, problems)
    return config


def read_customer_yaml(path: Path) -> tuple[object, tuple[str, ...]]:
    """(parsed YAML, notes) of a customer file, read strictly (customers/yaml_reader.py)."""
    try:
        return read_yaml(path)
    except FileNotFoundError:
        raise CustomerConfigError(str(path), ["file not found"]) from None
    except YamlRefusedError as exc:
        raise CustomerConfigError(str(path), exc.problems) from None


def load_customer_config(path: Path) -> CustomerConfig:
    """Read and validate one customer YAML file."""
    path = Path(path)
    data, notes = read_customer_yaml(path)
    config = parse_customer_config(data, str(path), config_file=path.resolve())
    return config.model_copy(update={"read_notes": notes}) if notes else config
