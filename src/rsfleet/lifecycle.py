"""Use cases of the local fleet: up, down, status, seed, scale, kill, restart.

The composition layer: it puts the fleet runtime (rsfleet.local: PostgreSQL, HAProxy, TLS,
state) together with the features above it (datashares, readiness, the controller process).
It sits above them, under the commands (the layers: pyproject.toml [tool.importlinter]);
what a lower layer needs from it is passed in (backup's in-place restore gets
`share_and_gate` as its `reshare`).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from rsfleet.errors import FleetError, UsageError
from rsfleet.fleet import PROBE
from rsfleet.local import settings as consumer_settings
from rsfleet.local.archive import archive_settings, scratch_clusters
from rsfleet.local.fleet import (
    ADMIN,
    COMMON_SETTINGS,
    HBA,
    LB_NAMES,
    PRODUCER,
    LocalFleet,
    check_reachable_by_server_user,
    port_free,
    wait_until,
    write_haproxy,
)
from rsfleet.local.fleet import ensure_role as _role
from rsfleet.local.fleet import probe_role as probe_role
from rsfleet.local.postgres import PgServer, pg_bin_dir, server_user
from rsfleet.local.tls import ensure_certificates
from rsfleet.sharing.local import consumer_ready
from rsfleet.spec.models import FleetSpec

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def up(spec: FleetSpec, state_dir: Path, *, lb_port: int, base_port: int,
       log: Log = _quiet, ready_timeout: float = 120.0) -> LocalFleet:
    """Start (or complete, or recover) the fleet. Idempotent.

    Every check runs before anything changes (no dir created, no mode changed, nothing
    started); then the state dir is claimed (marker), locked, and fleet.json lists every
    node before it starts, so that an interrupted `up` leaves nothing `down` cannot stop."""
    from rsfleet.local import state

    pg_bin_dir()  # fail early with the install command
    from rsfleet.local.haproxy import _binary

    _binary()
    state.check_state_dir(state_dir, spec.environment)
    if state_dir.is_dir():
        state.check_unlocked(state_dir)  # another change runs: refused before any check
    _plan_up(spec, state_dir, lb_port, base_port, _quiet)  # ports, bounds: read-only
    check_reachable_by_server_user(state.nearest_existing(state_dir))
    state.claim(state_dir, spec.environment)
    with state.locked(state_dir, "rsfleet local up"):
        fleet, spec = _plan_up(spec, state_dir, lb_port, base_port, log)  # again, under lock
        before = (set(LocalFleet.open(spec.environment, state_dir).spec.consumers)
                  if (state_dir / "fleet.json").is_file() else set(spec.consumers))
        changed = before != set(spec.consumers)  # the controller must read the new set
        with controller_paused(state_dir, log) if changed else contextlib.nullcontext():
            return _start(fleet, spec, log, ready_timeout)


def _plan_up(spec: FleetSpec, state_dir: Path, lb_port: int, base_port: int,
             log: Log) -> tuple[LocalFleet, FleetSpec]:
    previous = None
    if (state_dir / "fleet.json").is_file():
        previous = LocalFleet.open(spec.environment, state_dir)
        if previous.lb_port != lb_port or previous.ports.get(PRODUCER) != base_port:
            # A fleet keeps the ports it was created with (clients know them).
            lb_port, base_port = previous.lb_port, previous.ports[PRODUCER]
            log(f"keeping the fleet's ports: lb {lb_port}, producer {base_port}")
        spec = _keep_scaled_consumers(spec, previous, log)
    elif lb_port == base_port:
        raise UsageError(f"--lb-port and --base-port are both {lb_port}",
                         hint="HAProxy and the producer need their own ports: pass "
                         "different ones")
    check_scale_bound(spec, len(previous.spec.consumers) if previous else 0)
    fleet = LocalFleet.plan(spec, state_dir, lb_port=lb_port, base_port=base_port,
                            previous=previous, port_ok=port_free)
    # Ports: ours may be in use by ourselves (idempotent up); anyone else's is bad input.
    busy = [f"{n} {p}" for n, p in [("lb", fleet.lb_port), *fleet.ports.items()]
            if not port_free(p) and not _ours(fleet, n)]
    if busy:
        raise UsageError(f"port(s) already in use on 127.0.0.1: {', '.join(busy)}",
                         hint="pass --lb-port/--base-port, or stop what uses them")
    return fleet, spec


def _start(fleet: LocalFleet, spec: FleetSpec, log: Log, ready_timeout: float) -> LocalFleet:
    state_dir = fleet.state_dir
    started: list[str] = []
    user = server_user()
    if user and not all(fleet.node(n).is_running() for n in [PRODUCER, *spec.consumers]):
        log(f"running as root: PostgreSQL runs as the unprivileged user {user!r}")
    previous = (LocalFleet.open(spec.environment, state_dir)
                if (state_dir / "fleet.json").is_file() else None)
    try:
        tls = ensure_certificates(state_dir / "tls")
        pw = fleet.secrets()
        # fleet.json names every node before any starts: `down` can always stop them all.
        fleet.save()
        for name in [PRODUCER, *spec.consumers]:
            node = fleet.node(name)
            if not node.is_running():
                settings = COMMON_SETTINGS if name != PRODUCER else {
                    **COMMON_SETTINGS, **archive_settings(state_dir)}  # rsfleet backup
                node.init(superuser=ADMIN, password=pw[ADMIN], settings=settings,
                          tls=(tls.server_cert, tls.server_key), hba=HBA)
                started.append(name)
                node.start()
                log(f"started {name} on 127.0.0.1:{node.port} (pid {node.pid})")
        _roles_and_databases(fleet)
        write_haproxy(fleet)
        if not fleet.haproxy.is_running():
            started.append("haproxy")
            fleet.haproxy.start()
            log(f"started haproxy on 127.0.0.1:{fleet.lb_port} (pid {fleet.haproxy.pid})")
    except BaseException:
        # No half-started fleet: stop exactly what this call started, and put back the
        # fleet.json of before (nodes this call added and stopped leave it again).
        for name in reversed(started):
            with contextlib.suppress(Exception):
                (fleet.haproxy if name == "haproxy" else fleet.node(name)).stop()
        if previous is not None:
            with contextlib.suppress(Exception):
                previous.save()
        raise
    share_and_gate(fleet, log=log, ready_timeout=ready_timeout)
    return fleet


# Bounds of `local scale` / `local up` (see docs/local-fleet.md, "Limits"):
# - the producer's replication slots: one per (consumer, datashare) subscription, out of
#   max_replication_slots (COMMON_SETTINGS); max_sync_workers_per_subscription (PostgreSQL's
#   default, 2) more stay free, since a new subscription's initial table sync takes slots too.
# - the machine: each PostgreSQL cluster takes about 40 MiB idle (108 clusters used 4.2 GB);
#   a new one is counted at NODE_BYTES against MemAvailable.
SYNC_SLOTS = 2
NODE_BYTES = 48 * 2**20


def _mem_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_scale_bound(spec: FleetSpec, running: int) -> None:
    """UsageError when `spec`'s consumers exceed the producer's slots or this machine's
    memory (`running`: consumers the fleet has now, which need no new memory)."""
    count = len(spec.consumers)
    slots = sum(len(spec.shares_of(c)) for c in spec.consumers)
    limit = int(COMMON_SETTINGS["max_replication_slots"]) - SYNC_SLOTS
    if slots > limit:
        per = max(1, len(spec.shares_of(list(spec.consumers)[-1])))
        raise UsageError(
            f"{count} consumers need {slots} replication slots on the producer; the local "
            f"producer has {limit} (max_replication_slots "
            f"{COMMON_SETTINGS['max_replication_slots']} minus {SYNC_SLOTS} kept for initial "
            f"table syncs)", hint=f"at most {limit // per} consumers with "
            f"{per} datashare(s) each (bound: the producer's replication slots)")
    new = count - running + (0 if running else 1)  # the producer starts with the first up
    avail = _mem_available()
    if new > 0 and avail is not None and new * NODE_BYTES > avail:
        most = running + avail // NODE_BYTES - (0 if running else 1)
        raise UsageError(
            f"{count} consumers do not fit this machine: {new} new PostgreSQL cluster(s) at "
            f"~{NODE_BYTES >> 20} MiB each, {avail >> 20} MiB available",
            hint=f"at most {max(most, 0)} consumers (bound: this machine's memory)")


def _keep_scaled_consumers(spec: FleetSpec, previous: LocalFleet, log: Log) -> FleetSpec:
    """Consumers the fleet has but the spec file lacks (added by `local scale`) stay part of
    the fleet: `up` never forgets a consumer it started. `local scale N` removes them."""
    extra = [n for n in previous.spec.consumers if n not in spec.consumers]
    if not extra:
        return spec
    doc = spec.model_dump()
    doc["consumers"].update({n: previous.spec.consumers[n].model_dump() for n in extra})
    log(f"keeping {', '.join(extra)} (not in the spec file: added by `local scale`; "
        "remove with `rsfleet local scale N`)")
    return FleetSpec.model_validate(doc)


def _ours(fleet: LocalFleet, name: str) -> bool:
    if name == "lb":
        return fleet.haproxy.is_running()
    return fleet.node(name).is_running()


def _roles_and_databases(fleet: LocalFleet) -> None:
    spec = fleet.spec
    pw = fleet.secrets()
    with psycopg.connect(**fleet.admin_kwargs(PRODUCER), autocommit=True) as c:
        _role(c, "etl_writer", pw["etl_writer"], "LOGIN")
        _role(c, "rsfleet_replicator", pw["rsfleet_replicator"], "LOGIN REPLICATION")
        _database(c, spec.producer.database_name, owner="etl_writer")
    with psycopg.connect(**fleet.admin_kwargs(PRODUCER, spec.producer.database_name),
                         autocommit=True) as c:
        c.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    for name in spec.consumers:
        with psycopg.connect(**fleet.admin_kwargs(name), autocommit=True) as c:
            fresh = not c.execute("SELECT 1 FROM pg_roles WHERE rolname = 'app_reader'"
                                  ).fetchone()
            _role(c, "app_reader", pw["app_reader"], "LOGIN")
            if fresh:  # a new consumer gets the spec's settings; a changed spec on a
                # running one is applied by `local rollout` (drained, one at a time)
                consumer_settings.apply(c, consumer_settings.consumer_settings(
                    spec.consumers[name]))
            probe_role(c, pw[PROBE])
            for share in spec.shares_of(name):
                _database(c, spec.database_for(share), owner=ADMIN)
                c.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO app_reader").format(
                    sql.Identifier(spec.database_for(share))))
        for share in spec.shares_of(name):
            with psycopg.connect(**fleet.admin_kwargs(name, spec.database_for(share)),
                                 autocommit=True) as c:
                # Read-only for app_reader: no CREATE anywhere, SELECT granted per table,
                # so a write fails with "permission denied".
                c.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")


def _database(conn: psycopg.Connection, name: str, owner: str) -> None:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(owner)))


def share_and_gate(fleet: LocalFleet, *, log: Log = _quiet, ready_timeout: float = 120.0) -> None:
    """Apply the datashares, wait for the initial copies, and let ready consumers in."""
    from rsfleet.sharing.local import apply_local

    steps = apply_local(fleet)
    if steps:  # a summary; `rsfleet share plan` / `share apply` show every statement
        per_target: dict[str, int] = {}
        for step in steps:
            where = getattr(step, "target", "?").split(" (")[0].removeprefix("consumer ")
            per_target[where] = per_target.get(where, 0) + 1
        log("datashares: " + ", ".join(f"{n} statement(s) on {t}"
                                       for t, n in per_target.items()))
    pending = [n for n in fleet.spec.lb_consumers if fleet.node(n).is_running()]
    # Wait while the initial copies run (subscriptions catching up) ...
    wait_until(lambda: all(consumer_ready(fleet, n)[0] for n in pending), ready_timeout, 0.25)
    # ... then one pass of the readiness controller (same probe: shared tables readable).
    sync_targets(fleet, log=log)
    # HAProxy's own checks (rise 2) must also see the server up before it gets sessions.
    from rsfleet.adapters.haproxy import HaproxyRuntime

    runtime = HaproxyRuntime(fleet.haproxy_socket)
    ready = rotation_expected(fleet, pending)
    wait_until(lambda: ready <= {s.name for s in runtime.servers("consumers")
                                 if s.in_rotation}, 30, 0.1)  # ~1 s unless the host is loaded


def rotation_expected(fleet: LocalFleet, names: list[str]) -> set[str]:
    """The consumers of `names` the readiness pass puts in rotation: ready, and not drained
    (an operator's or a rollout's drain keeps a ready consumer out: waiting for it to come
    in made `local restart c2` wait 30 s in silence while c1 was drained)."""
    probe = readiness_probe(fleet)
    drained = drained_consumers(fleet)
    return {n for n in names if n not in drained and probe(n)[0]}


def drained_consumers(fleet: LocalFleet) -> dict[str, str]:
    """Consumers the drain state keeps out of rotation (`targets drain`, rollouts) -> why."""
    try:
        from rsfleet.targets import api as targets_api
    except ImportError:
        return {}
    return targets_api.local_context(fleet, data_ready=consumer_ready).store.load().drained


def in_rotation(fleet: LocalFleet) -> set[str]:
    """Consumers HAProxy sends new sessions to right now."""
    from rsfleet.adapters.haproxy import HaproxyRuntime

    if not fleet.haproxy.is_running():
        return set()
    with contextlib.suppress(FleetError):
        return {s.name for s in HaproxyRuntime(fleet.haproxy_socket).servers("consumers")
                if s.in_rotation}
    return set()


def readiness_probe(fleet: LocalFleet) -> Callable[[str], tuple[bool, str]]:
    """The targets controller's probe (direct connection as app_reader, every shared table
    readable, plus the sharing executor's subscription state and lag bound)."""
    try:
        from rsfleet.targets.readiness import local_probe
    except ImportError:
        return lambda name: consumer_ready(fleet, name)
    return local_probe(fleet, timeout=2.0, data_ready=consumer_ready)


