"""The local pool's workers stop and exit when their scheduler process dies (no orphan
training, no idle orphan)."""
from __future__ import annotations

import os

import pytest

from empirics.engine import local_pool


def test_worker_progress_raises_when_the_parent_process_is_gone(monkeypatch, tmp_path):
    seen: list[str] = []

    def fake_execute(run, root, device, advance, count_resumed=True):
        advance(1)  # parent alive: progress is counted
        seen.append("step 1")
        monkeypatch.setattr(local_pool, "_PARENT", os.getppid() + 1)  # the scheduler "died"
        advance(1)
        seen.append("step 2")  # never reached
        return {}

    exits: list[int] = []

    def fake_exit(code):  # the real one ends the worker process
        exits.append(code)

    monkeypatch.setattr(local_pool, "execute", fake_execute)
    monkeypatch.setattr(local_pool, "_exit", fake_exit)
    monkeypatch.setattr(local_pool, "_PARENT", os.getppid())
    monkeypatch.setattr(local_pool.TrainRun, "from_dict",
                        staticmethod(lambda doc: type("R", (), {"label": "toy", "key": "k"})()))
    with pytest.raises(local_pool.ParentGone, match="toy stops"):
        local_pool._worker({}, str(tmp_path), "cpu")
    assert seen == ["step 1"] and exits == [3]


def test_sigterm_unwinds_the_trainer_like_an_interrupt():
    import signal

    from empirics.engine import scheduler

    before = signal.getsignal(signal.SIGTERM)
    try:
        scheduler._terminate_as_interrupt()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, before)
