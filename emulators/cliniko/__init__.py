"""Cliniko API emulator: a practice from a dump folder served over HTTPS (research/sources.md §2)."""
