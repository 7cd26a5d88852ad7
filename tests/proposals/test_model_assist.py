"""Model-assisted mode against a loopback OpenAI-compatible endpoint that records what it received:
no value from the dump appears in any request, and where the model disagrees both choices are shown."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import polars as pl
import pytest
from test_profile import leaked_values

from checks.canonical import CANONICAL_MODELS, data_fields
from proposals.model_assist import (
    MODEL_KEY_ENV,
    MODEL_URL_ENV,
    SYSTEM_PROMPT,
    ModelAssistError,
    ModelEndpoint,
    ask_model,
    merge_model_answer,
)
from proposals.profile import profile_dump
from proposals.propose import propose

SECRET = "test-model-key"


class RecordingChatServer(ThreadingHTTPServer):
    received: list[dict[str, object]]
    answer: dict[str, object]


class ChatHandler(BaseHTTPRequestHandler):
    server: RecordingChatServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
        self.server.received.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        reply = {"choices": [{"message": {"role": "assistant", "content": json.dumps(self.server.answer)}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:  # keep the test output clean
        return


@pytest.fixture
def chat_server() -> Iterator[RecordingChatServer]:
    server = RecordingChatServer(("127.0.0.1", 0), ChatHandler)
    server.received = []
    server.answer = {"tables": {}}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_no_dump_value_reaches_the_model_and_disagreements_are_shown(
    chat_server: RecordingChatServer, export_tables: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODEL_URL_ENV, f"http://127.0.0.1:{chat_server.server_address[1]}/v1")
    monkeypatch.setenv(MODEL_KEY_ENV, SECRET)
    chat_server.answer = {
        "tables": {"gpm_client": {"entity": "client", "columns": {"last_name": "last_name", "occupation": "notes"}}}
    }
    profile = profile_dump(export_tables)
    proposal = propose(export_tables, profile, "gensolve", use_known_profiles=False)
    merged = merge_model_answer(proposal, ask_model(profile, ModelEndpoint.from_environment()))

    assert len(chat_server.received) == 1
    request = chat_server.received[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == f"Bearer {SECRET}"
    body = str(request["body"])
    assert "gpm_client" in body and "date_of_birth" in body  # names and profiles are sent
    canonical = {e for e in CANONICAL_MODELS} | {f.name for e in CANONICAL_MODELS for f in data_fields(e)}
    kinds = {c.kind for t in profile.tables.values() for c in t.columns}
    leaked = leaked_values(export_tables, body, canonical | kinds | set(SYSTEM_PROMPT.split()))
    assert leaked == []

    occupation = next(f for f in merged.fields if f.table == "gpm_client" and f.column == "occupation")
    assert occupation.field == "occupation" and occupation.model_alternative == "notes"
    assert {
        "table": "gpm_client",
        "column": "occupation",
        "offline": "occupation",
        "model": "notes",
    } in merged.disagreements
    assert not any(d["column"] == "last_name" for d in merged.disagreements)


def test_the_endpoint_must_be_https_beyond_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODEL_URL_ENV, "http://models.example.com/v1")
    with pytest.raises(ModelAssistError, match="expected an https URL"):
        ModelEndpoint.from_environment()
    monkeypatch.delenv(MODEL_URL_ENV)
    with pytest.raises(ModelAssistError, match="is not set"):
        ModelEndpoint.from_environment()


def test_an_unusable_answer_is_named(chat_server: RecordingChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODEL_URL_ENV, f"http://127.0.0.1:{chat_server.server_address[1]}/v1")
    chat_server.answer = {"mapping": []}
    tables = {"Patients": pl.DataFrame({"PatientID": ["1"], "Surname": ["Ngata"]})}
    with pytest.raises(ModelAssistError, match=r'expected \{"tables"'):
        ask_model(profile_dump(tables), ModelEndpoint.from_environment())
