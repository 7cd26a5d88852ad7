"""Identifier validators against the published test vectors, and generated numbers round-tripping."""

from __future__ import annotations

import random
import re

import pytest

from checks.identifiers import (
    corrupt_check_digit,
    is_valid_dva_number,
    is_valid_ihi,
    is_valid_medicare,
    is_valid_medicare_irn,
    is_valid_nhi,
    is_valid_nhs_number,
    medicare_check_digit,
    nhi_check_character,
    nhs_check_digit,
    normalise_identifier,
    random_dva,
    random_ihi,
    random_medicare,
    random_nhi,
    random_nhs_number,
)

# Test vectors from research/sources.md §5.1 (python-nhi, au-fhir-base, python-stdnum, validate-dva-number).
VALID_NHI = ["ZZZ0016", "ZZZ0024", "ZAA0067", "ZZZ00AC"]
VALID_MEDICARE = ["2123456701", "3278851195"]  # au-fhir-base "32788511952" = card 3278851195 + IRN 2
VALID_IHI = ["8003608166690503"]
VALID_NHS = ["9434765870", "9434765919"]
VALID_DVA = ["W 1", "NX5", "NX5A", "SCGW1234", "SCGW1234B"]


@pytest.mark.parametrize("value", VALID_NHI)
def test_published_nhi_vectors_are_valid(value: str) -> None:
    assert is_valid_nhi(value)
    assert is_valid_nhi(value.lower())
    assert nhi_check_character(value[:6]) == value[6]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("ZZZ0017", "wrong check digit (0016 is right)"),
        ("ZZZ00AD", "wrong check letter (00AC is right)"),
        ("ZZZ0044", "old-format prefix ZZZ004 sums to 0 mod 11: no check digit exists"),
        ("ZZZ00AX", "the mod-24 check of the withdrawn routine, wrong under mod 23"),
        ("ZIZ0016", "letter I is never used"),
        ("ZOZ0016", "letter O is never used"),
        ("ZZZ001", "too short"),
        ("ZZZ00166", "too long"),
        ("1ZZ0016", "starts with a digit"),
        ("", "empty"),
    ],
)
def test_invalid_nhi(value: str, why: str) -> None:
    assert not is_valid_nhi(value), why


def test_no_check_digit_makes_a_zero_remainder_old_nhi_valid() -> None:
    assert nhi_check_character("ZZZ004") is None
    assert not any(is_valid_nhi(f"ZZZ004{d}") for d in range(10))


def test_new_nhi_remainder_zero_gives_y() -> None:
    # Z,Y,Z,8,9,X weigh 168+138+120+32+27+44 = 529 = 23 × 23: remainder 0 → check 23 → "Y".
    assert nhi_check_character("ZYZ89X") == "Y"
    assert is_valid_nhi("ZYZ89XY")


@pytest.mark.parametrize("value", VALID_MEDICARE)
def test_published_medicare_vectors_are_valid(value: str) -> None:
    assert is_valid_medicare(value)
    assert is_valid_medicare(f"{value[:4]} {value[4:9]} {value[9]}")  # as printed on the card


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2123456711", "wrong check digit"),
        ("7123456701", "first digit must be 2–6"),
        ("1123456701", "first digit must be 2–6"),
        ("32788511952", "11 digits: the IRN is a separate field"),
        ("212345670", "9 digits"),
        ("21234567A1", "not all digits"),
    ],
)
def test_invalid_medicare(value: str, why: str) -> None:
    assert not is_valid_medicare(value), why


def test_medicare_irn() -> None:
    assert all(is_valid_medicare_irn(str(d)) for d in range(1, 10))
    assert not any(is_valid_medicare_irn(v) for v in ["0", "10", "", "A", "-1"])


