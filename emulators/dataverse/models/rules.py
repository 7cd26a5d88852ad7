"""Platform rules applied on every write (research/dataverse.md §5.3, §5.4, §7, §8)."""
# Defaults, computed columns, state/status pairs, required columns, owners, file sizes, invoice totals and
# duplicate detection.

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
from typing import Any

from .. import exceptions as e
from .config import DataverseOptions
from .context import WriteContext
from .relations import Relations
from .schema import TableDef
from .store import Record, Store

FILE_COLUMNS = {"annotation": "documentbody", "activitymimeattachment": "body"}


def ref(entity: str, record_id: str) -> dict[str, str]:
    return {"id": record_id, "type": entity}


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Rules:
    """Behaviour the platform adds around a write, table by table."""

    def __init__(self, store: Store, relations: Relations, options: DataverseOptions) -> None:
        self.store = store
        self.relations = relations
        self.options = options

    # -- seeded rows the rules refer to --------------------------------------------------------------------

    def organization(self) -> Record:
        return next(iter(self.store.rows("organization").values()))

    def root_business_unit(self) -> str:
        for record_id, row in self.store.rows("businessunit").items():
            if row.get("parentbusinessunitid") is None:
                return record_id
        raise e.ObjectDoesNotExist(entity="businessunit", id="root")

    def max_upload(self) -> int:
        return int(self.organization().get("maxuploadfilesize") or 0)

    # -- create / update stamps ------------------------------------------------------------------------------

    def defaults(self, table: TableDef, record: Record, ctx: WriteContext) -> None:
        """Platform-set columns of a new row (owner, currency, audit columns, numbering)."""
        attrs = table.attributes
        caller = ctx.caller
        now = utc_now()
        # "Record Created On" (overriddencreatedon): the value sent on create becomes createdon, and the column
        # then holds when the record was migrated (README "overriddencreatedon").
        if record.get("overriddencreatedon"):
            record["createdon"] = record["overriddencreatedon"]
            record["overriddencreatedon"] = now
        else:
            record.setdefault("createdon", now)
        record["modifiedon"] = now
        if "createdby" in attrs:
            record["createdby"] = record["modifiedby"] = ref("systemuser", caller.user_id)
        if caller.impersonator_id and "createdonbehalfby" in attrs:
            record["createdonbehalfby"] = record["modifiedonbehalfby"] = ref("systemuser", caller.impersonator_id)
        if "ownerid" in attrs and record.get("ownerid") is None:
            record["ownerid"] = ref("systemuser", caller.user_id)
        if "transactioncurrencyid" in attrs and record.get("transactioncurrencyid") is None:
            record["transactioncurrencyid"] = self._default_currency(table, record)
        if table.is_activity:
            record["activitytypecode"] = table.logical
        if table.logical == "invoice" and not record.get("invoicenumber"):
            record["invoicenumber"] = f"INV-{len(self.store.rows('invoice')) + 1:05d}-{secrets.token_hex(3).upper()}"
        if table.logical in ("systemuser", "team") and record.get("businessunitid") is None:
            record["businessunitid"] = ref("businessunit", self.root_business_unit())
        if table.logical == "team":
            record.setdefault("teamtype", 0)
            record.setdefault("administratorid", ref("systemuser", caller.user_id))
        if table.logical == "organization":
            record.setdefault("maxuploadfilesize", self.options.maxuploadfilesize)

    def _default_currency(self, table: TableDef, record: Record) -> dict[str, str] | None:
        if table.logical == "pricelevel":
            return None  # SystemRequired and chosen by the caller
        if table.logical == "invoicedetail" and isinstance(record.get("invoiceid"), dict):
            invoice = self.store.get("invoice", record["invoiceid"]["id"]) or {}
            if invoice.get("transactioncurrencyid"):
                return invoice["transactioncurrencyid"]
        base = self.organization().get("basecurrencyid")
        return base if isinstance(base, dict) else None

    def stamp_update(self, table: TableDef, record: Record, ctx: WriteContext) -> None:
        record["modifiedon"] = utc_now()
        if "modifiedby" in table.attributes:
            record["modifiedby"] = ref("systemuser", ctx.caller.user_id)
            record["modifiedonbehalfby"] = (
                ref("systemuser", ctx.caller.impersonator_id) if ctx.caller.impersonator_id else None
            )

    def computed(self, table: TableDef, record: Record) -> None:
        """Columns derived from others (names, owners, file sizes, line amounts, exchange rates)."""
        if table.logical in ("contact", "systemuser"):
            record["fullname"] = " ".join(p for p in (record.get("firstname"), record.get("lastname")) if p) or None
        owner = record.get("ownerid")
        if isinstance(owner, dict) and "owningbusinessunit" in table.attributes:
            owner_row = self.store.get(owner["type"], owner["id"]) or {}
            record["owningbusinessunit"] = owner_row.get("businessunitid")
            record["owninguser"] = owner if owner["type"] == "systemuser" else None
            record["owningteam"] = owner if owner["type"] == "team" else None
        column = FILE_COLUMNS.get(table.logical)
        if column:
            data = record.get(column)
            record["filesize"] = _decoded_size(data) if data else 0
            if table.logical == "annotation":
                record["isdocument"] = bool(data)
        if table.logical == "invoicedetail":
            quantity, price = record.get("quantity") or 0, record.get("priceperunit") or 0
            base = round(quantity * price, 4)
            record["baseamount"] = base
            record["extendedamount"] = round(
                base - (record.get("manualdiscountamount") or 0) + (record.get("tax") or 0), 4
            )
        currency = record.get("transactioncurrencyid")
        if isinstance(currency, dict) and "exchangerate" in table.attributes and table.logical != "transactioncurrency":
            record["exchangerate"] = (self.store.get("transactioncurrency", currency["id"]) or {}).get("exchangerate")

    # -- state and status (research/dataverse.md §7.1) -----------------------------------------------------

    def apply_state(self, table: TableDef, record: Record, old: Record | None, values: dict[str, Any]) -> None:
        """statecode not valid for create (activities, contact) is ignored on create, or refused when the
        ``activity_statecode_on_create`` switch says so; every state/status pair must match."""
        state_attr, status_attr = table.state_attr, table.status_attr
        if state_attr is None or status_attr is None:
            return
        defaults = state_attr.default_state or {}
        status_state = status_attr.status_state or {}
        if old is None:
            if not state_attr.create and "statecode" in values:
                if self.options.activity_statecode_on_create == "reject":
                    raise e.InvalidArgument(detail=f"statecode is not valid for create on {table.logical}.")
                values.pop("statecode")
            state = values.get("statecode", 0) if values.get("statecode") is not None else 0
            status = values["statuscode"] if values.get("statuscode") is not None else defaults.get(state)
        else:
            state = values["statecode"] if values.get("statecode") is not None else old.get("statecode", 0)
            if values.get("statuscode") is not None:
                status = values["statuscode"]
            elif values.get("statecode") is not None:
                status = defaults.get(state)
            else:
                status = old.get("statuscode")
        if status_state.get(status) != state:
            raise e.InvalidStateCodeStatusCode(
                status=status,
                state_enum=table.state_enum,
                state_name=(state_attr.options or {}).get(state, state),
                entity=table.logical,
                id=record[table.pk],
            )
        record["statecode"], record["statuscode"] = state, status

    def check_writable(self, table: TableDef, old: Record, values: dict[str, Any], parties: bool) -> None:
        """Completed/canceled activities (and closed invoices) are read-only apart from their state."""
        if not table.writable_states or old.get("statecode") in table.writable_states:
            return
        if parties or set(values) - {"statecode", "statuscode"}:
            raise e.ClosedActivityReadOnly(entity=table.logical)

    # -- validation ----------------------------------------------------------------------------------------

    def validate(
        self, table: TableDef, record: Record, values: dict[str, Any], ctx: WriteContext, *, creating: bool
    ) -> None:
        """Required columns, table rules, owner and file size (raises the first failure)."""
        name = table.logical
        if name == "invoice" and record.get("pricelevelid") is None:
            raise e.PriceListIsMandatory()
        if name == "invoicedetail":
            if record.get("productid") is not None and record.get("uomid") is None:
                raise e.RequiredFieldMissing(attribute="uomid", entity=name)
            if record.get("productid") is None and not record.get("isproductoverridden") and record.get("invoiceid"):
                raise e.RequiredFieldMissing(attribute="productid", entity=name)
        if name == "businessunit" and record.get("parentbusinessunitid") is None:
            root = [i for i, r in self.store.rows(name).items() if r.get("parentbusinessunitid") is None]
            if root and root != [record[table.pk]]:
                raise e.RequiredFieldMissing(attribute="parentbusinessunitid", entity=name)
        levels = {"SystemRequired", "ApplicationRequired"} if self.options.enforce_application_required else None
        for attr in table.attributes.values():
            required = attr.required == "SystemRequired" or (levels is not None and attr.required in levels)
            if required and attr.create and record.get(attr.name) in (None, ""):
                raise e.RequiredFieldMissing(attribute=attr.name, entity=name)
        owner = record.get("ownerid") if creating or "ownerid" in values else None
        if isinstance(owner, dict) and owner["type"] == "systemuser" and self.options.reject_disabled_owner:
            user = self.store.get("systemuser", owner["id"]) or {}
            if user.get("isdisabled"):
                raise e.UserNotEnabled(id=owner["id"], details="A disabled user cannot own records.")
        column = FILE_COLUMNS.get(name)
        if column and values.get(column):
            # research/dataverse.md §5.4: the limit applies to the base64 length; chunked uploads check bytes.
            size = _decoded_size(values[column]) if ctx.block_upload else len(values[column])
            if size > self.max_upload():
                raise e.AttachmentFileSizeTooBig()

    def check_duplicates(self, table: TableDef, record: Record, ctx: WriteContext) -> None:
        """Duplicate detection, only with ``MSCRM.SuppressDuplicateDetection: false`` (research §8)."""
        columns = self.options.duplicate_rules.get(table.logical)
        if not ctx.duplicate_detection or not columns:
            return
        wanted = [_fold(record.get(c)) for c in columns]
        if any(v in (None, "") for v in wanted):
            return
        for record_id, row in self.store.rows(table.logical).items():
            if record_id != record[table.pk] and [_fold(row.get(c)) for c in columns] == wanted:
                raise e.DuplicateRecordsFound()

    # -- after a write -----------------------------------------------------------------------------------

    def after_write(self, table: TableDef, old: Record | None, new: Record | None) -> None:
        """Invoice totals follow their lines (research/dataverse.md §7.4)."""
        if table.logical != "invoicedetail":
            return
        invoices = {r["invoiceid"]["id"] for r in (old, new) if r and isinstance(r.get("invoiceid"), dict)}
        for invoice_id in invoices:
            invoice = self.store.get("invoice", invoice_id)
            if invoice is None:
                continue
            lines = [self.store.get(t, i) or {} for t, i in self.relations.of(invoice_id, "invoicedetail")]
            updated = dict(invoice)
            updated["totallineitemamount"] = round(sum((r.get("baseamount") or 0) for r in lines), 4)
            updated["totaltax"] = round(sum((r.get("tax") or 0) for r in lines), 4)
            total = sum((r.get("extendedamount") or 0) for r in lines)
            total += (invoice.get("freightamount") or 0) - (invoice.get("discountamount") or 0)
            updated["totalamount"] = round(total, 4)
            if updated != invoice:
                updated["versionnumber"] = self.store.next_version()
                self.store.put("invoice", invoice_id, updated)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _decoded_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data) * 3 // 4
