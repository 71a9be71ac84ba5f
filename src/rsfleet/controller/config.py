"""The controller's settings, from the environment the Terraform module sets.

- ``RSFLEET_SPEC``: the parts of the fleet spec the controller needs, JSON (names,
  consumers, datashares, nlb);
- ``RSFLEET_TARGET_GROUP_ARN``: the NLB target group the controller manages;
- ``RSFLEET_STATE_TABLE``: the DynamoDB table of the drain state;
- ``RSFLEET_PROBE_SECRET_ARN``: Secrets Manager secret (username/password) of the probing
  reader; unset: no direct probe (membership and operator drains only);
- ``RSFLEET_INTERVAL_SECONDS``: time between passes (default 5);
- ``RSFLEET_DATA_CHECK_SECONDS``: the billed data check at most this often per consumer
  (default 3600; 0 = every pass);
- ``RSFLEET_DATA_RETRY_SECONDS``: after a failed data check, the next one (default 300);
- ``RSFLEET_SAFETY_MARGIN_SECONDS``: stop this long before the Lambda timeout (default 10);
- ``RSFLEET_RISE`` / ``RSFLEET_FALL``: probes in a row before a target returns / leaves
  (default 2);
- ``RSFLEET_PROBE_TIMEOUT_SECONDS``: connect/statement timeout of one probe (default 2).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rsfleet.errors import UsageError

if TYPE_CHECKING:  # types only, nothing imported at run time
    from rsfleet.spec.models import FleetSpec


class ControllerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: dict[str, Any]
    target_group_arn: str = Field(pattern=r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:"
                                  r"\d{12}:targetgroup/[A-Za-z0-9-]+/[0-9a-f]+$")
    state_table: str = Field(pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    probe_secret_arn: str | None = None
    interval_seconds: float = Field(default=5.0, ge=1.0, le=60.0)
    data_check_seconds: float = Field(default=3600.0, ge=0.0, le=86400.0)
    data_retry_seconds: float = Field(default=300.0, ge=0.0, le=86400.0)
    safety_margin_seconds: float = Field(default=10.0, ge=1.0, le=300.0)
    rise: int = Field(default=2, ge=1, le=10)
    fall: int = Field(default=2, ge=1, le=10)
    probe_timeout_seconds: float = Field(default=2.0, ge=0.5, le=30.0)

    @model_validator(mode="after")
    def _secret(self) -> ControllerConfig:
        if self.probe_secret_arn is not None and not self.probe_secret_arn.startswith(
                "arn:aws"):
            raise ValueError("probe_secret_arn must be a Secrets Manager ARN")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ControllerConfig:
        """Read the ``RSFLEET_*`` variables; one clear line when one is missing or bad."""
        names = {"spec": "RSFLEET_SPEC", "target_group_arn": "RSFLEET_TARGET_GROUP_ARN",
                 "state_table": "RSFLEET_STATE_TABLE",
                 "probe_secret_arn": "RSFLEET_PROBE_SECRET_ARN",
                 "interval_seconds": "RSFLEET_INTERVAL_SECONDS",
                 "data_check_seconds": "RSFLEET_DATA_CHECK_SECONDS",
                 "data_retry_seconds": "RSFLEET_DATA_RETRY_SECONDS",
                 "safety_margin_seconds": "RSFLEET_SAFETY_MARGIN_SECONDS",
                 "rise": "RSFLEET_RISE", "fall": "RSFLEET_FALL",
                 "probe_timeout_seconds": "RSFLEET_PROBE_TIMEOUT_SECONDS"}
        raw: dict[str, Any] = {k: env[v] for k, v in names.items() if env.get(v)}
        if "spec" in raw:
            try:
                raw["spec"] = json.loads(raw["spec"])
            except ValueError as exc:
                raise UsageError(f"RSFLEET_SPEC is not JSON: {exc}") from None
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = str(err["loc"][0]) if err["loc"] else "?"
            raise UsageError(f"controller setting {names.get(field, field)}: {err['msg']}",
                             hint="set it in the Lambda environment (terraform/modules/"
                             "controller)") from None

    def fleet_spec(self) -> FleetSpec:
        from rsfleet.spec.models import FleetSpec

        try:
            return FleetSpec.model_validate(self.spec)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise UsageError(f"RSFLEET_SPEC {where}: {err['msg']}") from None
