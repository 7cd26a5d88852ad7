"""``practice-migrate emulators``: one JSON line, serve until SIGTERM, stop cleanly; --cliniko serves a dump."""

from __future__ import annotations

import json
import pathlib
import signal
import socket
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


def test_cliniko_needs_a_dump_then_serves_it(tmp_path: pathlib.Path) -> None:
    process = _start("--cliniko")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "--cliniko needs --cliniko-dump DIR" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    process = _start("--cliniko", "--cliniko-dump", str(empty))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "no *.ndjson resource files" in err

    dump = tmp_path / "dump"
    dump.mkdir()
    patient = {"id": "1000000000000000001", "first_name": "Ana", "created_at": "2024-01-01T00:00:00Z"}
    (dump / "patients.ndjson").write_text(json.dumps(patient) + "\n")
    process = _start("--cliniko", "--cliniko-dump", str(dump), "--state", str(tmp_path / "state"))
    try:
        lines: dict[str, str] = {}
        while "CA file" not in lines:
            line = process.stdout.readline()  # type: ignore[union-attr]
            assert line, "the emulator stopped before printing where it listens"
            label, _, value = line.partition(" : ")
            lines[label.strip()] = value.strip()
        url, key = lines["Cliniko API"], lines["Cliniko API key"]
        assert url.startswith("https://127.0.0.1:") and url.endswith("/v1")
        assert "Dataverse Web API" not in lines and "Entra authority" not in lines
        with httpx.Client(verify=ssl_context(lines["CA file"]), timeout=30) as http:
            response = http.get(
                f"{url}/patients",
                auth=(key, ""),
                headers={"User-Agent": "practice-migration tests (migrations@example.org)"},
            )
        assert response.status_code == 200
        assert response.json()["patients"] == [patient]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0


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


def test_fixed_ports_give_the_same_urls_after_a_restart(tmp_path: pathlib.Path) -> None:
    ports = []
    for _ in range(2):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(str(sock.getsockname()[1]))
    urls = []
    for _ in range(2):  # a restart from the same state: same org URL, so a customer file pointing at it holds
        process = _start("--json", "--state", str(tmp_path), "--dataverse-port", ports[0], "--entra-port", ports[1])
        try:
            info = json.loads(process.stdout.readline())  # type: ignore[union-attr]
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        urls.append((info["dataverse_url"], info["entra_url"], info["tenant_id"]))
    assert urls[0] == urls[1]
    assert urls[0][:2] == (f"https://127.0.0.1:{ports[0]}", f"https://127.0.0.1:{ports[1]}")