def test_ihi_vectors() -> None:
    assert is_valid_ihi(VALID_IHI[0])
    assert is_valid_ihi("8003 6081 6669 0503")
    assert not is_valid_ihi("8003608166690504")  # Luhn fails
    assert not is_valid_ihi("800360816669050")  # 15 digits
    # A Luhn-valid 16-digit number outside the 800360 prefix is not an IHI.
    assert not is_valid_ihi("4111111111111111")


@pytest.mark.parametrize("value", [*VALID_NHS, "943 476 5870", "943-476-5870"])
def test_published_nhs_vectors_are_valid(value: str) -> None:
    assert is_valid_nhs_number(value)


@pytest.mark.parametrize("value", ["9434765871", "943476587", "94347658700", "943476587X"])
def test_invalid_nhs(value: str) -> None:
    assert not is_valid_nhs_number(value)


def test_nhs_check_digit_agrees_with_stdnum() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        first9 = f"{rng.randrange(10**9):09d}"
        check = nhs_check_digit(first9)
        valid = [d for d in "0123456789" if is_valid_nhs_number(first9 + d)]
        assert valid == ([] if check is None else [check])


@pytest.mark.parametrize("value", [*VALID_DVA, " nx5a "])
def test_published_dva_vectors_are_valid(value: str) -> None:
    assert is_valid_dva_number(value)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("AX5", "A is not a state letter"),
        ("NX1234567", "one-letter war code allows at most 6 digits"),
        ("NXX123456", "two-letter war code allows at most 5 digits"),
        ("SCGW12345", "three-letter war code allows at most 4 digits"),
        ("NX", "no digits"),
        ("NX5AB", "at most one dependant letter"),
        ("N5", "no war code"),
        ("", "empty"),
    ],
)
def test_invalid_dva(value: str, why: str) -> None:
    assert not is_valid_dva_number(value), why


def test_normalise_identifier() -> None:
    assert normalise_identifier(" zzz-0016 ") == "ZZZ0016"
    assert normalise_identifier("943 476\t5870") == "9434765870"


def test_check_helpers_reject_malformed_prefixes() -> None:
    assert nhi_check_character("ZZZ00") is None
    assert nhi_check_character("ZZ0016") is None
    assert medicare_check_digit("1234567") is None
    assert medicare_check_digit("72345678") is None
    assert nhs_check_digit("94347658") is None


def test_generated_numbers_validate_and_corrupted_ones_do_not() -> None:
    rng = random.Random(20261101)
    for _ in range(3000):
        nhi = random_nhi(rng)
        assert nhi.startswith("Z") and is_valid_nhi(nhi), nhi
        assert not is_valid_nhi(corrupt_check_digit(nhi)), nhi

        number, irn = random_medicare(rng)
        assert is_valid_medicare(number) and is_valid_medicare_irn(irn), (number, irn)
        assert not is_valid_medicare(corrupt_check_digit(number, kind="medicare")), number

        nhs = random_nhs_number(rng)
        assert nhs.startswith("999") and is_valid_nhs_number(nhs), nhs
        assert not is_valid_nhs_number(corrupt_check_digit(nhs, kind="nhs")), nhs

        ihi = random_ihi(rng)
        assert is_valid_ihi(ihi) and not is_valid_ihi(corrupt_check_digit(ihi)), ihi

        assert is_valid_dva_number(random_dva(rng))


def test_generators_cover_both_nhi_formats() -> None:
    rng = random.Random(3)
    kinds = {random_nhi(rng)[-1].isdigit() for _ in range(200)}
    assert kinds == {True, False}
    assert random_nhi(rng, new_format=True)[-1].isalpha()
    assert random_nhi(rng, new_format=False)[-1].isdigit()


def test_corrupt_check_digit_changes_only_the_check_character() -> None:
    assert corrupt_check_digit("ZZZ0016") == "ZZZ0017"
    assert corrupt_check_digit("zzz00ac") == "ZZZ00AD"
    assert corrupt_check_digit("2123456701", kind="medicare") == "2123456711"
    assert corrupt_check_digit("9434765870", kind="nhs") == "9434765871"
    with pytest.raises(ValueError, match="not an NHI"):
        corrupt_check_digit("hello")


