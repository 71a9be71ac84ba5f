"""Rolling changes: one pure step planner (planner.py), a local executor (local.py) and an
AWS executor (aws.py). See docs in README.md ("Rolling changes")."""