def sync_targets(fleet: LocalFleet, *, log: Log = _quiet) -> None:
    """One readiness pass of the targets controller: ready consumers in, others out."""
    try:
        from rsfleet.targets import api as targets_api

        targets_api.sync(targets_api.local_context(fleet, data_ready=consumer_ready), log=log)
        return
    except ImportError:
        pass
    from rsfleet.adapters.haproxy import HaproxyRuntime

    runtime = HaproxyRuntime(fleet.haproxy_socket)
    for name in fleet.spec.lb_consumers:
        ready, reason = consumer_ready(fleet, name)
        runtime.set_server_state("consumers", name, "ready" if ready else "maint")
        log(f"{name}: {'in rotation' if ready else 'out of rotation'} ({reason})")


def start_controller(fleet: LocalFleet, log: Log = _quiet, *, interval: float = 1.0) -> int:
    """The readiness controller (the Lambda's loop) as a background process of the fleet."""
    from rsfleet.controller.local import ControllerProcess

    proc = ControllerProcess(fleet.state_dir)
    running = proc.is_supervised() and proc.is_running()
    pid = proc.start(interval=interval)
    if not running:
        log(f"started the readiness controller every {interval:g}s (pid {pid}, supervised by "
            f"pid {proc.supervisor_pid}: restarted if it dies; log {proc.log_file})")
    return pid


