"""The pure tracking domain: statuses, stages, ETAs. Imports no Flask and no models."""
