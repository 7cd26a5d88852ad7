"""Synthetic allied-health practices written as source-system dumps, with ground truth (see README.md)."""

from synthetic.generator import SYSTEMS, GenerationSummary, generate_practice

__all__ = ["SYSTEMS", "GenerationSummary", "generate_practice"]
