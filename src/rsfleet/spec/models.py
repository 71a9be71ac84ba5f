"""The fleet spec: pydantic models of `terraform/environments/<env>/terraform.tfvars`.

The rules mirror the Terraform variable validations in `terraform/variables.tf`
(see docs/CONTRACTS.md §1). Both are tested against the same inputs: ONE table of cases,
tests/spec/rule_cases.py (for every rule a valid and an invalid input, the boundary values of
every range), drives the pydantic tests and generates terraform/tests/validation_cases_*.tftest.hcl.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from rsfleet.spec.identifiers import (
    CONSUMER_NAME_RE,
    CONSUMER_NAME_RULE,
    ENVIRONMENT_RE,
    PROJECT_NAME_RE,
    RESERVED_CONSUMER_NAMES,
    check_database,
    check_identifier,
    check_schema,
)

# AWS "Compute capacity for Amazon Redshift Serverless"
# (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html):
# base capacity 4 RPU, or 8-512 in steps of 8; 512-1024 in steps of 32 only in these regions.
# That page lists eu-central-1, "Considerations when using Amazon Redshift Serverless"
# (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html)
# lists eu-west-2 instead: both are allowed until a real account settles it.
LARGE_CAPACITY_REGIONS = frozenset(
    {"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-2"}
)
# max_query_execution_time: "Valid values are 0–86,399" (serverless-usage-considerations).
MAX_QUERY_TIMEOUT_SECONDS = 86_399
MAX_CAPACITY_LIMIT = 5632

# AWS tag rules (e.g. https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html,
# the same for every service rsfleet tags): at most 50 tags per resource, keys 1-128 and
# values 0-256 characters, no `aws:` prefix (reserved for AWS) on keys or values. rsfleet
# sets these keys itself (terraform/main.tf locals.tags and the modules' Name/Tier), so they
# count against the 50 too; mirrored by `variable "tags"` in terraform/variables.tf.
MAX_TAGS = 50
RSFLEET_TAG_KEYS = frozenset({"Project", "Environment", "ManagedBy", "Name", "Tier"})


def base_capacity_problem(rpu: int, region: str | None) -> str | None:
    """None when `rpu` is an allowed base capacity in `region`, else the rule it breaks."""
    if rpu == 4 or (8 <= rpu <= 512 and rpu % 8 == 0):
        return None
    if 512 < rpu <= 1024 and rpu % 32 == 0:
        if region is None or region in LARGE_CAPACITY_REGIONS:
            return None
        return (
            f"{rpu} RPU is above 512, which is only offered in "
            f"{', '.join(sorted(LARGE_CAPACITY_REGIONS))} (not {region})"
        )
    return "must be 4, or 8-512 in steps of 8, or 512-1024 in steps of 32 (RPU)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UsageLimit(_Strict):
    amount: int = Field(ge=1, description="RPU-hours per period")
    period: Literal["daily", "weekly", "monthly"] = "monthly"
    breach_action: Literal["log", "emit-metric", "deactivate"] = "log"


class _Workgroup(_Strict):
    base_capacity: int
    max_capacity: int | None = None
    usage_limit: UsageLimit | None = None

    @model_validator(mode="after")
    def _capacity(self) -> _Workgroup:
        problem = base_capacity_problem(self.base_capacity, None)
        if problem:
            raise ValueError(f"base_capacity {self.base_capacity}: {problem}")
        if self.max_capacity is not None:
            m = self.max_capacity
            step_ok = m % 8 == 0 or (self.base_capacity == 4 and m == 4)
            if m < self.base_capacity:
                raise ValueError(
                    f"max_capacity {m} is below base_capacity {self.base_capacity}: "
                    "max_capacity must be >= base_capacity"
                )
            if not step_ok or m > MAX_CAPACITY_LIMIT:
                raise ValueError(
                    f"max_capacity {m}: must be a multiple of 8 (or 4 when base is 4), "
                    f"at most {MAX_CAPACITY_LIMIT} RPU"
                )
        return self

    @property
    def effective_max_capacity(self) -> int:
        return self.max_capacity if self.max_capacity is not None else self.base_capacity


# Snapshot retention: -1 (keep until deleted) or 1-3653 days (CreateSnapshot.retentionPeriod;
# https://docs.aws.amazon.com/redshift/latest/mgmt/managing-snapshots-console.html).
MAX_RETENTION_DAYS = 3653


class BackupCopy(_Strict):
    """Cross-region copy of every snapshot (CreateSnapshotCopyConfiguration)."""

    region: str
    retention_days: int = Field(default=7, ge=1, le=MAX_RETENTION_DAYS)
    kms_key_id: str | None = None

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        return _check_region(v, "copy.region ", "us-west-2")

    @field_validator("kms_key_id")
    @classmethod
    def _kms(cls, v: str | None) -> str | None:
        import re

        if v is not None and not re.fullmatch(
                r"(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_-]+"
                r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                r"|alias/[A-Za-z0-9/_-]+)", v):
            raise ValueError(f"copy.kms_key_id {v!r} is not a KMS key id, key ARN or alias")
        return v


class Backup(_Strict):
    """The producer's backup policy (`rsfleet backup plan|apply`; see rsfleet.backup)."""

    schedule: str = "rate(12 hours)"
    retention_days: int = Field(default=7, ge=1, le=MAX_RETENTION_DAYS)
    role_arn: str | None = None  # AWS: the role the Redshift scheduler assumes
    copy_to: BackupCopy | None = Field(default=None, alias="copy")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        from rsfleet.spec.schedule import to_cron

        to_cron(v)  # ValueError with the rule broken
        return v

    @field_validator("role_arn")
    @classmethod
    def _role(cls, v: str | None) -> str | None:
        import re

        if v is not None and not re.fullmatch(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+",
                                              v):
            raise ValueError(f"role_arn {v!r} is not an IAM role ARN "
                             "(arn:aws:iam::123456789012:role/NAME)")
        return v


