"""State and behaviour of the PracSuite emulator: the practice, keys, paging, q[] filters, faults."""

from .backend import ListPage, PracsuiteBackend, PracsuiteOptions

__all__ = ["ListPage", "PracsuiteBackend", "PracsuiteOptions"]
