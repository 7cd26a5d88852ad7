"""Every step's failure reaches Dagster scrubbed: an unexpected exception's text may quote a patient's
value (a Polars or DuckDB conversion error quotes the cell), and Dagster keeps it for ever in the event
log (STEP_FAILURE, RUN_FAILURE). Dagster gets the exception type, a stable reason and the value-free
location notes; the whole traceback goes to the customer's own log file under its folder, and so does
whatever the step prints (Dagster's compute logs would otherwise keep it)."""

# No `from __future__ import annotations`: the wrapped functions' annotations are Dagster's to read.

import functools
import inspect
import io
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from customers import CustomerConfigError
from customers.home import default_home
from mappings.evaluate import MappingError
from mappings.spec import SpecError
from migration_assets.resources import MigrationHomeResource
from sources.base import RawReadError
from store import WarehouseLockedError
from store.locations import location_notes
from targets.registry import value_free_errors

# Exceptions whose messages the project writes to name files, records, fields and keys only — never a
# value (each class's docstring says so); their text is what a person needs, so it is passed on.
VALUE_FREE_ERRORS: tuple[type[Exception], ...] = (
    RawReadError,
    CustomerConfigError,
    SpecError,
    MappingError,
    WarehouseLockedError,
    *value_free_errors(),
)
# Raised by the project on purpose for Dagster, from the messages above and counts.
PASSED_THROUGH: tuple[type[Exception], ...] = (dg.Failure, dg.RetryRequested)
UNEXPECTED_REASON = "unexpected_error"
GUARD_MARKER = "__migration_step_guard__"
LOGS_DIR = "logs"


def _context(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    for value in (*args, *kwargs.values()):
        if isinstance(value, dg.OpExecutionContext | dg.AssetExecutionContext):
            return value
    return None


def _customer(context: Any) -> str | None:
    """The customer of the step's partition (multi-partitioned `customer|run`, or the customer alone)."""
    try:
        key = context.partition_key
    except Exception:  # an unpartitioned step or an invocation outside a run
        return None
    if isinstance(key, dg.MultiPartitionKey):
        return key.keys_by_dimension.get("customer")
    return str(key) if key else None


def _log_file(context: Any, kwargs: dict[str, Any]) -> Path:
    """$MIGRATION_HOME/customers/<customer>/logs/<run id>.log (or <home>/logs/ with no customer)."""
    resource = next((v for v in kwargs.values() if isinstance(v, MigrationHomeResource)), None)
    home = resource.home.root if resource else default_home()
    customer = _customer(context) if context is not None else None
    run_id = context.run.run_id if context is not None else "no-run"
    folder = home / "customers" / customer / LOGS_DIR if customer else home / LOGS_DIR
    return folder / f"{run_id}.log"


def _record(path: Path, step: str, exc: BaseException) -> bool:
    """Append the full traceback (with values: this file is the customer's, like its reports)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with path.open("a", encoding="utf-8") as out:
            out.write(f"--- {datetime.now(UTC).isoformat()} step {step}\n")
            out.write("".join(traceback.format_exception(exc)))
        return True
    except OSError:
        return False


class _StepOutput(io.TextIOBase):
    """A stream appending to the customer's log file, opened only when something is written."""

    def __init__(self, path: Path, step: str):
        self._path, self._step, self._file = path, step, None

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._file is None:
            self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._file = self._path.open("a", encoding="utf-8")
            self._file.write(f"--- {datetime.now(UTC).isoformat()} step {self._step} output\n")
        return self._file.write(text)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


def scrubbed_failure(exc: Exception, step: str, log_file: Path | None) -> dg.Failure:
    """The Failure Dagster is given for `exc`: its type, a reason, where it happened, where the details are."""
    where = location_notes(exc)
    if isinstance(exc, VALUE_FREE_ERRORS):
        description = str(exc)
        reason = type(exc).__name__
    else:
        description = f"{type(exc).__name__} in step {step} ({UNEXPECTED_REASON})"
        reason = UNEXPECTED_REASON
    if where:
        description += "; where: " + "; ".join(where)
    if log_file is not None:
        description += f"; full message and traceback in {log_file}"
    metadata: dict[str, Any] = {"exception_type": type(exc).__name__, "reason": reason}
    if where:
        metadata["where"] = dg.MetadataValue.json(where)
    if log_file is not None:
        metadata["log_file"] = dg.MetadataValue.path(str(log_file))
    return dg.Failure(description=description, metadata=metadata, allow_retries=False)


def guarded_step(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an asset's or op's compute function so an exception reaches Dagster scrubbed (see module
    docstring). Dagster reads the wrapped function's signature through `functools.wraps`."""

    @contextmanager
    def scrubbed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Iterator[None]:
        path = _log_file(_context(args, kwargs), kwargs)
        # What the step's code (or a library it calls) prints would land in Dagster's compute logs.
        output = _StepOutput(path, fn.__name__)
        try:
            with redirect_stdout(output), redirect_stderr(output):
                yield
        except PASSED_THROUGH:
            raise
        except Exception as exc:
            recorded = _record(path, fn.__name__, exc)
            raise scrubbed_failure(exc, fn.__name__, path if recorded else None) from None
        finally:
            output.close()

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator_step(*args: Any, **kwargs: Any) -> Iterator[Any]:
            with scrubbed(args, kwargs):
                yield from fn(*args, **kwargs)

        setattr(generator_step, GUARD_MARKER, True)
        return generator_step

    @functools.wraps(fn)
    def step(*args: Any, **kwargs: Any) -> Any:
        with scrubbed(args, kwargs):
            return fn(*args, **kwargs)

    setattr(step, GUARD_MARKER, True)
    return step
