"""PracSuite (Smartsoft) API emulator: the /v1 REST API over a synthetic practice, for tests and the demo."""
