"""The coherent practice every client belongs to: sites, staff, appointment types, prices, referrers."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from stdnum.au import abn
from stdnum.nz import ird

from synthetic.countries import DESIGNATIONS, REFERRAL_SOURCES, Country, Locality
from synthetic.ids import IdSpace, seeded_rng
from synthetic.people import Identity, Pools, phone_number, slug
from synthetic.timeline import DAY, DstChange, ZoneDays

# Appointment types: (kind, name, minutes, max attendees, billable item code, note template).
APPOINTMENT_TYPES = (
    ("initial", "Initial consultation", 45, 1, "INIT", "initial"),
    ("standard", "Standard consultation", 30, 1, "STD", "standard"),
    ("extended", "Extended consultation", 60, 1, "EXT", "standard"),
    ("group", "Pilates class", 60, 10, "CLASS", "group"),
)
# Extra billable items sold with a consultation: (code, name, item type, is a product).
EXTRAS = (
    ("TAPE", "Kinesiology tape", "Product", True),
    ("BAND", "Exercise band", "Product", True),
    ("REPORT", "Report writing", "Service", False),
)
HISTORY_DAYS = 5 * 365 + 1  # the history window reaches ≈ 5 years back from as_of …
FUTURE_DAYS = 92  # … and ≈ 3 months ahead (bookings already in the diary)
REGISTRATION_DAYS = 6 * 365 + 1  # patients registered up to a year before the window opened


@dataclass(frozen=True)
class Site:
    """A business (practice location) with its zone's daily UTC offsets."""

    index: int
    id: str
    name: str
    zone: str
    days: ZoneDays
    locality: Locality
    address: str
    phone: str
    email: str
    observes_dst: bool


@dataclass(frozen=True)
class Practitioner:
    """A clinician: employed at one site from `start_day` until before `end_day`."""

    index: int
    id: str
    user_id: str
    title: str
    first: str
    last: str
    designation: str
    site: int
    start_day: int
    end_day: int

    @property
    def name(self) -> str:
        """First and last name, as Cliniko writes `author_name`."""
        return f"{self.first} {self.last}"

    def works_on(self, day: int) -> bool:
        """Whether the practitioner is employed on epoch day `day`."""
        return self.start_day <= day < self.end_day


@dataclass(frozen=True)
class AppointmentType:
    """An appointment type: its length, capacity, billable item and note template."""

    kind: str
    id: str
    name: str
    minutes: int
    max_attendees: int
    billable: str  # billable item code
    template: str  # note template kind


@dataclass(frozen=True)
class Billable:
    """A billable item: code, name, price in cents and which tax applies."""

    id: str
    code: str
    name: str
    item_type: str
    cents: int
    tax: int  # index into Practice.taxes
    # A retail product's id in the products catalogue: Cliniko's invoice item for a product sale links the
    # product, not a billable item (redguava/cliniko-api sections/invoice_items.md, Get Invoice Item).
    product_id: str | None = None


@dataclass(frozen=True)
class CustomFieldTokens:
    """Tokens (UUIDs) of the patient custom-field sections, fields and options in settings."""

    identifiers_section: str | None
    identifier_field: str | None
    identifier_name: str | None
    intake_section: str
    heard_field: str
    heard_options: tuple[tuple[str, str], ...]
    contact_field: str
    contact_options: tuple[tuple[str, str], ...]
    gp_field: str


