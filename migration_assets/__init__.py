"""The Dagster layer: partitions, asset factories, checks wiring, jobs, resources. Thin by design."""

import warnings

import dagster as dg

# Partitioned asset checks are preview in Dagster 1.13 (research/dagster.md §0.2 E); the pins are exact.
# Filtered here, before any submodule declares a check, so importing one module alone stays quiet too.
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)
