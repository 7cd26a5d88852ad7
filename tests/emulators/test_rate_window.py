"""The emulators' per-second request window (Core Plus, PracSuite): the request beyond the limit inside the
window is refused; once the window has passed, requests are admitted again; no limit admits everything."""

from __future__ import annotations

from emulators.common.rate_window import RateWindow


def test_the_request_beyond_the_limit_waits_for_the_window() -> None:
    now = [100.0]
    window = RateWindow(1.0, clock=lambda: now[0])
    assert [window.admit(3) for _ in range(4)] == [True, True, True, False]
    now[0] += 0.999
    assert not window.admit(3)  # the first three are still inside the window
    now[0] += 0.001
    assert window.admit(3)  # a full second after them: they have left it
    window.clear()
    assert all(window.admit(3) for _ in range(3))


def test_no_limit_admits_everything() -> None:
    window = RateWindow(1.0, clock=lambda: 0.0)
    assert all(window.admit(None) for _ in range(1000))
    assert all(window.admit(0) for _ in range(10))
