"""Pure domain code: no Dagster imports here. Each module owns one concern."""
