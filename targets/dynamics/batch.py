"""Batch and bulk writes (research/dataverse.md §3): $batch wire format, UpsertMultiple, failure isolation."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .errors import AuthenticationError, DataverseError, NotExecutedError, TerminalError, classify, classify_parts

if TYPE_CHECKING:
    from .capabilities import DataverseCapabilities
    from .client import ClientStats
    from .config import DataverseConnection

LOG = logging.getLogger("targets.dynamics")
NAMESPACE = "Microsoft.Dynamics.CRM"
T = TypeVar("T")

CRLF = "\r\n"
_BOUNDARY = re.compile(r'boundary="?([^";,\s]+)"?', re.IGNORECASE)


@dataclass(frozen=True)
class BatchOperation:
    """One request inside a change set.

    Attributes:
        method: ``POST``, ``PATCH``, ``PUT`` or ``DELETE`` (GET is not allowed in change sets, §3.1).
        url: Relative to the API root (``contacts(<guid>)``), absolute, or a Content-ID reference
            (``$1``, ``$1/lastname``) to an earlier operation of the same change set.
        body: JSON body; ``@odata.bind`` values may be ``$n`` references too.
        headers: Extra headers of the inner request, e.g. ``{"If-Match": "*"}``.
    """

    method: str
    url: str
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class BatchResponse:
    """One inner response: status, headers and the JSON body (None for 204)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    content_id: str | None = None


@dataclass(frozen=True)
class ChangesetResult:
    """What happened to one change set (atomic: all of its operations applied, or none).

    Attributes:
        ok: Every operation succeeded.
        responses: The inner responses (one error response when the change set failed; empty when it
            never ran).
        error: The classified failure; ``NotExecutedError`` when processing stopped before it.
    """

    ok: bool
    responses: list[BatchResponse]
    error: DataverseError | None = None


# Microsoft's bulk guidance (anchors.md §4.3, bulk-operations.md): a standard table's bulk request is limited by
# its time, not a record count, and the service gives a synchronous request about 2 minutes (anchors.md §4.1:
# plug-in budget 2 min; client timeouts 2–4 min). A size grows while its requests take under 1/8 of the client's
# timeout, and halves once one takes over half of it: far enough apart that one slow response does not undo a
# growth step, and a halving lands back under the timeout before the service gives up on a request.
GROW_BELOW_SHARE = 1 / 8
SHRINK_ABOVE_SHARE = 1 / 2