def stop_controller(state_dir: Path, log: Log = _quiet) -> None:
    from rsfleet.controller.local import ControllerProcess

    pid = ControllerProcess(state_dir).stop()
    if pid is not None:
        log(f"stopped the readiness controller (pid {pid})")


def down(fleet: LocalFleet, *, purge: bool = False, log: Log = _quiet,
         env: str | None = None, backups: bool = False) -> None:
    """Stop the fleet (`env`: the environment asked for; a state dir of another is refused,
    as `up` refuses it)."""
    from rsfleet.local import state

    # refused before anything is stopped: no half-applied change
    if purge:
        state.check_purge(fleet.state_dir, env)
    else:
        state.check_owned(fleet.state_dir, "stop the fleet in", env)
    with state.locked(fleet.state_dir, "rsfleet local down"):
        stop_controller(fleet.state_dir, log)
        if fleet.haproxy.is_running():
            fleet.haproxy.stop()
            log("stopped haproxy")
        for name in [*fleet.spec.consumers, PRODUCER]:
            node = fleet.node(name)
            if node.is_running():
                node.stop()
                log(f"stopped {name}")
        for node in _stray_nodes(fleet.state_dir, known=set(fleet.ports)):
            node.stop()  # a node dir fleet.json does not list (e.g. a scale that crashed)
            log(f"stopped {node.name} (not in fleet.json)")
        for node in scratch_clusters(fleet.state_dir):  # `backup restore --to` leftovers
            node.stop()
            log(f"stopped scratch cluster {node.name}")
    if purge:
        state.purge(fleet.state_dir, log, env=env, backups=backups)


