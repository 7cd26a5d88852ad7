"""Run an ASGI app with uvicorn over TLS in a background thread on a free 127.0.0.1 port."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from .tls import TlsMaterial

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 15.0
# Requests still running get this long on shutdown; idle keep-alive TLS connections would otherwise hold
# the server until the client answers close_notify, which pooled clients never do.
GRACEFUL_SHUTDOWN_SECONDS = 1.0


class ConnectionDropped(Exception):  # noqa: N818 - it names an event, not an error the caller handles
    """Raised by an app after a partial response to make uvicorn close the connection (fault injection)."""


class _DropFilter(logging.Filter):
    """Hide uvicorn's traceback for connections the emulator dropped on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, ConnectionDropped):
            return False
        return "ASGI callable returned without completing response" not in record.getMessage()


_FILTER = _DropFilter()
logging.getLogger("uvicorn.error").addFilter(_FILTER)


class BackgroundServer:
    """One uvicorn server bound to a loopback port chosen by the OS.

    The socket is bound in the constructor, so :attr:`url` is known before the app is built (the
    Dataverse emulator needs its own URL for token audiences and ``OData-EntityId`` headers).
    """

    def __init__(self, tls: TlsMaterial, port: int = 0) -> None:
        self._tls = tls
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((LOOPBACK, port))
        self.port: int = self._sock.getsockname()[1]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The https base URL, e.g. ``https://127.0.0.1:54321``."""
        return f"https://{LOOPBACK}:{self.port}"

    def start(self, app: Any, name: str) -> None:
        """Serve ``app`` in a daemon thread and wait until it accepts connections.

        Raises:
            RuntimeError: If the server did not start within the timeout.
        """
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ssl_certfile=str(self._tls.cert_file),
            ssl_keyfile=str(self._tls.key_file),
            timeout_graceful_shutdown=int(GRACEFUL_SHUTDOWN_SECONDS) or 1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name=f"emulator-{name}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{name} emulator did not start on {self.url}")
            time.sleep(0.01)

    def request_stop(self) -> None:
        """Ask uvicorn to stop accepting requests (returns at once; :meth:`stop` waits)."""
        if self._server is not None:
            self._server.should_exit = True

    def stop(self) -> None:
        """Stop and wait for the server thread; safe to call twice.

        Requests in flight get up to GRACEFUL_SHUTDOWN_SECONDS; once none is running, idle keep-alive
        connections are dropped instead of waiting for the client.
        """
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.should_exit = True
            deadline = time.monotonic() + GRACEFUL_SHUTDOWN_SECONDS
            while thread.is_alive() and time.monotonic() < deadline:
                if not server.server_state.tasks:
                    server.force_exit = True
                thread.join(timeout=0.02)
            server.force_exit = True
            thread.join(timeout=10)
            self._server = None
            self._thread = None
        self._sock.close()
