"""Org metadata for the client: tables, columns, option sets, keys (§6), capabilities, note documents (§5.4)."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx

from .capabilities import DataverseCapabilities
from .errors import FileTooLargeError, TerminalError

if TYPE_CHECKING:
    from .client import ClientStats

LOG = logging.getLogger("targets.dynamics")

NAMESPACE = "Microsoft.Dynamics.CRM"
# PrivilegeDepth enumeration, shallowest first (Basic: own records, Local: business unit, Deep: and the units below,
# Global: organization).
PRIVILEGE_DEPTHS = ("Basic", "Local", "Deep", "Global")
# research §6.1: read metadata past the caches right after a schema change.
STRONG = {"Consistency": "Strong"}
# research §6.1 / §6.3: type-specific properties are only readable through a cast.
LENGTH_CASTS = ("StringAttributeMetadata", "MemoAttributeMetadata")
# What the schema plan needs of each column: whether the org lets a create / an update write it.
ATTRIBUTE_PROPERTIES = ("LogicalName", "AttributeType", "SchemaName", "IsValidForCreate", "IsValidForUpdate")
OPTION_CASTS = {
    "Picklist": "PicklistAttributeMetadata",
    "State": "StateAttributeMetadata",
    "Status": "StatusAttributeMetadata",
    "Boolean": "BooleanAttributeMetadata",
}


def label_text(label: Any) -> str:
    """The text of a ``Label`` (UserLocalizedLabel first, else the first LocalizedLabel)."""
    if not isinstance(label, dict):
        return ""
    user = label.get("UserLocalizedLabel")
    if isinstance(user, dict) and user.get("Label") is not None:
        return str(user["Label"])
    localized = label.get("LocalizedLabels") or []
    return str(localized[0].get("Label", "")) if localized else ""


def english_label(text: str) -> dict[str, Any]:
    """A Label with one 1033 LocalizedLabel (research §6.1 payloads)."""
    return {
        "@odata.type": f"{NAMESPACE}.Label",
        "LocalizedLabels": [{"@odata.type": f"{NAMESPACE}.LocalizedLabel", "Label": text, "LanguageCode": 1033}],
    }


def base64_length(size: int) -> int:
    """Length of the base64 text of ``size`` bytes (what ``maxuploadfilesize`` is compared with, §5.4)."""
    return 4 * ((size + 2) // 3)


def check_upload_size(capabilities: DataverseCapabilities, encoded_length: int) -> None:
    """Refuse a document whose base64 length exceeds the org's ``maxuploadfilesize`` (research §5.4).

    Raises:
        FileTooLargeError: With Dataverse's code for it (``0x80044a02``); nothing is sent.
    """
    limit = capabilities.max_upload_bytes
    if encoded_length > limit:
        raise FileTooLargeError(400, "0x80044a02", f"base64 length {encoded_length} > maxuploadfilesize {limit}")


class MetadataOperations:
    """Metadata, capability detection and note uploads; needs the host's ``request`` and state."""

    _entities: dict[str, dict[str, Any]]
    capabilities: DataverseCapabilities
    stats: ClientStats

    async def patch(
        self, entity_set: str, key: str, body: dict[str, Any], *, if_match: str | None = None
    ) -> httpx.Response:
        raise NotImplementedError

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        raise NotImplementedError

    @staticmethod
    def _entity_path(logical_name: str) -> str:
        return f"EntityDefinitions(LogicalName='{logical_name}')"

    @staticmethod
    def _solution(solution: str | None) -> dict[str, str]:
        # research §2.1: put created components into that unmanaged solution.
        return {"MSCRM.SolutionUniqueName": solution} if solution else {}

    async def entity_definition(self, logical_name: str) -> dict[str, Any]:
        """LogicalName, EntitySetName, PrimaryIdAttribute, PrimaryNameAttribute, MetadataId, SchemaName, IsActivity
        and the managed properties CanCreateAttributes and IsCustomizable (``{"Value": bool, …}``) (cached).

        Raises:
            TerminalError: 404 for an unknown table.
        """
        if logical_name not in self._entities:
            select = (
                "LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,MetadataId,SchemaName,IsActivity,"
                "CanCreateAttributes,IsCustomizable"
            )
            response = await self.request("GET", self._entity_path(logical_name), params={"$select": select})
            body = response.json()
            self._entities[logical_name] = {k: v for k, v in body.items() if not k.startswith("@")}
        return dict(self._entities[logical_name])

    async def attributes(self, logical_name: str) -> list[dict[str, Any]]:
        """Every column: LogicalName, AttributeType, SchemaName, IsValidForCreate, IsValidForUpdate, and MaxLength
        for String and Memo columns."""
        path = f"{self._entity_path(logical_name)}/Attributes"
        base = self.request("GET", path, params={"$select": ",".join(ATTRIBUTE_PROPERTIES)}, headers=STRONG)
        casts = [
            self.request(
                "GET", f"{path}/{NAMESPACE}.{cast}", params={"$select": "LogicalName,MaxLength"}, headers=STRONG
            )
            for cast in LENGTH_CASTS
        ]
        responses = await asyncio.gather(base, *casts)
        lengths = {a["LogicalName"]: a.get("MaxLength") for r in responses[1:] for a in r.json().get("value") or []}
        columns = []
        for item in responses[0].json().get("value") or []:
            column = {k: item.get(k) for k in ATTRIBUTE_PROPERTIES}
            if lengths.get(item["LogicalName"]) is not None:
                column["MaxLength"] = lengths[item["LogicalName"]]
            columns.append(column)
        return columns

    async def user_holds(self, user_id: str, privilege: str) -> bool:
        """Whether a systemuser holds a privilege through any of its roles."""
        return await self.privilege_depth(user_id, privilege) is not None

    async def privilege_depth(self, user_id: str, privilege: str) -> str | None:
        """The deepest depth (Basic, Local, Deep, Global) at which a systemuser holds a privilege through its roles
        and its teams' inherited roles, None when it does not
        (``systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName``: one RolePrivilege per
        role, empty when none)."""
        path = f"systemusers({user_id})/{NAMESPACE}.RetrieveUserPrivilegeByPrivilegeName(PrivilegeName='{privilege}')"
        response = await self.request("GET", path)  # type: ignore[attr-defined]
        depths = [str(p.get("Depth")) for p in response.json().get("RolePrivileges") or []]
        known = [d for d in PRIVILEGE_DEPTHS if d in depths]
        return known[-1] if known else (depths[0] if depths else None)

    async def picklist_options(self, logical_name: str, attribute: str) -> dict[int, str]:
        """Option value → label of a Picklist, State, Status or Boolean column (research §6.3).

        Raises:
            TerminalError: 404 for an unknown column; 400 for a column without options.
        """
        path = f"{self._entity_path(logical_name)}/Attributes(LogicalName='{attribute}')"
        kind = (await self.request("GET", path, params={"$select": "AttributeType"})).json().get("AttributeType")
        cast = OPTION_CASTS.get(str(kind))
        if cast is None:
            raise TerminalError(400, None, f"column type {kind} has no options")
        params = {"$select": "LogicalName", "$expand": "OptionSet"}
        option_set = (await self.request("GET", f"{path}/{NAMESPACE}.{cast}", params=params)).json()["OptionSet"]
        if kind == "Boolean":
            pairs = [option_set.get("FalseOption") or {}, option_set.get("TrueOption") or {}]
        else:
            pairs = option_set.get("Options") or []
        return {int(o["Value"]): label_text(o.get("Label")) for o in pairs if "Value" in o}

    async def create_attribute(
        self, logical_name: str, metadata: dict[str, Any], *, solution: str | None = None
    ) -> None:
        """``POST EntityDefinitions(LogicalName=…)/Attributes`` with a §6.1 payload.

        Raises:
            TerminalError: E.g. ``0x80047013`` when the column already exists.
        """
        path = f"{self._entity_path(logical_name)}/Attributes"
        await self.request("POST", path, json=metadata, headers=self._solution(solution))

    async def custom_entities(self) -> list[str]:
        """Logical names of the org's custom tables (``IsCustomEntity``), intersect tables of N:N relationships left
        out (they are not tables a customiser creates), sorted."""
        params = {"$select": "LogicalName,IsCustomEntity,IsIntersect", "$filter": "IsCustomEntity eq true"}
        response = await self.request("GET", "EntityDefinitions", params=params, headers=STRONG)
        return sorted(str(e["LogicalName"]) for e in response.json().get("value") or [] if not e.get("IsIntersect"))

    async def create_entity(self, metadata: dict[str, Any], *, solution: str | None = None) -> None:
        """``POST EntityDefinitions``: a custom table with its primary name column."""
        await self.request("POST", "EntityDefinitions", json=metadata, headers=self._solution(solution))
        self._entities.pop(str(metadata.get("SchemaName", "")).lower(), None)

    async def create_relationship(self, metadata: dict[str, Any], *, solution: str | None = None) -> None:
        """``POST RelationshipDefinitions``: a one-to-many relationship and its lookup column."""
        await self.request("POST", "RelationshipDefinitions", json=metadata, headers=self._solution(solution))

    async def keys(self, logical_name: str) -> list[dict[str, Any]]:
        """Alternate keys: SchemaName, KeyAttributes, EntityKeyIndexStatus (research §6.2)."""
        params = {"$select": "SchemaName,KeyAttributes,EntityKeyIndexStatus"}
        response = await self.request("GET", f"{self._entity_path(logical_name)}/Keys", params=params, headers=STRONG)
        return [
            {k: item.get(k) for k in ("SchemaName", "KeyAttributes", "EntityKeyIndexStatus")}
            for item in response.json().get("value") or []
        ]

    async def create_key(
        self, logical_name: str, schema_name: str, attributes: Sequence[str], *, solution: str | None = None
    ) -> None:
        """``POST EntityDefinitions(LogicalName=…)/Keys``; the index is then built asynchronously (§6.2)."""
        body = {"SchemaName": schema_name, "DisplayName": english_label(schema_name), "KeyAttributes": list(attributes)}
        path = f"{self._entity_path(logical_name)}/Keys"
        await self.request("POST", path, json=body, headers=self._solution(solution))

    async def wait_for_keys_active(
        self, logical_name: str, schema_names: Sequence[str], *, timeout: float, poll: float = 2.0
    ) -> None:
        """Poll until every named key's ``EntityKeyIndexStatus`` is Active (research §6.2).

        Raises:
            TerminalError: A key went Failed (duplicate values; fix data, then reactivate) or does not exist.
            TimeoutError: Not all Active within ``timeout`` seconds.
        """
        wanted = {name.lower() for name in schema_names}
        deadline = time.monotonic() + timeout
        while True:
            status = {str(k["SchemaName"]).lower(): k["EntityKeyIndexStatus"] for k in await self.keys(logical_name)}
            missing = sorted(wanted - set(status))
            if missing:
                raise TerminalError(404, None, f"no key {missing[0]} on {logical_name}")
            failed = sorted(name for name in wanted if status[name] == "Failed")
            if failed:
                raise TerminalError(409, None, f"key {failed[0]} on {logical_name}: index Failed")
            if all(status[name] == "Active" for name in wanted):
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"keys on {logical_name} not Active after {timeout} s")
            await asyncio.sleep(poll)

    async def detect_capabilities(self, tables: Iterable[str]) -> DataverseCapabilities:
        """Read ``maxuploadfilesize`` (§5.4) and which tables have bulk messages (§3.2 sdkmessagefilters).

        Args:
            tables: Logical names to check.

        Returns:
            The updated capabilities (also stored on ``self.capabilities``).
        """
        org = (await self.request("GET", "organizations", params={"$select": "maxuploadfilesize"})).json()
        limit = (org.get("value") or [{}])[0].get("maxuploadfilesize") or self.capabilities.max_upload_bytes

        async def has(message: str, table: str) -> bool:
            params = {
                "$select": "sdkmessagefilterid",
                "$filter": "sdkmessageid/name eq @message and primaryobjecttypecode eq @table",
                "@message": f"'{message}'",
                "@table": f"'{table}'",
            }
            return bool((await self.request("GET", "sdkmessagefilters", params=params)).json().get("value"))

        async def bulk(table: str) -> bool:
            create, update = await asyncio.gather(has("CreateMultiple", table), has("UpdateMultiple", table))
            return create and update

        names = sorted(set(tables))
        supported = await asyncio.gather(*(bulk(t) for t in names))
        self.capabilities = replace(
            self.capabilities,
            max_upload_bytes=int(limit),
            bulk_tables=frozenset(t for t, ok in zip(names, supported, strict=True) if ok),
        )
        LOG.info("capabilities: %d of %d tables bulk-capable", len(self.capabilities.bulk_tables), len(names))
        return self.capabilities

    async def upload_annotation(self, annotation: dict[str, Any], data: bytes) -> str:
        """Write a note with its document (research §5.4), idempotently by ``annotationid``.

        Up to ``upload_block_bytes`` of base64 the note is one upsert PATCH with ``documentbody``;
        larger ones go through InitializeAnnotationBlocksUpload / UploadBlock / CommitAnnotationBlocksUpload.

        Args:
            annotation: ``annotationid`` (deterministic GUID), subject, filename, mimetype, notetext,
                ``objectid_<table>@odata.bind``.
            data: The file's bytes.

        Returns:
            The annotation id.

        Raises:
            FileTooLargeError: The base64 length exceeds ``max_upload_bytes``; nothing was sent.
        """
        annotation_id = str(annotation["annotationid"])
        encoded = base64.b64encode(data)
        check_upload_size(self.capabilities, len(encoded))
        fields = {k: v for k, v in annotation.items() if k != "annotationid"}
        if len(encoded) <= self.capabilities.upload_block_bytes:
            await self.patch("annotations", annotation_id, {**fields, "documentbody": encoded.decode("ascii")})
            return annotation_id
        target = {**annotation, "@odata.type": f"{NAMESPACE}.annotation"}
        start = await self.request("POST", "InitializeAnnotationBlocksUpload", json={"Target": target})
        token = start.json()["FileContinuationToken"]
        size = self.capabilities.upload_block_bytes
        block_ids = []
        for number, offset in enumerate(range(0, len(data), size)):
            # research §5.4: block ids are base64, ≤ 64 bytes before encoding, all of the same length.
            block_id = base64.b64encode(f"block-{number:08d}".encode()).decode("ascii")
            block = base64.b64encode(data[offset : offset + size]).decode("ascii")
            body = {"BlockId": block_id, "BlockData": block, "FileContinuationToken": token}
            await self.request("POST", "UploadBlock", json=body)
            block_ids.append(block_id)
        commit = {"Target": target, "BlockList": block_ids, "FileContinuationToken": token}
        try:
            await self.request("POST", "CommitAnnotationBlocksUpload", json=commit)
        except TerminalError as exc:
            # A dropped answer to an applied commit: the resent commit finds the session closed (400), yet
            # the note holds the document.
            if exc.status != 400 or not await self._has_document(annotation_id, len(data)):
                raise
        self.stats.records_written += 1
        return annotation_id

    async def _has_document(self, annotation_id: str, size: int) -> bool:
        try:
            row = (await self.request("GET", f"annotations({annotation_id})", params={"$select": "filesize"})).json()
        except TerminalError:
            return False
        return row.get("filesize") == size
