"""Datashares as desired state: a pure planner and two executors (Redshift Data API, local)."""
