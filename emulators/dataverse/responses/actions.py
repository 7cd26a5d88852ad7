"""Functions and actions: WhoAmI, the note/attachment block transfers, BulkDelete and a user's privileges."""

from __future__ import annotations

import re
import uuid
from typing import Any

from .. import constants as c
from .. import exceptions as e
from ..models import DataverseBackend
from .http import ApiRequest, ApiResponse, json_response, no_content

UPLOAD_ENTITIES = {
    "InitializeAnnotationBlocksUpload": "annotation",
    "InitializeAttachmentBlocksUpload": "activitymimeattachment",
    "CommitAnnotationBlocksUpload": "annotation",
    "CommitAttachmentBlocksUpload": "activitymimeattachment",
    "InitializeAnnotationBlocksDownload": "annotation",
    "InitializeAttachmentBlocksDownload": "activitymimeattachment",
}
ACTIONS = (*UPLOAD_ENTITIES, "UploadBlock", "DownloadBlock", "BulkDelete")


def _response_context(req: ApiRequest, name: str) -> str:
    return f"{req.api_root}/$metadata#{c.NAMESPACE}.{name}Response"


def who_am_i(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET WhoAmI (research/dataverse.md §7.5); every response carries x-ms-dop-hint (§4.2)."""
    caller = req.caller
    body = {
        "@odata.context": _response_context(req, "WhoAmI"),
        "BusinessUnitId": caller.business_unit_id,
        "UserId": caller.user_id,
        "OrganizationId": backend.organization_id,
    }
    return json_response(body)


def action(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """POST /<Action>: block uploads/downloads for notes and attachments (§5.4), BulkDelete."""
    name = req.route["action"]
    body = req.json()
    files = backend.files
    backend.stats.count_operation(name)
    if name.startswith("Initialize") and name.endswith("Upload"):
        return json_response(
            {
                "@odata.context": _response_context(req, name),
                **files.initialize_upload(UPLOAD_ENTITIES[name], body),
            }
        )
    if name == "UploadBlock":
        files.upload_block(body)
        return no_content()
    if name.startswith("Commit"):
        result = files.commit(UPLOAD_ENTITIES[name], body, req.context(backend))
        response = json_response({"@odata.context": _response_context(req, name), **result})
        response.records_written = 1
        return response
    if name.endswith("Download"):
        return json_response(
            {
                "@odata.context": _response_context(req, name),
                **files.initialize_download(UPLOAD_ENTITIES[name], body),
            }
        )
    if name == "DownloadBlock":
        return json_response({"@odata.context": _response_context(req, name), **files.download_block(body)})
    return _bulk_delete(req, backend, body)


def _bulk_delete(req: ApiRequest, backend: DataverseBackend, body: Any) -> ApiResponse:
    """BulkDelete: the emulator deletes at once and returns a JobId (the real job is asynchronous, §3.2). A row a
    Restrict relationship holds is left and the job goes on, as the real job records it as a bulk-delete failure
    and continues (the emulator keeps no bulkdeletefailure rows); a row an earlier cascade took is skipped."""
    deleted = 0
    for query in body.get("QuerySet") or [] if isinstance(body, dict) else []:
        table = backend.schema.table(str(query.get("EntityName", "")).lower())
        conditions = ((query.get("Criteria") or {}).get("Conditions")) or []
        rows = list(backend.store.rows(table.logical).values())
        for condition in conditions:
            column = str(condition.get("AttributeName", "")).lower()
            operator = str(condition.get("Operator", "")).lower()
            if operator not in ("in", "equal"):
                raise e.InvalidArgument(detail=f"BulkDelete condition operator '{operator}' is not supported.")
            wanted = {
                str(v.get("Value", v) if isinstance(v, dict) else v).lower() for v in condition.get("Values") or []
            }
            rows = [r for r in rows if str(_plain(r.get(column))).lower() in wanted]
        for row in rows:
            try:
                backend.records.delete(table, row[table.pk])
            except (e.CannotDeleteDueToAssociation, e.UserCannotBeDeleted, e.ObjectDoesNotExist):
                continue
            deleted += 1
    response = json_response({"@odata.context": _response_context(req, "BulkDelete"), "JobId": str(uuid.uuid4())})
    response.records_written = deleted
    return response


def _plain(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def user_privilege(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName(PrivilegeName='…'): the
    user's RolePrivileges for one privilege, empty when no role of the user holds it. The bypass privileges and the
    table privileges (``prv<Verb><Entity>``) are modelled (models/privileges.py); another name answers 404."""
    if req.route["set"] != "systemusers":
        raise e.ResourceNotFound(segment=req.route["function"])
    user_id = req.route["key"].strip().lower()
    user = backend.store.get("systemuser", user_id)
    if user is None:
        raise e.ObjectDoesNotExist(entity="systemuser", id=user_id)
    found = re.fullmatch(r"\s*PrivilegeName\s*=\s*'([^']*)'\s*", req.route["args"])
    name = found.group(1) if found else ""
    privilege_id = backend.privileges.privilege_id(name)
    if privilege_id is None:
        raise e.ObjectDoesNotExist(entity="privilege", id=name or req.route["args"])
    business_unit = user.get("businessunitid") or {}
    # One RolePrivilege per role granting it, with that role's depth; the roles live in the root business unit.
    privileges = [
        {
            "Depth": depth,
            "PrivilegeId": privilege_id,
            "BusinessUnitId": business_unit.get("id") if isinstance(business_unit, dict) else None,
            "PrivilegeName": name,
        }
        for _, depth in backend.privileges.grants(user_id, name)
    ]
    body = {
        "@odata.context": _response_context(req, "RetrieveUserPrivilegeByPrivilegeName"),
        "RolePrivileges": privileges,
    }
    return json_response(body)
