"""The controller's small persistent state, shared by the CLI and the controller.

What it holds: operator drains (who, why, since), when each LB drain started (the
deregistration delay is counted from there), a ``version`` that every write increases, and
the controller's last pass (time, duration, actions, errors).

One protocol, two implementations:
- ``JsonFileStore``: a JSON file in the fleet state dir (0600), guarded by an flock (local
  fleet; AWS without a controller table);
- ``DynamoStore``: one DynamoDB item per fleet, written with a conditional write on its
  version (``ConditionExpression``), so two writers never lose each other's change
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate).

A change is a function ``change(state) -> result`` given to ``modify``: it reads the
newest state, applies the change, writes it conditionally on the version it read, and on a
conflict reads again and re-applies the same change (optimistic concurrency). So a change
must only edit the state it is given (no I/O): side effects (registering targets) happen
outside, before or after.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import random
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rsfleet.errors import FleetError

if TYPE_CHECKING:  # types only, nothing imported at run time
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")
MODIFY_ATTEMPTS = 10


class StateConflict(Exception):
    """The state changed between read and write (another writer won); read again."""


@dataclass(frozen=True)
class Drain:
    """An operator drain: who asked, why, since when (epoch seconds)."""

    why: str = "operator"
    who: str = ""
    since: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"why": self.why, "who": self.who, "since": self.since}

    @classmethod
    def from_json(cls, data: Any) -> Drain:
        if isinstance(data, str):  # targets.json version 1: name -> why
            return cls(why=data)
        return cls(why=str(data.get("why") or "operator"), who=str(data.get("who") or ""),
                   since=float(data.get("since") or 0.0))


def operator() -> str:
    """Who is draining: user@host of the CLI (no AWS call; never a secret)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass
class PassRecord:
    """The controller's last pass, as `targets status` shows it."""

    at: float
    duration_s: float
    actions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    passes: int = 1  # passes in the invocation so far
    source: str = ""  # "lambda <request id>", "local pid 123"
    # consumer -> [ready, reason, consecutive ok, consecutive fail]: the rise/fall counters,
    # so a new controller process (a cold Lambda) carries on where the last one stopped
    readiness: dict[str, list[Any]] = field(default_factory=dict)
    # consumer -> [epoch seconds, ok, reason] of its last billed data check (TieredProbe)
    data_checks: dict[str, list[Any]] = field(default_factory=dict)
    sentence: str = ""  # what the pass saw and did, as logged
    # elastic rotation: since when demand has been lower than what serves (epoch seconds),
    # so a restarted controller does not wait scale_in_after_seconds all over again
    low_since: float | None = None
    # seconds between passes when they run back to back (the local controller), so that
    # `targets status` can say a pass is overdue; None on AWS, where passes pause between
    # two Lambda invocations (the 5-minute warning applies there)
    interval_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PassRecord:
        return cls(at=float(data["at"]), duration_s=float(data["duration_s"]),
                   actions=[str(a) for a in data.get("actions") or []],
                   errors=[str(e) for e in data.get("errors") or []],
                   passes=int(data.get("passes") or 1), source=str(data.get("source") or ""),
                   readiness={str(k): list(v) for k, v in
                              (data.get("readiness") or {}).items()},
                   data_checks={str(k): list(v) for k, v in
                                (data.get("data_checks") or {}).items()},
                   sentence=str(data.get("sentence") or ""),
                   interval_s=(float(data["interval_s"]) if isinstance(
                       data.get("interval_s"), int | float) else None),
                   low_since=(float(data["low_since"]) if isinstance(
                       data.get("low_since"), int | float) else None))


