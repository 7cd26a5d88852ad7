"""Optional model-assisted proposals: any OpenAI-compatible chat endpoint reads the dump's *profile*
(table and column names, shapes and counts) and the canonical model, and answers with its own choices;
where it disagrees with the offline proposer both are shown (DESIGN.md §6: patient data never leaves
the machine for a model — the request is built from the profile alone, which holds no value).

Configuration comes from the environment only: PROPOSALS_MODEL_URL (the API base, e.g.
`https://api.example.com/v1`), PROPOSALS_MODEL_KEY (sent as a bearer token, never logged) and
PROPOSALS_MODEL_NAME."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from checks.canonical import CANONICAL_MODELS, data_fields
from proposals.profile import DumpProfile
from proposals.propose import Proposal

MODEL_URL_ENV = "PROPOSALS_MODEL_URL"
MODEL_KEY_ENV = "PROPOSALS_MODEL_KEY"
MODEL_NAME_ENV = "PROPOSALS_MODEL_NAME"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
SYSTEM_PROMPT = (
    "You map a practice-management system's export onto a canonical model. You receive the export's "
    "table and column names with value profiles (kinds, shapes, counts — no values) and the canonical "
    "entities with their fields. Answer with JSON only: "
    '{"tables": {"<table>": {"entity": "<entity or null>", "columns": {"<column>": "<field or null>"}}}}.'
)


class ModelAssistError(Exception):
    """The model endpoint is misconfigured or answered unusably; names the setting or the shape expected."""


@dataclass(frozen=True)
class ModelEndpoint:
    url: str
    key: str
    model: str

    @classmethod
    def from_environment(cls) -> ModelEndpoint:
        url, key = os.environ.get(MODEL_URL_ENV, ""), os.environ.get(MODEL_KEY_ENV, "")
        if not url:
            raise ModelAssistError(f"{MODEL_URL_ENV} is not set: the model-assisted mode needs an endpoint")
        parts = urlsplit(url)
        # The key travels with every request: plain http only to this machine.
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ModelAssistError(f"{MODEL_URL_ENV}: expected an https URL (http only on loopback)")
        return cls(url.rstrip("/"), key, os.environ.get(MODEL_NAME_ENV, "default"))


def model_request(profile: DumpProfile, model: str) -> dict[str, Any]:
    """The chat request: built from the profile and the canonical model only."""
    canonical = {entity: [f.name for f in data_fields(entity)] for entity in CANONICAL_MODELS}
    content = json.dumps({"canonical_model": canonical, "export_profile": profile.as_dict()}, sort_keys=True)
    return {
        "model": model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": content}],
    }


def ask_model(profile: DumpProfile, endpoint: ModelEndpoint, timeout: float = 120.0) -> dict[str, Any]:
    """POST {url}/chat/completions and read the JSON answer (TLS verified, as every client here)."""
    headers = {"Authorization": f"Bearer {endpoint.key}"} if endpoint.key else {}
    with httpx.Client(timeout=timeout) as client:
        response = client.post(
            f"{endpoint.url}/chat/completions", json=model_request(profile, endpoint.model), headers=headers
        )
    if response.status_code != 200:
        raise ModelAssistError(f"model endpoint answered HTTP {response.status_code}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
        answer = json.loads(content)
    except (ValueError, KeyError, IndexError, TypeError):
        raise ModelAssistError("model endpoint: expected a chat completion whose content is a JSON object") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("tables"), dict):
        raise ModelAssistError('model answer: expected {"tables": {...}}')
    return answer


def merge_model_answer(proposal: Proposal, answer: dict[str, Any]) -> Proposal:
    """Record where the model disagrees with the offline proposal; the offline choice stays the proposal
    (deterministic, with its evidence), the model's is shown beside it."""
    for table in proposal.tables:
        said = answer["tables"].get(table.table)
        if not isinstance(said, dict):
            continue
        model_entity = said.get("entity")
        if model_entity != table.entity:
            proposal.disagreements.append(
                {
                    "table": table.table,
                    "column": "",
                    "offline": str(table.entity or "lookup"),
                    "model": str(model_entity or "lookup"),
                }
            )
        columns = said.get("columns") if isinstance(said.get("columns"), dict) else {}
        offline = {
            f.column: f for f in proposal.fields if f.table == table.table and f.entity == table.entity and f.column
        }
        for column, model_field in columns.items():
            choice = offline.get(column)
            offline_field = choice.field if choice else None
            if column in {table.id_column, table.origin_column}:
                continue
            if (model_field or None) != offline_field:
                if choice:
                    choice.model_alternative = str(model_field or "unmapped")
                proposal.disagreements.append(
                    {
                        "table": table.table,
                        "column": column,
                        "offline": offline_field or "unmapped",
                        "model": str(model_field or "unmapped"),
                    }
                )
    return proposal