class Producer(_Workgroup):
    database_name: str = "dev"
    admin_username: str = "rsfleet_admin"
    backup: Backup | None = None

    @field_validator("database_name", "admin_username")
    @classmethod
    def _ident(cls, v: str) -> str:
        return check_identifier(v, "name")

    @field_validator("database_name")
    @classmethod
    def _database(cls, v: str) -> str:
        return check_database(v, "database_name")


class Consumer(_Workgroup):
    behind_nlb: StrictBool = True  # Terraform's bool: `1` or "yes" are type errors there
    query_timeout_seconds: int = Field(default=3600, ge=60, le=MAX_QUERY_TIMEOUT_SECONDS)


class Datashare(_Strict):
    schemas: list[str] = Field(default_factory=list)
    tables: list[str] = Field(default_factory=list)
    consumers: list[str] = Field(default_factory=lambda: ["*"])
    consumer_database: str | None = None

    @field_validator("schemas")
    @classmethod
    def _schemas(cls, v: list[str]) -> list[str]:
        for s in v:
            check_schema(s)
        if len(set(v)) != len(v):
            raise ValueError("schemas must not repeat")
        return v

    @field_validator("tables")
    @classmethod
    def _tables(cls, v: list[str]) -> list[str]:
        for t in v:
            parts = t.split(".") if isinstance(t, str) else []
            if len(parts) != 2:
                raise ValueError(f"table {t!r} must be written schema.table")
            check_schema(parts[0])
            check_identifier(parts[1], "table")
        if len(set(v)) != len(v):
            raise ValueError("tables must not repeat")
        return v

    @field_validator("consumer_database")
    @classmethod
    def _db(cls, v: str | None) -> str | None:
        return None if v is None else check_database(v, "consumer_database")

    @model_validator(mode="after")
    def _not_empty(self) -> Datashare:
        if not self.schemas and not self.tables:
            raise ValueError("a datashare needs at least one schema or one table")
        if "*" in self.consumers and len(self.consumers) > 1:
            raise ValueError('consumers: use either ["*"] or a list of names, not both')
        return self


