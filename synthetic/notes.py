"""Treatment note templates and notes in Cliniko's sections/questions shape, with basic HTML answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from synthetic.cliniko import Links, record
from synthetic.timeline import DAY, fmt_date, fmt_ts

if TYPE_CHECKING:
    from synthetic.output import ChunkOut
    from synthetic.practice import Practice
    from synthetic.visits import ClientFacts, Visit

PHONE_NOTE_SLOT = 900  # a note without a booking takes an id slot no appointment uses

PAIN_SCALE = tuple(str(n) for n in range(11))
AGGRAVATING = ("Sitting", "Standing", "Walking", "Stairs", "Lifting", "Running", "Sleeping")
TREATMENTS = (
    "Manual therapy",
    "Soft tissue massage",
    "Dry needling",
    "Exercise prescription",
    "Taping",
    "Education",
)
PROGRESS = ("Better", "Same", "Worse")

# (name, type, options) per question, per section, per template. Cliniko question types are text,
# paragraph, checkboxes, radiobuttons and date (research/sources.md §2.6).
Question = tuple[str, str, tuple[str, ...]]
TEMPLATES: dict[str, tuple[str, tuple[tuple[str, str, tuple[Question, ...]], ...]]] = {
    "initial": (
        "Initial assessment",
        (
            (
                "Subjective",
                "What the patient reports",
                (
                    ("Presenting complaint", "paragraph", ()),
                    ("History of complaint", "paragraph", ()),
                    ("Pain now (0-10)", "radiobuttons", PAIN_SCALE),
                    ("Aggravating factors", "checkboxes", AGGRAVATING),
                ),
            ),
            (
                "Objective",
                "Findings on examination",
                (
                    ("Observation", "paragraph", ()),
                    ("Range of movement", "text", ()),
                    ("Special tests", "text", ()),
                ),
            ),
            (
                "Assessment and plan",
                "",
                (
                    ("Working diagnosis", "text", ()),
                    ("Treatment today", "checkboxes", TREATMENTS),
                    ("Plan", "paragraph", ()),
                    ("Review date", "date", ()),
                ),
            ),
        ),
    ),
    "standard": (
        "Follow-up consultation",
        (
            (
                "Subjective",
                "",
                (
                    ("Progress since last visit", "radiobuttons", PROGRESS),
                    ("Pain now (0-10)", "radiobuttons", PAIN_SCALE),
                    ("Comments", "paragraph", ()),
                ),
            ),
            (
                "Treatment",
                "",
                (
                    ("Treatment today", "checkboxes", TREATMENTS),
                    ("Notes", "paragraph", ()),
                ),
            ),
            (
                "Plan",
                "",
                (
                    ("Home exercises", "paragraph", ()),
                    ("Next review", "date", ()),
                ),
            ),
        ),
    ),
    "phone": (
        "Phone consultation",
        (
            (
                "Call",
                "",
                (
                    ("Reason for call", "text", ()),
                    ("Summary", "paragraph", ()),
                ),
            ),
        ),
    ),
    "group": (
        "Class record",
        (
            (
                "Class",
                "",
                (
                    ("Exercises covered", "paragraph", ()),
                    ("Intensity", "radiobuttons", ("Low", "Moderate", "High")),
                ),
            ),
        ),
    ),
}


@dataclass(frozen=True)
class Condition:
    """What an episode of care is about; notes of the episode talk about it."""

    region: str
    complaint: str
    movement: str
    diagnosis: str
    test: str


CONDITIONS = (
    Condition("lower back", "Lower back pain", "lumbar flexion", "Non-specific low back pain", "Slump test"),
    Condition("neck", "Neck pain and stiffness", "cervical rotation", "Mechanical neck pain", "Spurling's test"),
    Condition("left knee", "Left knee pain", "knee flexion", "Patellofemoral pain", "Clarke's test"),
    Condition("right knee", "Right knee pain", "knee extension", "Medial meniscus irritation", "McMurray's test"),
    Condition(
        "right shoulder",
        "Right shoulder pain",
        "shoulder abduction",
        "Rotator cuff related shoulder pain",
        "Empty can test",
    ),
    Condition(
        "left ankle",
        "Left ankle sprain",
        "ankle dorsiflexion",
        "Lateral ankle sprain",
        "Anterior drawer test",
    ),
    Condition("right hip", "Right hip pain", "hip internal rotation", "Gluteal tendinopathy", "FABER test"),
    Condition("left heel", "Heel pain", "ankle dorsiflexion", "Plantar heel pain", "Windlass test"),
    Condition("right elbow", "Lateral elbow pain", "wrist extension", "Lateral epicondylalgia", "Cozen's test"),
    Condition("upper back", "Upper back pain", "thoracic rotation", "Thoracic joint dysfunction", "Rib spring test"),
)

_CAUSES = (
    "a weekend of gardening",
    "increasing running distance",
    "lifting boxes at work",
    "a fall on the stairs",
    "a long-haul flight",
    "netball training",
    "no clear cause",
    "a new desk set-up",
    "moving house",
)
_OBSERVATIONS = (
    "Guarded movement",
    "Mild swelling",
    "Antalgic gait",
    "Reduced weight bearing",
    "Normal posture",
    "Tender on palpation",
)
_EXERCISES = (
    "bridges 3 × 12",
    "calf raises 3 × 15",
    "wall slides 2 × 10",
    "clamshells 3 × 12",
    "chin tucks 2 × 10",
    "single-leg balance 3 × 30 s",
    "thoracic rotations 2 × 10",
    "eccentric wrist extension 3 × 15",
    "mini squats 3 × 12",
)


def template_content(kind: str) -> dict[str, Any]:
    """A template's content: its sections and questions, options listed without selections."""
    _, sections = TEMPLATES[kind]
    out = []
    for name, description, questions in sections:
        section: dict[str, Any] = {"name": name}
        if description:
            section["description"] = description
        section["questions"] = [
            {"name": q, "type": t, "answers": [{"value": o} for o in opts]} if opts else {"name": q, "type": t}
            for q, t, opts in questions
        ]
        out.append(section)
    return {"sections": out}