def _stray_nodes(state_dir: Path, known: set[str]) -> list[PgServer]:
    """Running PostgreSQL servers whose node dir is in the state dir but not in `known`."""
    nodes = state_dir / "nodes"
    if not nodes.is_dir():
        return []
    found = [PgServer(d.name, d, 0) for d in sorted(nodes.iterdir())
             if d.is_dir() and d.name not in known]
    return [n for n in found if n.is_running()]


def down_state_dir(state_dir: Path, *, purge: bool = False, log: Log = _quiet,
                   env: str | None = None, backups: bool = False) -> None:
    """`down` for a state dir whose fleet.json cannot be read: stop what its own pid files
    name (HAProxy, every node dir), then remove what rsfleet created in it when asked.
    Only a dir that is rsfleet's own (`state.check_owned`) is touched."""
    from rsfleet.local import state
    from rsfleet.local.haproxy import HaproxyProcess

    if purge:
        state.check_purge(state_dir, env)
    else:
        state.check_owned(state_dir, "stop the fleet in", env)
    with state.locked(state_dir, "rsfleet local down"):
        stop_controller(state_dir, log)
        hap = HaproxyProcess(state_dir / "haproxy")
        stopped = 0
        if hap.is_running():
            hap.stop()
            log("stopped haproxy")
            stopped += 1
        for node in _stray_nodes(state_dir, known=set()):
            node.stop()
            log(f"stopped {node.name}")
            stopped += 1
        if not stopped:
            log(f"nothing running in {state_dir}")
    if purge:
        state.purge(state_dir, log, env=env, backups=backups)


