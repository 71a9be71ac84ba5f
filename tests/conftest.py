"""Shared fixtures and helpers (real PostgreSQL and HAProxy, 127.0.0.1 only, free ports,
private dirs; everything a fixture starts is stopped by pid file at teardown).

Helpers (import them: `from conftest import free_port`):

- `free_port() -> int`: a free TCP port on 127.0.0.1 (the OS picks it).
- `free_port_block(size) -> int`: a base port with `size` consecutive free ports, below the
  kernel's ephemeral range (which free_port() and client connections draw from).
- `state_root() -> Path`: a fresh private dir under /var/tmp that the unprivileged
  PostgreSQL user can traverse (pytest's tmp dirs under /tmp/pytest-of-root are 0700 root).
- `moto_nlb(region, *, security_groups=None) -> MotoNlb`: inside `moto.mock_aws()`, the AWS
  side rsfleet expects: a VPC with three /23 subnets in three AZs, an internal network
  load balancer over them and its IP target group on port 5439 (no targets, no listener).
- `served_by(fleet, n) -> {consumer: count}`: open `n` sessions through a LocalFleet's LB
  and count which consumer (its `cluster_name`) answered each.

Fixtures:

- `pg_server_factory` (function scope): `make(name, *, logical=False, cluster_name=None)
  -> PgServer`, one started PostgreSQL cluster on a free port: TLS on (the factory's own CA,
  `server.ca_file`), hostssl + scram only, superuser `server.superuser` with a generated
  `server.password`, `wal_level=logical` when `logical=True` (else `replica`),
  `cluster_name` = `cluster_name or name`. Connect with `psycopg.connect(**server.admin_kwargs(
  "postgres"))` (unix socket) or `**server.tcp_kwargs(dbname=...)` (TCP, verify-full).
- `fleet_factory` (function scope): `make(spec_text=DEV_SPEC, *, rows=2000) -> LocalFleet`,
  a whole local fleet (`rsfleet local up` + `local seed --rows`; seeding also shares) in its
  own state dir with free ports.
- `local_fleet` (module scope): `make(consumers=3, *, rows=2000, spec_text=None) ->
  LocalFleet`, the same with N consumers c1..cN sharing `sales` into `sales_db`; fleets live
  until the end of the test module. Share one across a module with
  `@pytest.fixture(scope="module") def fleet(local_fleet): return local_fleet(3)`.
  Under xdist such a module runs on one worker, so its fleet starts once
  (`pytest_xdist_make_scheduler` below).
- `traversable_tmp`: like tmp_path, but the PostgreSQL user can enter it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps its example database and a cache of constants that name this checkout's
# absolute paths; by default it writes them into .hypothesis/ of the working directory.
# Keep them out of the repository: RSFLEET_HYPOTHESIS_DIR if set, else a per-user temp dir.
set_hypothesis_home_dir(os.environ.get("RSFLEET_HYPOTHESIS_DIR")
                        or Path(tempfile.gettempdir()) / f"rsfleet-hypothesis-{os.getuid()}")
# What the property tests assert is never speed: no per-example deadline (Hypothesis's default
# 200 ms fails on a loaded CI host) and no too_slow health check (data generation slowed down
# by other jobs). Every @settings(...) in tests/ inherits this profile.
settings.register_profile("rsfleet", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("rsfleet")

DEV_SPEC = """
environment = "test"
producer    = { base_capacity = 8 }
consumers   = {
  c1 = { base_capacity = 8 }
  c2 = { base_capacity = 8 }
  c3 = { base_capacity = 8 }
}
datashares  = { sales_share = { schemas = ["sales"], consumer_database = "sales_db" } }
"""


def fleet_spec(consumers: int) -> str:
    """A spec text with consumers c1..cN sharing schema `sales` into database `sales_db`."""
    lines = "\n".join(f"  c{i} = {{ base_capacity = 8 }}" for i in range(1, consumers + 1))
    return (f'environment = "test"\nproducer = {{ base_capacity = 8 }}\n'
            f"consumers = {{\n{lines}\n}}\n"
            'datashares = { sales_share = { schemas = ["sales"], '
            'consumer_database = "sales_db" } }\n')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ephemeral_ports() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def free_port_block(size: int) -> int:
    """A base port with `size` consecutive free ports after it, below the ephemeral range.

    Why below: the OS hands out ephemeral ports for free_port() in other xdist workers and
    as the source port of every client connection. A fleet whose ports are in that range
    can find one taken when it restarts after a crash (seen: `local up` refusing "c1 54411
    already in use" while the load tests ran beside it)."""
    from rsfleet.local.fleet import port_free

    top = _ephemeral_ports()[0] - size
    for _ in range(200):
        base = random.randint(20000, top)
        if all(port_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


def state_root() -> Path:
    """A private dir the unprivileged PostgreSQL user can traverse (pytest's tmp is 0700)."""
    root = Path(tempfile.mkdtemp(prefix="rsfleet-test-", dir="/var/tmp"))
    root.chmod(0o711)
    return root


@dataclass
class MotoNlb:
    ec2: Any
    elbv2: Any
    vpc_id: str
    subnet_ids: list[str]
    lb: dict[str, Any]  # CreateLoadBalancer's LoadBalancers[0]
    tg: dict[str, Any]  # CreateTargetGroup's TargetGroups[0]


def moto_nlb(region: str, *, security_groups: Callable[[Any, str], list[str]] | None = None
             ) -> MotoNlb:
    """``security_groups(ec2, vpc_id)`` creates the groups the NLB gets, if any."""
    import boto3

    ec2 = boto3.client("ec2", region_name=region)
    elbv2 = boto3.client("elbv2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i * 2}.0/23",
                                 AvailabilityZone=f"{region}{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("abc")]
    extra = {"SecurityGroups": security_groups(ec2, vpc)} if security_groups else {}
    lb = elbv2.create_load_balancer(Name="rsfleet-dev", Subnets=subnets, Type="network",
                                    Scheme="internal", **extra)["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="rsfleet-dev", Protocol="TCP", Port=5439, VpcId=vpc,
                                   TargetType="ip")["TargetGroups"][0]
    return MotoNlb(ec2, elbv2, vpc, subnets, lb, tg)


class Clock:
    """Time that passes only when someone sleeps (no real waiting): pass ``clock`` as the
    clock and ``clock.sleep`` as the sleep of what is tested; ``sleeps`` records each wait."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s

    def __call__(self) -> float:
        return self.now


def served_by(fleet: Any, n: int) -> dict[str, int]:
    import psycopg

    counts: dict[str, int] = {}
    for _ in range(n):
        with psycopg.connect(**fleet.connect_kwargs("lb", "app_reader", "sales_db")) as c:
            row = c.execute("SELECT current_setting('cluster_name')").fetchone()
            assert row is not None
            counts[row[0]] = counts.get(row[0], 0) + 1
    return counts


@pytest.fixture
def pg_server_factory() -> Iterator[Callable[..., Any]]:
    from rsfleet.local.fleet import ADMIN, COMMON_SETTINGS, HBA
    from rsfleet.local.postgres import PgServer
    from rsfleet.local.tls import ensure_certificates

    root = state_root()
    tls = ensure_certificates(root / "tls")
    servers: list[PgServer] = []

    def make(name: str, *, logical: bool = False, cluster_name: str | None = None) -> PgServer:
        for _ in range(5):  # another worker may grab the port between pick and bind
            server = PgServer(name, root / f"{name}-{len(servers)}", free_port(),
                              ca_file=tls.ca_cert)
            settings = {**COMMON_SETTINGS, "wal_level": "logical" if logical else "replica",
                        "cluster_name": f"'{cluster_name or name}'", "fsync": "off",
                        "synchronous_commit": "off", "full_page_writes": "off"}
            server.init(superuser=ADMIN, password=secrets.token_urlsafe(18), settings=settings,
                        tls=(tls.server_cert, tls.server_key), hba=HBA)
            servers.append(server)
            try:
                server.start()
                return server
            except Exception:
                if server.is_running():
                    raise
        raise RuntimeError(f"could not start PostgreSQL {name} on a free port")

    yield make
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop("immediate")
    shutil.rmtree(root, ignore_errors=True)


class _Fleets:
    """Starts local fleets and stops every one of them (by pid files) at close()."""

    def __init__(self) -> None:
        self.started: list[Any] = []
        self.roots: list[Path] = []

    def make(self, spec_text: str, rows: int) -> Any:
        from rsfleet.lifecycle import seed, up
        from rsfleet.local.fleet import LocalFleet
        from rsfleet.spec.loader import load_spec

        root = state_root()
        self.roots.append(root)
        spec_file = root / "spec.tfvars"
        spec_file.write_text(spec_text, encoding="utf-8")
        spec = load_spec(spec_file)
        # producer, consumers, one spare, the LB: all from one block outside the ephemeral
        # range, so that a restarted fleet finds its ports still free.
        size = len(spec.consumers) + 3
        base = free_port_block(size)
        self.started.append((spec.environment, root / "state"))
        fleet = up(spec, root / "state", lb_port=base + size - 1, base_port=base)
        if rows:
            seed(fleet, rows)
        return LocalFleet.open(spec.environment, root / "state")

    def close(self) -> None:
        from rsfleet.lifecycle import down
        from rsfleet.local.fleet import LocalFleet

        for env, state in self.started:
            with contextlib.suppress(Exception):
                down(LocalFleet.open(env, state))
        for root in self.roots:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fleet_factory() -> Iterator[Callable[..., Any]]:
    fleets = _Fleets()

    def make(spec_text: str = DEV_SPEC, *, rows: int = 2000) -> Any:
        return fleets.make(spec_text, rows)

    yield make
    fleets.close()


@pytest.fixture(scope="module")
def local_fleet() -> Iterator[Callable[..., Any]]:
    fleets = _Fleets()

    def make(consumers: int = 3, *, rows: int = 2000, spec_text: str | None = None) -> Any:
        return fleets.make(spec_text or fleet_spec(consumers), rows)

    yield make
    fleets.close()


@pytest.fixture
def traversable_tmp() -> Iterator[Path]:
    """Like tmp_path, but the unprivileged PostgreSQL user can enter it."""
    root = state_root()
    yield root
    shutil.rmtree(root, ignore_errors=True)


# ---- markers are the truth `make test-fast` selects by --------------------------------
# `make test-fast` runs `-m "not fleet and not terraform"`. Two checks keep the markers
# truthful:
# 1. at collection: a test that uses a fixture starting PostgreSQL/HAProxy (FLEET_FIXTURES)
#    or Terraform (TERRAFORM_FIXTURES) gets the marker;
# 2. while a test without `fleet` runs, `initdb`, `pg_ctl`, `postgres` and `haproxy` on PATH
#    (and RSFLEET_PG_BIN) are guards that refuse to run and name the missing marker; the
#    same for `terraform` without `terraform`. The guard only fails; it never stands in for
#    the program.

FLEET_FIXTURES = frozenset({"pg_server_factory", "fleet_factory", "local_fleet"})
TERRAFORM_FIXTURES = frozenset({"tf_tree", "tf_project"})
GUARDED = {"fleet": ("initdb", "pg_ctl", "postgres", "haproxy"), "terraform": ("terraform",)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test using a fleet or Terraform fixture gets that marker even if its author forgot
    it, so `-m "not fleet"` never selects it (the fixtures are the usual way to start one)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in (("fleet", FLEET_FIXTURES), ("terraform", TERRAFORM_FIXTURES)):
            if names & fixtures and item.get_closest_marker(marker) is None:
                item.add_marker(getattr(pytest.mark, marker))


# ---- xdist: a module that shares a fleet runs on one worker ----------------------------
# With `-n`, xdist's default ("load") sends each test to whichever worker is free, so a
# module-scoped fixture (a shared fleet, a moto server) or a session-scoped one defined in
# the module (the Lambda artifact) is built once per worker that gets one of its tests.
# Such a module goes to one worker as a whole; every other test is still its own unit.
# (xdist's `--dist loadgroup` would do it from marks, but it rewrites node ids, which
# pytest 9.2 ignores: https://github.com/pytest-dev/pytest-xdist/issues/1386.)
_SHARED = re.compile(r"""scope\s*=\s*["'](?:module|session)["']|\blocal_fleet\b""")


@functools.cache
def _shares_fixtures(path: Path) -> bool:
    try:
        return bool(_SHARED.search(path.read_text(encoding="utf-8")))
    except OSError:
        return False


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown to pytest when xdist is off
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "load":
        return None  # an explicit --dist other than the default: xdist's own
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if _shares_fixtures(config.rootpath / module) else nodeid

    return SharedFixtureScheduling(config, log)


def _guard_dir(markers: tuple[str, ...]) -> Path:
    """A dir (traversable by the PostgreSQL user) of scripts named like the programs that
    `markers` allow, each refusing to run and writing what ran into `$RSFLEET_GUARD_LOG`."""
    root = Path(tempfile.mkdtemp(prefix="rsfleet-guard-", dir="/var/tmp"))
    root.chmod(0o755)
    for marker in markers:
        for tool in GUARDED[marker]:
            script = root / tool
            script.write_text(
                "#!/bin/sh\n"
                f"msg='{tool} was run by a test without @pytest.mark.{marker}: mark the test'\n"
                'echo "$msg" >&2\n'
                'if [ -n "$RSFLEET_GUARD_LOG" ]; then echo "$msg" >> "$RSFLEET_GUARD_LOG"; fi\n'
                "exit 97\n", encoding="ascii")
            script.chmod(0o755)
    return root


_GUARDS: dict[tuple[str, ...], Path] = {}


@pytest.fixture(autouse=True)
def _server_guard(request: pytest.FixtureRequest,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    unmarked = tuple(m for m in GUARDED if request.node.get_closest_marker(m) is None)
    if not unmarked:
        yield
        return
    if unmarked not in _GUARDS:
        _GUARDS[unmarked] = _guard_dir(unmarked)
    guard = _GUARDS[unmarked]
    log_dir = Path(tempfile.mkdtemp(prefix="rsfleet-guard-log-", dir="/var/tmp"))
    log_dir.chmod(0o1777)  # the PostgreSQL user may be the one writing
    log = log_dir / "ran"
    monkeypatch.setenv("PATH", f"{guard}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("RSFLEET_GUARD_LOG", str(log))
    monkeypatch.delenv("RSFLEET_TERRAFORM", raising=False)
    if "fleet" in unmarked:
        monkeypatch.setenv("RSFLEET_PG_BIN", str(guard))
    try:
        yield
    finally:
        ran = log.read_text() if log.exists() else ""
        shutil.rmtree(log_dir, ignore_errors=True)
    if ran:
        pytest.fail(ran.strip().splitlines()[0], pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for guard in _GUARDS.values():
        shutil.rmtree(guard, ignore_errors=True)
