"""NZ, AU and UK health identifiers: normalisers, check-digit validators and valid-number generators."""

from __future__ import annotations

import random
import re

from stdnum import luhn
from stdnum.gb import nhs as stdnum_nhs

__all__ = [
    "corrupt_check_digit",
    "is_valid_dva_number",
    "is_valid_ihi",
    "is_valid_medicare",
    "is_valid_medicare_irn",
    "is_valid_nhi",
    "is_valid_nhs_number",
    "medicare_check_digit",
    "nhi_check_character",
    "nhs_check_digit",
    "normalise_identifier",
    "random_dva",
    "random_ihi",
    "random_medicare",
    "random_nhi",
    "random_nhs_number",
]

# NHI letters count A=1 … Z=24, skipping I and O (research/sources.md §5.1, HISO 10046).
NHI_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_NHI_VALUE = {c: i for i, c in enumerate(NHI_LETTERS, 1)} | {str(d): d for d in range(10)}
_NHI_WEIGHTS = (7, 6, 5, 4, 3, 2)
_NHI_L = f"[{NHI_LETTERS}]"
_NHI_OLD_PREFIX = re.compile(rf"{_NHI_L}{{3}}\d{{3}}")
_NHI_NEW_PREFIX = re.compile(rf"{_NHI_L}{{3}}\d{{2}}{_NHI_L}")
_NHI_SHAPE = re.compile(rf"{_NHI_L}{{3}}(?:\d{{4}}|\d{{2}}{_NHI_L}{{2}})")

# Medicare card number: first digit 2–6, digits 1–8 weighted 1,3,7,9,1,3,7,9, sum mod 10 is digit 9,
# digit 10 is the card issue number (research/sources.md §5.1).
_MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)
_MEDICARE_SHAPE = re.compile(r"[2-6]\d{9}")

# IHI: 16 digits, prefix 800360, Luhn check (research/sources.md §5.1).
IHI_PREFIX = "800360"

# DVA file number: state letter (N V Q W S T) + war code (1–3 letters, or a space) + 1–6 digits
# (1-letter code ≤ 6 digits, 2 letters ≤ 5, 3 letters ≤ 4) + optional dependant letter; format
# only, there is no check digit (research/sources.md §5.1).
_DVA_SHAPE = re.compile(r"[NVQWST](?:[A-Z ]\d{1,6}|[A-Z]{2}\d{1,5}|[A-Z]{3}\d{1,4})[A-Z]?")
DVA_STATES = "NVQWST"
_DVA_WAR_CODES = (" ", "X", "SM", "SS", "SR", "CGW", "KOR")

# NHS numbers starting 999 are the synthetic/test range (research/sources.md §5.1).
NHS_TEST_PREFIX = "999"

_SEPARATORS = re.compile(r"[\s\-]+")


def normalise_identifier(value: str) -> str:
    """Strip spaces and hyphens and upper-case an identifier as typed ("943-476 5870" → "9434765870").

    Args:
        value: The identifier as delivered.

    Returns:
        The compact, upper-case form. Not for DVA numbers, where a space can be the war code.
    """
    return _SEPARATORS.sub("", value).upper()


def nhi_check_character(first6: str) -> str | None:
    """The NHI check character for the first six characters of an NHI.

    Old format (AAANNN…): check = 11 − (sum mod 11), 10 becomes 0, remainder 0 has no valid check
    digit. New format (AAANNA…): check = 23 − (sum mod 23) read back as a letter; remainder 0 gives
    23, the letter Y, which is valid (research/sources.md §5.1).

    Args:
        first6: The first six characters, case and separators ignored.

    Returns:
        The check character, or None when the prefix has the wrong shape or no check digit exists.
    """
    prefix = normalise_identifier(first6)
    if len(prefix) != 6:
        return None
    if _NHI_OLD_PREFIX.fullmatch(prefix):
        remainder = _nhi_sum(prefix) % 11
        return None if remainder == 0 else str((11 - remainder) % 10)
    if _NHI_NEW_PREFIX.fullmatch(prefix):
        return NHI_LETTERS[23 - _nhi_sum(prefix) % 23 - 1]
    return None


def _nhi_sum(prefix: str) -> int:
    return sum(_NHI_VALUE[c] * w for c, w in zip(prefix, _NHI_WEIGHTS, strict=True))