def kill(fleet: LocalFleet, name: str) -> int | None:
    """SIGKILL a consumer's postmaster, or HAProxy's process for `lb`/`haproxy`."""
    return fleet.kill(name)


def restart(fleet: LocalFleet, name: str, *, log: Log = _quiet, ready_timeout: float = 60) -> None:
    """Restart a consumer, the producer, or HAProxy (`lb`/`haproxy`: config written again,
    a fresh process, then one readiness pass puts the ready consumers in rotation)."""
    from rsfleet.local import state

    with state.locked(fleet.state_dir, f"rsfleet local restart {name}"):
        if name in LB_NAMES:
            write_haproxy(fleet)
            fleet.haproxy.stop()
            fleet.haproxy.start()
            log(f"restarted haproxy on 127.0.0.1:{fleet.lb_port} (pid {fleet.haproxy.pid})")
        else:
            node = fleet.consumer(name) if name != PRODUCER else fleet.producer
            node.stop()
            node.start()
            log(f"restarted {name} (pid {node.pid})")
        share_and_gate(fleet, log=log, ready_timeout=ready_timeout)


def scale(fleet: LocalFleet, count: int, *, log: Log = _quiet,
          drain_timeout: float = 30.0) -> LocalFleet:
    """Grow or shrink to `count` consumers (c1..cN naming for new ones). New consumers get
    their share and join the LB only when ready; removed ones are drained first. Bounded by
    the producer's replication slots and this machine's memory (`check_scale_bound`).
    `plan_scale` says what it would do, changing nothing (`local scale --dry-run`)."""
    from rsfleet.local import state

    plan_scale(fleet, count, drain_timeout=drain_timeout)  # refused: not even the lock file
    with state.locked(fleet.state_dir, f"rsfleet local scale {count}"):
        # fleet.json as it is now, under the lock
        fleet = LocalFleet.open(fleet.env, fleet.state_dir)
        # every check before anything is touched: a refused scale (100000, a stopped fleet)
        # must not stop and restart the controller, nor start anything
        plan_scale(fleet, count, drain_timeout=drain_timeout)
        with controller_paused(fleet.state_dir, log):
            return _scale(fleet, count, log=log, drain_timeout=drain_timeout)


@dataclass(frozen=True)
class ScalePlan:
    """What `scale(fleet, count)` does: every check it makes, nothing changed."""

    before: list[str]  # the consumers now
    added: dict[str, int]  # new consumer -> its port
    removed: list[str]
    drained: list[str]  # removed consumers HAProxy serves now: drained before they stop
    spec: FleetSpec  # the fleet's spec after the change
    drain_timeout: float

    def lines(self) -> list[str]:
        after = list(self.spec.consumers)
        if not self.added and not self.removed:
            return [f"already {len(after)} consumer(s) ({', '.join(after)}): nothing to do"]
        out = [f"{len(self.before)} -> {len(after)} consumer(s): {', '.join(after)}"]
        if self.added:
            out.append("would add " + ", ".join(f"{n} (127.0.0.1:{p})"
                                                for n, p in self.added.items())
                       + ": start PostgreSQL, subscribe to its datashares, record it in "
                       "fleet.json; HAProxy sends it sessions only once it is ready")
        for name in self.removed:
            drain = (f"drain {name} (no new sessions; open ones get {self.drain_timeout:g}s, "
                     "then are closed), then " if name in self.drained else "")
            out.append(f"would {drain}stop {name}, drop its subscription and replication "
                       "slot, delete its data dir and remove it from HAProxy and fleet.json")
        return out


