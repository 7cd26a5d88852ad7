"""Invoice arithmetic in exact integer cents: line discount, tax and totals that always add up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sources.cliniko.settings import INVOICE_STATUSES
from synthetic import defects as dfx
from synthetic.cliniko import Links, money, rate, record
from synthetic.ids import seeded_rng
from synthetic.timeline import DAY, fmt_date, fmt_ts

if TYPE_CHECKING:
    from synthetic.output import ChunkOut
    from synthetic.practice import Practice
    from synthetic.visits import ClientFacts, Visit

INVOICE_NUMBER_BASE = 1000  # invoice numbers are unique: base + client index × 200 + the client's invoice number


def _round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, exactly (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class Line:
    """One invoice line: what was sold, how many, at what price, discount and tax."""

    name: str
    code: str
    quantity: int
    unit_cents: int
    discount_bp: int  # basis points: 1000 = 10 %
    tax_name: str
    tax_bp: int
    billable_item_id: str | None
    concession: str | None = None
    # How the discount was entered: an amount off (True) or a percentage; the amounts are the same either way.
    monetary: bool = False
    # A product sale links the product instead of a billable item (sections/invoice_items.md).
    product_id: str | None = None

    @property
    def discount_cents(self) -> int:
        """The line's discount: its percentage of quantity × unit price, to the cent."""
        return _round_half_up(self.unit_cents * self.quantity * self.discount_bp, 10_000)

    @property
    def net_cents(self) -> int:
        """Quantity × unit price less the discount."""
        return self.unit_cents * self.quantity - self.discount_cents

    @property
    def tax_cents(self) -> int:
        """Tax on the net amount, to the cent."""
        # Tax is rounded per line, so the invoice's tax is the exact sum of its lines' tax.
        return _round_half_up(self.net_cents * self.tax_bp, 10_000)

    @property
    def total_cents(self) -> int:
        """Net amount plus tax."""
        return self.net_cents + self.tax_cents

    def fields(self) -> dict[str, object]:
        """The money fields of a Cliniko invoice item."""
        return {
            "name": self.name,
            "code": self.code,
            "quantity": self.quantity,
            "unit_price": money(self.unit_cents),
            "discount_percentage": rate(self.discount_bp),
            "discounted_amount": money(self.discount_cents),
            "is_monetary_discount": self.monetary,
            "net_price": money(self.net_cents),
            "tax_amount": money(self.tax_cents),
            "tax_name": self.tax_name,
            "tax_rate": rate(self.tax_bp),
            "total_including_tax": money(self.total_cents),
            "concession_type_name": self.concession,
        }


def invoice_totals(lines: list[Line]) -> dict[str, str]:
    """The invoice's amounts: each is the exact sum of its lines' (never recomputed from the total)."""
    return {
        "total_amount": money(sum(line.total_cents for line in lines)),
        "tax_amount": money(sum(line.tax_cents for line in lines)),
        "net_amount": money(sum(line.net_cents for line in lines)),
        "discounted_amount": money(sum(line.discount_cents for line in lines)),
    }


@dataclass(frozen=True)
class Invoice:
    """The invoice of an attended appointment as facts: when it was created, its lines, its status code, when it
    was closed, and by how many cents its total is off its lines' sum (0 unless it carries the
    `invoice_lines_mismatch` defect)."""

    created: int
    lines: list[Line]
    status: int
    closed_at: int | None
    total_offset_cents: int