def _paragraph(rng: random.Random, question: str, cond: Condition, pain: int) -> str:
    """Basic HTML as Cliniko's paragraph answers hold it (research/sources.md §2.6, §5.4)."""
    if question in ("Presenting complaint", "Comments", "Summary"):
        return (
            f"<p>{cond.complaint}, <strong>{pain}/10</strong> at worst. Symptoms began after {rng.choice(_CAUSES)}.</p>"
        )
    if question == "History of complaint":
        weeks = rng.randint(1, 26)
        return (
            f"<p>Onset {weeks} week{'s' if weeks > 1 else ''} ago. No red flags reported.</p>"
            f"<ul><li>Night pain: {rng.choice(('no', 'occasional'))}</li>"
            f"<li>Previous episodes: {rng.choice(('none', 'one, resolved', 'several'))}</li></ul>"
        )
    if question == "Observation":
        return f"<p>{rng.choice(_OBSERVATIONS)}; {cond.region} {rng.choice(('warm', 'not warm'))} to touch.</p>"
    if question in ("Plan", "Home exercises"):
        picks = rng.sample(_EXERCISES, 2)
        return (
            f"<p>Continue home programme &amp; review in {rng.randint(1, 3)} weeks.</p>"
            f"<ul><li>{picks[0]}</li><li>{picks[1]}</li></ul>"
        )
    if question == "Exercises covered":
        return "<ul>" + "".join(f"<li>{e}</li>" for e in rng.sample(_EXERCISES, 3)) + "</ul>"
    after = max(pain - 1, 0)
    return f"<div>Treated {cond.region}; tolerated well.<br>Pain &lt; {after}/10 after treatment.</div>"


