"""LoadTestRequest: every option rule that needs no fleet, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rsfleet.errors import UsageError
from rsfleet.loadtest.request import LoadTestRequest


def test_defaults_and_derived_values() -> None:
    local = LoadTestRequest(backend="local").checked()
    assert (local.duration_s, local.window_s, local.sessions) == (30.0, 15.0, 64)
    aws = LoadTestRequest(backend="aws", queries=100).checked()
    assert (aws.duration_s, aws.window_s) == (None, 60.0)  # --queries alone: no time limit
    timed = LoadTestRequest(backend="local", duration="2m", fault_window="5s").checked()
    assert (timed.duration_s, timed.window_s) == (120.0, 5.0)
    assert timed.session_lifetime_s is None
    pooled = LoadTestRequest(backend="local", session_lifetime="2s").checked()
    assert pooled.session_lifetime_s == 2.0


@pytest.mark.parametrize(("options", "message"), [
    ({"sessions": 0}, "--sessions 0: must be 1..5000"),
    ({"port": 0}, "--port 0: must be between 1 and 65535"),
    ({"connect_mode": "sometimes"}, "--connect-mode 'sometimes'"),
    ({"engine": "fibers"}, "--engine 'fibers'"),
    ({"max_error_rate": 1.5}, "--max-error-rate 1.5"),
    ({"duration": "25h"}, "--duration 25h: must be more than 0 and at most 24h"),
    ({"fault_window": "2h"}, "--fault-window 2h"),
    ({"session_lifetime": "25h"}, "--session-lifetime 25h: must be more than 0"),
    ({"session_lifetime": "soon"}, "--session-lifetime"),
    ({"connect_mode": "per-query", "session_lifetime": "2s"},
     "--session-lifetime applies to --connect-mode per-session"),
    ({"backend": "aws", "kill": ("c1@5s",)}, "--kill works only on the local backend"),
    ({"via_test_instance": True, "query_file": Path(__file__)}, "--query-file cannot be used"),
    ({"database": ""}, "--database is empty"),
    ({"user": " "}, "--user is empty"),
    ({"kill": ("c1@5s", "c1@5s")}, "--kill c1@5s is given twice"),
    ({"kill": ("c1@5s", "c1@5000ms")}, "--kill c1@5000ms (same as c1@5s) is given twice"),
    ({"backend": "aws", "drain": ("c2@1m", "c2@60s")}, "--drain c2@60s (same as c2@1m)"),
])
def test_one_line_per_broken_rule(options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as err:
        LoadTestRequest(**{"backend": "local", **options}).checked()
    assert err.value.exit_code == 2
    assert message in err.value.message and "\n" not in err.value.message


def test_distinct_faults_are_accepted() -> None:
    req = LoadTestRequest(backend="local", kill=("c1@5s", "c1@10s", "c2@5s"),
                                drain=("c1@5s",)).checked()  # another time, consumer or kind
    assert req.kill == ("c1@5s", "c1@10s", "c2@5s") and req.drain == ("c1@5s",)


def test_output_paths_are_checked_before_the_run(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        LoadTestRequest(backend="local", json_path=tmp_path).checked()
    with pytest.raises(UsageError, match="does not exist"):
        LoadTestRequest(backend="local", json_path=tmp_path / "no" / "r.json").checked()
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        LoadTestRequest(backend="local", report=tmp_path / "file").checked()


def test_the_test_instance_gets_the_options_as_given_from_the_one_request() -> None:
    req = LoadTestRequest(
        backend="aws", sessions=8, duration="2m", drain=("c1@10s", "c2@20s"),
        password_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:r",
        max_error_rate=0.0, seed=7, via_test_instance=True, instance_id="i-0abc",
        json_path=Path("out.json"), quiet=True).checked()
    assert req.forwarded_args() == [
        "--sessions", "8", "--connect-mode", "per-session", "--duration", "2m",
        "--drain", "c1@10s", "--drain", "c2@20s", "--max-error-rate", "0.0",
        "--password-secret-arn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:r",
        "--engine", "threads", "--seed", "7"]  # local files and the instance stay here
