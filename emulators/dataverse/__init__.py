"""Loopback emulator of the Microsoft Dataverse Web API v9.2 (Dynamics 365 Sales)."""
