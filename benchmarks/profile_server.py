"""Sample the gunicorn workers with py-spy during one extra, unmeasured HTTP run (--profile).

py-spy is optional (`pip install py-spy`, or put it on PATH); without it the profile is skipped.
A worker idle between requests is not sampled, but one waiting for PostgreSQL inside psycopg
(`Connection.wait`, `_execute_send`) is: psycopg's share is mostly round-trip time, the rest
(ORM, Django, ninja, gunicorn) is Python work.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+)(?::\d+)?\)$")
# (label, path fragment): the first that matches a frame's file names its area
AREAS = [
    ("omniloop", "/omniloop/"),
    ("psycopg", "/psycopg"),
    ("pydantic", "/pydantic"),
    ("django-ninja", "/ninja/"),
    ("django ORM", "/django/db/"),
    ("django (other)", "/django/"),
    ("gunicorn", "/gunicorn/"),
]


def find_py_spy() -> str | None:
    local = REPO / ".venv" / "bin" / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def area(path: str) -> str:
    path = f"/{path}"  # py-spy shortens paths to the import root: "django/db/utils.py"
    return next((label for label, frag in AREAS if frag in path), "stdlib and other")


def summarize(raw: Path) -> dict[str, Any]:
    self_area: Counter[str] = Counter()
    self_func: Counter[str] = Counter()
    incl_func: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        frames = [m for f in stack.split(";") if (m := _FRAME.match(f))]
        if not frames:
            continue
        count = int(count_text)
        total += count
        leaf = frames[-1]
        self_area[area(leaf["file"])] += count
        self_func[f"{leaf['func']} ({_short(leaf['file'])})"] += count
        for name in {f"{f['func']} ({_short(f['file'])})" for f in frames}:
            incl_func[name] += count

    def share(counter: Counter[str], n: int | None = None) -> dict[str, float]:
        return {k: round(100 * v / total, 1) for k, v in counter.most_common(n)} if total else {}

    # Frames on (nearly) every stack are the server's own loop and middleware: leave them out.
    inner = Counter({k: v for k, v in incl_func.items() if v < 0.9 * total})
    return {
        "samples": total,
        "self_pct_by_area": share(self_area),
        "top_self_pct": share(self_func, 15),
        "top_inclusive_pct": share(inner, 30),
    }


def _short(path: str) -> str:
    for marker in ("site-packages/", "/omniloop/", "python3.11/"):
        if marker in path:
            tail = path.split(marker, 1)[1]
            return f"omniloop/{tail}" if marker == "/omniloop/" else tail
    return path


def record(master_pid: int, load: Callable[[], Any], out: Path) -> dict[str, Any]:
    py_spy = find_py_spy()
    if py_spy is None:
        return {"skipped": "py-spy not found (pip install py-spy)"}
    cmd = [
        py_spy,
        "record",
        "--pid",
        str(master_pid),
        "--subprocesses",
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
    ]
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # let it attach to every worker
    try:
        load()
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            _, err = spy.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
            _, err = spy.communicate()
    if not out.exists():
        return {"skipped": f"py-spy wrote nothing: {(err or '').strip()[-500:]}"}
    return {"raw": str(out), **summarize(out)}