def draw_invoice(p: Practice, rng: random.Random, c: ClientFacts, v: Visit, k: int) -> Invoice:
    """The invoice of visit `v` (the client's `k`-th) and its 1–3 lines, drawn from the client's random source in
    this order (the written dump depends on it); records on `v` when it was invoiced and whether its total is off."""
    created = min(v.end_ts + rng.randint(0, 120) * 60, p.as_of_ts)
    assert v.practitioner is not None
    v.invoice_ts = created
    service = p.billables[p.types[v.kind].billable]
    _, tax_name, tax_bp = p.taxes[service.tax]
    lines = [
        Line(
            service.name,
            service.code,
            1,
            service.cents,
            1000 if c.concession else 0,
            tax_name,
            tax_bp,
            service.id,
            c.concession,
            # From a random source of its own: no other draw of the client moves (issue 16, item 6).
            monetary=c.concession is not None
            and seeded_rng(p.seed, "monetary-discount", c.i * 1000 + k).random() < 0.3,
        )
    ]
    for code in rng.sample(("TAPE", "BAND", "REPORT"), rng.choice((0, 0, 0, 0, 1, 1, 2))):
        item = p.billables[code]
        _, item_tax, item_bp = p.taxes[item.tax]
        billable_id = None if item.product_id else item.id
        lines.append(
            Line(
                item.name,
                item.code,
                rng.choice((1, 1, 2)),
                item.cents,
                0,
                item_tax,
                item_bp,
                billable_id,
                product_id=item.product_id,
            )
        )
    age = p.as_of_day - v.day
    status = 10 if age < 14 and rng.random() < 0.5 else rng.choice((20,) * 30 + (30, 30, 40))
    offset = 0
    if v.extra.get("mismatch"):
        offset = 1000
    elif not c.clean and rng.random() < p.defect_rate:
        offset = rng.choice((1000, -500, 1))
        v.extra["mismatch"] = True
    closed_at = min(created + rng.randint(0, 20) * DAY, p.as_of_ts) if status in (20, 30) else None
    return Invoice(created, lines, status, closed_at, offset)


def write_invoice(
    p: Practice, links: Links, rng: random.Random, c: ClientFacts, v: Visit, k: int, out: ChunkOut
) -> None:
    """The invoice of an attended appointment (`draw_invoice`) and its items as Cliniko records; its totals are the
    items' sums unless the invoice is chosen for the `invoice_lines_mismatch` defect."""
    invoice = draw_invoice(p, rng, c, v, k)
    assert v.practitioner is not None
    lines, created = invoice.lines, invoice.created
    invoice_id = p.ids.client("invoices", c.i, k)
    totals = invoice_totals(lines)
    if invoice.total_offset_cents:
        totals["total_amount"] = money(sum(line.total_cents for line in lines) + invoice.total_offset_cents)
        out.defects.append(dfx.truth("invoice_lines_mismatch", invoice_id, "total_amount"))
    out.add(
        "invoices",
        record(
            "invoices",
            {
                "id": invoice_id,
                "number": str(INVOICE_NUMBER_BASE + c.i * 200 + k),
                "issue_date": fmt_date(v.day),
                "status": invoice.status,
                "status_description": INVOICE_STATUSES[invoice.status],
                **totals,
                "invoice_to": c.full_name,
                "notes": None,
                "patient_extra_information": None,
                "closed_at": fmt_ts(invoice.closed_at) if invoice.closed_at is not None else None,
                "deleted_at": None,
                "appointment": links.to("appointments", v.id),
                "business": links.to("businesses", p.sites[v.site].id),
                "practitioner": links.to("practitioners", v.practitioner.id),
                "patient": links.to("patients", c.patient_id),
                "created_at": fmt_ts(created),
                "updated_at": fmt_ts(created),
            },
        ),
    )
    for n, line in enumerate(lines):
        out.add(
            "invoice_items",
            record(
                "invoice_items",
                {
                    "id": p.ids.client("invoice_items", c.i, 3 * k + n),
                    **line.fields(),
                    "deleted_at": None,
                    "invoice": links.to("invoices", invoice_id),
                    "billable_item": links.to("billable_items", line.billable_item_id),
                    "product": links.to("products", line.product_id),
                    "created_at": fmt_ts(created),
                    "updated_at": fmt_ts(created),
                },
            ),
        )
