"""Dynamics 365 (Dataverse Web API v9.2) target: connection config, capabilities, errors and the async client."""

from .batch import BatchOperation, BatchResponse, ChangesetResult, isolate_failures
from .capabilities import DataverseCapabilities
from .client import ClientStats, DataverseClient
from .concurrency import AdaptiveLimiter
from .config import AppCredential, DataverseConnection
from .errors import (
    AnswerLostError,
    AuthenticationError,
    DataverseError,
    FileTooLargeError,
    NotExecutedError,
    TerminalError,
    ThrottledError,
    TransientError,
    classify,
)

__all__ = [
    "AdaptiveLimiter",
    "AnswerLostError",
    "AppCredential",
    "AuthenticationError",
    "BatchOperation",
    "BatchResponse",
    "ChangesetResult",
    "ClientStats",
    "DataverseCapabilities",
    "DataverseClient",
    "DataverseConnection",
    "DataverseError",
    "FileTooLargeError",
    "NotExecutedError",
    "TerminalError",
    "ThrottledError",
    "TransientError",
    "classify",
    "isolate_failures",
]
