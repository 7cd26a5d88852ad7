"""NZ, AU and UK flavours of the synthetic practice: places, phone plans, taxes, prices and wording."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Locality:
    """A real suburb with its city, state and postcode, and the landline prefix used there.

    For the UK, `post_code` is the outward code; the generator adds an inward code ("SW4" → "SW4 7AB").
    """

    suburb: str
    city: str
    state: str | None
    post_code: str
    landline: str  # digits after the country code that start local landlines, e.g. "9" for Auckland


@dataclass(frozen=True)
class SiteSpec:
    """One business (site) of the practice: where it is and its IANA time zone."""

    locality: int  # index into Country.localities
    zone: str


@dataclass(frozen=True)
class Country:
    """Everything that differs between the NZ, AU and UK flavours."""

    code: str  # the project's country code: NZ | AU | UK
    iso: str  # ISO 3166-1 alpha-2, Cliniko's country_code (UK is GB)
    name: str
    calling_code: str
    shard: str  # Cliniko API shard: NZ accounts live on the au shards (research/sources.md §2.1)
    faker_locale: str
    zone: str  # the practice's main zone (settings.time_zone)
    localities: tuple[Locality, ...]
    sites: tuple[SiteSpec, ...]
    mobile_prefixes: tuple[tuple[str, int], ...]  # (digits after the country code, digits that follow)
    landline_digits: int  # digits after a locality's landline prefix
    taxes: tuple[tuple[str, int], ...]  # (name, rate in basis points)
    service_tax: int  # index into taxes for consultations
    product_tax: int  # index into taxes for goods
    prices: dict[str, int]  # cents, per appointment type kind and extra item code
    business_registration: str
    provider_number_name: str
    concessions: tuple[str, ...]
    practice_brands: tuple[str, ...]
    case_names: tuple[str, ...]
    insurers: tuple[str, ...]
    extra_first_female: tuple[str, ...]
    extra_first_male: tuple[str, ...]
    extra_last: tuple[str, ...]


# Taxes: NZ GST 15 %; AU GST 10 % with most health services GST-free; UK VAT 20 % with health
# services exempt (the brief; rates as published by IRD, ATO and HMRC).
NZ = Country(
    code="NZ",
    iso="NZ",
    name="New Zealand",
    calling_code="64",
    shard="au2",
    faker_locale="en_NZ",
    zone="Pacific/Auckland",
    localities=(
        Locality("Ponsonby", "Auckland", "Auckland", "1011", "93"),
        Locality("Remuera", "Auckland", "Auckland", "1050", "95"),
        Locality("Mount Eden", "Auckland", "Auckland", "1024", "96"),
        Locality("Takapuna", "Auckland", "Auckland", "0622", "94"),
        Locality("Ōtāhuhu", "Auckland", "Auckland", "1062", "92"),
        Locality("Henderson", "Auckland", "Auckland", "0612", "98"),
        Locality("Māngere", "Auckland", "Auckland", "2022", "92"),
        Locality("Papatoetoe", "Auckland", "Auckland", "2025", "92"),
        Locality("Grey Lynn", "Auckland", "Auckland", "1021", "93"),
        Locality("Devonport", "Auckland", "Auckland", "0624", "94"),
        Locality("Te Aro", "Wellington", "Wellington", "6011", "43"),
        Locality("Karori", "Wellington", "Wellington", "6012", "44"),
        Locality("Petone", "Lower Hutt", "Wellington", "5012", "45"),
        Locality("Riccarton", "Christchurch", "Canterbury", "8011", "33"),
        Locality("Sydenham", "Christchurch", "Canterbury", "8023", "33"),
        Locality("Hamilton East", "Hamilton", "Waikato", "3216", "78"),
        Locality("Mount Maunganui", "Tauranga", "Bay of Plenty", "3116", "75"),
        Locality("Whangārei", "Whangārei", "Northland", "0110", "94"),
    ),
    sites=(SiteSpec(0, "Pacific/Auckland"), SiteSpec(3, "Pacific/Auckland"), SiteSpec(1, "Pacific/Auckland")),
    mobile_prefixes=(("21", 7), ("21", 6), ("22", 7), ("27", 7)),
    landline_digits=6,
    taxes=(("GST", 1500),),
    service_tax=0,
    product_tax=0,
    prices={
        "initial": 9500,
        "standard": 7500,
        "extended": 11000,
        "group": 2500,
        "TAPE": 1250,
        "BAND": 1800,
        "REPORT": 6500,
    },
    business_registration="GST number",
    provider_number_name="ACC provider ID",
    concessions=("Community Services Card", "Student", "Senior", "Child"),
    practice_brands=("Harbourside", "Kōwhai", "Southern Cross", "Tui Street", "Waitematā", "Kauri"),
    case_names=("ACC claim", "ACC claim", "Private", "Insurance claim"),
    insurers=("Harbour Health Insurance Ltd", "Kiwi Mutual Health", "Tasman Employers Group"),
    extra_first_female=("Mārama", "Aroha", "Anahera", "Mereana", "Ngaio", "Kiri"),
    extra_first_male=("Tāne", "Hēmi", "Wiremu", "Rāwiri", "Nikau", "Tama"),
    extra_last=("Ngata", "Te Whata", "Pōmare", "Tūhoe", "Parata", "Horomona"),
)

AU = Country(
    code="AU",
    iso="AU",
    name="Australia",
    calling_code="61",
    shard="au1",
    faker_locale="en_AU",
    zone="Australia/Sydney",
    localities=(
        Locality("Surry Hills", "Sydney", "NSW", "2010", "29"),
        Locality("Parramatta", "Sydney", "NSW", "2150", "29"),
        Locality("Fortitude Valley", "Brisbane", "QLD", "4006", "73"),
        Locality("Bondi Junction", "Sydney", "NSW", "2022", "29"),
        Locality("Chatswood", "Sydney", "NSW", "2067", "29"),
        Locality("Newtown", "Sydney", "NSW", "2042", "29"),
        Locality("Manly", "Sydney", "NSW", "2095", "29"),
        Locality("Penrith", "Sydney", "NSW", "2750", "24"),
        Locality("South Brisbane", "Brisbane", "QLD", "4101", "73"),
        Locality("Toowong", "Brisbane", "QLD", "4066", "73"),
        Locality("Chermside", "Brisbane", "QLD", "4032", "73"),
        Locality("Fitzroy", "Melbourne", "VIC", "3065", "39"),
        Locality("St Kilda", "Melbourne", "VIC", "3182", "39"),
        Locality("Newcastle", "Newcastle", "NSW", "2300", "24"),
        Locality("Wollongong", "Wollongong", "NSW", "2500", "24"),
    ),
    # A Queensland site keeps Brisbane time: no DST there (research/sources.md §5.5).
    sites=(
        SiteSpec(0, "Australia/Sydney"),
        SiteSpec(1, "Australia/Sydney"),
        SiteSpec(2, "Australia/Brisbane"),
    ),
    mobile_prefixes=(("40", 7), ("41", 7), ("42", 7), ("43", 7), ("46", 7)),
    landline_digits=7,
    taxes=(("GST-free", 0), ("GST", 1000)),
    service_tax=0,
    product_tax=1,
    prices={
        "initial": 11000,
        "standard": 9000,
        "extended": 13500,
        "group": 3000,
        "TAPE": 1500,
        "BAND": 2200,
        "REPORT": 8000,
    },
    business_registration="ABN",
    provider_number_name="Medicare provider number",
    concessions=("Pensioner", "Health Care Card", "Student", "DVA Gold Card"),
    practice_brands=("Harbour City", "Wattle", "Southern Cross", "Bluegum", "Northside", "Coastal"),
    case_names=("Workers compensation", "CTP claim", "Enhanced Primary Care plan", "DVA referral"),
    insurers=("Coastal Workers Insurance Pty Ltd", "Eastern Health Fund", "Northside Employers Mutual"),
    extra_first_female=("Zoë", "Renée", "Chloé", "Thuy", "Siobhán"),
    extra_first_male=("José", "André", "Zoltán", "Minh", "Rhys"),
    extra_last=("Nguyễn", "O’Connor", "Müller", "Papadopoulos", "D’Souza"),
)

UK = Country(
    code="UK",
    iso="GB",
    name="United Kingdom",
    calling_code="44",
    shard="uk1",
    faker_locale="en_GB",
    zone="Europe/London",
    localities=(
        Locality("Islington", "London", None, "N1", "207"),
        Locality("Didsbury", "Manchester", None, "M20", "161"),
        Locality("Clapham", "London", None, "SW4", "207"),
        Locality("Hackney", "London", None, "E8", "208"),
        Locality("Camden", "London", None, "NW1", "207"),
        Locality("Brixton", "London", None, "SW2", "207"),
        Locality("Wimbledon", "London", None, "SW19", "208"),
        Locality("Chorlton", "Manchester", None, "M21", "161"),
        Locality("Salford", "Salford", None, "M5", "161"),
        Locality("Hillhead", "Glasgow", None, "G12", "141"),
        Locality("Aigburth", "Liverpool", None, "L17", "151"),
        Locality("Headingley", "Leeds", None, "LS6", "113"),
        Locality("Clifton", "Bristol", None, "BS8", "117"),
        Locality("Edgbaston", "Birmingham", None, "B15", "121"),
    ),
    sites=(SiteSpec(0, "Europe/London"), SiteSpec(1, "Europe/London"), SiteSpec(2, "Europe/London")),
    mobile_prefixes=(("74", 8), ("75", 8), ("77", 8), ("78", 8), ("79", 8)),
    landline_digits=7,
    taxes=(("VAT exempt", 0), ("VAT", 2000)),
    service_tax=0,
    product_tax=1,
    prices={
        "initial": 6500,
        "standard": 5000,
        "extended": 7500,
        "group": 1500,
        "TAPE": 800,
        "BAND": 1200,
        "REPORT": 5000,
    },
    business_registration="Company number",
    provider_number_name="HCPC registration",
    concessions=("Student", "Over 65", "NHS staff"),
    practice_brands=("Riverside", "Thames", "Northern", "Elm Tree", "Canal Street", "Parkside"),
    case_names=("Insurance claim", "Self-funded", "Employer scheme", "Solicitor referral"),
    insurers=("Albion Health Insurance plc", "Northern Employers Cover Ltd", "Riverside Legal LLP"),
    extra_first_female=("Siân", "Chloé", "Zoë", "Niamh", "Seren"),
    extra_first_male=("Seán", "Rhodri", "Dafydd", "Óscar", "Ciarán"),
    extra_last=("O’Brien", "Brontë", "Ní Bhriain", "ap Rhys", "Müller"),
)

COUNTRIES: dict[str, Country] = {c.code: c for c in (NZ, AU, UK)}

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com", "inbox.example.net")
"""RFC 2606 reserved domains: a sandbox that sends mail to synthetic clients can never reach anyone."""

OCCUPATIONS = (
    "Teacher",
    "Nurse",
    "Builder",
    "Accountant",
    "Retired",
    "Student",
    "Electrician",
    "Chef",
    "Software developer",
    "Farmer",
    "Office manager",
    "Lawyer",
    "Plumber",
    "Barista",
    "Engineer",
    "Retail assistant",
    "Police officer",
    "Graphic designer",
    "Truck driver",
    "Personal trainer",
)

DESIGNATIONS = (
    "Physiotherapist",
    "Physiotherapist",
    "Osteopath",
    "Podiatrist",
    "Massage therapist",
    "Exercise physiologist",
    "Chiropractor",
)

REFERRAL_SOURCES = (
    "Google search",
    "Friend or family",
    "GP referral",
    "Facebook",
    "Walked past",
    "Returning patient",
)

MEDICAL_ALERTS = (
    "Allergy: penicillin",
    "Latex allergy",
    "Pacemaker fitted",
    "Type 2 diabetes",
    "On warfarin",
    "Epilepsy",
    "Osteoporosis",
    "Pregnant",
    "Hypertension",
    "Asthma",
    "Hip replacement (left)",
    "Anxiety: prefers morning appointments",
)

CANCELLATION_NOTES = ("Called to cancel", "Cancelled online", "Left a voicemail", "Rebooked for next week")