def is_valid_nhi(value: str) -> bool:
    """Whether `value` is a valid NZ National Health Index number, old (AAANNNN) or new (AAANNAA) format.

    Letters I and O never occur. Test values (Z prefix) are accepted: they are valid by the routine and
    synthetic data uses them.

    Args:
        value: The NHI; case, spaces and hyphens are ignored.

    Returns:
        True when the shape and the check character are right.
    """
    if not isinstance(value, str):
        return False
    nhi = normalise_identifier(value)
    if not _NHI_SHAPE.fullmatch(nhi):
        return False
    return nhi_check_character(nhi[:6]) == nhi[6]


def medicare_check_digit(first8: str) -> str | None:
    """The Medicare check digit (digit 9) for the first eight digits, or None if they are malformed."""
    digits = normalise_identifier(first8)
    if len(digits) != 8 or not digits.isdigit() or digits[0] not in "23456":
        return None
    return str(sum(int(d) * w for d, w in zip(digits, _MEDICARE_WEIGHTS, strict=True)) % 10)


def is_valid_medicare(number: str) -> bool:
    """Whether `number` is a valid 10-digit Australian Medicare card number.

    The 10 digits include the card issue number (digit 10). The individual reference number (IRN, the
    11th digit printed next to each person on the card) is a separate field — Cliniko's
    `medicare_reference_number` — so an 11-digit value is rejected here; check the IRN with
    `is_valid_medicare_irn`.

    Args:
        number: The card number; spaces and hyphens are ignored.

    Returns:
        True when it has 10 digits, starts with 2–6 and its check digit (digit 9) is right.
    """
    if not isinstance(number, str):
        return False
    digits = normalise_identifier(number)
    if not _MEDICARE_SHAPE.fullmatch(digits):
        return False
    return medicare_check_digit(digits[:8]) == digits[8]


def is_valid_medicare_irn(value: str) -> bool:
    """Whether `value` is a Medicare individual reference number: a single digit 1–9."""
    return isinstance(value, str) and len(value.strip()) == 1 and value.strip() in "123456789"


def is_valid_ihi(value: str) -> bool:
    """Whether `value` is a valid Australian Individual Healthcare Identifier (16 digits, 800360, Luhn).

    Args:
        value: The IHI; spaces and hyphens are ignored.

    Returns:
        True when the length, prefix and Luhn check are right.
    """
    if not isinstance(value, str):
        return False
    digits = normalise_identifier(value)
    return len(digits) == 16 and digits.isdigit() and digits.startswith(IHI_PREFIX) and luhn.is_valid(digits)


def nhs_check_digit(first9: str) -> str | None:
    """The NHS number check digit for the first nine digits, or None when none exists.

    Weights 10..2 on the first nine digits, check = 11 − (sum mod 11), 11 becomes 0 and 10 means the
    number is never issued (research/sources.md §5.1).
    """
    digits = normalise_identifier(first9)
    if len(digits) != 9 or not digits.isdigit():
        return None
    check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
    if check == 10:
        return None
    return "0" if check == 11 else str(check)


def is_valid_nhs_number(value: str) -> bool:
    """Whether `value` is a valid UK NHS number (10 digits, modulus-11 check), via `stdnum.gb.nhs`.

    Args:
        value: The number; spaces and hyphens are ignored (the usual display is 3-3-4).

    Returns:
        True when it has 10 digits and a right check digit.
    """
    if not isinstance(value, str):
        return False
    return stdnum_nhs.is_valid(normalise_identifier(value))


def is_valid_dva_number(value: str) -> bool:
    """Whether `value` has the shape of an Australian DVA file number (there is no check digit).

    Only surrounding whitespace is stripped and letters upper-cased: an inner space is meaningful
    (a blank war code, as in "W 1").

    Args:
        value: The file number as delivered.

    Returns:
        True when it matches state letter + war code + digits + optional dependant letter.
    """
    if not isinstance(value, str):
        return False
    return _DVA_SHAPE.fullmatch(value.strip().upper()) is not None


