"""Dataverse Web API errors: one class per real error, with its HTTP status, hex code and message."""
# ruff: noqa: N818 - classes carry the service's own error names (research/aesthetics.md Synthesis 7).
# Codes and messages come from research/dataverse.md §5.3 and §4.1 unless a class says UNCONFIRMED (then the
# research names the situation but not the exact wording or code, and the emulator's choice is documented).

from __future__ import annotations

from typing import Any, ClassVar

PAYLOAD_HELP_LINK = "https://go.microsoft.com/fwlink/?linkid=2195293"


class DataverseError(Exception):
    """Base: renders ``{"error": {"code": ..., "message": ...}}`` (research/dataverse.md §5.1)."""

    status: int = 400
    code: ClassVar[str] = "0x80040203"
    template: ClassVar[str] = "{detail}"

    def __init__(self, *, http_status: int | None = None, **params: Any) -> None:
        if http_status is not None:
            self.status = http_status
        self.params = params
        self.message = self.template.format(**params)
        self.headers: dict[str, str] = {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


class ObjectDoesNotExist(DataverseError):
    """404 for a GUID that matches nothing — also the (UNCONFIRMED status) miss of an @odata.bind."""

    status = 404
    code = "0x80040217"
    template = "{entity} With Id = {id} Does Not Exist"


class ObjectsDoNotExist(ObjectDoesNotExist):
    """UpdateMultiple naming a record that is not there: "Contact With Ids = <guid> Do Not Exist" (powerapps-docs
    bulk-operations.md, "Troubleshooting common errors"); code and status as the single-record error."""

    template = "{entity} With Ids = {ids} Do Not Exist"


class RecordNotFoundByEntityKey(DataverseError):
    status = 404
    code = "0x80060891"
    template = "A record with the specified key values does not exist in {entity} entity"


class DuplicateRecordEntityKey(DataverseError):
    status = 412
    code = "0x80060892"
    template = (
        "Entity Key {key} violated. A record with the same value for {attributes} already exists. "
        "A duplicate record cannot be created. Select one or more unique values and try again."
    )


class DuplicateRecord(DataverseError):
    """412: create with a primary key that already exists."""

    status = 412
    code = "0x80040237"
    template = "Operation failed due to a SQL integrity violation."


class RecordAlreadyExists(DataverseError):
    """412: PATCH with ``If-None-Match: *`` on an existing row (research/dataverse.md §2.5)."""

    status = 412
    code = "0x80040237"
    template = "A record with matching key values already exists."


class ConcurrencyVersionMismatch(DataverseError):
    """412 on an ETag mismatch. UNCONFIRMED hex code and wording (§5.2 only names the error)."""

    status = 412
    code = "0x80060882"
    template = "The version of the existing record doesn't match the RowVersion property provided."


class DuplicateRecordsFound(DataverseError):
    """500, as the duplicate-detection document shows (research/dataverse.md §8)."""

    status = 500
    code = "0x80040333"
    template = "A record was not created or updated because a duplicate of the current record already exists."


class RequiredFieldMissing(DataverseError):
    """SystemRequired column absent. UNCONFIRMED wording (§5.3 gives the code only)."""

    code = "0x80040200"
    template = "Required field '{attribute}' of entity '{entity}' is missing."


class InvalidArgument(DataverseError):
    code = "0x80040203"
    template = "{detail}"


class AttributeLengthExceeded(DataverseError):
    code = "0x80044331"
    template = (
        "A validation error occurred.  The length of the '{attribute}' attribute of the '{entity}' entity "
        "exceeded the maximum allowed length of '{max_length}'."
    )


class ValueOutOfRange(DataverseError):
    """Number outside MinValue/MaxValue. UNCONFIRMED wording; the validation code of §5.3."""

    code = "0x80044331"
    template = (
        "A validation error occurred.  The value {value} of '{attribute}' on record of type '{entity}' is "
        "outside the valid range."
    )


class PicklistValueOutOfRange(DataverseError):
    code = "0x8004431A"
    template = "The picklist value is out of the range."


class InvalidStateCodeStatusCode(DataverseError):
    code = "0x80048408"
    template = "{status} is not a valid status code for state code {state_enum}.{state_name} on {entity} with Id {id}."


class ClosedActivityReadOnly(DataverseError):
    """Update of a completed/canceled activity (§7.1: read-only). UNCONFIRMED code and wording."""

    code = "0x80040203"
    template = "This {entity} is closed or canceled and cannot be edited. Reopen it before updating."


class PropertyNotFound(DataverseError):
    """Unknown property in $select/$filter/$orderby (research/dataverse.md §5.3, third-party)."""

    code = "0x80060888"
    template = "Could not find a property named '{property}' on type 'Microsoft.Dynamics.CRM.{entity}'."


class ResourceNotFound(DataverseError):
    status = 404
    code = "0x80060888"
    template = "Resource not found for the segment '{segment}'."


class InvalidKey(DataverseError):
    """Wrong key columns in the URL — also what a key whose index is not Active gets (§12 switch)."""

    code = "0x80060888"
    template = (
        "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.{entity}'. Ensure that "
        "the names and number of key properties match the declared or alternate key properties for the "
        "resource 'Microsoft.Dynamics.CRM.{entity}'."
    )


class EntityKeyNotActive(DataverseError):
    """The alternative answer for an inactive key index (§12). UNCONFIRMED code and wording."""

    code = "0x80040203"
    template = "The alternate key {key} on entity {entity} is not active; its index status is {status}."


class ODataClientPayloadError(DataverseError):
    """Unknown column, undeclared navigation property or a value of the wrong type in a request body."""

    code = "0x80048d19"
    template = (
        "Error identified in Payload provided by the user for Entity :'{entity_set}', For more information "
        "on this error please follow this help link " + PAYLOAD_HELP_LINK + "  ---->  InnerException : {inner}."
    )


class PrivilegeDenied(DataverseError):
    """403: the caller lacks a privilege the request needs, e.g. ``prvBypassCustomBusinessLogic`` for the bypass
    headers (research/dataverse.md §5.3; wording of the error-code table)."""

    status = 403
    code = "0x80040220"
    template = "The user does not hold the necessary privileges."


class PrincipalPrivilegeDenied(DataverseError):
    """403: a record assigned to a user (or team) who lacks the privileges to own it (research/dataverse.md §5.3)."""

    status = 403
    code = "0x80040231"
    template = "Target user or team does not hold required privileges."


class BusinessUnitIsNotDisabledAndCannotBeDeleted(DataverseError):
    """A business unit must be disabled before it is deleted (error-code table; the 400 status is UNCONFIRMED)."""

    code = "0x80041d60"
    template = "Not disabled business unit cannot be deleted."


class BusinessUnitHasChildAndCannotBeDeleted(DataverseError):
    """Children first (error-code table; the 400 status is UNCONFIRMED)."""

    code = "0x80041d61"
    template = "Business unit has a child business unit and cannot be deleted."


class CannotDeleteDueToAssociation(DataverseError):
    """A Restrict relationship refuses the delete of a row another row still refers to (CannotDeleteDueToAssociation,
    0x80040227 = -2147220953: Microsoft's error enumeration and the customeraddress troubleshooting page; the 400 status
    is UNCONFIRMED — the error-code table gives none)."""

    code = "0x80040227"
    template = "The object you tried to delete is associated with another object and cannot be deleted."


class UserCannotBeDeleted(DataverseError):
    """A user is disabled, not deleted (README "Users are disabled, not deleted"): an org deletes only a user whose
    Entra ID account is gone for good, and only with the environment's "Enable delete disabled users" setting on (off
    by default). Microsoft documents no code or wording for the refusal: this one (the 405 and code of the other
    deletes an org never does) is UNCONFIRMED."""

    status = 405
    code = "0x80040203"
    template = "A user cannot be deleted: disable it instead (isdisabled)."


class UserNotEnabled(DataverseError):
    """Disabled user as owner or caller (research/dataverse.md §5.3, third-party; behind a switch)."""

    status = 403
    code = "0x80040225"
    template = "The specified user(Id = {id}) is disabled. Consider enabling this user. Additional Details: {details}"


class UserNotAssignedRoles(DataverseError):
    """403: a record assigned to a user without any security role (error-code table, powerapps-docs
    ``includes/data-service-errors.md``; the status is the 403 of the privilege errors, UNCONFIRMED)."""

    status = 403
    code = "0x80042f09"
    template = "The user (Id = {id}) has not been assigned any roles."


class UserNotAssignedLicense(DataverseError):
    """403: a record assigned to a read-write user without a licence (error-code table; whether a real org refuses
    the assignment with it is not documented: the stricter case, status UNCONFIRMED)."""

    status = 403
    code = "0x8004D24B"
    template = "The user has not been assigned any License"


class ReadOnlyUserNotSupported(DataverseError):
    """403: a record assigned to a user whose access mode is Read (error-code table; the docs are silent on
    assignment, the stricter case, status UNCONFIRMED)."""

    status = 403
    code = "0x80041d40"
    template = "The read-only access mode is not supported"


class UserNotInOrganization(DataverseError):
    """Valid token, but no systemuser for the principal (research/dataverse.md §1.1; wording UNCONFIRMED)."""

    status = 403
    code = "0x80072560"
    template = "The user is not a member of the organization."


class AttachmentFileSizeTooBig(DataverseError):
    code = "0x80044a02"
    template = "Attachment file size is too big."


class PriceListIsMandatory(DataverseError):
    code = "0x80100010"
    template = "PriceList is mandatory for creating entity."


class DuplicateAttributeSchemaName(DataverseError):
    """Column created twice. UNCONFIRMED wording (§6.1: 0x80047013, "already exists")."""

    code = "0x80047013"
    template = "An attribute with the specified name {name} already exists on entity {entity}."


class DuplicateEntitySchemaName(DataverseError):
    """A custom table created twice. UNCONFIRMED code and wording (the create-table page shows no refusal); the
    emulator answers as for a duplicate column."""

    code = "0x80047013"
    template = "An entity with the specified name {name} already exists."


class CannotCreateAttributes(DataverseError):
    """A new column on a table whose ``CanCreateAttributes`` is false (Note, activity party…). UNCONFIRMED code
    and wording: the metadata property is documented, the refusal's text is not (README)."""

    code = "0x80040203"
    template = "Attributes cannot be created for the entity '{entity}': its CanCreateAttributes property is false."


class BulkOperationNotSupported(DataverseError):
    """CreateMultiple & co. on a table without them (research/dataverse.md §3.2, third-party wording)."""

    code = "0x80040203"
    template = "The '{message}' method does not support entities of type '{entity}'."


class OperationNotSupported(DataverseError):
    """405 NotSupported (research/dataverse.md §5.2). UNCONFIRMED wording."""

    status = 405
    code = "0x80040203"
    template = "{detail}"


class MethodNotAllowed(DataverseError):
    status = 405
    code = "0x80060888"
    template = "The requested resource does not support http method '{method}'."


class BatchSizeExceeded(DataverseError):
    """More than 1,000 operations in a $batch (research/dataverse.md §3.1). UNCONFIRMED code and wording."""

    code = "0x80040203"
    template = "The number of requests in the batch, {count}, exceeds the maximum allowed of {limit}."


class ContentIdReferenceNotFound(DataverseError):
    """research/dataverse.md §3.1 gives the message; the code is UNCONFIRMED."""

    code = "0x80060888"
    template = "Content-ID Reference: '{reference}' does not exist in the batch context."


class MalformedBatch(DataverseError):
    """A $batch body that is not valid multipart. UNCONFIRMED code and wording."""

    code = "0x80060888"
    template = "The batch request is malformed: {detail}"


class ServiceProtectionLimit(DataverseError):
    """429 for one of the three service-protection facets (research/dataverse.md §4.1).

    ``retry_after`` is the wait in real seconds (already scaled by the time factor).
    """

    status = 429
    facet: ClassVar[str] = ""

    def __init__(self, *, retry_after: float = 1.0, **params: Any) -> None:
        super().__init__(**params)
        self.retry_after = max(retry_after, 0.001)


class RequestsLimitExceeded(ServiceProtectionLimit):
    code = "0x80072322"
    facet = "requests"
    template = "Number of requests exceeded the limit of {limit} over time window of {window} seconds."


class ExecutionTimeLimitExceeded(ServiceProtectionLimit):
    code = "0x80072321"
    facet = "execution_time"
    # The double space before "milliseconds" is in the documented message (research/dataverse.md §4.1).
    template = (
        "Combined execution time of incoming requests exceeded limit of {limit_ms:,}  milliseconds over "
        "time window of {window} seconds. Decrease number of concurrent requests or reduce the duration of "
        "requests and try again later."
    )


class ConcurrencyLimitExceeded(ServiceProtectionLimit):
    code = "0x80072326"
    facet = "concurrency"
    template = "Number of concurrent requests exceeded the limit of {limit}."


class NotImplementedByEmulator(DataverseError):
    """501 for Web API features the emulator does not implement (FetchXML, ?sql=, $apply), never silently."""

    status = 501
    code = "0x80040203"
    template = "The Dataverse emulator does not implement '{feature}' (see emulators/README.md, COVERAGE)."


class UnexpectedError(DataverseError):
    """Injected 5xx (fault injection). Code of Dataverse's generic unexpected error; wording UNCONFIRMED."""

    status = 503
    code = "0x80040216"
    template = "An unexpected error occurred."
