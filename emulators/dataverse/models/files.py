"""Chunked file transfer for notes and attachments: Initialize/UploadBlock/Commit and downloads (§5.4)."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from typing import Any

from .. import constants as c
from .. import exceptions as e
from .context import WriteContext
from .records import Records
from .registry import Schema

COLUMNS = {"annotation": "documentbody", "activitymimeattachment": "body"}
RESULT_IDS = {"annotation": "AnnotationId", "activitymimeattachment": "ActivityMimeAttachmentId"}


@dataclass
class Transfer:
    """One upload or download session, addressed by its FileContinuationToken."""

    entity: str
    blocks: dict[str, bytes] = field(default_factory=dict)
    data: bytes = b""


class Files:
    """Block uploads bypass the single-request payload size; the file size limit still applies."""

    def __init__(self, schema: Schema, records: Records) -> None:
        self.schema = schema
        self.records = records
        self.sessions: dict[str, Transfer] = {}

    def initialize_upload(self, entity: str, body: Any) -> dict[str, Any]:
        target = _target(body)
        if target is None:
            raise e.InvalidArgument(detail="The parameter 'Target' is required.")
        token = secrets.token_urlsafe(24)
        self.sessions[token] = Transfer(entity)
        return {"FileContinuationToken": token}

    def upload_block(self, body: Any) -> None:
        session = self._session(body)
        block_id = str(body.get("BlockId") or "")
        try:
            raw_id = base64.b64decode(block_id, validate=True)
            data = base64.b64decode(str(body.get("BlockData") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise e.InvalidArgument(detail="BlockId and BlockData must be base64 encoded.") from None
        # research/dataverse.md §5.4: BlockId ≤ 64 bytes before encoding, blocks of at most 4 MB.
        if not raw_id or len(raw_id) > 64:
            raise e.InvalidArgument(detail="BlockId must be 1 to 64 bytes before base64 encoding.")
        if len(data) > c.MAX_BLOCK_BYTES:
            raise e.InvalidArgument(detail=f"A block may hold at most {c.MAX_BLOCK_BYTES} bytes.")
        session.blocks[block_id] = data

    def commit(self, entity: str, body: Any, ctx: WriteContext) -> dict[str, Any]:
        session = self._session(body)
        target = _target(body)
        block_list = body.get("BlockList") if isinstance(body, dict) else None
        if target is None or not isinstance(block_list, list):
            raise e.InvalidArgument(detail="The parameters 'Target' and 'BlockList' are required.")
        missing = [b for b in block_list if b not in session.blocks]
        if missing:
            raise e.InvalidArgument(detail=f"Block {missing[0]} was not uploaded.")
        data = b"".join(session.blocks[b] for b in block_list)
        table = self.schema.table(entity)
        payload = {k: v for k, v in target.items() if not k.startswith("@odata.type")}
        payload[COLUMNS[entity]] = base64.b64encode(data).decode("ascii")
        upload_ctx = WriteContext(ctx.caller, ctx.api_root, ctx.duplicate_detection, ctx.content_refs, True, ctx.bypass)
        record_id = payload.get(table.pk)
        if isinstance(record_id, str) and self.records.store.get(entity, record_id.lower()) is not None:
            payload.pop(table.pk)
            record = self.records.update(table, record_id.lower(), payload, upload_ctx)
        else:
            record = self.records.create(table, payload, upload_ctx)
        del self.sessions[body["FileContinuationToken"]]
        return {RESULT_IDS[entity]: record[table.pk], "FileSizeInBytes": len(data)}

    def initialize_download(self, entity: str, body: Any) -> dict[str, Any]:
        table = self.schema.table(entity)
        target = _target(body) or {}
        record_id = str(target.get(table.pk) or "").lower()
        record = self.records.get(table, record_id)
        data = base64.b64decode(record.get(COLUMNS[entity]) or "")
        token = secrets.token_urlsafe(24)
        self.sessions[token] = Transfer(entity, data=data)
        return {
            "FileContinuationToken": token,
            "FileSizeInBytes": len(data),
            "FileName": record.get("filename"),
        }

    def download_block(self, body: Any) -> dict[str, Any]:
        session = self._session(body)
        offset, length = int(body.get("Offset") or 0), int(body.get("BlockLength") or c.MAX_BLOCK_BYTES)
        return {"Data": base64.b64encode(session.data[offset : offset + length]).decode("ascii")}

    def _session(self, body: Any) -> Transfer:
        token = body.get("FileContinuationToken") if isinstance(body, dict) else None
        session = self.sessions.get(token or "")
        if session is None:
            raise e.InvalidArgument(detail="The FileContinuationToken is not valid or has expired.")
        return session


def _target(body: Any) -> dict[str, Any] | None:
    target = body.get("Target") if isinstance(body, dict) else None
    return target if isinstance(target, dict) else None
