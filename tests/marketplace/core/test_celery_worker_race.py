"""Why ``tests/conftest.py`` clears Celery's join flag before each test: with
eager tasks, two threads that run tasks at once and finish in the other order
leave the process-wide flag set (Celery keeps it in a global, not per thread)."""

import threading

from celery import Celery
from celery._state import task_join_will_block


def test_two_threads_running_eager_tasks_can_leave_the_join_flag_set():
    app = Celery(set_as_current=False)
    app.conf.task_always_eager = True
    first_running = threading.Event()
    second_started = threading.Event()

    @app.task
    def first():
        first_running.set()
        second_started.wait(5)  # still running while the second task starts

    @app.task
    def second():
        second_started.set()
        done_first.wait(5)  # ends after the first

    done_first = threading.Event()

    def run_first():
        first.delay()
        done_first.set()

    one = threading.Thread(target=run_first)
    one.start()
    first_running.wait(5)
    two = threading.Thread(target=second.delay)
    two.start()
    one.join(10)
    two.join(10)
    try:
        # The first restored "not set" (what it found), the second "set" (what it found): left set.
        assert task_join_will_block()
    finally:
        from celery._state import _set_task_join_will_block

        _set_task_join_will_block(False)
