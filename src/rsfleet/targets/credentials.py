"""Credentials for the direct readiness probe on AWS; never from argv, never logged.

Sources, in order of preference:
- ``--secret-arn ARN``: one Secrets Manager secret (JSON ``{"username", "password"}``) for a
  probing user that exists on every consumer with SELECT on the shared databases (least
  privilege);
- ``--user NAME`` with the password in ``PGPASSWORD``;
- ``--probe-as-admin``: each consumer's Redshift-managed admin secret
  (``consumers.<name>.admin_secret_arn`` in the Terraform outputs). Works without setup, but
  gives the controller superuser credentials: prefer a reader secret.

Redshift-managed admin secrets are JSON with ``username`` and ``password``
(https://docs.aws.amazon.com/redshift/latest/mgmt/redshift-secrets-manager-integration.html).

A secret is read once and kept for ``max_age`` seconds (the controller's warm container
lives for hours, and secrets rotate: Secrets Manager rotation, or a new password set by
hand). The probe also calls ``forget`` when a login is refused and tries once more, so a
rotated password costs one failed attempt, not every consumer leaving rotation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from rsfleet.adapters.secretsmanager import check_secret_arn, read_secret
from rsfleet.errors import FleetError, RsfleetError, UsageError
from rsfleet.fleet.outputs import FleetOutputs

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_secretsmanager import SecretsManagerClient


class ProbeCredentials:
    """consumer name -> (user, password); each secret is read again after ``max_age``
    seconds, or at once after ``forget``."""

    # GetSecretValue at most every 5 minutes per secret: about 8,600 calls a month, $0.04 at
    # $0.05 per 10,000 API calls (https://aws.amazon.com/secrets-manager/pricing/)
    MAX_AGE_SECONDS = 300.0
    REREAD_SECONDS = 10.0

    def __init__(self, *, secret_arn: str | None = None, user: str | None = None,
                 password: str | None = None,
                 admin_secrets: Mapping[str, str] | None = None,
                 client: SecretsManagerClient | None = None,
                 max_age: float = MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.secret_arn = secret_arn
        self.user, self.password = user, password
        self.admin_secrets = dict(admin_secrets or {})
        self.client = client
        self.max_age, self.clock = max_age, clock
        self._cache: dict[str, tuple[str, str, float]] = {}  # arn -> user, password, read at
        # arn -> the error of the last read and when: an empty or unreadable secret (before
        # `share apply` filled it) is asked again every REREAD_SECONDS, not on every probe
        self._failed: dict[str, tuple[RsfleetError, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def choose(cls, *, secret_arn: str | None, user: str | None, password: str | None,
               probe_as_admin: bool, outputs: FleetOutputs,
               client: SecretsManagerClient | None = None) -> ProbeCredentials | None:
        """The credentials the options ask for, or None (readiness not probed)."""
        if secret_arn:
            return cls(secret_arn=check_secret_arn(secret_arn), user=user, client=client)
        if probe_as_admin:
            secrets = {n: c.admin_secret_arn for n, c in outputs.consumers.items()}
            missing = sorted(n for n, a in secrets.items() if not a)
            if missing:
                raise UsageError(f"--probe-as-admin: no admin_secret_arn in the outputs for "
                                 f"{', '.join(missing)}", hint="pass --secret-arn instead")
            for a in secrets.values():
                check_secret_arn(str(a), "admin_secret_arn")
            return cls(admin_secrets={n: str(a) for n, a in secrets.items()}, client=client)
        if user and password:
            return cls(user=user, password=password)
        return None

    def __call__(self, consumer: str) -> tuple[str, str]:
        if self.secret_arn is None and not self.admin_secrets:
            return str(self.user), str(self.password)
        arn = self.secret_arn or self.admin_secrets.get(consumer)
        if not arn:
            raise FleetError(f"no admin secret known for {consumer}")
        with self._lock:
            cached = self._cache.get(arn)
            if cached is not None and self.clock() - cached[2] < self.max_age:
                return cached[0], cached[1]
            failed = self._failed.get(arn)
            if failed is not None and self.clock() - failed[1] < self.REREAD_SECONDS:
                raise failed[0].with_traceback(None)
            try:
                user, password = read_secret(
                    arn, client=self.client, user=self.user,
                    option_name="--secret-arn" if self.secret_arn else "admin_secret_arn",
                    # the fleet's probe secret is empty until `share apply` wrote it
                    not_found=(f"secret {arn} not found or without a value yet (the fleet's "
                               "probe secret gets one from `rsfleet --backend aws share "
                               "apply`)") if self.secret_arn else None)
                # Unlike the load test, the probe has no default role to fall back on.
                if not user:
                    raise FleetError(f"secret {arn} has no username and no --user was given",
                                     hint="store JSON {\"username\": ..., \"password\": ...} "
                                     "or pass --user")
            except RsfleetError as exc:
                self._failed[arn] = (exc, self.clock())
                raise
            self._failed.pop(arn, None)
            self._cache[arn] = (user, password, self.clock())
            return user, password

    def forget(self, consumer: str) -> None:
        """`consumer` refused the login: read its secret again on the next call, unless it
        was read in the last ``REREAD_SECONDS`` (a wrong password then costs one
        GetSecretValue per consumer and 10 s, not one per probe)."""
        arn = self.secret_arn or self.admin_secrets.get(consumer)
        with self._lock:
            cached = self._cache.get(arn or "")
            if cached is not None and self.clock() - cached[2] >= self.REREAD_SECONDS:
                del self._cache[str(arn)]
