"""``practice-migrate emulators``: one JSON line, serve until SIGTERM, stop cleanly; --cliniko is refused."""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys

import httpx
import msal

from emulators.launcher import ssl_context

RUNNER = (
    "import argparse, sys\n"
    "from emulators import cli\n"
    "parser = argparse.ArgumentParser()\n"
    "cli.add_arguments(parser)\n"
    "sys.exit(cli.run(parser.parse_args(sys.argv[1:])))\n"
)


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=pathlib.Path(__file__).resolve().parents[2],
    )


def test_json_line_then_clean_stop(tmp_path: pathlib.Path) -> None:
    process = _start("--json", "--state", str(tmp_path), "--time-scale", "0.01", "--no-cost-model", "--app-users", "1")
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        info = json.loads(line)
        assert {"dataverse_url", "entra_url", "tenant_id", "client_id", "client_secret", "ca_file"} <= set(info)
        assert len(info["app_users"]) == 1
        verify = ssl_context(info["ca_file"])
        with httpx.Client(verify=verify, timeout=30) as http:
            app = msal.ConfidentialClientApplication(
                info["client_id"],
                client_credential=info["client_secret"],
                instance_discovery=False,
                authority=f"{info['entra_url']}/{info['tenant_id']}",
                http_client=http,
            )
            token = app.acquire_token_for_client(scopes=[f"{info['dataverse_url']}/.default"])["access_token"]
            who = http.get(
                f"{info['dataverse_url']}/api/data/v9.2/WhoAmI", headers={"Authorization": f"Bearer {token}"}
            )
        assert who.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0
    assert process.stdout.read() == ""  # type: ignore[union-attr]
    assert (tmp_path / "dataverse.sqlite").exists()


def test_cliniko_is_not_available_yet() -> None:
    process = _start("--cliniko")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "Cliniko emulator is not available yet" in err


def test_human_summary_and_only_entra(tmp_path: pathlib.Path) -> None:
    process = _start("--entra", "--state", str(tmp_path))
    try:
        lines = [process.stdout.readline() for _ in range(2)]  # type: ignore[union-attr]
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    assert code == 0
    assert "emulators" in lines[0]
    assert lines[1].strip().startswith("Entra authority")
    assert not (tmp_path / "dataverse.sqlite").exists()
