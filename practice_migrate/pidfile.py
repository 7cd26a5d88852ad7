"""Background processes named by a pid file (`make targets`, `make dev`): which one runs, and stopping it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (one of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pid(path: Path) -> int | None:
    """The pid written in ``path`` when that process still runs; None otherwise (or without a file)."""
    if not path.exists():
        return None
    text = path.read_text().strip()
    pid = int(text) if text.isdigit() else 0
    return pid if pid > 0 and alive(pid) else None


def write_pid(path: Path, pid: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(pid))


def stop(path: Path, timeout: float | None = None) -> bool:
    """SIGTERM the process named in ``path`` and wait until it is gone (at most ``timeout`` seconds, then
    SIGKILL); the file is removed. False when none was running."""
    pid = running_pid(path)
    path.unlink(missing_ok=True)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = None if timeout is None else time.monotonic() + timeout
    while alive(pid):
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                break  # our own child, now reaped
        except ChildProcessError:
            pass  # not our child: its parent reaps it
        if deadline is not None and time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = None
        time.sleep(0.1)
    return True
