"""Small real attachment files built in code: a one-page PDF letter, a greyscale PNG, a plain-text form."""

from __future__ import annotations

import hashlib
import random
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from synthetic.cliniko import Links, record
from synthetic.timeline import DAY, fmt_date, fmt_ts

if TYPE_CHECKING:
    from synthetic.output import ChunkOut
    from synthetic.practice import Practice
    from synthetic.visits import ClientFacts, Visit


def _ascii(text: str) -> str:
    """Text a PDF base-14 font can show: accents dropped, anything else non-ASCII removed."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def pdf_letter(lines: list[str]) -> bytes:
    """A valid single-page PDF 1.4 showing `lines` in Helvetica, with a correct xref table."""
    escaped = [_ascii(s).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for s in lines]
    stream = "BT /F1 11 Tf 72 770 Td 15 TL " + " ".join(f"({s}) Tj T*" for s in escaped) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += b"".join(f"{o:010d} 00000 n \n".encode("ascii") for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_image(rng: random.Random, width: int, height: int) -> bytes:
    """A valid 8-bit greyscale PNG: a gradient with seeded noise (so sizes vary like real scans)."""
    rows = bytearray()
    noise = rng.randbytes(width * height)
    for y in range(height):
        rows.append(0)  # filter type 0 (None) for every scanline
        base = y * 255 // max(height - 1, 1)
        rows += bytes((base + (noise[y * width + x] & 0x3F)) & 0xFF for x in range(width))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + _png_chunk(b"IEND", b"")
    )


def text_form(lines: list[str]) -> bytes:
    """A UTF-8 text file with CRLF line ends, as forms saved on Windows reception PCs are."""
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def attachment(
    rng: random.Random, kind: str, patient_name: str, practice: str, day_text: str, region: str
) -> tuple[str, str, str, bytes]:
    """One attachment of `kind` ("referral", "xray", "consent"): (filename, content type, description, bytes).

    Sizes stay between 100 B and 20 KB.
    """
    if kind == "referral":
        body = [
            f"{practice}",
            f"Date: {day_text}",
            "",
            f"Re: {patient_name}",
            "",
            "Dear colleague,",
            f"Thank you for seeing this patient regarding {region} pain.",
            *(f"Note {k + 1}: symptoms reviewed, conservative management advised." for k in range(rng.randint(2, 30))),
            "",
            "Kind regards,",
            "Referring GP",
        ]
        return "referral-letter.pdf", "application/pdf", "GP referral letter", pdf_letter(body)
    if kind == "xray":
        width, height = rng.randint(24, 96), rng.randint(24, 96)
        name = f"xray-{region.replace(' ', '-')}.png"
        return name, "image/png", f"X-ray, {region}", png_image(rng, width, height)
    lines = [
        f"Consent to treatment - {practice}",
        f"Patient: {patient_name}",
        f"Date: {day_text}",
        "",
        *("I consent to assessment and treatment as explained to me." for _ in range(rng.randint(2, 25))),
        "Signed electronically at reception.",
    ]
    return "consent-form.txt", "text/plain", "Signed consent form", text_form(lines)


@dataclass(frozen=True)
class Attachment:
    """One file a client's record holds: when it was added (UTC seconds), its name, type, description, bytes,
    and the user who uploaded it."""

    created: int
    filename: str
    content_type: str
    description: str
    data: bytes
    uploader: str


def draw_attachments(p: Practice, rng: random.Random, c: ClientFacts, visits: list[Visit]) -> list[Attachment]:
    """1–2 real files as facts (a referral PDF, an X-ray PNG or a consent form), drawn from the client's random
    source in this order (the written dump depends on it)."""
    past = [v for v in visits if v.end_ts < p.as_of_ts] or None
    drawn: list[Attachment] = []
    for _ in range(rng.choice((1, 1, 2))):
        v = rng.choice(past) if past else None
        created = min(max(c.reg_ts, v.start_ts - DAY) if v else c.reg_ts + 3600, p.as_of_ts - 60)
        region = v.condition.region if v else "lower back"
        kind = rng.choice(("referral", "xray", "consent"))
        filename, content_type, description, data = attachment(
            rng, kind, c.full_name, p.name, fmt_date(created // DAY), region
        )
        uploader = (
            rng.choice(p.reception_user_ids)
            if rng.random() < 0.6 or v is None or v.practitioner is None
            else v.practitioner.user_id
        )
        drawn.append(Attachment(created, filename, content_type, description, data, uploader))
    return drawn


def write_attachments(
    p: Practice, links: Links, rng: random.Random, c: ClientFacts, visits: list[Visit], out: ChunkOut
) -> None:
    """The client's files (`draw_attachments`) saved under attachments/<id>/ and as Cliniko attachment records."""
    for j, a in enumerate(draw_attachments(p, rng, c, visits)):
        attachment_id = p.ids.client("patient_attachments", c.i, j)
        folder = out.out_dir / "attachments" / attachment_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / a.filename).write_bytes(a.data)
        out.attachments.append(
            (f"attachments/{attachment_id}/{a.filename}", len(a.data), hashlib.sha256(a.data).hexdigest())
        )
        out.add(
            "patient_attachments",
            record(
                "patient_attachments",
                {
                    "id": attachment_id,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": len(a.data),
                    "description": a.description,
                    "processing_completed": True,
                    "deleted_at": None,
                    "content": links.content(attachment_id),
                    "patient": links.to("patients", c.patient_id),
                    "user": links.to("users", a.uploader),
                    "created_at": fmt_ts(a.created),
                    "updated_at": fmt_ts(a.created),
                },
            ),
        )
