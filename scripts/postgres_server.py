"""A private PostgreSQL cluster for benchmarks and CI (Debian's server binaries), on a free port."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
    return Path(found[-1]).parent


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def postgres_start(*, port: int) -> tuple[str, Path]:
    """Start a throwaway cluster in its own temporary directory (the postgres user must reach it);
    returns its DATABASE_URL (database "supportloop", trust auth) and the directory."""
    bindir = pg_bindir()
    directory = Path(tempfile.mkdtemp(prefix="supportloop-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, user="postgres")
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(directory / "data"), "-A", "trust",
                                 "-U", "postgres"]), check=True, stdout=subprocess.DEVNULL)
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(directory / "data"), "-o", options, "-w",
                                 "-l", str(directory / "log"), "start"]), check=True, stdout=subprocess.DEVNULL)
    subprocess.run(_as_postgres([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                                 "supportloop"]), check=True)
    return f"postgres://postgres@127.0.0.1:{port}/supportloop", directory


def postgres_stop(*, directory: Path) -> None:
    subprocess.run(_as_postgres([str(pg_bindir() / "pg_ctl"), "-D", str(directory / "data"), "-m", "fast",
                                 "stop"]), check=False, stdout=subprocess.DEVNULL)
    shutil.rmtree(directory, ignore_errors=True)
