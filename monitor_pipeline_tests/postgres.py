"""A real PostgreSQL server for the tests: the Debian server binaries, a cluster made with ``initdb`` in
a temporary directory, listening on a free loopback port (its unix socket in that directory too),
stopped at the end. No Docker, no network beyond 127.0.0.1. PostgreSQL refuses to run as root: under
root the server's commands run as the `postgres` system user the Debian package creates."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

POSTGRES_ROOT = Path("/usr/lib/postgresql")  # Debian: /usr/lib/postgresql/<major>/bin
READY_DEADLINE_S = 60.0


class PostgresUnavailable(RuntimeError):
    """The server binaries are not on this machine (`.ci/run` installs the Debian `postgresql` package)."""


def postgres_bin_dir() -> Path:
    """The newest installed server's binaries."""
    found = sorted((p.parent for p in POSTGRES_ROOT.glob("*/bin/initdb") if (p.parent / "pg_ctl").is_file()),
                   key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    if not found:
        raise PostgresUnavailable(f"no PostgreSQL server binaries (initdb, pg_ctl) under {POSTGRES_ROOT}/*/bin: "
                                  "install the `postgresql` package (apt-get install postgresql)")
    return found[-1]


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_account() -> pwd.struct_passwd | None:
    """The account the server runs as: None (this process's) unless this process is root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable("running as root and there is no `postgres` user to run the server as") from None


@dataclass
class PostgresServer:
    """One cluster in its own temporary directory (removed by ``remove``)."""

    port: int = 0
    user: str = "monitor"
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="monitor-pg-")))

    def __post_init__(self) -> None:
        self.bin = postgres_bin_dir()
        self.account = _server_account()
        self.data = self.root / "cluster"
        self.sockets = self.root / "sockets"
        self.log = self.root / "postgres.log"
        self.sockets.mkdir(parents=True, exist_ok=True)
        if self.account is not None:
            for path in (self.root, self.sockets):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if self.account is not None:
            command = ["setpriv", f"--reuid={self.account.pw_uid}", f"--regid={self.account.pw_gid}",
                       "--clear-groups", *command]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=self.root)

    def _check(self, program: str, *args: str) -> None:
        done = self._run(program, *args)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr or done.stdout}\n{log}")

    def init(self) -> "PostgresServer":
        self._check("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync",
                    "--locale=C")
        return self

    def start(self) -> "PostgresServer":
        self.port = self.port or free_loopback_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
                   "-c client_connection_check_interval=100ms")
        self._check("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60")
        self.wait_ready()
        return self

    def stop(self, mode: str = "fast") -> None:
        self._check("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60")

    def restart(self) -> None:
        """Stop (fast: open connections are cut) and start again on the same port."""
        self.stop()
        self.start()

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_ready(self, deadline_s: float = READY_DEADLINE_S) -> None:
        """Wait, bounded, until the server accepts connections."""
        deadline = time.monotonic() + deadline_s
        while True:
            done = self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", "postgres")
            if done.returncode == 0:
                return
            if time.monotonic() >= deadline:
                raise RuntimeError(f"PostgreSQL on port {self.port} not ready after {deadline_s:.0f} s: {done.stdout}")
            time.sleep(0.05)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its libpq connection string."""
        name = name or f"lake_{uuid.uuid4().hex[:12]}"
        self._check("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        return self.conninfo(name)

    def conninfo(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user={self.user}"