class Nlb(_Strict):
    port: int = Field(default=5439, ge=1, le=65535)
    health_check_interval: int = Field(default=10, ge=5, le=300)
    health_check_timeout: int = Field(default=5, ge=2, le=120)
    healthy_threshold: int = Field(default=2, ge=2, le=10)
    unhealthy_threshold: int = Field(default=2, ge=2, le=10)
    deregistration_delay: int = Field(default=30, ge=0, le=3600)
    cross_zone: StrictBool = True
    allowed_cidrs: list[str] = Field(default_factory=list)
    allowed_security_group_ids: list[str] = Field(default_factory=list)
    register_targets_with_terraform: StrictBool = True

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, v: list[str]) -> list[str]:
        for c in v:
            _check_cidr(c)
        return v

    @field_validator("allowed_security_group_ids")
    @classmethod
    def _sgs(cls, v: list[str]) -> list[str]:
        for sg in v:
            if not re.fullmatch(r"sg-[0-9a-zA-Z]+", sg):  # = terraform/variables.tf
                raise ValueError(f"{sg!r} is not a security group id (sg-...)")
        return v

    @model_validator(mode="after")
    def _timeout(self) -> Nlb:
        # ELB: the timeout must be below the interval (terraform/variables.tf, same rule).
        if self.health_check_timeout >= self.health_check_interval:
            raise ValueError("health_check_timeout must be less than health_check_interval")
        return self


def _check_region(value: str, where: str, example: str) -> str:
    """An AWS region name (us-east-1, us-gov-west-1); ``where`` prefixes the message."""
    if not re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-[0-9]", value):
        raise ValueError(f"{where}{value!r} is not an AWS region name such as {example}")
    return value


