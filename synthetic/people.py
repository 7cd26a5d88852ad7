"""Names, addresses, phones, emails and identifiers for one country, sampled from pools built once."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from faker import Faker
from ftfy.badness import is_bad

from checks.identifiers import NHI_LETTERS, medicare_check_digit, nhi_check_character, nhs_check_digit
from synthetic.countries import EMAIL_DOMAINS, Country, Locality
from synthetic.ids import IndexPermutation, derive_key

_UK_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # inward codes never use C I K M O V
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
_FIXED_TYPES = {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def name_key(name: str) -> str:
    """The most aggressive normal form of a name: accents dropped, letters only, case-folded.

    Pools are de-duplicated on it, so names stay distinct under any gentler normalisation a
    de-duplication step might use, and e-mail local parts built from it stay injective.
    """
    folded = unicodedata.normalize("NFKD", name.replace("’", "'"))
    return "".join(c for c in folded if c.isascii() and c.isalpha()).casefold()


@dataclass(frozen=True)
class Pools:
    """Name, street and job pools for one country, built once per run from Faker's locale data."""

    first: tuple[tuple[str, str], ...]  # (first name, "Female" | "Male")
    last: tuple[str, ...]
    streets: tuple[str, ...]

    @property
    def first_female(self) -> tuple[str, ...]:
        """Female first names."""
        return tuple(n for n, s in self.first if s == "Female")

    @property
    def first_male(self) -> tuple[str, ...]:
        """Male first names."""
        return tuple(n for n, s in self.first if s == "Male")


def _clean_unique(names: list[str], seen: set[str]) -> list[str]:
    out = []
    for name in names:
        key = name_key(name)
        if key and key not in seen and not is_bad(name) and name.isprintable():
            seen.add(key)
            out.append(name)
    return out


def build_pools(country: Country, seed: int) -> Pools:
    """Sample Faker's person and address providers once; records then draw from these lists.

    Args:
        country: The flavour.
        seed: The run's seed (streets depend on it; name lists are Faker's own, in their order).

    Returns:
        De-duplicated pools in which no clean name looks like mojibake (`ftfy.badness.is_bad`).
    """
    fake = Faker(country.faker_locale)
    fake.seed_instance(derive_key(seed, "faker") % 2**31)
    person = next(p for p in fake.get_providers() if p.__provider__ == "faker.providers.person")
    seen: set[str] = set()
    female = _clean_unique([*country.extra_first_female, *person.first_names_female], seen)
    male = _clean_unique([*country.extra_first_male, *person.first_names_male], seen)
    last = _clean_unique([*country.extra_last, *person.last_names], set())
    streets = sorted({s for s in (fake.street_name() for _ in range(3000)) if s.isprintable() and not is_bad(s)})
    first = tuple([(n, "Female") for n in female] + [(n, "Male") for n in male])
    return Pools(first=first, last=tuple(last), streets=tuple(streets))


class Identity:
    """Each client index → a distinct (first name, last name, date of birth) and distinct identifiers.

    A keyed permutation of the product space hands out combinations without repeats, so the clean
    de-duplication keys are unique by construction at any scale (1 M clients need no lookup table).
    """

    def __init__(self, pools: Pools, seed: int, dob_first_day: int, dob_days: int):
        self.pools = pools
        self.dob_first_day = dob_first_day
        self._nf, self._nl, self._nd = len(pools.first), len(pools.last), dob_days
        self._names = IndexPermutation(self._nf * self._nl * dob_days, derive_key(seed, "names"))
        # NHI test range: Z + 2 letters + 3 digits (old format) or + 2 digits + letter (new format).
        self._nhi = IndexPermutation(24 * 24 * 1000 + 24 * 24 * 100 * 24, derive_key(seed, "nhi"))
        self._nhs = IndexPermutation(10**6, derive_key(seed, "nhs"))  # the 999 synthetic range
        self._medicare = IndexPermutation(5 * 10**7, derive_key(seed, "medicare"))

    def person(self, i: int) -> tuple[str, str, str, int]:
        """(first name, sex, last name, date of birth as epoch day) of client `i`."""
        x = self._names(i)
        x, f = divmod(x, self._nf)
        d, last = divmod(x, self._nl)
        first, sex = self.pools.first[f]
        return first, sex, self.pools.last[last], self.dob_first_day + d

    def nhi(self, i: int) -> str | None:
        """A distinct test-range NHI for client `i`, or None (about 1 old-format prefix in 11 has none)."""
        if i >= self._nhi.size:
            return None
        x = self._nhi(i)
        letters = NHI_LETTERS
        if x < 24 * 24 * 1000:
            x, digits = divmod(x, 1000)
            prefix = f"Z{letters[x // 24]}{letters[x % 24]}{digits:03d}"
        else:
            x, last = divmod(x - 24 * 24 * 1000, 24)
            x, digits = divmod(x, 100)
            prefix = f"Z{letters[x // 24]}{letters[x % 24]}{digits:02d}{letters[last]}"
        check = nhi_check_character(prefix)
        return None if check is None else prefix + check

    def nhs(self, i: int) -> str | None:
        """A distinct NHS number in the 999 synthetic range, or None (1 in 11 bodies has no check digit)."""
        if i >= self._nhs.size:
            return None
        first9 = f"999{self._nhs(i):06d}"
        check = nhs_check_digit(first9)
        return None if check is None else first9 + check

    def medicare(self, i: int, rng: random.Random) -> tuple[str, str] | None:
        """A distinct Medicare card number (with issue digit) and an IRN for client `i`."""
        if i >= self._medicare.size:
            return None
        x = self._medicare(i)
        first8 = f"{2 + x // 10**7}{x % 10**7:07d}"
        irn = str(rng.choice((1, 1, 1, 2, 2, 3, 4)))
        return f"{first8}{medicare_check_digit(first8)}{rng.randint(1, 6)}", irn


