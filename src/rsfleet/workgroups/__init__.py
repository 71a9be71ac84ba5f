"""Workgroup settings that rsfleet (not Terraform) enforces: capacity and the config
parameters that matter, one ``UpdateWorkgroup`` call per change (see ``plan`` and
``enforce``; the design is in terraform/README.md, "Workgroup parameters")."""
