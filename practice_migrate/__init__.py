"""The practice-migrate console script and the demo."""
