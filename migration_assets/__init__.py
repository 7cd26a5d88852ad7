"""The Dagster layer: partitions, asset factories, checks wiring, jobs, resources. Thin by design."""
