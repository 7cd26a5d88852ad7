"""$batch semantics: change sets, Content-ID references, stop or continue on error (research §3.1)."""
# Parsing and serialising the multipart body live in responses/batch.py.

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import constants as c
from .. import exceptions as e
from .refs import relative_path
from .store import Store


class Response(Protocol):
    status: int
    headers: dict[str, str]


@dataclass
class Operation:
    """One inner request of a batch."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    content_id: str | None = None


@dataclass
class ChangeSet:
    operations: list[Operation] = field(default_factory=list)


@dataclass
class Result:
    content_id: str | None
    response: Any


@dataclass
class Outcome:
    """Results in request order; a change set contributes a list (or a single error result)."""

    items: list[Result | list[Result]] = field(default_factory=list)
    stopped: bool = False


Dispatch = Callable[[Operation, dict[str, str]], Any]
ErrorResponse = Callable[[e.DataverseError], Any]


class _ChangeSetFailed(Exception):  # noqa: N818 - internal control flow, never leaves this module
    def __init__(self, result: Result) -> None:
        self.result = result


class BatchExecutor:
    """Runs parsed batch parts through ``dispatch`` (the normal request router)."""

    def __init__(self, store: Store, dispatch: Dispatch, error_response: ErrorResponse) -> None:
        self.store = store
        self.dispatch = dispatch
        self.error_response = error_response

    def execute(self, parts: list[Operation | ChangeSet], continue_on_error: bool) -> Outcome:
        """Raises BatchSizeExceeded above 1,000 operations (research/dataverse.md §3.1)."""
        count = sum(len(p.operations) if isinstance(p, ChangeSet) else 1 for p in parts)
        if count > c.MAX_BATCH_OPERATIONS:
            raise e.BatchSizeExceeded(count=count, limit=c.MAX_BATCH_OPERATIONS)
        outcome = Outcome()
        for part in parts:
            if isinstance(part, ChangeSet):
                results, failed = self._change_set(part)
                outcome.items.append(results)
            else:
                response = self.dispatch(part, {})
                outcome.items.append(Result(part.content_id, response))
                failed = response.status >= 400
            if failed and not continue_on_error:
                outcome.stopped = True
                break
        return outcome

    def _change_set(self, change_set: ChangeSet) -> tuple[list[Result], bool]:
        refs: dict[str, str] = {}
        results: list[Result] = []
        try:
            with self.store.transaction():
                for op in change_set.operations:
                    if op.method == "GET":
                        error = e.InvalidArgument(detail="GET requests are not allowed inside a change set.")
                        raise _ChangeSetFailed(Result(op.content_id, self.error_response(error)))
                    response = self.dispatch(op, refs)
                    if response.status >= 400:
                        raise _ChangeSetFailed(Result(op.content_id, response))
                    results.append(Result(op.content_id, response))
                    location = response.headers.get("OData-EntityId") or response.headers.get("Location")
                    if op.content_id and location:
                        refs[f"${op.content_id}"] = relative_path(location)
        except _ChangeSetFailed as failure:
            # A change set is atomic: its writes are undone and it answers with the one error.
            return [failure.result], True
        return results, False
