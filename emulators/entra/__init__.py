"""Loopback emulator of the Entra ID (Azure AD) OpenID configuration and client-credentials token endpoint."""
