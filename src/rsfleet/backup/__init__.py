"""Backup, restore and recovery drills (AWS snapshots / local WAL archive + base backups)."""
