"""The worker process: polls carriers and records their scans through webapp.ingest."""
