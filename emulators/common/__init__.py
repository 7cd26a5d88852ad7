"""Helpers shared by every emulator: TLS material, background servers, time scale, managed states."""