def random_nhi(rng: random.Random, *, new_format: bool | None = None) -> str:
    """A valid NHI in the Z-prefixed test range, so synthetic data never names a real person.

    Args:
        rng: The random source.
        new_format: Force the new (AAANNAA) or old (AAANNNN) format; None picks either.

    Returns:
        A seven-character NHI that `is_valid_nhi` accepts.
    """
    use_new = rng.random() < 0.5 if new_format is None else new_format
    while True:
        head = "Z" + rng.choice(NHI_LETTERS) + rng.choice(NHI_LETTERS)
        if use_new:
            prefix = f"{head}{rng.randrange(100):02d}{rng.choice(NHI_LETTERS)}"
        else:
            prefix = f"{head}{rng.randrange(1000):03d}"
        check = nhi_check_character(prefix)
        if check is not None:  # about 1 old-format prefix in 11 has no check digit
            return prefix + check


def random_medicare(rng: random.Random) -> tuple[str, str]:
    """A valid Medicare card number and an individual reference number.

    Args:
        rng: The random source.

    Returns:
        (10-digit card number, IRN "1"–"9"); the IRN is usually low since it counts card holders.
    """
    first8 = str(rng.randint(2, 6)) + f"{rng.randrange(10**7):07d}"
    issue = str(rng.randint(1, 9))
    irn = str(rng.choice((1, 1, 1, 2, 2, 3, 4, 5)))
    return first8 + str(medicare_check_digit(first8)) + issue, irn


def random_nhs_number(rng: random.Random) -> str:
    """A valid NHS number in the 999 synthetic/test range (never issued to a patient).

    Args:
        rng: The random source.

    Returns:
        A 10-digit NHS number that `is_valid_nhs_number` accepts.
    """
    while True:
        first9 = NHS_TEST_PREFIX + f"{rng.randrange(10**6):06d}"
        check = nhs_check_digit(first9)
        if check is not None:
            return first9 + check


def random_ihi(rng: random.Random) -> str:
    """A valid IHI: prefix 800360, nine random digits and the Luhn check digit."""
    body = IHI_PREFIX + f"{rng.randrange(10**9):09d}"
    return body + luhn.calc_check_digit(body)


def random_dva(rng: random.Random) -> str:
    """A DVA file number of valid shape (state letter, war code, digits, sometimes a dependant letter).

    Args:
        rng: The random source.

    Returns:
        A file number that `is_valid_dva_number` accepts, e.g. "NX123456" or "QSM1234B".
    """
    war = rng.choice(_DVA_WAR_CODES)
    max_digits = {1: 6, 2: 5, 3: 4}[len(war)]
    digits = str(rng.randrange(1, 10 ** rng.randint(1, max_digits)))
    dependant = rng.choice("ABCDEF") if rng.random() < 0.2 else ""
    return rng.choice(DVA_STATES) + war + digits + dependant


def _identifier_kind(value: str) -> str:
    if _NHI_SHAPE.fullmatch(value):
        return "nhi"
    if len(value) == 16 and value.isdigit():
        return "ihi"
    if len(value) == 10 and value.isdigit():
        medicare, nhs = is_valid_medicare(value), is_valid_nhs_number(value)
        if medicare and not nhs:
            return "medicare"
        if nhs and not medicare:
            return "nhs"
        raise ValueError("a 10-digit value valid as both Medicare and NHS number: pass kind=")
    raise ValueError("not an NHI, Medicare, NHS or IHI number")


def corrupt_check_digit(value: str, *, kind: str | None = None) -> str:
    """The same identifier with a wrong check character, so that its validator rejects it.

    Args:
        value: A valid NHI, Medicare card number, NHS number or IHI (separators are dropped).
        kind: "nhi", "medicare", "nhs" or "ihi"; inferred when omitted (a 10-digit value valid both
            as Medicare and as NHS number needs it).

    Returns:
        The value with only its check character changed (the next digit or NHI letter, cyclically).

    Raises:
        ValueError: When the kind cannot be told or is unknown.
    """
    compact = normalise_identifier(value)
    kind = kind or _identifier_kind(compact)
    # Position of the check character: the last one, except Medicare where digit 10 is the issue number.
    position = {"nhi": 6, "medicare": 8, "nhs": 9, "ihi": 15}.get(kind)
    if position is None or len(compact) <= position:
        raise ValueError(f"unknown identifier kind {kind!r} or value too short")
    old = compact[position]
    alphabet = "0123456789" if old.isdigit() else NHI_LETTERS
    new = alphabet[(alphabet.index(old) + 1) % len(alphabet)]
    return compact[:position] + new + compact[position + 1 :]
