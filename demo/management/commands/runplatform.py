"""Start the web server, one Celery worker and the Celery beat scheduler
together, and stop all three on Ctrl-C or SIGTERM (or when one of them dies).

Used by ``make run`` on the embedded defaults (SQLite database, SQLite-backed
broker); in production run gunicorn, ``celery worker`` and ``celery beat`` as
separate services instead (see README)."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.management.commands.seed_demo import Command as SeedDemo


class Command(BaseCommand):
    help = "Run web server + Celery worker + Celery beat together (development)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, host, port, **options):
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "config"]
        commands = {
            "web": [python, "manage.py", "runserver", "--noreload", f"{host}:{port}"],
            "worker": celery + ["worker", "--pool=solo", "--concurrency=1", "--loglevel=INFO"],
            "beat": celery
            + [
                "beat",
                "--loglevel=INFO",
                f"--scheduler={settings.CELERY_BEAT_SCHEDULER}",
                "--pidfile=",
            ],
        }
        children = {}
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            if stopping:
                return
            stopping = True
            self.stdout.write("\nStopping web server, worker and scheduler…")
            for proc in children.values():
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        for name, argv in commands.items():
            # Each child leads its own process group, so a stop reaches its
            # children too (gunicorn/celery forks).
            children[name] = subprocess.Popen(argv, cwd=settings.BASE_DIR, start_new_session=True)

        url = f"http://{host}:{port}/"
        self._announce_when_up(url, children["web"])
        exit_code = 0
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the rest.")
                    exit_code = proc.returncode or 1
                    stop()
                    break
            time.sleep(0.5)

        deadline = time.monotonic() + 15
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.stdout.write("All stopped.")
        if exit_code:
            sys.exit(exit_code)

    def _announce_when_up(self, url, web):
        for _attempt in range(120):
            if web.poll() is not None:
                return
            try:
                with urllib.request.urlopen(url + "healthz", timeout=5):  # noqa: S310 - our own http URL
                    break
            except urllib.error.HTTPError:
                break  # the server answers; /healthz says what is unwell
            except OSError:
                time.sleep(0.5)
        self.stdout.write(SeedDemo.accounts_table())
        self.stdout.write(self.style.SUCCESS(f"\nThe platform is running at {url}  (Ctrl-C stops it)"))
        self.stdout.write(f"CMS admin: {url}admin/   Health: {url}healthz\n")
        self.stdout.flush()
