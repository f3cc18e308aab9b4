"""Seed shoppers: registered customers (some abroad, some wholesale), guests, CRM contacts."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from sandbox.seed.model import SeedAddressChange, SeedContact, SeedCustomer, SeedWorld

FIRST = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jon",
    "Kira",
    "Liam",
    "Maya",
    "Noor",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Vik",
    "Wen",
    "Xavi",
    "Yara",
    "Zoe",
]
LAST = [
    "Abbott",
    "Brooks",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Lopez",
    "Meyer",
    "Novak",
    "Okafor",
    "Patel",
    "Quinto",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Vargas",
    "Weber",
    "Young",
]
US_CITIES = [
    ("Springfield", "IL", "62701"),
    ("Austin", "TX", "73301"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97201"),
    ("Miami", "FL", "33101"),
    ("Boston", "MA", "02108"),
    ("Seattle", "WA", "98101"),
    ("Phoenix", "AZ", "85001"),
]
# (city, region, postal code, country, phone prefix): addresses outside the US
FOREIGN = [
    ("Toronto", "ON", "M5V 2T6", "CA", "+1 416 555"),
    ("Vancouver", "BC", "V6B 1A1", "CA", "+1 604 555"),
    ("London", "", "SW1A 1AA", "GB", "+44 20 7946"),
    ("Berlin", "", "10115", "DE", "+49 30 901820"),
    ("Lyon", "", "69002", "FR", "+33 4 7800"),
]
STREETS = ["Oak", "Elm", "Main", "Pine", "Queen", "Cedar"]


def _address(rng: random.Random, foreign: bool) -> dict[str, str]:
    if foreign:
        city, state, zip_code, country, prefix = rng.choice(FOREIGN)
        phone = f"{prefix} {rng.randint(0, 9999):04d}"
    else:
        city, state, zip_code = rng.choice(US_CITIES)
        country = "US"
        phone = f"555-01{rng.randint(0, 99):02d}-{rng.randint(0, 9999):04d}"
    return {
        "address": f"{rng.randint(1, 999)} {rng.choice(STREETS)} St",
        "address2": rng.choice(["", "", "", f"Apt {rng.randint(1, 40)}"]),
        "city": city,
        "state": state,
        "zip_code": zip_code,
        "country": country,
        "phone": phone,
    }


def customer(
    rng: random.Random, cid: int, email: str, first: str, last: str, foreign_share: float = 0.0
) -> SeedCustomer:
    """One shopper with a random address (abroad with probability `foreign_share`)."""
    company = rng.choice(["", "", "", f"{last} & Co", f"{first} Studio"])
    wholesale = bool(company) and rng.random() < 0.3
    return SeedCustomer(
        customer_id=cid,
        email=email,
        first_name=first,
        last_name=last,
        company=company,
        group_id=2 if wholesale else 0,
        tax_exempt=wholesale and rng.random() < 0.5,
        **_address(rng, rng.random() < foreign_share),
    )


def customers(rng: random.Random, n: int, foreign_share: float) -> list[SeedCustomer]:
    """Registered customers 1..n."""
    out = []
    for cid in range(1, n + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{cid}@example.com".lower()
        out.append(customer(rng, cid, email, first, last, foreign_share))
    return out


def moved(rng: random.Random, world: SeedWorld, share: float = 0.08) -> None:
    """Some registered customers edit their address during the seeded period."""
    start = world.anchor - dt.timedelta(days=world.config.days)
    for c in rng.sample(world.customers, int(len(world.customers) * share)):
        at = start + dt.timedelta(seconds=rng.randint(86400, world.config.days * 86400 - 86400))
        new = replace(c, **_address(rng, c.country != "US"))  # type: ignore[arg-type]
        world.address_changes.append(SeedAddressChange(at.replace(microsecond=0), new))
    world.address_changes.sort(key=lambda ch: ch.at)


def as_of(world: SeedWorld, c: SeedCustomer, moment: dt.datetime) -> SeedCustomer:
    """The registered customer's details at `moment` (after the moves made before it)."""
    current = c
    for change in world.address_changes:
        if change.customer.customer_id == c.customer_id and change.at <= moment:
            current = change.customer
    return current


def current(world: SeedWorld, c: SeedCustomer) -> SeedCustomer:
    """The registered customer as the store holds it at the anchor."""
    return as_of(world, c, world.anchor)


def guest(rng: random.Random, world: SeedWorld, n: int) -> SeedCustomer:
    """A guest checkout: a new shopper, a returning guest, or a registered customer's e-mail."""
    kind = rng.random()
    if kind < 0.35:  # a registered customer who did not log in: must match the same contact
        c = rng.choice(world.customers)
        return customer(rng, 0, c.email, c.first_name, c.last_name)
    if kind < 0.55:  # a returning guest (a new address each time): one contact, not two
        n = rng.randint(1, 10)
    first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
    return customer(rng, 0, f"guest{n}@example.net", first, last, world.config.foreign_share)


def crm(rng: random.Random, world: SeedWorld) -> set[str]:
    """Contacts the CRM already has: some store customers, and one e-mail held by two contacts.

    Returns:
        The ambiguous e-mails (held by more than one CRM contact).
    """
    known = rng.sample(world.customers, world.config.crm_known_customers + 1)
    for c in known[:-1]:
        world.crm_contacts.append(
            SeedContact(c.email, c.first_name, c.last_name, f"{c.last_name} Household")
        )
    twin = known[-1]
    for suffix in ("Household", "Old Account"):
        world.crm_contacts.append(
            SeedContact(twin.email, twin.first_name, twin.last_name, f"{twin.last_name} {suffix}")
        )
    return {twin.email}