@dataclass
class TargetsState:
    drains: dict[str, Drain] = field(default_factory=dict)
    drain_started: dict[str, float] = field(default_factory=dict)  # name -> epoch seconds
    version: int = 0  # 0: never written

    @property
    def drained(self) -> dict[str, str]:
        """name -> why (what the reconciler and the status table need)."""
        return {n: d.why for n, d in self.drains.items()}

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version,
                "drains": {n: d.to_json() for n, d in sorted(self.drains.items())},
                "drain_started": dict(sorted(self.drain_started.items()))}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TargetsState:
        raw = data.get("drains")
        if raw is None:  # version 1 files: {"drained": {name: why}}
            raw = data.get("drained") or {}
        return cls(drains={str(k): Drain.from_json(v) for k, v in raw.items()},
                   drain_started={str(k): float(v) for k, v in
                                  (data.get("drain_started") or {}).items()},
                   version=int(data.get("version") or 0) if "drains" in data else 0)

    def copy(self) -> TargetsState:
        return TargetsState.from_json(self.to_json())


class StateStore(Protocol):
    """Where the drains live. ``write`` is conditional on ``expected_version`` (the version
    that was read) and raises ``StateConflict`` when another writer got there first."""

    where: str  # for messages: the file or the table

    def load(self) -> TargetsState: ...

    def write(self, state: TargetsState, expected_version: int) -> None: ...

    def modify(self, change: Callable[[TargetsState], T]) -> T: ...

    def record_pass(self, record: PassRecord) -> None: ...

    def last_pass(self) -> PassRecord | None: ...


def modify_with_retry(store: StateStore, change: Callable[[TargetsState], T], *,
                      attempts: int = MODIFY_ATTEMPTS,
                      on_conflict: Callable[[int], None] | None = None) -> T:
    """Read-modify-write: re-read and re-apply ``change`` after a conflict."""
    for attempt in range(1, attempts + 1):
        current = store.load()
        new = current.copy()
        result = change(new)
        if new.to_json() == current.to_json():
            return result  # nothing changed: nothing to write
        new.version = current.version + 1
        try:
            store.write(new, current.version)
        except StateConflict:
            if on_conflict is not None:
                on_conflict(attempt)
            # full jitter, so writers that collided do not collide again in step
            time.sleep(random.uniform(0.0, min(0.02 * 2 ** attempt, 1.0)))  # noqa: S311
            continue
        return result
    raise FleetError(f"the targets state in {store.where} kept changing under {attempts} "
                     "attempts to write it", hint="another writer is busy; try again")


