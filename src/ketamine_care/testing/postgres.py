"""A throwaway PostgreSQL cluster for the test suite, from the server binaries on this machine.

Found through PG_BIN_DIR, then PATH, then Debian's /usr/lib/postgresql/<version>/bin. As root,
initdb refuses to run, so the cluster is created and run as the unprivileged `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ketamine_care.testing.servers import free_port


class PostgresUnavailable(RuntimeError):
    pass


@dataclass
class Cluster:
    url: str
    data_dir: Path
    base_dir: Path
    bin_dir: Path
    run_as: str | None

    def stop(self) -> None:
        _run(
            self.run_as,
            [
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            check=False,
        )
        shutil.rmtree(self.base_dir, ignore_errors=True)


def find_bin_dir() -> Path:
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH, in PG_BIN_DIR or "
        "under /usr/lib/postgresql. Install PostgreSQL (Debian: apt-get install postgresql) or "
        "set TEST_DATABASE_URL to a server you provide."
    )


def _run(run_as: str | None, command: list[str], check: bool = True):
    if run_as:
        command = ["runuser", "-u", run_as, "--", *command]
    return subprocess.run(command, check=check, capture_output=True, text=True)


def _server_options(port: int, base: Path, *, durable: bool) -> str:
    """The test suite's cluster runs with durability off (it lives for one run) and without
    JIT compilation, which the demo data's larger queries would otherwise pay for in every
    test that runs them (3-4 % of the CPU of the heaviest modules); `durable=True` keeps
    PostgreSQL's defaults (fsync, synchronous commit, full-page writes, JIT), which is what a
    benchmark must measure."""
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c max_connections=50"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c jit=off"
    return options


def start_cluster(*, durable: bool = False) -> Cluster:
    """Start a cluster in a new temporary folder (its settings: `_server_options`)."""
    bin_dir = find_bin_dir()
    run_as = None
    base = Path(tempfile.mkdtemp(prefix="kc-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(os.environ.get("PG_TEST_USER", "postgres"))
        except KeyError as exc:
            raise PostgresUnavailable(
                "Running as root and there is no 'postgres' user to run the test cluster as; "
                "create one (useradd postgres) or set TEST_DATABASE_URL."
            ) from exc
        run_as = account.pw_name
        os.chown(base, account.pw_uid, account.pw_gid)
    data = base / "data"
    try:
        _run(
            run_as,
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "kc",
                "--auth=trust",
                "-E",
                "UTF8",
                *([] if durable else ["--no-sync"]),
                "--locale=C.UTF-8",
            ],
        )
        port = free_port()
        options = _server_options(port, base, durable=durable)
        _run(
            run_as,
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(base / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(
            f"Could not start PostgreSQL: {exc.stderr or exc.stdout}"
        ) from exc
    return Cluster(f"postgres://kc@127.0.0.1:{port}/postgres", data, base, bin_dir, run_as)
