"""Canonical billing: invoice, invoice line, payment. Money is Decimal with a currency."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks.canonical.base import CanonicalRow, Instant, Money, Price, Quantity, Rate, optional, ref, required

CURRENCIES = ["NZD", "AUD", "GBP"]
INVOICE_STATUSES = ["open", "paid", "closed", "credit", "void"]
# A line's discount: a percentage of the price, or a sum of money (Cliniko's is_monetary_discount).
DISCOUNT_TYPES = ["percentage", "amount"]


class Invoice(CanonicalRow):
    """One row per invoice."""

    client_id: str = ref("client", "client billed", nullable=False)
    practitioner_id: str = ref("practitioner", "practitioner")
    site_id: str = ref("site", "location")
    appointment_id: str = ref("appointment", "appointment invoiced")
    condition_id: str = ref("condition", "condition (case / claim) billed: an ACC or insurer claim's invoices carry it")
    invoice_number: str = required("invoice number")
    issue_date: pl.Date = required("issue date")
    status: str = pa.Field(isin=INVOICE_STATUSES, description="status")
    currency: str = pa.Field(isin=CURRENCIES, description="ISO 4217 currency of every amount")
    net_amount: Money = optional("total before tax")
    tax_amount: Money = optional("tax")
    total_amount: Money = required("total including tax")
    discount_amount: Money = optional("discount given")
    invoice_to: str = optional("bill-to text")
    extra_information: str = optional("client details printed on the invoice (insurer, claim numbers)")
    notes: str = optional("notes")
    external_ref: str = optional("accounting system id (e.g. Xero), kept as reference")
    closed_at: Instant = optional("closed (UTC)")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class InvoiceLine(CanonicalRow):
    """One row per invoice line."""

    invoice_id: str = ref("invoice", "invoice", nullable=False)
    description: str = optional("item name")
    item_code: str = optional("item code")
    quantity: Quantity = required("quantity")
    unit_price_amount: Price = optional("unit price")
    discount_amount: Money = optional("discount")
    discount_percentage: Rate = optional("discount, percent")
    discount_type: str = pa.Field(nullable=True, isin=DISCOUNT_TYPES, description="how the discount was given")
    concession_type: str = optional("concession applied to the line")
    billable_item_source_id: str = optional("source id of the price-list item sold")
    product_source_id: str = optional("source id of the product sold (a product sale)")
    tax_name: str = optional("tax name")
    tax_rate: Rate = optional("tax rate, percent")
    tax_amount: Money = optional("tax")
    net_amount: Price = optional("total before tax, to the places the source computes it")
    total_amount: Money = required("total including tax")
    currency: str = pa.Field(isin=CURRENCIES, description="ISO 4217")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class Payment(CanonicalRow):
    """One row per payment applied to an invoice (not available from every source)."""

    invoice_id: str = ref("invoice", "invoice paid")
    client_id: str = ref("client", "payer", nullable=False)
    paid_at: Instant = required("paid (UTC)")
    amount: Money = required("amount")
    currency: str = pa.Field(isin=CURRENCIES, description="ISO 4217")
    method: str = optional("cash, card, direct credit…")
    reference: str = optional("payment reference")
