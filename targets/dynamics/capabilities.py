"""What the Dataverse target can take per request; the loader reads these instead of hard-coding numbers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataverseCapabilities:
    """Limits and features of one org (defaults from research; some detected at runtime).

    Attributes:
        max_batch_operations: Operations per ``$batch`` (research/dataverse.md §3.1: at most 1,000).
        bulk_batch_size: Most records per UpsertMultiple; anchors.md §4.3 advises 200–300 for out-of-the-box
            tables such as contact and account.
        initial_bulk_batch_size: Records in a table's first UpsertMultiple requests; the loader grows the
            size towards ``bulk_batch_size`` while the org answers well inside the timeout
            (batch.AdaptiveBatchSize; bulk-operations.md: "100–1,000 records per request is a reasonable place to
            start").
        initial_batch_operations: Operations in a table's first ``$batch`` requests, grown towards
            ``batch_operations`` the same way (api-limits.md: "start with a small batch size of 10").
        batch_operations: Most operations the loader puts in one ``$batch`` for tables without bulk messages.
            Microsoft advises starting small (research §3.1: 10) for latency, but when the execution-time
            budget is what binds (a migration), each request's fixed cost (≈ 100 ms, anchors.md §4.2) is
            paid per request: 500 operations share it down to ≈ 0.2 ms each, against ≈ 10 ms at 10.
        batch_bytes: Largest body of one ``$batch`` the loader builds; notes' documents travel inline in
            change sets, so this bounds a request's size (and what is held in memory for it).
        max_concurrency: Concurrent requests per user before 429 ``0x80072326`` (research §4.1: 52).
        max_upload_bytes: ``organization.maxuploadfilesize``, compared with the base64 length
            (research §5.4: default 5,242,880); ``detect_capabilities`` reads the org's value.
        upload_block_bytes: Raw bytes per UploadBlock, and the base64 length above which a note's
            document goes through the block actions (research §5.4: "direct base64 set is fine under 4 MB");
            smaller documents go inline, in the note's change set.
        bulk_tables: Logical names with both CreateMultiple and UpdateMultiple (so UpsertMultiple,
            research §3.2), filled by ``DataverseClient.detect_capabilities``.
    """

    max_batch_operations: int = 1000
    bulk_batch_size: int = 200
    initial_bulk_batch_size: int = 100
    batch_operations: int = 500
    initial_batch_operations: int = 10
    batch_bytes: int = 16 * 1024 * 1024
    max_concurrency: int = 52
    max_upload_bytes: int = 5_242_880
    upload_block_bytes: int = 4 * 1024 * 1024
    bulk_tables: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in (
            "max_batch_operations",
            "bulk_batch_size",
            "initial_bulk_batch_size",
            "batch_operations",
            "initial_batch_operations",
            "batch_bytes",
            "max_concurrency",
            "max_upload_bytes",
            "upload_block_bytes",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"DataverseCapabilities.{name} must be ≥ 1")
        if self.batch_operations > self.max_batch_operations:
            raise ValueError(
                f"DataverseCapabilities.batch_operations ({self.batch_operations}) exceeds "
                f"max_batch_operations ({self.max_batch_operations})"
            )
        object.__setattr__(self, "bulk_tables", frozenset(self.bulk_tables))

    def supports_bulk(self, logical_name: str) -> bool:
        """Whether UpsertMultiple may be used for ``logical_name`` (else ``$batch`` change sets)."""
        return logical_name in self.bulk_tables