@pytest.mark.parametrize(
    "validator",
    [is_valid_nhi, is_valid_medicare, is_valid_medicare_irn, is_valid_ihi, is_valid_nhs_number, is_valid_dva_number],
)
@pytest.mark.parametrize("value", [None, 9434765870, b"ZZZ0016"])
def test_validators_reject_values_that_are_not_text(validator: object, value: object) -> None:
    # A typed column can hand a validator a null or a number: that is "not valid", never an exception.
    assert validator(value) is False  # type: ignore[operator]


def test_corrupt_check_digit_infers_the_kind_from_the_shape() -> None:
    medicare_only = next(v for v in VALID_MEDICARE if not is_valid_nhs_number(v))
    assert corrupt_check_digit(medicare_only) == corrupt_check_digit(medicare_only, kind="medicare")
    nhs_only = next(v for v in VALID_NHS if not is_valid_medicare(v))
    assert corrupt_check_digit(nhs_only) == corrupt_check_digit(nhs_only, kind="nhs")
    assert corrupt_check_digit("8003608166690503") == "8003608166690504"
    with pytest.raises(ValueError, match=r"^not an NHI, Medicare, NHS or IHI number$"):
        corrupt_check_digit("ABCDEFGHIJ")  # ten characters, but not digits
    with pytest.raises(ValueError, match=r"^unknown identifier kind 'passport'"):
        corrupt_check_digit("ZZZ0016", kind="passport")
    with pytest.raises(ValueError, match=r"too short$"):
        corrupt_check_digit("800360816669050", kind="ihi")  # 15 digits: the check digit's place is missing


def test_corrupt_check_digit_wraps_around_its_alphabet() -> None:
    assert corrupt_check_digit("9434765919", kind="nhs") == "9434765910"  # 9 → 0, not past the digits
    assert corrupt_check_digit("ZZZ00AZ")[-1] == "A"  # the NHI letters wrap the same way


def test_corrupt_check_digit_needs_the_kind_when_both_ten_digit_schemes_accept_the_value() -> None:
    both = "2000000029"
    assert is_valid_medicare(both) and is_valid_nhs_number(both)
    with pytest.raises(ValueError, match="valid as both"):
        corrupt_check_digit(both)
    assert corrupt_check_digit(both, kind="nhs") == "2000000020"


def test_generators_spread_over_their_whole_ranges() -> None:
    # Synthetic identifiers must exercise every shape a real practice holds, not a corner of it.
    rng = random.Random(7)
    medicare = [random_medicare(rng) for _ in range(2000)]
    assert {number[0] for number, _ in medicare} == set("23456")
    assert {number[9] for number, _ in medicare} == set("123456789")  # the card's issue number
    assert {irn for _, irn in medicare} == set("12345")
    assert max(int(number[1:8]) for number, _ in medicare) > 9_000_000  # seven free digits
    assert max(int(random_nhs_number(rng)[3:9]) for _ in range(500)) > 900_000
    assert max(int(random_ihi(rng)[6:15]) for _ in range(500)) > 900_000_000
    dva = [random_dva(rng) for _ in range(2000)]
    serials = [re.search(r"\d+", number).group() for number in dva]  # type: ignore[union-attr]
    assert min(int(serial) for serial in serials) == 1
    assert max(len(serial) for serial in serials) == 6
    dependants = [number[-1] for number in dva if number[-1].isalpha()]
    assert set(dependants) == set("ABCDEF")
    assert 0.1 < len(dependants) / len(dva) < 0.3  # a fifth of file numbers name a dependant


def test_medicare_irn_is_one_digit_from_one_to_nine() -> None:
    values = ("1", " 9 ", "0", "X", "10", "")
    assert [is_valid_medicare_irn(v) for v in values] == [True, True, False, False, False, False]
