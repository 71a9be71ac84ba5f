"""The drain state: local JSON file under flock, DynamoDB (moto) with conditional writes."""

from __future__ import annotations

import json
import threading

import boto3
import pytest
from moto import mock_aws

from rsfleet.targets.store import (
    Drain,
    DynamoStore,
    JsonFileStore,
    PassRecord,
    StateConflict,
    TargetsState,
    import_file_once,
)

REGION = "us-east-1"
TABLE = "rsfleet-dev-controller"


def make_table(client) -> None:
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])


@pytest.fixture
def ddb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        make_table(client)
        yield client


@pytest.fixture(params=["file", "dynamodb"])
def stores(request, tmp_path):
    """Two handles on the same state (two processes: the CLI and the controller)."""
    if request.param == "file":
        yield JsonFileStore(tmp_path / "t.json"), JsonFileStore(tmp_path / "t.json")
        return
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        make_table(client)
        yield (DynamoStore(TABLE, "rsfleet/dev", client=client),
               DynamoStore(TABLE, "rsfleet/dev", client=client))


def test_drain_round_trip_with_who_why_since(stores):
    a, b = stores
    assert a.load().version == 0
    a.modify(lambda st: st.drains.__setitem__("c1", Drain("disk swap", "ann@ops1", 100.0)))
    st = b.load()
    assert st.drains == {"c1": Drain("disk swap", "ann@ops1", 100.0)}
    assert st.drained == {"c1": "disk swap"}
    assert st.version == 1


def test_conflicting_write_is_retried_never_lost(stores):
    """The controller's read-modify-write loses the race to an operator's drain: it reads
    again, re-applies its own change, and both changes are in the state."""
    controller, cli = stores
    calls = []

    def record(st: TargetsState) -> None:
        calls.append(st.version)
        if len(calls) == 1:  # the operator writes between our read and our write
            cli.modify(lambda s: s.drains.__setitem__("c2", Drain("operator", "bob@h", 5.0)))
        st.drain_started["c1"] = 42.0

    controller.modify(record)
    st = cli.load()
    assert st.drains.keys() == {"c2"}
    assert st.drain_started == {"c1": 42.0}
    assert calls == [0, 1]  # re-applied on the newer version
    assert controller.conflicts == 1
    assert st.version == 2


def test_stale_write_raises_conflict(stores):
    a, b = stores
    a.modify(lambda st: st.drains.__setitem__("c1", Drain()))
    stale = b.load()
    a.modify(lambda st: st.drains.pop("c1"))
    stale.drains["c3"] = Drain()
    with pytest.raises(StateConflict):
        b.write(stale, stale.version)


def test_many_writers_lose_nothing(tmp_path):
    """Threads racing on the file store. (Not on moto: its conditional write is not atomic
    across threads, which DynamoDB's is; the DynamoDB race is the deterministic
    interleaving of test_conflicting_write_is_retried_never_lost.)"""
    a, b = JsonFileStore(tmp_path / "t.json"), JsonFileStore(tmp_path / "t.json")
    names = [f"c{i}" for i in range(12)]

    def drain(store, name):
        store.modify(lambda st: st.drains.__setitem__(name, Drain(who=name)))

    threads = [threading.Thread(target=drain, args=(a if i % 2 else b, n))
               for i, n in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = a.load()
    assert sorted(st.drains) == sorted(names)
    assert st.version == len(names)


def test_last_pass_record_is_separate_from_drains(stores):
    a, b = stores
    a.modify(lambda st: st.drains.__setitem__("c1", Drain()))
    a.record_pass(PassRecord(at=10.0, duration_s=0.4, actions=["drain c2: not ready"],
                             errors=[], passes=3, source="test",
                             readiness={"c2": [False, "down", 0, 2]}))
    rec = b.last_pass()
    assert rec is not None and rec.actions == ["drain c2: not ready"] and rec.passes == 3
    assert rec.readiness == {"c2": [False, "down", 0, 2]}
    assert b.load().version == 1  # the pass record does not bump the drains' version


def test_version1_file_is_read(tmp_path):
    path = tmp_path / "targets-aws.json"
    path.write_text(json.dumps({"version": 1, "drained": {"c1": "operator"},
                                "drain_started": {"c1": 7}}))
    st = JsonFileStore(path).load()
    assert st.drains == {"c1": Drain("operator", "", 0.0)}
    assert st.drain_started == {"c1": 7.0} and st.version == 0


def test_old_file_is_imported_once_with_a_message(ddb, tmp_path):
    path = tmp_path / "targets-aws.json"
    path.write_text(json.dumps({"version": 1, "drained": {"c1": "operator", "c2": "x"},
                                "drain_started": {"c1": 7}}))
    store = DynamoStore(TABLE, "rsfleet/dev", client=ddb)
    store.modify(lambda st: st.drains.__setitem__("c2", Drain("kept", "ann@h", 1.0)))
    said: list[str] = []
    assert import_file_once(store, path, said.append) == 1
    assert said and "imported 1 operator drain(s)" in said[0] and TABLE in said[0]
    st = store.load()
    assert st.drains["c1"].why == "operator" and st.drains["c2"].why == "kept"
    assert not path.exists() and (tmp_path / "targets-aws.json.imported").exists()
    assert import_file_once(store, path, said.append) == 0 and len(said) == 1


def test_file_is_private(tmp_path):
    store = JsonFileStore(tmp_path / "t.json")
    store.modify(lambda st: st.drains.__setitem__("c1", Drain()))
    assert (tmp_path / "t.json").stat().st_mode & 0o077 == 0


def test_missing_table_is_a_permanent_error_naming_it(ddb):
    from rsfleet.errors import PermanentError

    store = DynamoStore("no-such-table", "rsfleet/dev", client=ddb)
    with pytest.raises(PermanentError, match="no-such-table") as err:
        store.load()
    assert "controller.state_table" in (err.value.hint or "")