def plan_scale(fleet: LocalFleet, count: int, *, drain_timeout: float = 30.0) -> ScalePlan:
    """The plan of `scale(fleet, count)`, with the same checks (count, replication slots,
    memory, ports, the last consumer behind the LB); reads only."""
    if count < 1:
        raise UsageError("scale needs at least 1 consumer")
    if not fleet.producer.is_running():
        # scaling a stopped fleet started all of it, silently and without its controller
        raise UsageError(f"the fleet is stopped: run `rsfleet local up {fleet.cli_args}` "
                         f"first, then `rsfleet local scale {count}`; nothing was changed")
    spec = fleet.spec
    names = list(spec.consumers)
    if count > len(names):
        new_spec = _grown_spec(spec, count)
        grown, _ = _plan_up(new_spec, fleet.state_dir, fleet.lb_port, fleet.ports[PRODUCER],
                            _quiet)
        return ScalePlan(names, {n: grown.ports[n] for n in new_spec.consumers
                                 if n not in spec.consumers}, [], [], new_spec, drain_timeout)
    if count == len(names):
        return ScalePlan(names, {}, [], [], spec, drain_timeout)
    removed = names[count:]
    new_spec = _shrunk_spec(spec, count)
    return ScalePlan(names, {}, removed, [n for n in removed if _in_lb(fleet, n)], new_spec,
                     drain_timeout)


def _grown_spec(spec: FleetSpec, count: int) -> FleetSpec:
    """`spec` with consumers added up to `count` (the last one's settings; c1..cN names
    not yet taken), checked against this machine's bounds."""
    names = list(spec.consumers)
    if count > 4096:  # far above any bound below; keeps the name loop short
        raise UsageError(f"scale {count}: too many consumers",
                         hint="the local fleet has room for a few dozen at most")
    consumers = dict(spec.consumers)
    template = spec.consumers[names[-1]]
    i = 1
    while len(consumers) < count:
        cand = f"c{i}"
        if cand not in consumers:
            consumers[cand] = template
        i += 1
    new_spec = spec.model_copy(update={"consumers": consumers})
    check_scale_bound(new_spec, len(names))  # before anything is validated or started
    return FleetSpec.model_validate(new_spec.model_dump())


def _shrunk_spec(spec: FleetSpec, count: int) -> FleetSpec:
    names = list(spec.consumers)
    if not any(spec.consumers[n].behind_nlb for n in names[:count]):
        raise UsageError("scaling down would leave no consumer behind the load balancer")
    return FleetSpec.model_validate(
        spec.model_copy(update={"consumers": {n: spec.consumers[n] for n in names[:count]}})
        .model_dump())


def _in_lb(fleet: LocalFleet, name: str) -> bool:
    """Whether HAProxy's backend has `name` now (what `_drain_and_wait` drains)."""
    from rsfleet.adapters.haproxy import HaproxyRuntime

    if name not in fleet.spec.lb_consumers:
        return False
    return name in {s.name for s in HaproxyRuntime(fleet.haproxy_socket).servers("consumers")}


@contextlib.contextmanager
def controller_paused(state_dir: Path, log: Log = _quiet) -> Iterator[None]:
    """Stop the background controller while the consumer set changes, start it again after.

    It reads fleet.json once, at its start: left running through `local scale 4` (CLI, a
    fleet of 3) it took c4 for "no longer a member" and deleted it from HAProxy, so c4
    never served. Restarted, it reads the new fleet.json."""
    from rsfleet.controller.local import ControllerProcess

    ctl = ControllerProcess(state_dir)
    if not (ctl.is_running() or ctl.is_supervised()):
        yield
        return
    stop_controller(state_dir, log)
    try:
        yield
    finally:
        pid = ControllerProcess(state_dir).start()
        log(f"started the readiness controller again (pid {pid}): it reads the new fleet.json")


def _scale(fleet: LocalFleet, count: int, *, log: Log, drain_timeout: float) -> LocalFleet:
    spec = fleet.spec
    names = list(spec.consumers)
    if count == len(names):
        log(f"already {count} consumer(s)")
        return fleet
    if count > len(names):
        new_spec = _grown_spec(spec, count)
        grown = LocalFleet.plan(new_spec, fleet.state_dir, lb_port=fleet.lb_port,
                                base_port=fleet.ports[PRODUCER], previous=fleet)
        return up(new_spec, fleet.state_dir, lb_port=grown.lb_port,
                  base_port=grown.ports[PRODUCER], log=log)
    removed = names[count:]
    new_spec = _shrunk_spec(spec, count)
    from rsfleet.sharing.local import drop_consumer

    for name in removed:
        _drain_and_wait(fleet, name, drain_timeout, log)
    for name in removed:
        drop_consumer(fleet, name)
        fleet.node(name).stop()
        log(f"stopped {name}; its subscription and replication slot were dropped")
    shrunk = LocalFleet.plan(new_spec, fleet.state_dir, lb_port=fleet.lb_port,
                             base_port=fleet.ports[PRODUCER], previous=fleet)
    shrunk.save()
    write_haproxy(shrunk)
    shrunk.haproxy.start()  # reload: the old process finishes its sessions
    sync_targets(shrunk, log=log)
    for name in removed:
        shutil.rmtree(fleet.state_dir / "nodes" / name, ignore_errors=True)
    return shrunk


