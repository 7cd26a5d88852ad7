"""Source systems: one package per system reading its dump or API into raw tables. No Dagster."""
