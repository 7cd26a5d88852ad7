"""Core Plus (coreplus, AU) REST API emulator: per-request JWT, page-number paging, its date quirks."""
