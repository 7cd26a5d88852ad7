"""PracSuite test helpers several test modules share (tests/helpers is on the path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulators.launcher import RunningEmulators
from sources.pracsuite.api import PracsuiteApiSettings


def make_settings(running: RunningEmulators, **overrides: Any) -> PracsuiteApiSettings:
    """Client settings for the emulator, the keys read from an environment as a customer's would be."""
    e = running.endpoints
    env = {
        "PM_TEST__PRACSUITE_VENDOR_KEY": e.pracsuite_vendor_key or "",
        "PM_TEST__PRACSUITE_ACCOUNT_KEY": e.pracsuite_account_key or "",
    }
    values: dict[str, Any] = {"base_url": f"{e.pracsuite_url}/v1", "ca_file": e.ca_file, "backoff_seconds": 0.05}
    return PracsuiteApiSettings.from_env("PM_TEST__PRACSUITE_", env, **{**values, **overrides})


def dump_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
