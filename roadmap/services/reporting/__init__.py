"""The official report: one report model, its PDF and Word renderings, their cache, jobs and settings."""
