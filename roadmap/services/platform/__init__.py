"""What every capability stands on: the audit log, file storage, background jobs, throttling, backups,
notifications and spreadsheet safety. Imports no other service package."""
