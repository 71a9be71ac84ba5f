"""A small real fleet for the runner tests until the shared `local_fleet` fixture lands:
PostgreSQL 15 servers (cluster_name = consumer name, a seeded `sales` schema, role
app_reader with SELECT only) behind a real HAProxy in TCP mode. Free ports, a private tmp
dir, everything stopped by pid on teardown."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "reader-secret-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class MiniFleet:
    root: Path
    ports: dict[str, int] = field(default_factory=dict)
    lb_port: int = 0
    haproxy_pid: int | None = None

    @property
    def sock(self) -> Path:
        return self.root / "admin.sock"

    def kwargs(self, host_port: int | None = None, **kw) -> dict:
        return {"host": "127.0.0.1", "port": host_port or self.lb_port, "user": "app_reader",
                "password": PASSWORD, "dbname": "sales_db", "sslmode": "disable",
                "connect_timeout": 3, **kw}

    def postmaster_pid(self, name: str) -> int:
        return int((self.root / name / "postmaster.pid").read_text().splitlines()[0])

    def kill(self, name: str) -> None:
        os.kill(self.postmaster_pid(name), signal.SIGKILL)

    def haproxy(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(self.sock))
            s.sendall(command.encode() + b"\n")
            return b"".join(iter(lambda: s.recv(65536), b"")).decode()

    def start_pg(self, name: str, seed: bool = True) -> None:
        port = self.ports.setdefault(name, free_port())
        data = self.root / name
        subprocess.run(_as_pg([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                               "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"]),
                       check=True, capture_output=True)
        opts = (f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 "
                f"-c cluster_name={name} -c max_connections=300 -c fsync=off")
        subprocess.run(_as_pg([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l",
                               str(self.root / f"{name}.log"), "-o", opts, "-w", "start"]),
                       check=True, capture_output=True)
        with psycopg.connect(host=str(self.root), port=port, user="postgres", dbname="postgres",
                             autocommit=True) as c:
            c.execute("CREATE DATABASE sales_db")
            c.execute(f"CREATE ROLE app_reader LOGIN PASSWORD '{PASSWORD}'")
        if not seed:
            return
        with psycopg.connect(host=str(self.root), port=port, user="postgres",
                             dbname="sales_db", autocommit=True) as c:
            c.execute("CREATE SCHEMA sales")
            c.execute("CREATE TABLE sales.orders (id int PRIMARY KEY, region text, "
                      "amount numeric)")
            c.execute("INSERT INTO sales.orders SELECT g, 'r' || (g % 7), g * 1.5 "
                      "FROM generate_series(1, 2000) g")
            c.execute("GRANT USAGE ON SCHEMA sales TO app_reader")
            c.execute("GRANT SELECT ON ALL TABLES IN SCHEMA sales TO app_reader")

    def start_haproxy(self) -> None:
        self.lb_port = free_port()
        servers = "\n".join(
            f"  server {n} 127.0.0.1:{p} check inter 500ms fall 2 rise 2 "
            "on-marked-down shutdown-sessions" for n, p in self.ports.items())
        cfg = self.root / "haproxy.cfg"
        cfg.write_text(f"""global
  maxconn 4000
  stats socket {self.sock} mode 600 level admin
  pidfile {self.root}/haproxy.pid
defaults
  mode tcp
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch 1
frontend redshift
  bind 127.0.0.1:{self.lb_port}
  default_backend consumers
backend consumers
  balance roundrobin
{servers}
""")
        subprocess.run(["haproxy", "-D", "-f", str(cfg)], check=True, capture_output=True)
        self.haproxy_pid = int((self.root / "haproxy.pid").read_text().split()[0])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # every server UP before the test starts
            stat = self.haproxy("show stat")
            rows = [r.split(",") for r in stat.splitlines() if r.startswith("consumers,c")]
            if rows and all(r[17].startswith("UP") for r in rows):
                return
            time.sleep(0.1)
        raise RuntimeError("HAProxy did not see the servers UP")

    def stop(self) -> None:
        if self.haproxy_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.haproxy_pid, signal.SIGTERM)
        for name in self.ports:
            data = self.root / name
            if (data / "postmaster.pid").exists():
                subprocess.run(_as_pg([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m",
                                       "immediate", "-w", "stop"]), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def mini_fleet(names=("c1", "c2", "c3"), unseeded=()):
    root = Path(tempfile.mkdtemp(prefix="rsfleet-lt-"))
    os.chmod(root, 0o755)  # noqa: S103 - the postgres user must enter it
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    fleet = MiniFleet(root)
    try:
        for n in names:
            fleet.start_pg(n, seed=n not in unseeded)
        fleet.start_haproxy()
        yield fleet
    finally:
        fleet.stop()
