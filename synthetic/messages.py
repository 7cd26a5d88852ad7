"""The message log: SMS reminders and replies, confirmation, invoice and cancellation e-mails."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, NamedTuple

from synthetic.cliniko import COMMUNICATION_CATEGORIES, Links, record
from synthetic.timeline import DAY, fmt_date, fmt_ts

if TYPE_CHECKING:
    from synthetic.output import ChunkOut
    from synthetic.practice import Practice
    from synthetic.visits import ClientFacts, Visit

MAX_MESSAGES = 400  # per client, inside its id slots
SMS, EMAIL = 1, 2  # type codes; direction codes: 1 outbound, 2 inbound (research/sources.md §2.6)


class Message(NamedTuple):
    """One logged message: when, category/type/direction codes (research/sources.md §2.6), who, what."""

    ts: int
    category: int
    type_code: int
    direction: int
    sender: str
    to: str
    content: str
    subject: str | None = None


def _messages(rng: random.Random, c: ClientFacts, v: Visit, site_name: str, phone: str, email: str) -> list[Message]:
    when = f"{fmt_date(v.day)} at {v.minute // 60:02d}:{v.minute % 60:02d}"
    out = []
    if c.sms_reminders and c.mobile and v.status != "cancelled" and rng.random() < 0.3:
        text = f"Hi, a reminder of your appointment at {site_name} on {when}. Reply Y to confirm."
        out.append(Message(v.start_ts - DAY, 1, SMS, 1, phone, c.mobile, text))
        if rng.random() < 0.15:
            out.append(Message(v.start_ts - DAY + 900, 8, SMS, 2, c.mobile, phone, "Y"))
    if c.email and rng.random() < 0.06:
        text = f"Your appointment on {when}"
        out.append(Message(v.created_ts + 60, 4, EMAIL, 1, email, c.email, text, "Appointment confirmation"))
    if c.email and v.invoice_ts and rng.random() < 0.08:
        text = "Please find your invoice attached."
        out.append(Message(v.invoice_ts + 120, 3, EMAIL, 1, email, c.email, text, "Invoice"))
    if c.email and v.cancelled_ts and rng.random() < 0.3:
        text = f"Your appointment on {when} has been cancelled."
        out.append(Message(v.cancelled_ts + 60, 10, EMAIL, 1, email, c.email, text, "Appointment cancelled"))
    return out


def draw_messages(p: Practice, rng: random.Random, c: ClientFacts, visits: list[Visit]) -> list[Message]:
    """The client's message log as facts, in the order drawn (visit by visit, from the client's random source): about
    three messages per client, each sent after the booking it is about was made and before the extract, at most
    MAX_MESSAGES; only to contact details that are valid (a defective address gets no mail). Every visit is drawn
    for, whether or not its messages are kept, so the draws that follow do not move."""
    kept: list[Message] = []
    for v in visits:
        site = p.sites[v.site]
        for m in _messages(rng, c, v, site.name, site.phone, site.email):
            if max(c.reg_ts, v.created_ts) <= m.ts <= p.as_of_ts and len(kept) < MAX_MESSAGES:
                kept.append(m)
    return kept


def write_communications(
    p: Practice, links: Links, rng: random.Random, c: ClientFacts, visits: list[Visit], out: ChunkOut
) -> None:
    """The client's messages (`draw_messages`) as Cliniko communications records."""
    for j, m in enumerate(draw_messages(p, rng, c, visits)):
        values = {
            "id": p.ids.client("communications", c.i, j),
            "category": COMMUNICATION_CATEGORIES[m.category],
            "category_code": m.category,
            "type": "SMS" if m.type_code == SMS else "Email",
            "type_code": m.type_code,
            "direction_code": m.direction,
            "direction_description": "Outbound" if m.direction == 1 else "Inbound",
            "from": m.sender,
            "to": m.to,
            "content": m.content,
            "content_subject": m.subject,
            "archived_at": None,
            "patient": links.to("patients", c.patient_id),
            "created_at": fmt_ts(m.ts),
            "updated_at": fmt_ts(m.ts),
        }
        out.add("communications", record("communications", values))
