"""Issue codes a mapping can raise, with the sentence a person reads in the approval report.

Codes are stable identifiers (tests and checks refer to them); messages never contain values.
"""

from __future__ import annotations

ISSUE_MESSAGES: dict[str, str] = {
    # value problems (the value is unusable; the field becomes null, or the row is rejected if required)
    "invalid_email": "not a valid email address",
    "invalid_phone": "not a valid phone number for the practice's country",
    "invalid_identifier": "health identifier fails its format or check digit",
    "invalid_date": "not a date in the expected format",
    "invalid_timestamp": "not a timestamp in the expected format",
    "dst_gap": "local time does not exist in the site's time zone (daylight-saving gap)",
    "invalid_number": "not a number in the expected format",
    "too_many_decimals": "more decimal places than the target keeps",
    "unmapped_value": "value has no entry in the mapping's value map",
    "invalid_link": "relation link is not a URL ending in an id",
    "invalid_json": "embedded JSON cannot be parsed",
    "missing_file": "attached file is not in the dump",
    "checksum_mismatch": "attached file's bytes differ from the dump's manifest (altered, truncated or stale)",
    "not_in_manifest": "attached file is not listed in the dump's manifest",
    "unknown_time_zone": "time zone is not an IANA zone",
    "invalid_value": "value cannot be represented in the canonical type",
    "unexpected_shape": "nested value does not have the shape the source system documents (e.g. phone numbers "
    "as objects with number and phone_type); the field was left empty",
    "placeholder_date": "a placeholder where the system had no date (00/00/0000, 01/01/1900); read as empty",
    # warnings (the value is kept)
    "mojibake_repaired": "text was mis-decoded (mojibake) and has been repaired",
    "encoding_repaired": "text arrived as cp1252 bytes, not UTF-8, and has been transcoded",
    "dst_ambiguous": "local time occurs twice (daylight-saving end); the earlier instant was used",
    "naive_local_time": "timestamp had no UTC designator; read as the site's local time",
    "size_mismatch": "file size differs from the size recorded in the source",
    "nul_removed": "text held NUL characters, which have been removed",
    # row-level reasons (rejects)
    "broken_quoting": "the row's quoting is broken (a quote opens and never closes); the row was quarantined "
    "with its line number and its text kept in the raw layer, the rows after it were read",
    "wrong_field_count": "the row has more or fewer fields than the header; quarantined with its line number",
    "required_missing": "a required field has no value",
    "missing_reference": "refers to a record that is not in the dump",
    "parent_rejected": "refers to a record that was itself rejected",
    "duplicate_source_id": "another row of the same table has the same id",
    "no_entity": "row matches no entity of the mapping spec",
    "deleted_in_source": "deleted in the source system (kept there as a soft-deleted row); not migrated",
    "unsafe_path": "file path leaves the dump or goes through a symbolic link (refused, never read)",
}

# Codes that reject the row even where the field is optional: a record pointing at a file outside its
# dump is hostile input, not a document with its file missing (issue 15 item 1).
REJECTING_CODES = frozenset({"unsafe_path"})

# Row-level read issues of a tabular reader: the row was quarantined on reading (no cells, its text kept in
# raw `_record`). Staging rejects such a row with this reason alone, once, whatever its empty cells would
# otherwise trip (a required field, a repeated empty id, no entity's `where`).
QUARANTINE_CODES = ("broken_quoting", "wrong_field_count")
QUARANTINE_PATTERN = r"\(row\):(" + "|".join(QUARANTINE_CODES) + ")"

WARNING_CODES = frozenset(
    {"mojibake_repaired", "encoding_repaired", "dst_ambiguous", "naive_local_time", "size_mismatch", "nul_removed"}
)


def message_for(code: str) -> str:
    return ISSUE_MESSAGES.get(code, code.replace("_", " "))
