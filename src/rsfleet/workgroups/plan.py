"""Pure planning of ``UpdateWorkgroup`` calls: current state + desired settings -> calls.

Why rsfleet and not Terraform sets these (terraform/README.md, "Workgroup parameters"):

- Provider 5.100.0 rejects the config parameter ``enable_large_strings_opt_in`` that the API
  now returns, so a workgroup that declares its ``config_parameter`` set shows a diff on every
  plan and the next apply fails with "You didn't specify any changes to the configuration
  parameters" (hashicorp/terraform-provider-aws#49939, fix in #49941, 6.x only). The
  workgroup module therefore ignores ``config_parameter`` after creation and rsfleet
  enforces the parameters that matter here.
- ``UpdateWorkgroup``: "You can't update multiple parameters in one request. For example,
  you can update baseCapacity or port in a single request, but you can't update both in the
  same request." https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_UpdateWorkgroup.html
  (also terraform-provider-aws#28108 "Can't update multiple configurations at the same time",
  aws/aws-cli#7507).
- Base and max capacity must be changed in the order that keeps base <= max after every
  call (terraform-provider-aws#36030, fixed in the provider by #36032): raising base above
  the current max needs max first; lowering max below the current base needs base first.

Parameters the API returns that rsfleet does not manage (``enable_large_strings_opt_in``,
``auto_mv``, ...) never cause a call. A config call sends the workgroup's current full set
with the one managed key changed: the same request shape the provider sends, correct whether
the API merges or replaces the set (the API accepts ``enable_large_strings_opt_in``, per the
verification in terraform-provider-aws#49941).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rsfleet.errors import UsageError

if TYPE_CHECKING:  # types only, nothing imported at run time
    from rsfleet.spec.models import FleetSpec

# Parameters rsfleet enforces on every workgroup. `require_ssl`: clients must use TLS
# (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-connecting.html);
# `enable_user_activity_logging`: the user activity audit log
# (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-audit-logging.html).
ALWAYS: Mapping[str, str] = {"require_ssl": "true", "enable_user_activity_logging": "true"}
# `max_query_execution_time`: "Valid values are 0–86,399" (Max query execution time,
# https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html).
MAX_QUERY_EXECUTION_TIME = 86_399
# maxCapacity absent on GetWorkgroup means no maximum.
UNLIMITED = 10**9


@dataclass(frozen=True)
class WorkgroupSettings:
    """What rsfleet wants: capacity (None: leave as is) and config parameters by key."""

    base_capacity: int | None = None
    max_capacity: int | None = None
    config: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        b, m = self.base_capacity, self.max_capacity
        if b is not None and m is not None and b > m:
            raise UsageError(f"base capacity {b} RPU is above max capacity {m} RPU",
                             hint="max_capacity must be >= base_capacity")
        t = self.config.get("max_query_execution_time")
        if t is not None and not (str(t).isdigit() and 60 <= int(t) <= MAX_QUERY_EXECUTION_TIME):
            raise UsageError(f"max_query_execution_time {t}: must be 60-"
                             f"{MAX_QUERY_EXECUTION_TIME} seconds")


@dataclass(frozen=True)
class WorkgroupState:
    """The part of GetWorkgroup's answer that planning reads."""

    name: str
    status: str
    base_capacity: int
    max_capacity: int | None  # None: no maximum set
    config: Mapping[str, str]

    @classmethod
    def from_api(cls, wg: Mapping[str, Any]) -> WorkgroupState:
        """From ``GetWorkgroup()["workgroup"]``
        (https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_Workgroup.html)."""
        config = {str(p["parameterKey"]): str(p.get("parameterValue", ""))
                  for p in wg.get("configParameters") or [] if p.get("parameterKey")}
        max_cap = wg.get("maxCapacity")
        return cls(name=str(wg["workgroupName"]), status=str(wg.get("status", "")),
                   base_capacity=int(wg.get("baseCapacity") or 0),
                   max_capacity=int(max_cap) if max_cap else None, config=config)


@dataclass(frozen=True)
class UpdateCall:
    """One UpdateWorkgroup request (``workgroupName`` is added by the executor)."""

    change: str  # "baseCapacity", "maxCapacity" or "config:<key>"
    before: str
    after: str
    kwargs: Mapping[str, Any]

    def describe(self) -> str:
        return f"{self.change}: {self.before} -> {self.after}"


@dataclass(frozen=True)
class Drift:
    """A managed setting whose value differs from the wanted one."""

    setting: str
    actual: str
    wanted: str


def drift(current: WorkgroupState, desired: WorkgroupSettings) -> list[Drift]:
    """The managed settings that differ (what `rsfleet diagnose` reports)."""
    return [Drift(c.change, c.before, c.after) for c in plan_updates(current, desired)]


def _capacity_calls(current: WorkgroupState, desired: WorkgroupSettings) -> list[UpdateCall]:
    b0 = current.base_capacity
    m0 = current.max_capacity if current.max_capacity is not None else UNLIMITED
    b1 = desired.base_capacity if desired.base_capacity is not None else b0
    m1 = desired.max_capacity if desired.max_capacity is not None else m0
    if b1 > m1:
        raise UsageError(f"{current.name}: base capacity {b1} RPU would be above max "
                         f"capacity {'none' if m1 == UNLIMITED else m1}",
                         hint="set max_capacity >= base_capacity")

    def show(v: int) -> str:
        return "none" if v == UNLIMITED else str(v)

    base = UpdateCall("baseCapacity", show(b0), show(b1), {"baseCapacity": b1})
    mx = UpdateCall("maxCapacity", show(m0), show(m1), {"maxCapacity": m1})
    calls = [c for c, changed in ((base, b1 != b0), (mx, m1 != m0)) if changed]
    if len(calls) < 2:
        return calls
    # Max first keeps (b0, m1) valid when b0 <= m1; otherwise base first: then
    # b1 <= m1 < b0 <= m0, so (b1, m0) is valid.
    return [mx, base] if b0 <= m1 else [base, mx]


def plan_updates(current: WorkgroupState, desired: WorkgroupSettings) -> list[UpdateCall]:
    """The UpdateWorkgroup calls, in order, that take `current` to `desired`.

    One change per call; capacity first (ordered so base <= max holds after every call),
    then each managed config parameter that differs, in key order. Each config call carries
    the current full set with that key changed and the earlier planned keys already applied.
    """
    calls = _capacity_calls(current, desired)
    config = dict(current.config)
    for key in sorted(desired.config):
        want = str(desired.config[key])
        have = config.get(key)
        if have == want:
            continue
        config[key] = want
        params = [{"parameterKey": k, "parameterValue": v} for k, v in sorted(config.items())]
        calls.append(UpdateCall(f"config:{key}", "unset" if have is None else have, want,
                                {"configParameters": params}))
    return calls


def desired_for(spec: FleetSpec, consumer: str | None) -> WorkgroupSettings:
    """What rsfleet enforces on the producer (None) or a consumer workgroup of `spec`."""
    wg = spec.producer if consumer is None else spec.consumers[consumer]
    config = dict(ALWAYS)
    timeout = getattr(wg, "query_timeout_seconds", None)
    if timeout is not None:
        config["max_query_execution_time"] = str(int(timeout))
    return WorkgroupSettings(base_capacity=wg.base_capacity,
                             max_capacity=wg.effective_max_capacity, config=config)