def _drain_and_wait(fleet: LocalFleet, name: str, timeout: float, log: Log) -> None:
    from rsfleet.adapters.haproxy import HaproxyRuntime
    from rsfleet.targets.sessions import LocalSessions, wait_drained

    runtime = HaproxyRuntime(fleet.haproxy_socket)
    if not _in_lb(fleet, name):
        return  # not behind the LB (or already gone from it): nothing to drain
    runtime.set_server_state("consumers", name, "drain")
    log(f"draining {name}")

    def observe() -> tuple[bool, int]:
        rows = [s for s in runtime.servers("consumers") if s.name == name]
        return (not rows, sum(s.sessions for s in rows))

    # the same wait as every drain: sessions closed between transactions, the rest at the end
    waited = wait_drained(name, observe, LocalSessions(fleet), timeout)
    if waited.summary():
        log(f"{name}: {waited.summary()}")
    if waited.left > 0:
        log(f"{name}: sessions still open after {timeout:.0f}s: closing them")
        runtime.shutdown_sessions("consumers", name)
    runtime.set_server_state("consumers", name, "maint")


@dataclass(frozen=True)
class NodeStatus:
    name: str
    role: str
    port: int | None  # None: the controller (no port)
    pid: int | None
    up: bool
    ready: bool | None
    reason: str
    lag_bytes: int | None
    sessions: int | None
    in_rotation: bool | None
    problem: str = ""  # why `local status` exits 1: down, or a probe that could not run
    drained: str = ""  # why the drain state keeps it out of rotation (`targets drain`)
    state: str = ""  # the controller's: running, down, unsupervised, off
    restarts: int | None = None  # the controller's restarts by its supervisor


# A readiness reason that means the probe itself could not run (versus a consumer that was
# probed and is not ready yet, e.g. its initial copy still running).
_PROBE_FAILED = ("cannot connect", "probe error", "consumer_ready failed")


def status(fleet: LocalFleet) -> list[NodeStatus]:
    from rsfleet.adapters.haproxy import HaproxyRuntime
    from rsfleet.sharing.local import subscription_name

    lb = {}
    lb_problem = ""
    lb_read = False  # HAProxy answered: a member missing from `lb` is missing from it
    if fleet.haproxy.is_running():
        try:
            lb = {s.name: s for s in HaproxyRuntime(fleet.haproxy_socket).servers("consumers")}
            lb_read = True
        except FleetError as exc:
            lb_problem = f"runtime API: {exc}"
    lags: dict[str, int] = {}
    prod = fleet.producer
    prod_problem = "" if prod.is_running() else "down"
    if prod.is_running():
        try:
            with psycopg.connect(**{**fleet.admin_kwargs(PRODUCER), "connect_timeout": 2}) as c:
                for slot, lag in c.execute(
                        "SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), "
                        "confirmed_flush_lsn) FROM pg_replication_slots"):
                    lags[slot] = int(lag or 0)
        except psycopg.Error as exc:
            prod_problem = f"lag query failed: {str(exc).strip().splitlines()[0][:120]}"
    out = [NodeStatus(PRODUCER, "producer", prod.port, prod.pid if prod.is_running() else None,
                      prod.is_running(), None, "", None, None, None, prod_problem)]
    probe = readiness_probe(fleet)
    drains = drained_consumers(fleet)
    for name, node in fleet.consumers.items():
        running = node.is_running()
        ready, reason = probe(name) if running else (False, "down")
        slot_lags = [lags[subscription_name(s, name)] for s in fleet.spec.shares_of(name)
                     if subscription_name(s, name) in lags]
        srv = lb.get(name)
        problem = ("down" if not running else
                   reason if not ready and any(k in reason for k in _PROBE_FAILED) else "")
        if not problem and srv is None and lb_read and name in fleet.spec.lb_consumers:
            problem = "missing from HAProxy's backend (`rsfleet targets sync` adds it)"
        # a stopped consumer confirms nothing: its slot's "lag" is only the WAL written
        # since it stopped (0 B on a quiet producer), not a measure of how far behind it is
        lag = max(slot_lags) if slot_lags and running else None
        out.append(NodeStatus(name, "consumer", node.port, node.pid if running else None,
                              running, ready, reason, lag, srv.sessions if srv else None,
                              srv.in_rotation if srv else None, problem,
                              drained=drains.get(name, "")))
    hap = fleet.haproxy
    out.append(NodeStatus("haproxy", "load balancer", fleet.lb_port,
                          hap.pid if hap.is_running() else None, hap.is_running(), None, "",
                          None, sum(s.sessions for s in lb.values()) if lb else None, None,
                          "down" if not hap.is_running() else lb_problem))
    out.append(_controller_row(fleet))
    return out