def _valid_phone(number: str, mobile: bool, region: str) -> bool:
    parsed = phonenumbers.parse("+" + number)
    # The region check matters for the UK plan, which also numbers Jersey, Guernsey and the Isle of Man.
    if not phonenumbers.is_valid_number(parsed) or phonenumbers.region_code_for_number(parsed) != region:
        return False
    return phonenumbers.number_type(parsed) in (_MOBILE_TYPES if mobile else _FIXED_TYPES)


def phone_number(rng: random.Random, country: Country, *, mobile: bool, locality: Locality) -> str:
    """A phone number the way Cliniko stores it: country code and digits, no "+" (research/sources.md §2.6).

    Numbers are drawn from real mobile prefixes and local landline prefixes, then checked with
    `phonenumbers.is_valid_number` and redrawn if invalid — fake-looking ranges such as Ofcom's drama
    numbers fail that check (research/sources.md §5.2).
    """
    for _ in range(100):
        if mobile:
            prefix, digits = rng.choice(country.mobile_prefixes)
        else:
            prefix, digits = locality.landline, country.landline_digits
        body = str(rng.randint(2, 9)) + "".join(str(rng.randrange(10)) for _ in range(digits - 1))
        number = country.calling_code + prefix + body
        if _valid_phone(number, mobile, country.iso):
            return number
    raise RuntimeError(f"no valid {'mobile' if mobile else 'landline'} number for {country.code}")


def local_display(number: str, country: Country) -> str:
    """A stored number as people write it locally ("64211234567" → "021 123 4567"), for free text."""
    parsed = phonenumbers.parse("+" + number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


_EMAIL_SEPARATORS = (".", ".", ".", "_", "-")


def email_address(rng: random.Random, first: str, last: str) -> str:
    """A normal address from the person's names on an RFC 2606 domain: "jane.smith84@example.net".

    The local part always holds both name keys joined by a separator (never "last.first", never an
    initial), so two clean clients can share an address only if they share both names.
    """
    sep = rng.choice(_EMAIL_SEPARATORS)
    suffix = str(rng.randint(1, 99)) if rng.random() < 0.4 else ""
    return f"{name_key(first)}{sep}{name_key(last)}{suffix}@{rng.choice(EMAIL_DOMAINS)}"


def street_address(rng: random.Random, pools: Pools, country: Country) -> str:
    """A street line: number and street, sometimes a unit ("2/14 Kauri Street", "Flat 3, 7 Elm Road")."""
    number = rng.randint(1, 240)
    street = rng.choice(pools.streets)
    if rng.random() < 0.15:
        unit = rng.randint(1, 12)
        return f"Flat {unit}, {number} {street}" if country.code == "UK" else f"{unit}/{number} {street}"
    return f"{number} {street}"


def address_lines(country: Country, locality: Locality) -> dict[str, str | None]:
    """Cliniko's address_2 and city for a locality: NZ and UK addresses name the suburb above the town
    ("Ponsonby", "Auckland"); Australian ones use the suburb as the town ("Surry Hills NSW 2010")."""
    if country.code == "AU":
        return {"address_2": None, "city": locality.suburb}
    return {"address_2": locality.suburb if locality.suburb != locality.city else None, "city": locality.city}


def post_code(rng: random.Random, country: Country, locality: Locality) -> str:
    """The locality's postcode; UK postcodes get a random inward code."""
    if country.code != "UK":
        return locality.post_code
    letters = _UK_INWARD_LETTERS
    return f"{locality.post_code} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}"


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A lower-case ASCII slug for domains and file names ("Kōwhai Physio" → "kowhai-physio")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG.sub("-", folded.lower()).strip("-")
