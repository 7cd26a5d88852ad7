"""Named transforms: each against values with a known right answer (research/sources.md §5)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from mappings.evaluate import Evaluated, cast_to, evaluate
from mappings.spec import FieldSpec, TransformCall
from mappings.transforms.registry import MappingContext, TransformContext, get_transform, nulls, transform_names


def ctx(country: str = "NZ", zone: str = "Pacific/Auckland", outputs: dict | None = None) -> TransformContext:
    mapping = MappingContext("c", "trial", "cliniko", country, zone)
    return TransformContext(pl.DataFrame(), outputs or {}, mapping, "field", "entity")


def run(name: str, values: list, dtype: pl.DataType = pl.String, context: TransformContext | None = None, **params):
    step = get_transform(name).fn(pl.Series("v", values, dtype=dtype), context or ctx(), **params)
    issues = step.issues.to_list() if step.issues is not None else [None] * len(values)
    warnings = step.warnings.to_list() if step.warnings is not None else [None] * len(values)
    return step.values.to_list(), issues, warnings


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("021 123 4567", "NZ", "+64211234567"),
        ("(09) 379 1234", "NZ", "+6493791234"),
        ("0800 101 996", "NZ", "+64800101996"),
        ("0412 345 678", "AU", "+61412345678"),
        ("(02) 9876 5432", "AU", "+61298765432"),
        ("020 7946 0018", "UK", "+442079460018"),
        ("61412345678", "AU", "+61412345678"),  # Cliniko stores the country code without "+"
        ("6421123456", "AU", "+6421123456"),  # an NZ number in an AU practice keeps its country
        ("64 21 123 4567", "AU", "+64211234567"),  # … also typed with spaces after its country code
        ("(2) 9876 5432", "AU", "+61298765432"),  # an area code without its 0 is local, not the Faroes' +298
    ],
)
def test_phone_to_e164(raw: str, country: str, expected: str) -> None:
    values, issues, _ = run("phone", [raw], context=ctx(country))
    assert values == [expected] and issues == [None]


def test_invalid_phones_are_issues() -> None:
    values, issues, _ = run("phone", ["6421", "07700 900123", None], context=ctx("UK"))
    assert values == [None, None, None]
    assert issues == ["invalid_phone", "invalid_phone", None]  # Ofcom drama numbers are not valid numbers


def test_email() -> None:
    values, issues, _ = run("email", [" Jane.Smith@Example.co.nz ", "jane@@x.nz", "jane smith@x.nz", "a@b", ""])
    assert values == ["jane.smith@example.co.nz", None, None, None, None]
    assert issues == [None, "invalid_email", "invalid_email", "invalid_email", None]


def test_parse_date_never_guesses() -> None:
    values, issues, _ = run(
        "parse_date", ["02/03/1980", "1980-03-02", "31/02/1980", "0000-00-00"], formats=["%d/%m/%Y", "%Y-%m-%d"]
    )
    assert values == [date(1980, 3, 2), date(1980, 3, 2), None, None]
    assert issues == [None, None, "invalid_date", "invalid_date"]


def test_parse_instant_utc_offsets_naive_gap_and_ambiguous() -> None:
    values, issues, warnings = run(
        "parse_instant",
        [
            "2025-09-27T20:00:00Z",  # exact UTC
            "2025-09-28T09:00:00+13:00",  # exact with offset (same instant as 2025-09-27T20:00Z)
            "2025-09-28T02:30:00",  # naive, inside Auckland's spring-forward gap
            "2025-04-06T02:30:00",  # naive, ambiguous (clocks went back at 03:00)
            "2025-06-01T09:00:00",  # naive, ordinary
            "yesterday",
        ],
    )
    utc = [v.replace(tzinfo=None) if v else None for v in values]
    assert utc[0] == utc[1] == datetime(2025, 9, 27, 20, 0)
    assert utc[2] is None and issues[2] == "dst_gap"  # reported, never shifted to 03:30
    assert utc[3] == datetime(2025, 4, 5, 13, 30) and warnings[3] == "dst_ambiguous"  # earlier instant (+13)
    assert utc[4] == datetime(2025, 5, 31, 21, 0) and warnings[4] == "naive_local_time"
    assert issues[5] == "invalid_timestamp" and issues[:2] == [None, None]
    # Only naive local times carry a warning: not the exact ones, not the one refused, not the garbage.
    assert [warnings[i] for i in (0, 1, 2, 5)] == [None, None, None, None]


def test_local_instant_parses_a_day_and_time_of_day_joined_as_text() -> None:
    # Comsense's appointment book: the day and the time of day in two columns, joined by `concat`.
    values, issues, _warnings = run(
        "local_instant",
        ["2026-03-02 09:00", "2026-09-27 02:30", "2026-03-02", None],
        formats=["%Y-%m-%d %H:%M"],
    )
    assert values[0].replace(tzinfo=None) == datetime(2026, 3, 1, 20, 0)  # Auckland, +13 in March
    assert values[1] is None and issues[1] == "dst_gap"  # skipped by the clock: reported, never shifted
    assert values[2] is None and issues[2] == "invalid_timestamp"  # the time of day was missing
    assert values[3] is None and issues[3] is None and issues[0] is None


@pytest.mark.parametrize(
    ("zone", "utc", "local"),
    [
        ("Pacific/Auckland", "2025-09-27T20:00:00Z", datetime(2025, 9, 28, 9, 0)),  # DST starts that morning
        ("Pacific/Auckland", "2025-04-05T21:00:00Z", datetime(2025, 4, 6, 9, 0)),  # DST ended that morning (+12)
        ("Australia/Sydney", "2025-10-04T22:00:00Z", datetime(2025, 10, 5, 9, 0)),  # DST started (+11)
        ("Australia/Sydney", "2025-04-05T23:00:00Z", datetime(2025, 4, 6, 9, 0)),
        ("Europe/London", "2025-03-30T08:00:00Z", datetime(2025, 3, 30, 9, 0)),
        ("Europe/London", "2025-10-26T09:00:00Z", datetime(2025, 10, 26, 9, 0)),
    ],
)
def test_to_local_on_dst_change_days(zone: str, utc: str, local: datetime) -> None:
    context = ctx(zone=zone)
    instants, _, _ = run("parse_instant", [utc], context=context)
    series = pl.Series("v", instants, dtype=pl.Datetime("us", "UTC"))
    step = get_transform("to_local").fn(series, context)
    assert step.values.to_list() == [local]


def test_to_decimal_keeps_cents_exact_and_refuses_rounding() -> None:
    values, issues, _ = run("to_decimal", ["90.0", "0.10", "12.345", "12.300", "abc", None])
    assert values == [Decimal("90.00"), Decimal("0.10"), None, Decimal("12.30"), None, None]
    assert issues == [None, None, "too_many_decimals", None, "invalid_number", None]


def test_value_map_unmapped_is_explicit() -> None:
    values, issues, _ = run("value_map", ["Female", "MALE", "Martian"], map={"female": "female", "male": "male"})
    assert values == ["female", "male", None] and issues == [None, None, "unmapped_value"]
    kept, _, _ = run("value_map", ["Martian"], map={"female": "female"}, unmapped="keep")
    assert kept == ["Martian"]


def test_link_id_and_ref() -> None:
    ids, issues, _ = run("link_id", ["https://api.au2.cliniko.com/v1/patients/1094697270010408687", "nonsense"])
    assert ids == ["1094697270010408687", None] and issues == [None, "invalid_link"]
    refs, _, _ = run("ref", ["1094697270010408687"], entity="client")
    assert refs == ["cliniko:client:1094697270010408687"]


def test_clean_text_repairs_mojibake_only() -> None:
    values, _, warnings = run("clean_text", ["  JosÃ©  ", "Zoë", "Māori", "Oâ€™Brien", "   ", "plain"])
    assert values == ["José", "Zoë", "Māori", "O’Brien", None, "plain"]
    assert warnings == ["mojibake_repaired", None, None, "mojibake_repaired", None, None]


@pytest.mark.parametrize(
    ("transform", "valid", "invalid"),
    [
        ("nhi", "ZZZ0016", "ZZZ0017"),
        ("medicare", "2123456701", "2123456711"),
        ("nhs_number", "943 476 5870", "9434765871"),
        ("medicare_irn", "1", "0"),  # an individual reference number is 1–9
        ("dva_number", "QX12345", "ZX12345"),  # no check digit: Z is no state's letter
    ],
)
def test_identifiers_validate_check_digits(transform: str, valid: str, invalid: str) -> None:
    values, issues, _ = run(transform, [valid, invalid])
    assert values[0] == valid.replace(" ", "") and values[1] is None
    assert issues == [None, "invalid_identifier"]


def test_cliniko_note_text_keeps_order_and_strips_html() -> None:
    content = (
        '{"sections":[{"name":"Subjective","questions":[{"name":"Pain","type":"paragraph",'
        '"answer":"<p>Sharp <strong>7/10</strong></p><ul><li>worse AM</li></ul>"},'
        '{"name":"Aggravating","type":"checkboxes","answers":[{"value":"Sitting","selected":true},'
        '{"value":"Running"}]}]}]}'
    )
    values, issues, _ = run("cliniko_note_text", [content, "{not json"])
    assert values[0] == "Subjective\nPain: Sharp 7/10\n- worse AM\nAggravating: Sitting"
    assert issues == [None, "invalid_json"]


def test_a_decimal_cast_to_fewer_places_is_an_issue_never_a_rounding() -> None:
    """Polars rounds 81.818 to 81.82 when cast to two places: the engine keeps it out and says why."""
    prices = pl.Series([Decimal("81.818"), Decimal("95.0000"), None], dtype=pl.Decimal(18, 4))
    cast = cast_to(Evaluated(prices, nulls(3), nulls(3)), pl.Decimal(18, 2), "priceperunit")
    assert cast.values.to_list() == [None, Decimal("95.00"), None]
    assert cast.issues.to_list() == ["too_many_decimals", None, None]


def test_pick_from_list_takes_the_first_entry_of_the_wanted_kind_ignoring_case() -> None:
    phones = [
        '[{"phone_type": "Home", "number": "09 303 1234"}, {"phone_type": "MOBILE", "number": "021 123 4567"}]',
        '[{"phone_type": "Work", "number": "09 379 1234"}]',
        "[]",
        None,
    ]
    values, issues, _ = run("pick_from_list", phones, match_key="phone_type", match_value="Mobile", value_key="number")
    assert values == ["021 123 4567", None, None, None] and issues == [None] * 4


def test_parse_date_defaults_to_iso_only() -> None:
    values, issues, _ = run("parse_date", ["1980-03-02", "02/03/1980"])
    assert values == [date(1980, 3, 2), None] and issues == [None, "invalid_date"]


def test_time_zone_must_exist() -> None:
    values, issues, _ = run("time_zone", ["Pacific/Auckland", "Mars/Olympus_Mons", None])
    assert values == ["Pacific/Auckland", None, None]
    assert issues == [None, "unknown_time_zone", None]


def test_site_time_zone_takes_the_customers_override_else_the_practices_zone() -> None:
    mapping = MappingContext(
        "c", "trial", "cliniko", "NZ", "Pacific/Auckland", site_time_zones={"1002": "Australia/Sydney"}
    )
    with_override = TransformContext(pl.DataFrame(), {}, mapping, "field", "entity")
    values, _, _ = run("site_time_zone", ["1002", "1001", None], context=with_override)
    assert values == ["Australia/Sydney", "Pacific/Auckland", "Pacific/Auckland"]
    values, _, _ = run("site_time_zone", ["1002", "1001"])  # no overrides: every site in the practice's zone
    assert values == ["Pacific/Auckland", "Pacific/Auckland"]


@pytest.mark.parametrize("params", [{}, {"formats": ["%Y-%m-%d %H:%M"]}])
def test_local_instant_of_an_empty_table_is_empty(params: dict) -> None:
    # A practice with no rows of an entity (no notes yet): typed or text, nothing to read and nothing to report.
    dtype = pl.String if params else pl.Datetime("us")
    values, issues, warnings = run("local_instant", [], dtype=dtype, **params)
    assert values == [] and issues == [] and warnings == []


def test_link_id_refuses_links_without_a_scheme_or_an_id() -> None:
    links = [
        "https://api.au2.cliniko.com/v1/practitioners/7",  # a one-character id is still an id
        "https://api.au2.cliniko.com/v1/practitioners/",  # the link ends before its id
        "http-cache/patients/12",  # starts like a URL but has no scheme separator
        "ftp://files.example/patients/12",  # not a web link
        None,
    ]
    ids, issues, _ = run("link_id", links)
    assert ids == ["7", None, None, None, None]
    assert issues == [None, "invalid_link", "invalid_link", "invalid_link", None]


def test_ref_puts_the_prefix_between_entity_and_source_id() -> None:
    refs, _, _ = run("ref", ["42", None], entity="invoice_line", prefix="product-")
    assert refs == ["cliniko:invoice_line:product-42", None]


def test_value_map_default_case_and_unknown_policy() -> None:
    values, issues, _ = run("value_map", ["F", "x", None], map={"f": "female"}, unmapped="default", default="unknown")
    assert values == ["female", "unknown", None] and issues == [None, None, None]
    # Case-sensitive: "F" is not the listed "f"; a null is no unmapped value.
    values, issues, _ = run("value_map", ["F", "f", None], map={"f": "female"}, case_insensitive=False)
    assert values == [None, "female", None] and issues == ["unmapped_value", None, None]
    with pytest.raises(ValueError, match=r"^value_map\.unmapped: expected error, keep or default$"):
        run("value_map", ["f"], map={"f": "female"}, unmapped="drop")


def test_to_decimal_and_to_quantity_have_their_declared_types() -> None:
    step = get_transform("to_decimal").fn(pl.Series("v", ["1.5"]), ctx())
    assert step.values.dtype == pl.Decimal(18, 2)
    quantities = get_transform("to_quantity").fn(pl.Series("v", [1.5, 2.0, None]), ctx())
    assert quantities.values.dtype == pl.Decimal(12, 3)
    assert quantities.values.to_list() == [Decimal("1.500"), Decimal("2.000"), None]
    values, issues, _ = run("to_quantity", ["0.1234", "x"])
    assert values == [None, None] and issues == ["too_many_decimals", "invalid_number"]


def test_to_int_reads_numbers_and_digit_strings() -> None:
    values, issues, _ = run("to_int", [" 42 ", "-7", "4.5", "seven", None])
    assert values == [42, -7, None, None, None]
    assert issues == [None, None, "invalid_number", "invalid_number", None]
    step = get_transform("to_int").fn(pl.Series("v", [3, None], dtype=pl.Int16), ctx())
    assert step.values.dtype == pl.Int64 and step.values.to_list() == [3, None] and step.issues is None


def test_to_bool_reads_the_usual_spellings_and_reports_the_rest() -> None:
    values, issues, _ = run("to_bool", ["true", " YES ", "1", "False", "no", "0", "maybe", None])
    assert values == [True, True, True, False, False, False, None, None]
    assert issues == [None] * 6 + ["unmapped_value", None]
    booleans, issues, _ = run("to_bool", [True, False, None], dtype=pl.Boolean)
    assert booleans == [True, False, None] and issues == [None, None, None]


def test_small_value_transforms() -> None:
    assert run("is_not_null", ["2024-01-01", None])[0] == [True, False]
    assert run("default", [None, "seen"], value="unknown")[0] == ["unknown", "seen"]
    assert run("prefix", ["12", None], value="INV-")[0] == ["INV-12", None]
    assert run("negate", [True, False, None], dtype=pl.Boolean)[0] == [False, True, None]
    for country, currency in [("NZ", "NZD"), ("AU", "AUD"), ("UK", "GBP")]:
        assert run("practice_currency", ["a", "b"], context=ctx(country))[0] == [currency, currency]


def test_strftime_default_and_given_format() -> None:
    at = [datetime(2025, 9, 28, 9, 5), None]
    assert run("strftime", at, dtype=pl.Datetime("us"))[0] == ["2025-09-28 09:05", None]
    assert run("strftime", at, dtype=pl.Datetime("us"), format="%H:%M")[0] == ["09:05", None]


def test_join_list_joins_scalars_and_reports_text_that_is_not_an_array() -> None:
    values, issues, _ = run("join_list", ['["101", "102"]', "[]", "not json", None])
    assert values == ["101; 102", None, None, None]
    assert issues == [None, None, "invalid_json", None]
    assert run("join_list", ['["101", "102"]'], separator=",")[0] == ["101,102"]


def test_decode_json_reads_every_scalar_kind_and_refuses_unknown_types() -> None:
    from mappings.transforms.jsondecode import decode_json

    dtype = pl.Struct({"name": pl.String, "active": pl.Boolean, "visits": pl.Int64, "fee": pl.Float64})
    rows = pl.Series("v", ['{"name": "A", "active": true, "visits": 3, "fee": 45.5}', "{oops", None])
    decoded, valid = decode_json(rows, dtype)
    assert decoded.dtype == dtype and decoded.name == "v"
    assert decoded.to_list() == [{"name": "A", "active": True, "visits": 3, "fee": 45.5}, None, None]
    assert valid.to_list() == [True, False, True]
    with pytest.raises(TypeError, match="no JSON shape"):
        decode_json(rows, pl.Date)


def test_trim_lower_upper_nullif() -> None:
    assert run("trim", ["  Jane ", "   ", None])[0] == ["Jane", None, None]
    assert run("lower", ["JaNe", None])[0] == ["jane", None]
    assert run("upper", ["JaNe", None])[0] == ["JANE", None]
    assert run("nullif", ["N/A", "-", "Jane", None], values_=["N/A", "-"])[0] == [None, None, "Jane", None]
    assert run("nullif", ["0000-00-00", "1980-03-02"], value="0000-00-00")[0] == [None, "1980-03-02"]


def test_clean_text_changes_only_mis_decoded_text() -> None:
    # ftfy could "fix" each of these too; none is mis-decoded, so each stays as delivered.
    kept = ["Café &amp; Bar", "ﬁle Zoë", "Ｔｏｍ Zoë", "Zoë\r\nMāori", "O’Brien Zoë"]
    values, _, warnings = run("clean_text", kept)
    assert values == kept and warnings == [None] * len(kept)
    values, _, warnings = run("clean_text", ["plain", None])
    assert values == ["plain", None] and warnings == [None, None]


def test_html_to_text_blocks_lists_scripts_and_entities() -> None:
    html = [
        "<p>one</p><p></p><p>two</p><table><tr><td>cell</td></tr></table>end",
        "<script>alert(1)</script><style>p {color: red}</style>kept",
        "a&nbsp;b &lt;x&gt; &quot;q&quot; it&#39;s it&apos;s fish &amp; chips",
        "caf&eacute; &#233; &#xE9;",
        "<p> </p>",
        None,
        # Text that shows markup escapes (`&amp;lt;` is the text `&lt;`) is decoded once, with or without a
        # rare entity beside it, and `&nbsp;` is a plain space whichever pass decodes the fragment.
        "&amp;lt;b&amp;gt; and &amp;amp;",
        "caf&eacute;&nbsp;&amp;lt;b&amp;gt;",
    ]
    values, _, _ = run("html_to_text", html)
    assert values == [
        "one\ntwo\ncell\nend",
        "kept",
        "a b <x> \"q\" it's it's fish & chips",
        "café é é",
        None,
        None,
        "&lt;b&gt; and &amp;",
        "café &lt;b&gt;",
    ]


def test_html_text_of_one_fragment() -> None:
    from mappings.transforms.text import html_text

    assert html_text("<p>Sharp</p><p>7/10</p>") == "Sharp\n7/10"
    assert html_text("<p></p>") == ""


def test_json_path_extracts_the_scalar_or_the_whole_document() -> None:
    docs = ['{"name": "Jane", "n": 2}', "{not json", None]
    assert run("json_path", docs, path="$.name")[0] == ["Jane", None, None]
    assert run("json_path", ['"just text"'])[0] == ["just text"]
    context = ctx()  # two fields reading the same path of the same column share one extraction
    first = run("json_path", docs, context=context, path="$.n")[0]
    assert first == run("json_path", docs, context=context, path="$.n")[0] == ["2", None, None]
    assert run("json_path", ['{"n": 5}'], context=context, path="$.n")[0] == ["5"]


def test_mapping_context_is_read_only_and_knows_region_and_currency() -> None:
    import dataclasses

    uk = MappingContext("c", "trial", "tm3", "UK", "Europe/London")
    assert (uk.phone_region, uk.currency) == ("GB", "GBP")
    nz = MappingContext("c", "trial", "cliniko", "NZ", "Pacific/Auckland")
    assert (nz.phone_region, nz.currency) == ("NZ", "NZD")
    with pytest.raises(dataclasses.FrozenInstanceError):
        nz.country = "AU"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_transform("trim").name = "other"  # type: ignore[misc]


def test_transform_context_output_requires_the_field_mapped_first() -> None:
    mapped = pl.Series("first_name", ["Jane"])
    context = ctx(outputs={"first_name": mapped})
    assert context.output("first_name").equals(mapped)
    with pytest.raises(KeyError, match=r"entity\.field: field 'last_name' must be mapped before it is used"):
        context.output("last_name")


def test_register_transform_reads_description_and_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    from mappings.transforms import registry

    get_transform("trim")  # the built-ins registered before the registry is swapped for a copy
    monkeypatch.setattr(registry, "_TRANSFORMS", dict(registry._TRANSFORMS))

    @registry.register_transform("test_only_pad")
    def pad(values: pl.Series, ctx: TransformContext, width: int, fill: str = " ") -> registry.Step:
        """Pad every value
        to `width`.

        Longer text is kept."""
        return registry.Step(values.str.pad_start(width, fill))

    @registry.register_transform("test_only_undocumented")
    def undocumented(values: pl.Series, ctx: TransformContext) -> registry.Step:
        return registry.Step(values)

    definition = get_transform("test_only_pad")
    assert definition.fn is pad and definition.description == "Pad every value to `width`."
    assert definition.params == ("width", "fill") and definition.required_params == ("width",)
    assert get_transform("test_only_undocumented").description == ""
    assert get_transform("test_only_undocumented").params == ()
    with pytest.raises(ValueError, match="registered twice"):
        registry.register_transform("test_only_pad")(pad)
    with pytest.raises(KeyError) as unknown:
        get_transform("test_only_missing")
    assert f"valid: {', '.join(transform_names())}" in str(unknown.value)


def test_parse_instant_reads_fractional_seconds_with_a_z() -> None:
    # Not Cliniko's own whole-second form, so these take the general path, where "Z" is read as +00:00.
    values, issues, warnings = run("parse_instant", ["2025-09-27T20:00:00.500Z", "2025-09-27T20:00:00.5+00:00"])
    assert [v.replace(tzinfo=None) for v in values] == [datetime(2025, 9, 27, 20, 0, 0, 500000)] * 2
    assert issues == [None, None] and warnings == [None, None]


def test_to_local_uses_each_rows_zone() -> None:
    zones = pl.Series("zone", ["Pacific/Auckland", "Europe/London", "Europe/London", None])
    context = ctx(outputs={"zone": zones})
    instants = [datetime(2025, 9, 27, 20, 0)] * 2 + [None, datetime(2025, 9, 27, 20, 0)]
    step = get_transform("to_local").fn(
        pl.Series("v", instants, dtype=pl.Datetime("us", "UTC")), context, zone_field="zone"
    )
    # Auckland: +13 (DST began at 02:00 that morning); London: BST, +1; no zone: the practice's (Auckland).
    assert step.values.to_list() == [
        datetime(2025, 9, 28, 9, 0),
        datetime(2025, 9, 27, 21, 0),
        None,
        datetime(2025, 9, 28, 9, 0),
    ]


def _dump_with_files(root: Path) -> dict[str, Path]:
    """A dump folder with attachments and a manifest that lists some of them right and some wrong."""
    files = {
        "ok": ("attachments/1/note.pdf", b"%PDF-1.4 treatment note"),
        "edited": ("attachments/2/letter.pdf", b"%PDF-1.4 referral letter"),  # same size, other bytes
        "truncated": ("attachments/3/scan.pdf", b"%PDF-1.4 x-ray"),  # fewer bytes than listed
        "unlisted": ("attachments/4/extra.pdf", b"%PDF-1.4 not in the manifest"),
    }
    paths = {}
    for key, (relative, data) in files.items():
        paths[key] = root / relative
        paths[key].parent.mkdir(parents=True)
        paths[key].write_bytes(data)
    listed = {
        "ok": files["ok"][1],
        "edited": files["edited"][1].replace(b"referral", b"transfer"),
        "truncated": files["truncated"][1] + b" and report",
    }
    entries = [
        {"path": files[key][0], "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for key, data in listed.items()
    ]
    gone = b"%PDF-1.4 deleted after listing"
    entries.append({"path": "attachments/5/gone.pdf", "bytes": len(gone), "sha256": hashlib.sha256(gone).hexdigest()})
    paths["gone"] = root / "attachments/5/gone.pdf"
    (root / "manifest.json").write_text(json.dumps({"files": entries}), encoding="utf-8")
    return paths


def _dump_ctx(dump_dir: Path | None, outputs: dict | None = None) -> TransformContext:
    mapping = MappingContext("c", "trial", "cliniko", "NZ", "Pacific/Auckland", dump_dir=dump_dir)
    return TransformContext(pl.DataFrame(), outputs or {}, mapping, "field", "entity")


def test_dump_path_keeps_files_inside_the_dump_and_refuses_the_rest(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    paths = _dump_with_files(dump)
    (tmp_path / "outside.txt").write_text("not the practice's", encoding="utf-8")
    (dump / "attachments" / "link.pdf").symlink_to(tmp_path / "outside.txt")
    relative = ["attachments/1/note.pdf", "../outside.txt", "/etc/passwd", "attachments/link.pdf"]
    values, issues, _ = run("dump_path", [*relative, "attachments/5/gone.pdf", None], context=_dump_ctx(dump))
    assert values == [str(paths["ok"].resolve()), None, None, None, None, None]
    assert issues == [None, "unsafe_path", "unsafe_path", "unsafe_path", "missing_file", None]
    with pytest.raises(ValueError, match=r"^dump_path needs the run's dump folder"):
        run("dump_path", ["attachments/1/note.pdf"], context=_dump_ctx(None))


def test_a_field_read_from_an_emptied_path_inherits_why_the_path_is_empty(tmp_path: Path) -> None:
    """A letter's size and digest come from its path (`field: storage_uri`): where the path was emptied as
    `missing_file` or `unsafe_path`, they are empty for that reason, not with no code (which staging read as
    a bare `required_missing`, issue #18). A transform that fills a value in clears the inherited code."""
    paths = _dump_with_files(tmp_path)
    kept = pl.Series("storage_uri", [str(paths["ok"]), None, None, None], dtype=pl.String)
    why = pl.Series("storage_uri", [None, "missing_file", "unsafe_path", None], dtype=pl.String)
    context = _dump_ctx(tmp_path, {"storage_uri": kept})
    context.output_issues["storage_uri"] = why
    frame = pl.DataFrame({"_source_record": [1, 2, 3, 4]})
    sized = evaluate(FieldSpec(field="storage_uri", transforms=[TransformCall(name="file_bytes")]), frame, context, "t")
    assert sized.values.to_list() == [paths["ok"].stat().st_size, None, None, None]
    assert sized.issues.to_list() == [None, "missing_file", "unsafe_path", None]
    filled = evaluate(
        FieldSpec(field="storage_uri", transforms=[TransformCall(name="practice_country")]), frame, context, "t"
    )
    assert filled.values.to_list() == ["NZ"] * 4 and filled.issues.to_list() == [None] * 4


def test_file_sha256_verifies_each_file_against_the_manifest(tmp_path: Path) -> None:
    paths = _dump_with_files(tmp_path)
    order = ["ok", "edited", "truncated", "unlisted", "gone", "ok"]
    context = _dump_ctx(tmp_path)
    digests, issues, _ = run("file_sha256", [str(paths[k]) for k in order] + [None], context=context)
    ok = hashlib.sha256(paths["ok"].read_bytes()).hexdigest()
    assert digests == [ok, None, None, None, None, ok, None]
    assert issues == [None, "checksum_mismatch", "checksum_mismatch", "not_in_manifest", "missing_file", None, None]
    # The manifest is read once per chunk: a later change to it is not seen by the same chunk.
    (tmp_path / "manifest.json").write_text('{"files": []}', encoding="utf-8")
    assert run("file_sha256", [str(paths["ok"])], context=context)[0] == [ok]
    # Without a usable manifest nothing is verified.
    assert run("file_sha256", [str(paths["ok"])], context=_dump_ctx(tmp_path))[1] == ["not_in_manifest"]


def test_file_size_check_warns_where_the_recorded_size_differs(tmp_path: Path) -> None:
    paths = _dump_with_files(tmp_path)
    size = paths["ok"].stat().st_size
    on_disk = pl.Series("path", [str(paths["ok"]), str(paths["ok"]), str(paths["gone"]), str(paths["ok"])])
    context = _dump_ctx(tmp_path, outputs={"path": on_disk})
    values, _, warnings = run(
        "file_size_check", [size, size + 1, 99, None], dtype=pl.Int64, context=context, path_field="path"
    )
    assert values == [size, size + 1, 99, None]
    assert warnings == [None, "size_mismatch", None, None]  # a missing file or an unrecorded size is no mismatch


CUSTOM_FIELDS = json.dumps(
    {
        "sections": [
            {
                "name": "Medical",
                "token": "s1",
                "fields": [
                    {"name": "Allergies", "type": "text", "token": "f1", "value": "  Penicillin "},
                    {
                        "name": "Referral source",
                        "type": "checkboxes",
                        "token": "f2",
                        "options": [
                            {"name": "GP", "token": "o1", "selected": True},
                            {"name": "Friend", "token": "o2"},
                            {"name": "Web", "token": "o3", "selected": True},
                        ],
                    },
                ],
            },
            {"name": "Other ", "fields": [{"name": "Allergies", "value": "Latex"}, {"name": "Notes", "value": "  "}]},
        ]
    }
)


def test_cliniko_custom_field_by_label_and_section() -> None:
    column = pl.Series("custom_fields", [CUSTOM_FIELDS, "{oops", None, '{"sections": []}'])
    context = ctx()  # one context: the fields below share the column's decoding

    def field(label: str, section: str | None = None) -> tuple[list, list]:
        step = get_transform("cliniko_custom_field").fn(column, context, name=label, section=section)
        return step.values.to_list(), step.issues.to_list()

    values, issues = field(" allergies ")
    assert values == ["Penicillin", None, None, None]  # the first field of that label, trimmed
    assert issues == [None, "invalid_json", None, None]
    assert field("Allergies", section="other")[0] == ["Latex", None, None, None]
    assert field("Referral source")[0][0] == "GP; Web"
    assert field("Notes")[0][0] is None  # blank → null
    assert field("Shoe size")[0] == [None] * 4


def test_cliniko_field_value_and_options() -> None:
    fields = [
        '{"name": "A", "value": " x "}',
        '{"name": "B", "options": [{"name": "Yes", "selected": true}, {"name": "No", "selected": false}]}',
        '{"name": "C", "options": [{"name": "Yes"}, {"name": "No"}]}',
        "not json",
        '{"name": "D", "options": [{"name": "Only", "selected": true}]}',
        '{"name": "E", "value": "free text", "options": []}',
    ]
    values, issues, _ = run("cliniko_field_value", fields)
    # Options but none selected: no value; a single option is read like several; an empty option list is a
    # text field's.
    assert values == ["x", "Yes", None, None, "Only", "free text"]
    assert issues == [None, None, None, "invalid_json", None, None]
    options, issues, _ = run("cliniko_field_options", fields)
    assert options == [None, "Yes; No", "Yes; No", None, "Only", None]  # no option names: null, not ""
    assert issues == [None, None, None, "invalid_json", None, None]


def test_cliniko_note_text_sections_choices_and_entities_per_note() -> None:
    notes = [
        json.dumps(
            {
                "sections": [
                    {"name": "S", "questions": [{"name": "Q1", "answer": "a"}, {"name": "Q2", "answer": ""}]},
                    {
                        "name": "T",
                        "questions": [
                            {
                                "name": "Q3",
                                "answers": [
                                    {"value": "x", "selected": True},
                                    {"value": "y", "selected": False},
                                    {"value": "z", "selected": True},
                                ],
                            }
                        ],
                    },
                ]
            }
        ),
        '{"sections": [{"name": "S", "questions": [{"name": "Q1", "answer": "b &eacute;"}]}]}',
        '{"sections": []}',
        None,
        # A practitioner's note about markup (`&amp;lt;` is the text `&lt;`) keeps it, decoded once.
        '{"sections": [{"name": "S", "questions": [{"name": "Q1", "answer": "&amp;lt;3 caf&eacute;"}]}]}',
    ]
    values, issues, _ = run("cliniko_note_text", notes)
    assert values == ["S\nQ1: a\nT\nQ3: x; z", "S\nQ1: b é", None, None, "S\nQ1: &lt;3 café"]
    assert issues == [None] * 5


def test_cliniko_form_text_reads_signatures_as_signed() -> None:
    form = json.dumps(
        {
            "sections": [
                {
                    "name": "Consent",
                    "questions": [
                        {"name": "Agree", "type": "signature", "signature_id": "55"},
                        {"name": "Unsigned", "type": "signature"},
                        {"name": "Phone", "answer": " 021 &amp; "},
                    ],
                },
                {"name": "", "questions": [{"name": "Notes", "answer": "fine"}]},
            ]
        }
    )
    values, issues, _ = run("cliniko_form_text", [form, "{bad"])
    assert values == ["Consent\nAgree: Signed\nPhone: 021 &\nNotes: fine", None]
    assert issues == [None, "invalid_json"]
