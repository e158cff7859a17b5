"""`make run`'s last step: web server, worker and scheduler start together on
the embedded defaults and all stop on SIGTERM."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.mark.integration
def test_runplatform_starts_three_processes_and_stops_them_on_sigterm(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV_FILE="",
        DJANGO_DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    log_path = tmp_path / "runplatform.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runplatform", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,  # a file, not a pipe: three chatty children cannot block on a full pipe
        stderr=subprocess.STDOUT,
    )
    try:
        health = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    health = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.5)
        assert health == {"status": "ok", "database": "ok", "broker": "ok"}
        # runplatform announces itself once its own probe of /healthz succeeds.
        deadline = time.monotonic() + 60
        while "The platform is running at" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        children = [
            int(p)
            for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        ]
        assert len(children) == 3
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    output = log_path.read_text()
    assert proc.returncode == 0, output[-3000:]
    assert "All stopped." in output
    assert "The platform is running at" in output
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in children)
