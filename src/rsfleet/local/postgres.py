"""One PostgreSQL cluster of the local fleet: initdb, configure, start/stop/kill by pid.

PostgreSQL refuses to run as root. When rsfleet runs as root, the servers run as an
unprivileged OS user through `runuser`, and their directories are chowned to that user:
RSFLEET_PG_USER when set (it must exist), else `postgres` (Debian's package creates it), else
a system user `rsfleet-pg` that rsfleet creates once with useradd, else `nobody`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rsfleet.errors import FleetError, UsageError
from rsfleet.local.pidfile import PidFile, process_alive

INSTALL_HINT = "install them: sudo apt-get install -y postgresql (or set RSFLEET_PG_BIN)"


def pg_bin_dir() -> Path:
    """Where initdb/pg_ctl/postgres live: RSFLEET_PG_BIN, PATH, pg_config, Debian's layout."""
    env = os.environ.get("RSFLEET_PG_BIN")
    if env:
        if not (Path(env) / "initdb").is_file():
            raise UsageError(f"RSFLEET_PG_BIN={env} has no initdb", hint=INSTALL_HINT)
        return Path(env)
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             check=False).stdout.strip()
        if out and (Path(out) / "initdb").is_file():
            return Path(out)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    raise UsageError("PostgreSQL server binaries (initdb, pg_ctl) not found", hint=INSTALL_HINT)


def server_user() -> str | None:
    """The OS user servers run as: None when not root (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    return _root_server_user(os.environ.get("RSFLEET_PG_USER") or None)


DEDICATED_USER = "rsfleet-pg"


@cache
def _root_server_user(wanted: str | None) -> str:
    if wanted:
        if not _user_exists(wanted):
            raise UsageError(
                f"RSFLEET_PG_USER={wanted}: no such user to run PostgreSQL as",
                hint=f"create it (useradd --system {wanted}) or unset RSFLEET_PG_USER")
        return wanted
    for name in ("postgres", DEDICATED_USER):
        if _user_exists(name):
            return name
    useradd = shutil.which("useradd")
    if useradd:
        subprocess.run([useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", DEDICATED_USER],
                       capture_output=True, check=False)
        if _user_exists(DEDICATED_USER):
            return DEDICATED_USER
    if _user_exists("nobody"):
        return "nobody"
    raise UsageError("running as root, and no unprivileged user to run PostgreSQL as",
                     hint="create one (useradd --system postgres) or set RSFLEET_PG_USER")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def as_server_user(cmd: list[str]) -> list[str]:
    user = server_user()
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


def give_to_server_user(path: Path) -> None:
    user = server_user()
    if user:
        shutil.chown(path, user, user)


def write_private(path: Path, text: str, *, owner_is_server: bool = False) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    if owner_is_server:
        give_to_server_user(path)


@dataclass
class PgServer:
    name: str
    root: Path  # this node's directory: data/, sock/, server.log, tls files
    port: int
    host: str = "127.0.0.1"
    ca_file: Path | None = None  # the CA that signed the server certificate (TCP clients)
    superuser: str | None = None  # set by init()
    password: str | None = field(default=None, repr=False)  # superuser's, set by init()

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def pid(self) -> int | None:
        return PidFile(self.data_dir / "postmaster.pid").pid

    def is_running(self) -> bool:
        pid = self.pid
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # A stale pid file can name a recycled pid: it must be a live postgres process.
        return process_alive(pid, ("postgres", "postmaster"))

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def _pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = as_server_user([str(pg_bin_dir() / tool), *args])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise FleetError(f"{tool} for {self.name} failed: {detail[0]}",
                             hint=f"see {self.log_file}")
        return proc

    def init(self, *, superuser: str, password: str, settings: dict[str, str],
             tls: tuple[Path, Path] | None, hba: list[str]) -> None:
        """initdb (password through a 0600 file, never argv) and write the configuration."""
        self.superuser, self.password = superuser, password
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        give_to_server_user(self.root)
        if self.data_dir.exists() and not self.initialized:
            shutil.rmtree(self.data_dir)  # a half-finished initdb from a crashed `up`
        if not self.initialized:
            pwfile = self.root / ".pwfile"
            write_private(pwfile, password + "\n", owner_is_server=True)
            try:
                self._pg("initdb", "-D", str(self.data_dir), "-U", superuser,
                         f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8",
                         "--locale=C", "--no-instructions")
            finally:
                pwfile.unlink(missing_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        give_to_server_user(self.socket_dir)
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "cluster_name": f"'{self.name}'",
            **settings,
        }
        if tls:
            cert, key = tls
            for src, dst in ((cert, self.root / "server.crt"), (key, self.root / "server.key")):
                shutil.copyfile(src, dst)
                os.chmod(dst, 0o600)
                give_to_server_user(dst)
            conf.update(ssl="on", ssl_cert_file=f"'{self.root / 'server.crt'}'",
                        ssl_key_file=f"'{self.root / 'server.key'}'",
                        ssl_min_protocol_version="'TLSv1.2'")
        lines = [f"{k} = {v}" for k, v in conf.items()]
        (self.data_dir / "rsfleet.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
        main_conf = self.data_dir / "postgresql.conf"
        text = main_conf.read_text(encoding="utf-8")
        if "include_if_exists = 'rsfleet.conf'" not in text:
            main_conf.write_text(text + "\ninclude_if_exists = 'rsfleet.conf'\n", encoding="utf-8")
        (self.data_dir / "pg_hba.conf").write_text("\n".join(hba) + "\n", encoding="utf-8")
        for f in ("rsfleet.conf", "pg_hba.conf"):
            give_to_server_user(self.data_dir / f)

    def start(self, timeout: int = 60) -> None:
        if self.is_running():
            return
        # After a crash the old postmaster's children may hold its shared memory for a
        # moment ("pre-existing shared memory block is still in use"): retry briefly.
        for attempt in range(20):
            proc = self._pg("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                            "-w", "-t", str(timeout), "start", check=attempt == 19)
            if proc.returncode == 0 or self.is_running():
                return
            time.sleep(0.5)

    def stop(self, mode: str = "fast") -> None:
        if not self.is_running():
            return
        proc = self._pg("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "30",
                        "stop", check=False)
        if proc.returncode != 0 and self.is_running():
            self.kill()

    def kill(self) -> None:
        """A hard crash: SIGKILL to the postmaster (its children exit when it is gone)."""
        pid = self.pid
        if pid is not None and self.is_running():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def connect_kwargs(self, user: str, password: str, dbname: str) -> dict[str, Any]:
        """Superuser-style access over the node's own unix socket (no TCP, no TLS needed)."""
        return {"host": str(self.socket_dir), "port": self.port, "user": user,
                "password": password, "dbname": dbname, "connect_timeout": 5}

    def admin_kwargs(self, dbname: str = "postgres") -> dict[str, Any]:
        """The superuser of init() over the unix socket."""
        if self.superuser is None or self.password is None:
            raise FleetError(f"{self.name}: superuser credentials unknown (init() not called)")
        return self.connect_kwargs(self.superuser, self.password, dbname)

    def tcp_kwargs(self, user: str | None = None, password: str | None = None,
                   dbname: str = "postgres") -> dict[str, Any]:
        """TCP to 127.0.0.1:port with TLS (verify-full against ca_file when known)."""
        kw: dict[str, Any] = {
            "host": self.host, "port": self.port, "user": user or self.superuser,
            "password": password if password is not None else self.password,
            "dbname": dbname, "connect_timeout": 5, "sslmode": "require"}
        if self.ca_file is not None:
            kw.update(sslmode="verify-full", sslrootcert=str(self.ca_file))
        return kw
