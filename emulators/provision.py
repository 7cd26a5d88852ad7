"""Provision an emulated org the way a practice's tenant would be: its practitioners as system users.

Dynamics users come from Entra ID, never from the migration (DESIGN.md §4: practitioners are matched,
not created). A dry run against the emulator needs them present, so the demo and the benchmarks add the
dump's users (practice-deactivated ones disabled) and the customer's fallback owner.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def provision_practice_users(control: Any, dump_dir: Path, fallback_owner_email: str) -> int:
    """Add the users of a Cliniko dump (`users.ndjson`) and the fallback owner; returns how many."""
    added = 0
    path = Path(dump_dir) / "users.ndjson"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        user = json.loads(line) if line.strip() else {}
        if not user.get("email"):
            continue
        control.add_user(
            firstname=user.get("first_name") or "User",
            lastname=user.get("last_name") or "Practice",
            internalemailaddress=user["email"],
            isdisabled=not user.get("user_active", True),
        )
        added += 1
    control.add_user(firstname="Migration", lastname="Owner", internalemailaddress=fallback_owner_email)
    return added + 1
