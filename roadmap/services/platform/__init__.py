"""What every capability stands on: the audit log, file storage, background jobs, throttling, backups,
notifications, spreadsheet safety and in-process caches. Imports no other service package."""
