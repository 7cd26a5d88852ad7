"""State and behaviour of the Core Plus emulator: the practice, tokens, paging, date windows, faults."""

from .backend import CoreplusBackend, CoreplusOptions, Page

__all__ = ["CoreplusBackend", "CoreplusOptions", "Page"]