@dataclass(frozen=True)
class Practice:
    """Everything a client's records refer to. Picklable: worker processes receive one copy."""

    country: Country
    seed: int
    clients: int
    defect_rate: float
    as_of_day: int
    window_start: int
    window_end: int
    registration_start: int
    name: str
    domain: str
    ids: IdSpace
    pools: Pools
    identity: Identity
    sites: tuple[Site, ...]
    practitioners: tuple[Practitioner, ...]
    site_practitioners: tuple[tuple[int, ...], ...]
    core_practitioners: tuple[tuple[int, ...], ...]  # at the site for the whole window
    reception_user_ids: tuple[str, ...]
    types: dict[str, AppointmentType]
    billables: dict[str, Billable]
    taxes: tuple[tuple[str, str, int], ...]  # (id, name, basis points)
    concessions: tuple[tuple[str, str], ...]  # (id, name)
    templates: dict[str, str]  # note template kind → id
    doctors: int
    other_contacts: int
    custom: CustomFieldTokens
    dst_changes: tuple[DstChange, ...]

    @property
    def as_of_ts(self) -> int:
        """The extract instant: `as_of` midnight UTC, in epoch seconds."""
        return self.as_of_day * DAY

    def practitioner_for(self, rng: random.Random, preferred: int, site: int, day: int) -> Practitioner:
        """The client's own practitioner if they work at `site` that day, else a colleague who does."""
        p = self.practitioners[preferred]
        if p.site == site and p.works_on(day) and rng.random() < 0.85:
            return p
        staff = self.site_practitioners[site]
        for _ in range(4):
            p = self.practitioners[staff[rng.randrange(len(staff))]]
            if p.works_on(day):
                return p
        core = self.core_practitioners[site]
        return self.practitioners[core[rng.randrange(len(core))]]


