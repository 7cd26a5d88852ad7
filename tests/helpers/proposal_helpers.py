"""What the proposal tests share: the seed their synthetic exports are generated with, and a proposal
made from tables of delivered text."""

from __future__ import annotations

import polars as pl

from proposals.profile import DumpProfile, profile_dump
from proposals.propose import Proposal, propose

# One seed for every proposal test's export, so a test's expected proposal is the one its fixture's export gives.
PROPOSAL_SEED = 7


def propose_text(
    tables: dict[str, dict[str, list[str | None]]], system: str = "new_system", country: str = "NZ"
) -> tuple[DumpProfile, Proposal]:
    """Tables of delivered text (as proposals/tables.py reads a dump) → (profile, offline proposal), with
    the known-profile shortcut off so names and values do the work."""
    frames = {name: pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)) for name, columns in tables.items()}
    profile = profile_dump(frames)
    return profile, propose(frames, profile, system, country, use_known_profiles=False)