def _controller_row(fleet: LocalFleet) -> NodeStatus:
    """The supervised readiness controller (rsfleet.controller.supervisor): state, restarts."""
    from rsfleet.controller.local import ControllerProcess

    ctl = ControllerProcess(fleet.state_dir).status()
    every = f"every {ctl.interval_s:g}s, " if ctl.interval_s else ""
    reason = {"running": f"{every}supervised (pid {ctl.supervisor_pid}), "
                         f"{ctl.restarts} restart(s)",
              "off": f"not started (`rsfleet local up {fleet.cli_args}` starts it)"
              }.get(ctl.state, ctl.problem.removeprefix("controller: "))
    return NodeStatus("controller", "controller", None, ctl.pid, ctl.state == "running", None,
                      reason, None, None, None, ctl.problem.removeprefix("controller: "),
                      state=ctl.state, restarts=ctl.restarts)


SEED_SQL = [
    "CREATE SCHEMA IF NOT EXISTS sales",
    """CREATE TABLE IF NOT EXISTS sales.customers (
         customer_id integer PRIMARY KEY, name text NOT NULL, region text NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sales.products (
         product_id integer PRIMARY KEY, name text NOT NULL, category text NOT NULL,
         price numeric(10,2) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sales.orders (
         order_id bigint PRIMARY KEY, customer_id integer NOT NULL, product_id integer NOT NULL,
         quantity integer NOT NULL, amount numeric(12,2) NOT NULL,
         ordered_at timestamptz NOT NULL)""",
    """INSERT INTO sales.customers SELECT g, 'customer ' || g,
         (ARRAY['north','south','east','west','central'])[1 + g % 5]
       FROM generate_series(1, 1000) g ON CONFLICT DO NOTHING""",
    """INSERT INTO sales.products SELECT g, 'product ' || g,
         (ARRAY['books','games','music','tools'])[1 + g % 4], (1 + g % 97) * 1.25
       FROM generate_series(1, 200) g ON CONFLICT DO NOTHING""",
]


def seed(fleet: LocalFleet, rows: int, *, log: Log = _quiet) -> int:
    """Load the sample `sales` schema on the producer (as etl_writer), then share it."""
    if rows < 0:
        raise UsageError("--rows must be >= 0")
    kw = fleet.connect_kwargs(PRODUCER, "etl_writer", fleet.spec.producer.database_name)
    with psycopg.connect(**kw) as c:
        c.execute("SELECT pg_advisory_xact_lock(4242)")
        for stmt in SEED_SQL:
            c.execute(stmt)
        row = c.execute("SELECT coalesce(max(order_id), 0) FROM sales.orders").fetchone()
        have = int(row[0]) if row else 0
        if rows > have:
            c.execute(
                """INSERT INTO sales.orders SELECT g, 1 + g %% 1000, 1 + g %% 200, 1 + g %% 5,
                     ((1 + g %% 97) * 1.25 * (1 + g %% 5))::numeric(12,2),
                     timestamptz '2026-01-01' + (g %% 300) * interval '1 day'
                   FROM generate_series(%s::bigint, %s::bigint) g""", (have + 1, rows))
    log(seed_sentence(have, rows))
    share_and_gate(fleet, log=log)
    return max(rows, have)


def seed_sentence(have: int, rows: int) -> str:
    """What `local seed --rows N` did: seeding only adds orders, so a smaller N than the
    table holds changes nothing (it said "seeded up to 100000 rows" on a 200,000-row table)."""
    if rows > have:
        return (f"added {rows - have:,} rows: sales.orders has {rows:,} rows (+1,000 customers, "
                "200 products)")
    if rows == have:
        return f"sales.orders already has {have:,} rows: nothing added"
    return (f"sales.orders already has {have:,} rows, more than --rows {rows:,}: nothing "
            "added or removed (seed only adds rows; for a smaller table start a new fleet: "
            "local down --purge, then local up)")
