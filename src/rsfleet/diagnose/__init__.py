"""`rsfleet diagnose`: an ordered chain of checks, each broken link with its fix."""
