-- A second database on the same server, for the DuckLake catalog (the first, POSTGRES_DB, holds
-- Dagster's runs, events and schedules). Run once, when the data volume is created.
CREATE DATABASE lake;