def _token(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _custom_tokens(rng: random.Random, country: Country) -> CustomFieldTokens:
    identifier_name = {"NZ": "NHI number", "UK": "NHS number"}.get(country.code)
    return CustomFieldTokens(
        identifiers_section=_token(rng) if identifier_name else None,
        identifier_field=_token(rng) if identifier_name else None,
        identifier_name=identifier_name,
        intake_section=_token(rng),
        heard_field=_token(rng),
        heard_options=tuple((h, _token(rng)) for h in REFERRAL_SOURCES),
        contact_field=_token(rng),
        contact_options=tuple((c, _token(rng)) for c in ("SMS", "Email", "Phone call")),
        gp_field=_token(rng),
    )


def registration_number(rng: random.Random, country: Country) -> str:
    """A business registration value with a valid check: NZ GST (IRD) number, AU ABN, UK company number."""
    if country.code == "NZ":
        while True:
            base = str(rng.randint(10_000_000, 14_999_999))
            number = base + ird.calc_check_digit(base)
            if ird.is_valid(number):
                return ird.format(number)
    if country.code == "AU":
        body = f"{rng.randrange(10**9):09d}"
        return abn.format(abn.calc_check_digits(body) + body)
    return f"{rng.randint(1, 16_000_000):08d}"


def build_practice(
    country: Country, *, seed: int, clients: int, defect_rate: float, as_of_day: int, pools: Pools
) -> Practice:
    """Lay out the practice for a run: everything here is small and fixed before any client exists."""
    rng = seeded_rng(seed, "practice")
    ids = IdSpace(seed)
    registration_start = as_of_day - REGISTRATION_DAYS
    first_day, last_day = registration_start - 400, as_of_day + FUTURE_DAYS + 30
    brand = rng.choice(country.practice_brands)
    name = f"{brand} Physiotherapy"
    domain = f"{slug(brand)}-physio.example.com"
    n_sites = 1 if clients < 150 else 2 if clients < 1000 else 3
    zone_days: dict[str, ZoneDays] = {}
    sites = []
    for k, spec in enumerate(country.sites[:n_sites]):
        days = zone_days.setdefault(spec.zone, ZoneDays(spec.zone, first_day, last_day))
        loc = country.localities[spec.locality]
        sites.append(
            Site(
                index=k,
                id=ids.setup("businesses", k),
                name=f"{name} {loc.suburb}",
                zone=spec.zone,
                days=days,
                locality=loc,
                address=f"{rng.randint(1, 300)} {rng.choice(pools.streets)}",
                phone=phone_number(rng, country, mobile=False, locality=loc),
                email=f"{slug(loc.suburb)}@{domain}",
                observes_dst=bool(days.dst_changes()),
            )
        )

    # About one practitioner per 400 clients (the brief), at least one who stays all window per site,
    # plus some who left (inactive) and some who joined later.
    n_active = max(2, round(clients / 400), n_sites)
    n_left = max(1, n_active // 6)
    practitioners = []
    females, males = pools.first_female, pools.first_male
    for k in range(n_active + n_left):
        site = k % n_sites
        core, left = k < n_sites, k >= n_active
        if core or left or rng.random() < 0.6:
            start = registration_start - rng.randint(30, 900)
        else:
            start = rng.randint(registration_start, as_of_day - 60)
        end = rng.randint(as_of_day - HISTORY_DAYS + 60, as_of_day - 30) if left else last_day + 1
        female = rng.random() < 0.6
        practitioners.append(
            Practitioner(
                index=k,
                id=ids.setup("practitioners", k),
                user_id=ids.setup("users", k),
                title=rng.choice(("Ms", "Dr", "") if female else ("Mr", "Dr", "")),
                first=rng.choice(females if female else males),
                last=rng.choice(pools.last),
                designation=DESIGNATIONS[0] if core else rng.choice(DESIGNATIONS),
                site=site,
                start_day=start,
                end_day=end,
            )
        )
    site_staff = tuple(tuple(p.index for p in practitioners if p.site == s) for s in range(n_sites))
    whole_window = [p for p in practitioners if p.start_day < registration_start and p.end_day > last_day]
    site_core = tuple(tuple(p.index for p in whole_window if p.site == s) for s in range(n_sites))
    n_reception = 1 + n_sites // 2
    reception = tuple(ids.setup("users", len(practitioners) + k) for k in range(n_reception))

    taxes = tuple((ids.setup("taxes", k), t, bp) for k, (t, bp) in enumerate(country.taxes))
    billables: dict[str, Billable] = {}
    for k, (kind, type_name, _minutes, _max, code, _template) in enumerate(APPOINTMENT_TYPES):
        billables[code] = Billable(
            ids.setup("billable_items", k),
            code,
            type_name,
            "Service",
            country.prices[kind],
            country.service_tax,
        )
    for k, (code, item_name, item_type, product) in enumerate(EXTRAS, len(billables)):
        billables[code] = Billable(
            ids.setup("billable_items", k),
            code,
            item_name,
            item_type,
            country.prices[code],
            country.product_tax if product else country.service_tax,
            ids.setup("products", k) if product else None,
        )
    types = {
        kind: AppointmentType(kind, ids.setup("appointment_types", k), type_name, minutes, max_att, code, tpl)
        for k, (kind, type_name, minutes, max_att, code, tpl) in enumerate(APPOINTMENT_TYPES)
    }
    templates = {
        kind: ids.setup("treatment_note_templates", k)
        for k, kind in enumerate(("initial", "standard", "phone", "group"))
    }
    changes = tuple(
        c
        for days in zone_days.values()
        for c in days.dst_changes()
        if as_of_day - HISTORY_DAYS <= c.day <= as_of_day + FUTURE_DAYS
    )
    return Practice(
        country=country,
        seed=seed,
        clients=clients,
        defect_rate=defect_rate,
        as_of_day=as_of_day,
        window_start=as_of_day - HISTORY_DAYS,
        window_end=as_of_day + FUTURE_DAYS,
        registration_start=registration_start,
        name=name,
        domain=domain,
        ids=ids,
        pools=pools,
        identity=Identity(pools, seed, dob_first_day=as_of_day - 95 * 365, dob_days=93 * 365),
        sites=tuple(sites),
        practitioners=tuple(practitioners),
        site_practitioners=site_staff,
        core_practitioners=site_core,
        reception_user_ids=reception,
        types=types,
        billables=billables,
        taxes=taxes,
        concessions=tuple((ids.setup("concession_types", k), c) for k, c in enumerate(country.concessions)),
        templates=templates,
        doctors=max(5, clients // 40),
        other_contacts=max(3, clients // 250),
        custom=_custom_tokens(rng, country),
        dst_changes=changes,
    )


def insurer_name(p: Practice, contact_id: str) -> str:
    """The company name of a standard (insurer or employer) contact, from its id."""
    n = int(contact_id) - int(p.ids.setup("contacts", 0)) - p.doctors
    return p.country.insurers[n % len(p.country.insurers)]