class JsonFileStore:
    """A JSON file (0600) plus ``<file>.lock``; the last pass goes in ``<stem>-pass.json``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self.conflicts = 0  # how many conflicting writes were retried (tests, bench)

    def load(self) -> TargetsState:
        try:
            return TargetsState.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return TargetsState()
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise FleetError(f"cannot read the targets state {self.path}: {exc}",
                             hint="fix or delete the file (it only holds operator drains)"
                             ) from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _replace(self, path: Path, data: dict[str, Any]) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
        os.replace(tmp, path)

    def write(self, state: TargetsState, expected_version: int) -> None:
        with self._locked():
            if self.load().version != expected_version:
                raise StateConflict(self.where)
            self._replace(self.path, state.to_json())

    def modify(self, change: Callable[[TargetsState], T]) -> T:
        def counted(_attempt: int) -> None:
            self.conflicts += 1

        return modify_with_retry(self, change, on_conflict=counted)

    @property
    def _pass_path(self) -> Path:
        return self.path.with_name(f"{self.path.stem}-pass.json")

    def record_pass(self, record: PassRecord) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._replace(self._pass_path, record.to_json())

    def last_pass(self) -> PassRecord | None:
        try:
            return PassRecord.from_json(json.loads(self._pass_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            return None


class DynamoStore:
    """One item per fleet in a DynamoDB table (partition key ``pk``, string):
    ``<fleet>#drains`` holds the versioned state, ``<fleet>#last-pass`` the last pass (an
    unconditional put: only the single controller writes it, and it must never conflict
    with an operator's drain). Reads are strongly consistent."""

    KEY = "pk"

    def __init__(self, table: str, fleet: str, *, client: DynamoDBClient | None = None,
                 region: str | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb", region_name=region)
        self.client = client
        self.table = table
        self.fleet = fleet
        self.where = f"DynamoDB table {table} ({fleet})"
        self.conflicts = 0

    def _get(self, suffix: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        from rsfleet.adapters.aws_errors import translate

        try:
            item: dict[str, Any] | None = self.client.get_item(TableName=self.table,
                                        Key={self.KEY: {"S": f"{self.fleet}#{suffix}"}},
                                        ConsistentRead=True).get("Item")
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, f"reading the targets state from {self.where}",
                            hint="check the table name (Terraform output controller."
                            "state_table) and dynamodb:GetItem permission") from None
        return item

    def load(self) -> TargetsState:
        item = self._get("drains")
        if not item:
            return TargetsState()
        try:
            state = TargetsState.from_json(json.loads(item["body"]["S"]))
            state.version = int(item["version"]["N"])
        except (KeyError, ValueError, TypeError) as exc:
            raise FleetError(f"the targets state in {self.where} is not readable: {exc}",
                             hint="delete the item (it only holds operator drains)") from None
        return state

    def write(self, state: TargetsState, expected_version: int) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        body = state.to_json()
        item = {self.KEY: {"S": f"{self.fleet}#drains"},
                "version": {"N": str(state.version)},
                "body": {"S": json.dumps(body, sort_keys=True)}}
        if expected_version == 0:
            cond: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(#pk)",
                                    "ExpressionAttributeNames": {"#pk": self.KEY}}
        else:
            cond = {"ConditionExpression": "#v = :v",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":v": {"N": str(expected_version)}}}
        try:
            self.client.put_item(TableName=self.table, Item=item, **cond)
        except ClientError as exc:
            if exc.response["Error"].get("Code") == "ConditionalCheckFailedException":
                raise StateConflict(self.where) from None
            raise self._translate(exc) from None
        except BotoCoreError as exc:
            raise self._translate(exc) from None

    def _translate(self, exc: BaseException) -> Exception:
        from rsfleet.adapters.aws_errors import translate

        return translate(exc, f"writing the targets state to {self.where}",
                         hint="check dynamodb:PutItem permission on the table")

    def modify(self, change: Callable[[TargetsState], T]) -> T:
        def counted(_attempt: int) -> None:
            self.conflicts += 1

        return modify_with_retry(self, change, on_conflict=counted)

    def record_pass(self, record: PassRecord) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_item(TableName=self.table, Item={
                self.KEY: {"S": f"{self.fleet}#last-pass"},
                "body": {"S": json.dumps(record.to_json(), sort_keys=True)}})
        except (BotoCoreError, ClientError) as exc:
            raise self._translate(exc) from None

    def last_pass(self) -> PassRecord | None:
        item = self._get("last-pass")
        if not item:
            return None
        try:
            return PassRecord.from_json(json.loads(item["body"]["S"]))
        except (KeyError, ValueError, TypeError):
            return None


def import_file_once(store: StateStore, path: Path, log: Callable[[str], None]) -> int:
    """Move the drains of an old local file (``targets-aws.json``) into ``store`` once; the
    file is renamed ``<name>.imported`` so it is never read again. Returns how many."""
    if not path.is_file():
        return 0
    old = JsonFileStore(path).load()

    def merge(state: TargetsState) -> int:
        added = 0
        for name, d in old.drains.items():
            if name not in state.drains:
                state.drains[name] = d
                added += 1
        for name, t in old.drain_started.items():
            state.drain_started.setdefault(name, t)
        return added

    added = store.modify(merge)
    done = path.with_name(path.name + ".imported")
    path.replace(done)
    log(f"imported {added} operator drain(s) from {path} into {store.where}; "
        f"the file is now {done.name} and is no longer read")
    return added