def _check_cidr(value: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is not a valid IPv4 CIDR ({exc})") from None


class Controller(_Strict):
    """The readiness controller on AWS (terraform/modules/controller, docs/targets.md):
    a Lambda singleton invoked every minute, passes every ``interval_seconds`` inside it."""

    enabled: bool = False
    interval_seconds: float = Field(default=5, ge=1, le=60)
    # the billed data check (SELECT 1 + a row of each shared table) at most this often per
    # consumer; 0 = every pass (keeps an idle fleet billing: see docs/targets.md)
    data_check_seconds: float = Field(default=3600, ge=0, le=86400)
    data_retry_seconds: float = Field(default=300, ge=0, le=86400)
    probe_secret_arn: str | None = None
    # the customer managed KMS key of that secret (the function gets kms:Decrypt on it);
    # null: the AWS managed key aws/secretsmanager, which needs no grant
    probe_secret_kms_key_arn: str | None = None
    rise: int = Field(default=2, ge=1, le=10)
    fall: int = Field(default=2, ge=1, le=10)

    @field_validator("probe_secret_arn")
    @classmethod
    def _secret(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(
                r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+", v):
            raise ValueError(f"{v!r} is not a Secrets Manager secret ARN "
                             "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)")
        return v

    @field_validator("probe_secret_kms_key_arn")
    @classmethod
    def _secret_key(cls, v: str | None) -> str | None:
        # A key ARN, not an alias: an IAM policy's kms:Decrypt is granted on the key
        # (= terraform/variables.tf).
        if v is not None and not re.fullmatch(
                r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+", v):
            raise ValueError(f"{v!r} is not a KMS key ARN "
                             "(arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)")
        return v

    @model_validator(mode="after")
    def _secret_key_needs_secret(self) -> Controller:
        # The secret the controller module creates is under the controller's own key, which
        # the function already decrypts with: a key only makes sense for your own secret.
        if self.probe_secret_kms_key_arn is not None and self.probe_secret_arn is None:
            raise ValueError("probe_secret_kms_key_arn without probe_secret_arn: the key is "
                             "for your own probe secret (the one rsfleet creates uses the "
                             "controller's key); set probe_secret_arn or remove the key")
        return self


# A guard against typos, not an AWS limit: more sessions than one workgroup is meant to serve.
MAX_TARGET_SESSIONS = 10_000


class Rotation(_Strict):
    """Elastic rotation (issue 26): only as many consumers in rotation as the load needs, the
    others parked (deregistered but kept warm: putting one back is a register call, seconds;
    creating a workgroup takes minutes). Same rules as `variable "rotation"` in
    terraform/variables.tf."""

    enabled: StrictBool = False
    min_in_rotation: int = Field(default=1, ge=1)
    # null: every consumer behind the load balancer
    max_in_rotation: int | None = Field(default=None, ge=1)
    target_sessions_per_consumer: int = Field(default=50, ge=1, le=MAX_TARGET_SESSIONS)
    # demand must stay lower this long before one consumer is parked (0: at once)
    scale_in_after_seconds: int = Field(default=600, ge=0, le=86400)

    @model_validator(mode="after")
    def _min_max(self) -> Rotation:
        if self.max_in_rotation is not None and self.max_in_rotation < self.min_in_rotation:
            raise ValueError(f"max_in_rotation {self.max_in_rotation} is below "
                             f"min_in_rotation {self.min_in_rotation}: max must be >= min")
        return self

    def effective_max(self, behind_lb: int) -> int:
        """max_in_rotation, or every consumer behind the load balancer when it is null."""
        return behind_lb if self.max_in_rotation is None else self.max_in_rotation


class FleetSpec(_Strict):
    project_name: str = "rsfleet"
    environment: str
    aws_region: str = "us-east-1"
    vpc_cidr: str = "10.40.0.0/16"
    create_vpc: StrictBool = True
    existing_vpc_id: str | None = None
    existing_subnet_ids: list[str] = Field(default_factory=list)
    availability_zone_ids: list[str] = Field(default_factory=list)
    producer: Producer
    consumers: dict[str, Consumer]
    datashares: dict[str, Datashare] = Field(default_factory=dict)
    nlb: Nlb = Field(default_factory=Nlb)
    controller: Controller = Field(default_factory=Controller)
    rotation: Rotation = Field(default_factory=Rotation)
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("project_name")
    @classmethod
    def _project(cls, v: str) -> str:
        if not PROJECT_NAME_RE.fullmatch(v):
            raise ValueError(
                "must be 3-20 characters of lowercase letters, digits and hyphens, "
                "starting with a letter"
            )
        return v

    @field_validator("environment")
    @classmethod
    def _env(cls, v: str) -> str:
        if not ENVIRONMENT_RE.fullmatch(v):
            raise ValueError("must be 2-16 characters of lowercase letters, digits and hyphens")
        return v

    @field_validator("aws_region")
    @classmethod
    def _region(cls, v: str) -> str:
        return _check_region(v, "", "us-east-1")

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc(cls, v: str) -> str:
        net = _check_cidr(v)
        if not 16 <= net.prefixlen <= 21:
            raise ValueError("prefix must be /16 to /21 so that three /23 subnets fit")
        return v

    # Same rules as terraform/variables.tf (existing_vpc_id, existing_subnet_ids).
    @field_validator("existing_vpc_id")
    @classmethod
    def _vpc_id(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"vpc-[0-9a-f]+", v):
            raise ValueError(f"{v!r} is not a VPC ID such as 'vpc-0123456789abcdef0'")
        return v

    @field_validator("existing_subnet_ids")
    @classmethod
    def _subnet_ids(cls, v: list[str]) -> list[str]:
        for subnet in v:
            if not re.fullmatch(r"subnet-[0-9a-f]+", subnet):
                raise ValueError(f"{subnet!r} is not a subnet ID such as "
                                 "'subnet-0123456789abcdef0'")
        return v

    @field_validator("availability_zone_ids")
    @classmethod
    def _zone_ids(cls, v: list[str]) -> list[str]:
        """Zone IDs (use1-az1), not names: names map to different zones per account.
        Redshift Serverless needs subnets in supported zone IDs
        (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-usage-considerations.html)."""
        import re

        if v and (len(set(v)) != 3 or not all(
                re.fullmatch(r"[a-z]{2,5}[0-9]-az[0-9]+", z) for z in v)):
            raise ValueError("must be [] or exactly three distinct zone IDs such as "
                             "'use1-az1' (zone IDs, not names like us-east-1a)")
        return v

    @field_validator("consumers")
    @classmethod
    def _consumer_names(cls, v: dict[str, Consumer]) -> dict[str, Consumer]:
        if not v:
            raise ValueError("at least one consumer is required")
        for name in v:
            if not CONSUMER_NAME_RE.fullmatch(name):
                raise ValueError(f"consumer name {name!r} {CONSUMER_NAME_RULE}")
            if name in RESERVED_CONSUMER_NAMES:
                raise ValueError(f"consumer name {name!r} is reserved for "
                                 f"{RESERVED_CONSUMER_NAMES[name]}: pick another name")
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: dict[str, str]) -> dict[str, str]:
        total = len(RSFLEET_TAG_KEYS | set(v))
        if total > MAX_TAGS:
            raise ValueError(
                f"{len(v)} tags: with the {len(RSFLEET_TAG_KEYS - set(v))} rsfleet sets "
                f"({', '.join(sorted(RSFLEET_TAG_KEYS))}) that is {total}, AWS allows at most "
                f"{MAX_TAGS} per resource")
        for key, value in v.items():
            if not 1 <= len(key) <= 128:
                raise ValueError(f"tag key {key[:40]!r}: {len(key)} characters, AWS allows "
                                 "1-128")
            if len(value) > 256:
                raise ValueError(f"tag {key!r}: value of {len(value)} characters, AWS allows "
                                 "at most 256")
            if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
                raise ValueError(f"tag {key!r}: the aws: prefix is reserved for AWS (keys "
                                 "and values)")
        return v

    @field_validator("datashares")
    @classmethod
    def _share_names(cls, v: dict[str, Datashare]) -> dict[str, Datashare]:
        for name in v:
            check_identifier(name, "datashare name")
        return v

    @model_validator(mode="after")
    def _cross_checks(self) -> FleetSpec:
        problems: list[str] = []
        for name, c in {"producer": self.producer, **self.consumers}.items():
            p = base_capacity_problem(c.base_capacity, self.aws_region)
            if p:
                problems.append(f"{name}: base_capacity {c.base_capacity}: {p}")
        behind_lb = sum(1 for c in self.consumers.values() if c.behind_nlb)
        if not behind_lb:
            problems.append("at least one consumer must have behind_nlb = true")
        rot = self.rotation
        for key, value in (("min_in_rotation", rot.min_in_rotation),
                           ("max_in_rotation", rot.max_in_rotation)):
            if value is not None and value > max(1, behind_lb):
                problems.append(f"rotation.{key} {value} is more than the {behind_lb} "
                                "consumer(s) with behind_nlb = true: lower it or put more "
                                "consumers behind the load balancer")
        if rot.enabled and self.nlb.register_targets_with_terraform:
            # Terraform owns the attachments then: every apply would register the parked
            # consumers again (terraform/modules/nlb).
            problems.append("rotation.enabled = true needs nlb.register_targets_with_terraform"
                            " = false (Terraform would put parked consumers back on every "
                            "apply): set it to false, rsfleet then owns target membership")
        for share, ds in self.datashares.items():
            for wanted in ds.consumers:
                if wanted != "*" and wanted not in self.consumers:
                    problems.append(
                        f"datashares.{share}.consumers: {wanted!r} is not a consumer "
                        f"(known: {', '.join(sorted(self.consumers))})"
                    )
        dbs = [self.database_for(s) for s in self.datashares]
        if len(set(dbs)) != len(dbs):
            problems.append("datashares: two datashares use the same consumer_database")
        if self.controller.enabled and self.nlb.register_targets_with_terraform:
            # The controller deregisters a drained or unready consumer; the provider then
            # drops that attachment from state and the next `terraform apply` registers it
            # again (terraform/variables.tf, same rule). One owner of target membership.
            problems.append("controller.enabled with nlb.register_targets_with_terraform = "
                            "true: Terraform would re-register the consumers the controller "
                            "drains; set nlb.register_targets_with_terraform = false")
        if not self.create_vpc:
            if not (self.existing_vpc_id or "").startswith("vpc-"):
                problems.append("existing_vpc_id must be a vpc-... id when create_vpc = false")
            if len(set(self.existing_subnet_ids)) < 3:
                problems.append(
                    "existing_subnet_ids needs at least 3 subnets (3 AZs) when create_vpc = false"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # -- derived views -------------------------------------------------------------

    def database_for(self, share: str) -> str:
        """The consumer-side database a datashare is mounted as."""
        return self.datashares[share].consumer_database or f"{share}_db"

    def consumers_of(self, share: str) -> list[str]:
        names = self.datashares[share].consumers
        return sorted(self.consumers) if "*" in names else sorted(names)

    def shares_of(self, consumer: str) -> list[str]:
        return [s for s in sorted(self.datashares) if consumer in self.consumers_of(s)]

    @property
    def lb_consumers(self) -> list[str]:
        return [n for n, c in sorted(self.consumers.items()) if c.behind_nlb]

    def workgroup_name(self, consumer: str | None = None) -> str:
        """AWS name of the producer (None) or a consumer workgroup/namespace."""
        return f"{self.project_name}-{self.environment}-{consumer or 'producer'}"