@dataclass
class AdaptiveBatchSize:
    """Records per write request, adapted to how long the service takes to answer (careful-client sizing).

    Microsoft: "start with a small batch size" ($batch: 10; bulk: 100–1,000 "a reasonable place to start",
    anchors.md §4.1/§4.3) and grow until requests approach the timeout. Here a size starts at ``initial``,
    doubles (up to ``maximum``) after a request answered in under ``GROW_BELOW_SHARE`` of the client's
    timeout, and halves (down to 1) after one took over ``SHRINK_ABOVE_SHARE`` of it, after a lost answer
    (read timeout or a cut connection: the service may still be working) and after an execution-time 429
    (the requests are too heavy for the user's budget, research §4.1).

    Attributes:
        initial: The first size (clamped to ``maximum``).
        maximum: The largest size (the capability's limit).
        timeout_seconds: The client's per-request timeout the measured times are compared with.
        size: The size the next request takes.
        grown, shrunk: How often the size changed each way (counts only, for the load's report).
    """

    initial: int
    maximum: int
    timeout_seconds: float
    size: int = field(init=False)
    grown: int = field(default=0, init=False)
    shrunk: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.maximum < 1 or self.initial < 1 or self.timeout_seconds <= 0:
            raise ValueError("AdaptiveBatchSize needs initial and maximum ≥ 1 and a timeout > 0")
        self.size = min(self.initial, self.maximum)

    def answered(self, seconds: float) -> None:
        """A request of the current kind answered after ``seconds`` (measured by the client)."""
        if seconds > self.timeout_seconds * SHRINK_ABOVE_SHARE:
            self.too_heavy()
        elif seconds < self.timeout_seconds * GROW_BELOW_SHARE and self.size < self.maximum:
            self.size = min(self.maximum, self.size * 2)
            self.grown += 1

    def too_heavy(self) -> None:
        """A request timed out, lost its answer or was refused for execution time: halve the size."""
        if self.size > 1:
            self.size = max(1, self.size // 2)
            self.shrunk += 1


def inner_url(api_root: str, url: str) -> str:
    """Absolute inner URL (the form the Python SDK sends, §10); ``$n`` references stay as they are."""
    if url.startswith(("$", "https://", "http://")):
        return url
    return f"{api_root}/{url.lstrip('/')}"


def build_batch(
    api_root: str, changesets: Sequence[Sequence[BatchOperation]], write_headers: Mapping[str, str] | None = None
) -> tuple[str, bytes]:
    """The multipart body of one ``$batch`` with each inner list as a change set (Content-IDs 1…n).

    Args:
        api_root: ``{org}/api/data/v9.2``.
        changesets: Lists of operations; each list is applied atomically.
        write_headers: Headers every inner write carries (the bypass headers: Microsoft documents them per
            request and is silent on a $batch's headers reaching its inner requests, so each carries its own).

    Returns:
        (Content-Type header value, body bytes).
    """
    boundary = f"batch_{uuid.uuid4()}"
    lines: list[str] = []
    for operations in changesets:
        changeset = f"changeset_{uuid.uuid4()}"
        lines += [f"--{boundary}", f"Content-Type: multipart/mixed; boundary={changeset}", ""]
        for content_id, op in enumerate(operations, start=1):
            lines += [
                f"--{changeset}",
                "Content-Type: application/http",
                "Content-Transfer-Encoding: binary",
                f"Content-ID: {content_id}",
                "",
                f"{op.method.upper()} {inner_url(api_root, op.url)} HTTP/1.1",
            ]
            if op.body is not None:
                lines.append("Content-Type: application/json; type=entry")
            headers = {**(write_headers or {}), **(op.headers or {})} if op.method.upper() != "GET" else op.headers
            lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
            lines += ["", json.dumps(op.body, separators=(",", ":")) if op.body is not None else ""]
        lines.append(f"--{changeset}--")
    lines += [f"--{boundary}--", ""]
    return f"multipart/mixed; boundary={boundary}", CRLF.join(lines).encode("utf-8")


def boundary_of(content_type: str) -> str | None:
    """The ``boundary`` parameter of a multipart Content-Type, if any."""
    found = _BOUNDARY.search(content_type)
    return found.group(1) if found else None


def _parts(text: str, boundary: str) -> list[str]:
    pieces = text.split(f"--{boundary}")
    parts = []
    for piece in pieces[1:]:
        if piece.startswith("--"):
            break
        parts.append(piece.removeprefix("\n").removesuffix("\n"))
    return parts


def _head_and_body(part: str) -> tuple[dict[str, str], str]:
    head, _, body = part.partition("\n\n")
    headers: dict[str, str] = {}
    for line in head.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return headers, body


def _http_response(part: str) -> BatchResponse:
    mime_headers, message = _head_and_body(part)
    status_line, _, rest = message.partition("\n")
    pieces = status_line.split(" ", 2)
    if len(pieces) < 2 or not pieces[1].isdigit():
        raise TerminalError(200, None, "a $batch response part is not an HTTP response")
    headers, body_text = _head_and_body(rest)
    body_text = body_text.strip()
    body: dict[str, Any] | None = None
    if body_text:
        try:
            parsed = json.loads(body_text)
        except ValueError:
            parsed = None
        body = parsed if isinstance(parsed, dict) else None
    content_id = next((v for k, v in mime_headers.items() if k.lower() == "content-id"), None)
    return BatchResponse(int(pieces[1]), headers, body, content_id)


def _result(responses: list[BatchResponse]) -> ChangesetResult:
    failed = next((r for r in responses if r.status >= 400), None)
    if failed is None:
        return ChangesetResult(True, responses, None)
    return ChangesetResult(False, responses, classify_parts(failed.status, failed.headers, failed.body))


def parse_batch_response(content_type: str, body: bytes, expected: int) -> list[ChangesetResult]:
    """One result per change set sent, in order (research §3.1 response layout).

    A change set that succeeded answers with a nested multipart of its responses; one that failed with
    its single error part; change sets after a stop (no continue-on-error) have no part at all.

    Args:
        content_type: The response's Content-Type (must carry ``boundary=``).
        body: The response body.
        expected: How many change sets were sent.

    Returns:
        ``expected`` results.

    Raises:
        TerminalError: The response is not a multipart batch response.
    """
    boundary = boundary_of(content_type)
    if not content_type.lower().startswith("multipart/mixed") or boundary is None:
        raise TerminalError(200, None, "the $batch response is not multipart/mixed")
    text = body.decode("utf-8").replace("\r\n", "\n")
    results: list[ChangesetResult] = []
    for part in _parts(text, boundary)[:expected]:
        headers, content = _head_and_body(part)
        part_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        inner = boundary_of(part_type)
        if part_type.lower().startswith("multipart/mixed") and inner:
            results.append(_result([_http_response(p) for p in _parts(content, inner)]))
        else:
            results.append(_result([_http_response(part)]))
    while len(results) < expected:
        results.append(ChangesetResult(False, [], NotExecutedError(424, None, "an earlier change set failed")))
    return results


async def isolate_failures(
    send: Callable[[list[T]], Awaitable[None]], items: list[T]
) -> tuple[list[T], list[tuple[T, TerminalError]]]:
    """Send ``items``; on a TerminalError split in halves until every failing item stands alone.

    Standard-table bulk requests are all-or-nothing (research §3.2), so one bad record blocks its
    neighbours. One bad item among n costs 1 + 2·⌈log2 n⌉ requests; each item is sent at most
    ⌈log2 n⌉ + 1 times, so nothing is retried on the same set forever. Transient errors are the client's
    job (already retried inside ``request``) and propagate, as does AuthenticationError (no record of the
    set can succeed without a credential).

    Args:
        send: Writes a list atomically (e.g. ``lambda rows: client.upsert_multiple(set, table, rows)``).
        items: What to write.

    Returns:
        (items written, in input order; [(item, its error)] for the ones that failed alone).
    """
    written: list[int] = []
    failed: list[tuple[int, TerminalError]] = []

    async def attempt(start: int, stop: int) -> None:
        try:
            await send(items[start:stop])
        except AuthenticationError:
            raise
        except TerminalError as exc:
            if stop - start == 1:
                failed.append((start, exc))
                return
            middle = (start + stop) // 2
            await asyncio.gather(attempt(start, middle), attempt(middle, stop))
            return
        written.extend(range(start, stop))

    if items:
        await attempt(0, len(items))
    return [items[i] for i in sorted(written)], [(items[i], exc) for i, exc in sorted(failed, key=lambda f: f[0])]


class BatchOperations:
    """``upsert_multiple`` and ``execute_batch`` for the client (needs its ``_send`` and state)."""

    connection: DataverseConnection
    capabilities: DataverseCapabilities
    stats: ClientStats

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        accept: frozenset[int] = frozenset(),
        sizer: AdaptiveBatchSize | None = None,
        resend_lost: bool = True,
    ) -> httpx.Response:
        raise NotImplementedError

    async def upsert_multiple(
        self,
        entity_set: str,
        logical_name: str,
        records: Sequence[dict[str, Any]],
        sizer: AdaptiveBatchSize | None = None,
        *,
        resend_lost: bool = True,
    ) -> None:
        """One UpsertMultiple request (research §3.2): all records applied, or none (standard tables).

        Args:
            entity_set: E.g. ``contacts``.
            logical_name: E.g. ``contact`` (for ``@odata.type``).
            records: Rows, each carrying its primary key column (deterministic GUIDs make retries safe).
            sizer: Told how long the request took (or that it timed out or was throttled for execution time).
            resend_lost: Whether a request whose answer was lost is resent by the client (see Raises).

        Raises:
            TerminalError: A record is wrong; nothing was written (use ``isolate_failures`` to find it).
            AnswerLostError: With ``resend_lost`` False, the request reached the org but its answer was lost (the
                caller reads the records by key before sending them again, loader.py); with True such a request
                is resent as it is (safe for writes keyed by primary key).
        """
        if not records:
            return
        odata_type = f"{NAMESPACE}.{logical_name}"
        body = {"Targets": [{**record, "@odata.type": odata_type} for record in records]}
        await self._send(
            "POST", f"{entity_set}/{NAMESPACE}.UpsertMultiple", json=body, sizer=sizer, resend_lost=resend_lost
        )
        self.stats.records_written += len(records)

    async def execute_batch(
        self,
        changesets: Sequence[Sequence[BatchOperation]],
        *,
        continue_on_error: bool = True,
        sizer: AdaptiveBatchSize | None = None,
        resend_lost: bool = True,
    ) -> list[ChangesetResult]:
        """One ``$batch`` with each inner list as an atomic change set (research §3.1).

        Args:
            changesets: Operations per change set; Content-IDs are 1…n within each.
            continue_on_error: ``Prefer: odata.continue-on-error``; otherwise processing stops at the
                first failing change set and the rest come back as ``NotExecutedError``.
            sizer: Told how long the request took (or that it timed out or was throttled for execution time).
            resend_lost: Whether a request whose answer was lost is resent by the client (see Raises).

        Returns:
            One result per change set, in order.

        Raises:
            ValueError: More than ``max_batch_operations`` operations.
            AnswerLostError: With ``resend_lost`` False, the request reached the org but its answer was lost (the
                caller reads the records by key before sending them again, loader.py); with True such a request
                is resent as it is (safe for writes keyed by primary key).
        """
        total = sum(len(c) for c in changesets)
        if total > self.capabilities.max_batch_operations:
            raise ValueError(f"{total} operations exceed {self.capabilities.max_batch_operations} per $batch")
        if not changesets:
            return []
        content_type, body = build_batch(self.connection.api_root, changesets, self.connection.bypass_headers)
        headers = {"Content-Type": content_type}
        if continue_on_error:
            headers["Prefer"] = "odata.continue-on-error"
        response = await self._send(
            "POST",
            "$batch",
            content=body,
            headers=headers,
            accept=frozenset({400}),
            sizer=sizer,
            resend_lost=resend_lost,
        )
        if response.status_code == 400 and not response.headers.get("content-type", "").startswith("multipart/"):
            raise classify(response)
        results = parse_batch_response(response.headers.get("content-type", ""), response.content, len(changesets))
        self.stats.records_written += sum(len(c) for c, r in zip(changesets, results, strict=True) if r.ok)
        failed = Counter(r.error.code or str(r.error.status) for r in results if r.error is not None)
        if failed:
            LOG.info("$batch: %d of %d change sets failed %s", sum(failed.values()), len(results), dict(failed))
        return results
