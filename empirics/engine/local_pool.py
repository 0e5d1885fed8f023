"""The default executor of the training scheduler: :class:`LocalPool`, a spawn-context process
pool of single-thread workers, each training one :class:`~empirics.engine.runs.TrainRun` into
the run cache (:func:`empirics.engine.runs.execute`) and reporting its progress (steps done,
seconds) through a manager queue."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from empirics.engine.runs import TrainRun, execute

__all__ = ["LocalPool"]

_QUEUE: Any = None
_PARENT: int | None = None


class ParentGone(SystemExit):
    """Raised in a worker whose scheduler process has died: the run stops at its last
    checkpoint instead of training on as an orphan beside the scheduler that replaces it, and
    the worker process exits (an idle pool worker of a dead parent would wait forever)."""


_exit = os._exit  # the worker's hard exit (checkpoints are written atomically); tests stub it


def _init_worker(queue: Any) -> None:
    import torch

    global _QUEUE, _PARENT
    _QUEUE, _PARENT = queue, os.getppid()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)


def _worker(run_doc: dict[str, Any], root: str, device: str) -> dict[str, Any]:
    run = TrainRun.from_dict(run_doc)
    state = {"n": 0, "t": time.time()}

    def advance(n: int) -> None:
        if _PARENT is not None and os.getppid() != _PARENT:
            raise ParentGone(f"scheduler process {_PARENT} is gone; {run.label} stops")
        state["n"] += n
        now = time.time()
        if now - state["t"] >= 1.0 and _QUEUE is not None:
            _QUEUE.put((run.key, state["n"], now - state["t"]))
            state.update(n=0, t=now)

    # the scheduler read the checkpoint's step itself: advance counts trained steps only, so
    # the measured seconds per step are not diluted by the resumed ones
    try:
        record = execute(run, Path(root), device, advance=advance, count_resumed=False)
    except ParentGone:
        _exit(3)
        raise
    if _QUEUE is not None and state["n"]:
        _QUEUE.put((run.key, state["n"], time.time() - state["t"]))
    return record


class LocalPool:
    """A spawn-context process pool of ``jobs`` workers, one torch thread each."""

    def __init__(self, jobs: int, root: Path, device: str = "cpu") -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.queue = ctx.Manager().Queue()
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx,
                                        initializer=_init_worker, initargs=(self.queue,))
        self.root, self.device = Path(root), device
        self.futures: dict[Future, TrainRun] = {}

    def submit(self, run: TrainRun) -> None:
        f = self.pool.submit(_worker, run.as_dict(), str(self.root), self.device)
        self.futures[f] = run

    def poll_progress(self) -> list[tuple[str, int, float]]:
        out = []
        while True:
            try:
                out.append(self.queue.get_nowait())
            except Exception:  # noqa: BLE001 - queue.Empty from the manager proxy
                return out

    def results(self, timeout: float = 0.5
                ) -> Iterator[tuple[TrainRun, dict[str, Any] | None, str | None]]:
        if not self.futures:
            return
        done, _ = wait(list(self.futures), timeout=timeout, return_when=FIRST_COMPLETED)
        for f in done:
            run = self.futures.pop(f)
            try:
                yield run, f.result(), None
            except Exception as err:  # noqa: BLE001 - a failed run is reported, not fatal
                yield run, None, f"{type(err).__name__}: {err}"

    def running(self) -> int:
        return len(self.futures)

    def shutdown(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
