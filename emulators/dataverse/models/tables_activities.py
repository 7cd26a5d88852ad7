"""Activities, activity parties, notes and attachments (research/dataverse.md §2.6, §7.1–7.3)."""

from __future__ import annotations

from typing import Any

from .columns import (
    PRIORITY,
    build_table,
    choice,
    flag,
    instant,
    integer,
    lookup,
    memo,
    read_only,
    states,
    text,
)
from .schema import AttributeDef, TableDef

REGARDING_TARGETS = ("account", "contact")
NOTE_TARGETS = ("account", "contact", "appointment", "task", "email", "invoice", "product")


def _activity(name: str, set_name: str, code: int, *extra: AttributeDef | list[AttributeDef], **kw: Any) -> TableDef:
    regarding = lookup(
        "regardingobjectid",
        *REGARDING_TARGETS,
        nav={t: f"regardingobjectid_{t}_{name}" for t in REGARDING_TARGETS},
    )
    definition = TableDef(name, set_name, "activityid", "subject", code, is_activity=True, **kw)
    return build_table(
        definition,
        # research/dataverse.md §7.1: subject 200, scheduledstart/end ApplicationRequired (not enforced).
        text("subject", 200, required="ApplicationRequired"),
        instant("scheduledstart"),
        instant("scheduledend"),
        instant("actualstart"),
        instant("actualend"),
        integer("actualdurationminutes", 0),
        integer("scheduleddurationminutes", 0),
        choice("prioritycode", PRIORITY),
        regarding,
        text("category", 250),
        text("subcategory", 250),
        read_only(AttributeDef("activitytypecode", "EntityName")),
        *extra,
    )


def appointment() -> TableDef:
    # research/dataverse.md §7.1: 0 Open (1 Free, 2 Tentative), 1 Completed (3), 2 Canceled (4),
    # 3 Scheduled (5 Busy, 6 Out of Office); activity parties 5/6/7 (§2.6).
    return _activity(
        "appointment",
        "appointments",
        4201,
        memo("description", 1_048_576),
        text("location", 200),
        flag("isalldayevent"),
        flag("isdraft"),
        states(
            {
                0: ("Open", 1, {1: "Free", 2: "Tentative"}),
                1: ("Completed", 3, {3: "Completed"}),
                2: ("Canceled", 4, {4: "Canceled"}),
                3: ("Scheduled", 5, {5: "Busy", 6: "Out of Office"}),
            },
            state_on_create=False,
        ),
        writable_states=frozenset({0, 3}),
        party_masks=frozenset({5, 6, 7}),
    )


def task() -> TableDef:
    # research/dataverse.md §7.2 (UNCONFIRMED values from the standard option sets).
    return _activity(
        "task",
        "tasks",
        4212,
        memo("description", 2000),
        integer("percentcomplete", 0, 100),
        states(
            {
                0: (
                    "Open",
                    2,
                    {2: "Not Started", 3: "In Progress", 4: "Waiting on someone else", 7: "Deferred"},
                ),
                1: ("Completed", 5, {5: "Completed"}),
                2: ("Canceled", 6, {6: "Canceled"}),
            },
            state_on_create=False,
        ),
        writable_states=frozenset({0}),
    )


def email() -> TableDef:
    # research/dataverse.md §7.2 (UNCONFIRMED): parties 1 from, 2 to, 3 cc, 4 bcc (§2.6).
    return _activity(
        "email",
        "emails",
        4202,
        memo("description", 1_048_576),
        flag("directioncode"),
        text("sender", 250),
        text("torecipients", 500),
        text("messageid", 320),
        states(
            {
                0: ("Open", 1, {1: "Draft", 8: "Failed"}),
                1: (
                    "Completed",
                    2,
                    {2: "Completed", 3: "Sent", 4: "Received", 6: "Pending Send", 7: "Sending"},
                ),
                2: ("Canceled", 5, {5: "Canceled"}),
            },
            state_on_create=False,
        ),
        writable_states=frozenset({0}),
        party_masks=frozenset({1, 2, 3, 4}),
    )


def activityparty() -> TableDef:
    masks = {
        1: "Sender",
        2: "To Recipient",
        3: "CC Recipient",
        4: "BCC Recipient",
        5: "Required attendee",
        6: "Optional attendee",
        7: "Organizer",
        8: "Regarding",
        9: "Owner",
        10: "Resource",
        11: "Customer",
        12: "Chat Participant",
    }
    return build_table(
        TableDef(
            "activityparty",
            "activityparties",
            "activitypartyid",
            None,
            135,
            ownership="None",
            has_notes=False,
            can_create_attributes=False,
            is_customizable=False,
        ),
        lookup("activityid", "appointment", "email", "task", required="SystemRequired"),
        lookup("partyid", "account", "contact", "systemuser"),
        choice("participationtypemask", masks),
        text("addressused", 200),
        read_only(flag("ispartydeleted")),
    )


def annotation() -> TableDef:
    # research/dataverse.md §7.3: objectid_<entity> binds; documentbody is base64; no CreateMultiple.
    return build_table(
        # CanCreateAttributes is false on Note: a real org refuses new columns (README "Tables that refuse
        # custom columns").
        TableDef(
            "annotation", "annotations", "annotationid", "subject", 5, has_notes=False, can_create_attributes=False
        ),
        text("subject", 500),
        memo("notetext", 100_000),
        text("filename", 255),
        text("mimetype", 256),
        memo("documentbody", 1_073_741_823),
        read_only(integer("filesize", 0)),
        read_only(flag("isdocument")),
        lookup("objectid", *NOTE_TARGETS, nav={t: f"objectid_{t}" for t in NOTE_TARGETS}),
        AttributeDef("objecttypecode", "EntityName"),
    )


def attachment() -> TableDef:
    targets = ("email", "appointment")
    return build_table(
        TableDef(
            "activitymimeattachment",
            "activitymimeattachments",
            "activitymimeattachmentid",
            "filename",
            1001,
            ownership="None",
            has_notes=False,
        ),
        lookup(
            "objectid",
            *targets,
            nav={t: f"objectid_{t}" for t in targets},
            required="SystemRequired",
        ),
        AttributeDef("objecttypecode", "EntityName"),
        text("filename", 255),
        text("mimetype", 256),
        memo("body", 1_073_741_823),
        text("subject", 2000),
        read_only(integer("filesize", 0)),
        read_only(integer("attachmentnumber", 0)),
    )
