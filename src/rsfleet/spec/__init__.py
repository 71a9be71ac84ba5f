"""The fleet spec: one tfvars file per environment drives Terraform and rsfleet alike."""

from rsfleet.spec.loader import load, load_spec
from rsfleet.spec.models import Consumer, Datashare, FleetSpec, Nlb, Producer

__all__ = ["Consumer", "Datashare", "FleetSpec", "Nlb", "Producer", "load", "load_spec"]
