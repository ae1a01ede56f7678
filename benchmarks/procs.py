"""The processes a benchmark run starts: the bench database, the HTTP server and pgbench."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
VENV_PY = REPO / ".venv" / "bin" / "python"
UNSAFE_DB = re.compile(r"^(test|test_.*|postgres|template\d*)$")


@dataclass(frozen=True)
class Pg:
    host: str
    port: int
    user: str
    db: str

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@{self.host}:{self.port}/{self.db}"

    def cli(self, program: str) -> list[str]:
        return [program, "-h", self.host, "-p", str(self.port), "-U", self.user]


def python() -> str:
    return str(VENV_PY) if VENV_PY.exists() else "python3"


def psql(pg: Pg, sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        [*pg.cli("psql"), "-X", "-v", "ON_ERROR_STOP=1", "-Atc", sql, db],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def lock_db(pg: Pg) -> IO[bytes]:
    """Hold a lock for the run's lifetime, so two runs on this machine don't share a database
    (or the CPUs: their figures would both be wrong)."""
    handle = open(Path(tempfile.gettempdir()) / f"omniloop-bench-{pg.db}.lock", "wb")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SystemExit(f"another benchmark run is using {pg.db}; wait for it to finish") from None
    return handle


def recreate_db(pg: Pg) -> None:
    if UNSAFE_DB.match(pg.db) or not re.fullmatch(r"[a-z0-9_]+", pg.db):
        raise SystemExit(f"refusing to use database {pg.db!r}: pick another --db")
    psql(pg, f"DROP DATABASE IF EXISTS {pg.db}")
    psql(pg, f"CREATE DATABASE {pg.db}")


def drop_db(pg: Pg) -> None:
    try:
        psql(pg, f"DROP DATABASE IF EXISTS {pg.db}")
    except subprocess.CalledProcessError as exc:
        print(f"warning: could not drop {pg.db}: {exc.stderr.strip()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVERS = ("granian", "gunicorn")


def server_command(kind: str, *, port: int, workers: int) -> list[str]:
    """The production command line of `kind` (README, ADR 45) on a loopback port: granian's
    WSGI interface with one single-threaded runtime and one blocking thread per worker process
    (keep-alive connections), or gunicorn's sync workers (one connection per request)."""
    if kind == "granian":
        return [
            python(), "-m", "granian", "--interface", "wsgi", "omniloop.wsgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--runtime-mode", "st", "--runtime-threads", "1", "--blocking-threads", "1",
            "--log-level", "warning", "--no-ws",
        ]  # fmt: skip
    if kind == "gunicorn":
        return [
            python(), "-m", "gunicorn", "omniloop.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            *os.environ.get("BENCH_GUNICORN", "--worker-class sync").split(),
            "--timeout", "60", "--graceful-timeout", "5",
            "--log-level", "warning", "--no-control-socket",
        ]  # fmt: skip
    raise ValueError(f"unknown server {kind!r}: one of {SERVERS}")


def server_kind() -> str:
    """The server the benchmarks start: `BENCH_SERVER` (the scripts' `--server` sets it)."""
    return os.environ.get("BENCH_SERVER", "granian")


class Server:
    """The app's HTTP server (granian by default, `BENCH_SERVER=gunicorn` for gunicorn) serving
    omniloop.wsgi on loopback, in its own process group."""

    def __init__(
        self, env: dict[str, str], *, port: int, workers: int, log: Path, kind: str = ""
    ) -> None:
        self.port = port
        self.kind = kind or server_kind()
        self.log = log.open("ab")
        cmd = server_command(self.kind, port=port, workers=workers)
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited with {self.proc.returncode}: see {self.log.name}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.kind} did not start listening in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


def protocol() -> str:
    """pgbench's protocol for the app's SQL: `prepared` by default, as the hot paths send their
    fixed statements (core.rows, ADR 46: bound on the server, prepared on their fifth use on a
    connection), so the reference prepares too and the app is not compared with a server that
    parses every statement; `simple`, as psycopg's client-side binding sends Django's
    statements, when the app runs with `OMNILOOP_FIXED_SERVER_BINDING=0`.
    `BENCH_PGBENCH_PROTOCOL` forces one."""
    if forced := os.environ.get("BENCH_PGBENCH_PROTOCOL"):
        return forced
    if os.environ.get("OMNILOOP_PG_SERVER_BINDING") == "1":  # the ORM too (ADR 45)
        return "prepared"
    return "simple" if os.environ.get("OMNILOOP_FIXED_SERVER_BINDING") == "0" else "prepared"


def pgbench(
    pg: Pg,
    scripts: list[Path],
    *,
    clients: int,
    duration_s: int,
    workdir: Path,
    tag: str,
    defines: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Run pgbench over `scripts` (equal weights); TPS and per-transaction latency percentiles."""
    prefix = workdir / f"pgbench-{tag}"
    threads = max(1, min(clients, os.cpu_count() or 1))
    cmd = [
        *pg.cli("pgbench"), "-n", "-M", protocol(), "-c", str(clients), "-j", str(threads),
        "-T", str(duration_s), "-l", f"--log-prefix={prefix}",
        *[f"--file={s}" for s in scripts],
        *[f"--define={k}={v}" for k, v in (defines or {}).items()], pg.db,
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=workdir)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed ({out.returncode}):\n{text[-3000:]}")
    tps = re.search(r"^tps = ([\d.]+) \(without initial connection time\)", text, re.M)
    done = re.search(r"^number of transactions actually processed: (\d+)", text, re.M)
    failed = re.search(r"^number of failed transactions: (\d+)", text, re.M)
    if not tps or not done:
        raise RuntimeError(f"could not read pgbench's output:\n{text[-3000:]}")
    latencies = []
    for log in workdir.glob(f"{prefix.name}.*"):
        for line in log.read_text().splitlines():
            latencies.append(int(line.split()[2]) / 1000)
        log.unlink()
    return {
        "tps": float(tps[1]),
        "transactions": int(done[1]),
        "failed": int(failed[1]) if failed else 0,
        "latencies_ms": latencies,
    }


@contextmanager
def django_bench_db(pg: Pg, *, prefix: str, keep_db: bool) -> Iterator[str]:
    """A freshly migrated bench database for an in-process Django benchmark, locked for the run
    and dropped afterwards (unless `keep_db`). Yields PostgreSQL's version."""
    workdir = Path(tempfile.mkdtemp(prefix=f"omniloop-bench-{prefix}-"))
    os.environ.update(
        DATABASE_URL=pg.url,
        DEBUG="0",
        OMNILOOP_ENV="development",
        OMNILOOP_VAR_DIR=str(workdir / "var"),
        OMNILOOP_LOG="WARNING",
        DJANGO_SETTINGS_MODULE="omniloop.settings",
    )
    sys.path.insert(0, str(REPO))
    pg_version = psql(pg, "SHOW server_version")
    lock = lock_db(pg)
    recreate_db(pg)
    try:
        subprocess.run(
            [python(), "-m", "omniloop.cli", "migrate", "--noinput", "-v0"], cwd=REPO, check=True
        )
        yield pg_version
    finally:
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()
        if not keep_db:
            drop_db(pg)
        lock.close()


def write_report(
    args: Any, *, pg_version: str, load: tuple[float, float, float], result: dict[str, Any]
) -> None:
    """The run's figures, with the machine and the configuration, as JSON at `args.out`."""
    from datetime import UTC, datetime

    import system

    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            **system.describe(pg_version),
            "loadavg_at_start": load,
            "loadavg_at_end": os.getloadavg(),
        },
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        **result,
    }
    args.out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")
