"""PgServer on its own (through the shared `pg_server_factory` fixture): settings, TLS,
hard kill and restart from a stale pid file, stop by its own pid."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import psycopg
import pytest

from rsfleet.local.fleet import wait_until
from rsfleet.local.pidfile import process_alive
from rsfleet.local.postgres import PgServer, server_user

pytestmark = pytest.mark.fleet


def test_settings_tls_and_roles(pg_server_factory):
    prod = pg_server_factory("prod", logical=True)
    cons = pg_server_factory("c1", cluster_name="consumer-one")
    with psycopg.connect(**prod.tcp_kwargs()) as c:  # verify-full over TCP
        assert c.execute("SHOW wal_level").fetchone()[0] == "logical"
        assert c.execute("SHOW cluster_name").fetchone()[0] == "prod"
        assert c.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
                         ).fetchone()[0] is True
    with psycopg.connect(**cons.admin_kwargs()) as c:  # unix socket in its own dir
        assert c.execute("SHOW wal_level").fetchone()[0] == "replica"
        assert c.execute("SHOW cluster_name").fetchone()[0] == "consumer-one"
        assert c.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert c.execute("SHOW unix_socket_directories").fetchone()[0] == str(cons.socket_dir)
    # hostssl only: a plain TCP session is refused
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(**{**cons.tcp_kwargs(), "sslmode": "disable"})
    # the key is private to the server user; initdb's password file is gone
    key = cons.root / "server.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    if server_user():
        import pwd

        assert pwd.getpwuid(key.stat().st_uid).pw_name == server_user()
        assert pwd.getpwuid(os.stat(cons.data_dir).st_uid).pw_name == server_user()
    assert not (cons.root / ".pwfile").exists()
    assert cons.password not in Path(f"/proc/{cons.pid}/cmdline").read_bytes().decode()


def test_kill_then_start_from_the_stale_pid_file_then_stop(pg_server_factory):
    srv = pg_server_factory("k1")
    pid = srv.pid
    assert srv.is_running() and process_alive(pid, ("postgres",))
    srv.kill()
    assert wait_until(lambda: not process_alive(pid, ("postgres",)), 30, 0.05)
    assert (srv.data_dir / "postmaster.pid").exists()  # stale: the crash left it
    assert not srv.is_running()
    # a fresh PgServer object (as after a restart of rsfleet) starts it again
    again = PgServer(srv.name, srv.root, srv.port, superuser=srv.superuser,
                     password=srv.password)
    again.start()
    assert again.is_running() and again.pid != pid
    with psycopg.connect(**again.admin_kwargs()) as c:
        assert c.execute("SELECT 1").fetchone() == (1,)
    new_pid = again.pid
    again.stop()
    assert not again.is_running() and not process_alive(new_pid, ("postgres",))
    assert not (srv.data_dir / "postmaster.pid").exists()