def _text(rng: random.Random, question: str, cond: Condition) -> str:
    if question == "Range of movement":
        return f"{cond.movement.capitalize()} {rng.randint(40, 95)}% of normal, painful at end of range"
    if question == "Special tests":
        return f"{cond.test} {rng.choice(('positive', 'negative'))}"
    if question == "Working diagnosis":
        return cond.diagnosis
    return f"Follow-up call about {cond.region}"


def note_content(rng: random.Random, kind: str, cond: Condition, review_day: int) -> dict[str, Any]:
    """A filled-in treatment note of template `kind` about `cond`.

    Answers follow Cliniko's schema: `answer` for text, paragraph and date questions, `answers` with
    `selected: true` on the chosen options (the flag is omitted on the others).
    """
    _, sections = TEMPLATES[kind]
    pain = rng.randint(1, 8)
    out = []
    for name, _description, questions in sections:
        filled = []
        for q, t, opts in questions:
            if t == "paragraph":
                filled.append({"name": q, "type": t, "answer": _paragraph(rng, q, cond, pain)})
            elif t == "text":
                filled.append({"name": q, "type": t, "answer": _text(rng, q, cond)})
            elif t == "date":
                filled.append({"name": q, "type": t, "answer": fmt_date(review_day)})
            else:
                if opts is PAIN_SCALE:
                    chosen = {str(pain)}
                elif t == "radiobuttons":
                    chosen = {rng.choice(opts)}
                else:
                    chosen = set(rng.sample(opts, rng.randint(1, 3)))
                filled.append(
                    {
                        "name": q,
                        "type": t,
                        "answers": [{"value": o, "selected": True} if o in chosen else {"value": o} for o in opts],
                    }
                )
        out.append({"name": name, "questions": filled})
    return {"sections": out}


@dataclass(frozen=True)
class Note:
    """A treatment note as facts: when it was written (UTC seconds), its template kind, whether it is a draft, and
    its content (Cliniko's `sections → questions` shape, which `note_content` draws answer by answer)."""

    created: int
    kind: str
    draft: bool
    content: dict[str, Any]


def draw_note(p: Practice, rng: random.Random, v: Visit, *, phone: bool = False) -> Note | None:
    """The note of attended visit `v`, or (phone=True) a phone-call note about it, drawn from the client's random
    source in this order (the written dump depends on it); None when it would be written after the extract."""
    created = v.end_ts + (rng.randint(1, 10) * DAY if phone else rng.randint(5, 180) * 60)
    if created > p.as_of_ts:
        return None
    kind = "phone" if phone else p.types[v.kind].template
    draft = rng.random() < 0.04
    review_day = v.day + rng.choice((7, 14, 21))
    return Note(created, kind, draft, note_content(rng, kind, v.condition, review_day))


def write_note(
    p: Practice,
    links: Links,
    rng: random.Random,
    c: ClientFacts,
    v: Visit,
    out: ChunkOut,
    *,
    phone: bool = False,
) -> None:
    """A treatment note for an attended appointment, or (phone=True) a phone-call note with no booking
    (`draw_note`), as a Cliniko record."""
    note = draw_note(p, rng, v, phone=phone)
    if note is None:
        return
    assert v.practitioner is not None
    # At most one note per appointment, in the appointment's slot; the phone note has a slot of its own.
    note_id = p.ids.client("treatment_notes", c.i, PHONE_NOTE_SLOT if phone else v.slot)
    out.add(
        "treatment_notes",
        record(
            "treatment_notes",
            {
                "id": note_id,
                "title": TEMPLATES[note.kind][0],
                "author_name": v.practitioner.name,
                "draft": note.draft,
                "content": note.content,
                "finalized_at": None if note.draft else fmt_ts(note.created),
                "deleted_at": None,
                "patient": links.to("patients", c.patient_id),
                "practitioner": links.to("practitioners", v.practitioner.id),
                "treatment_note_template": links.to("treatment_note_templates", p.templates[note.kind]),
                "booking": None if phone else links.to("bookings", v.id),
                "created_at": fmt_ts(note.created),
                "updated_at": fmt_ts(note.created),
            },
        ),
    )
