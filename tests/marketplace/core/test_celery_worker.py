"""A task round trip through a real Celery worker process on Redis.

Skipped, with the reason, only when no Redis answers; CI sets
REQUIRE_SERVICES=1, and then a missing Redis is a failure, not a skip."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from celery.result import allow_join_result

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def _redis_url():
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)


def _redis_answers(url):
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url():
    url = _redis_url()
    if not _redis_answers(url):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but Redis does not answer at {url}")
        pytest.skip(f"no Redis answers at {url}: the real-worker round trip needs one")
    return url


@pytest.mark.integration
def test_task_round_trip_through_a_real_worker(redis_url, tmp_path):
    queue = f"roundtrip-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV_FILE": "",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,  # a file, not a pipe: a chatty worker cannot block on a full pipe
        stderr=subprocess.STDOUT,
    )
    client = Celery(broker=redis_url, backend=redis_url)
    try:
        result = client.send_task("marketplace.tasks.ping", args=[21], queue=queue)
        # This process is the client, not a task: waiting here cannot deadlock a worker.  Celery's
        # "never call result.get() within a task" flag (a process-wide global, celery._state) was once
        # found set in this pytest worker (CI of d8247f5): an earlier test's threads ran eager tasks
        # at once and left it set (test_celery_worker_race.py).  conftest clears it before each test;
        # the wait also says explicitly that it may block.
        with allow_join_result():
            answer = result.get(timeout=90)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        client.close()
        log.close()
    output = log_path.read_text()
    assert answer["echo"] == 21
    assert answer["doubled"] == 42
    assert answer["pid"] == worker.pid  # computed in the worker process, not here
    assert "marketplace.tasks.ping" in output and "succeeded" in output, output[-2000:]
