"""State and behaviour of the Cliniko emulator: the practice, list semantics, the rate limit, control."""

from .backend import OPTIONS, ClinikoBackend, ClinikoOptions, Page, Stats

__all__ = ["OPTIONS", "ClinikoBackend", "ClinikoOptions", "Page", "Stats"]
