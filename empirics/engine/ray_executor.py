"""A Ray executor for the training scheduler (``chasm-theory train --executor ray``).

One Ray core task per :class:`~empirics.engine.runs.TrainRun`, declaring its resources
(``num_cpus=1``; ``num_gpus=gpus_per_run`` when the device is ``cuda``). The design needs no
shared disk: the worker trains into a private temporary run root and returns the state_dict
file's bytes and the record's JSON text; the driver writes both into the run cache
(``<root>/models/<key>.pt``, then ``<key>.json``, each atomically, as
:func:`~empirics.engine.runs.execute` does) and deletes the run's checkpoint. A run that has a
checkpoint in the driver's cache (an interrupted local run) ships it to the worker and resumes
from it; checkpoints written during a Ray task stay on the worker and are lost if it dies.

Failures: Ray does not retry on its own (``max_retries=0``); a task that raised, or whose
worker or node died, is reported (``retried``, and the console if one is given) and submitted
once more by the driver; a second failure is returned to the scheduler as failed. A run whose
model is already in the cache is never submitted. Ray is the optional extra
``pip install 'chasm-theory[ray]'``; this module imports it only when an executor is made.

Cluster use: start Ray on the nodes (each with this package installed at the same commit),
then ``RAY_ADDRESS=<head>:6379 chasm-theory train --profile full --executor ray --device
cuda``. Without ``RAY_ADDRESS`` and without a running ``ray.init``, a local Ray instance with
``jobs`` CPUs is started (and shut down with the executor).
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from chasm_theory import _codec
from chasm_theory._io import atomic_write_bytes, atomic_write_text
from chasm_theory.errors import ValidationError
from empirics.engine.runs import (
    TrainRun,
    ckpt_path,
    execute,
    is_finished,
    model_path,
    run_record_path,
)

__all__ = ["RayExecutor", "train_task", "store_payload", "ray_available"]

Payload = dict[str, Any]  # {"model": bytes (torch.save of the state_dict), "record": str (JSON)}
TaskFn = Callable[[dict[str, Any], str, "bytes | None", Any], Payload]


def ray_available() -> bool:
    """Whether ``import ray`` works here."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def train_task(run_doc: dict[str, Any], device: str, ckpt: bytes | None,
               progress: Any = None) -> Payload:
    """What a Ray worker runs: train ``run_doc`` (a :meth:`TrainRun.as_dict`) on one torch
    thread in a temporary run root, resuming from ``ckpt`` (checkpoint bytes) if given; return
    the stored model's bytes and the record's JSON text. ``progress``: a Ray queue receiving
    ``(key, steps, seconds)`` about once a second, or None."""
    import torch

    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):  # a reused worker: set by an earlier task
        torch.set_num_interop_threads(1)
    run = TrainRun.from_dict(run_doc)
    state = {"n": 0, "t": time.time()}

    def advance(n: int) -> None:
        state["n"] += n
        now = time.time()
        if progress is not None and now - state["t"] >= 1.0:
            progress.put_nowait((run.key, state["n"], now - state["t"]))
            state.update(n=0, t=now)

    with tempfile.TemporaryDirectory(prefix="chasm-ray-") as tmp:
        root = Path(tmp)
        if ckpt is not None:
            atomic_write_bytes(ckpt_path(root, run), ckpt)
        # the scheduler read the checkpoint's step itself: advance counts trained steps only
        execute(run, root, device, advance=advance, count_resumed=False)
        if progress is not None and state["n"]:
            progress.put_nowait((run.key, state["n"], time.time() - state["t"]))
        return {"model": model_path(root, run).read_bytes(),
                "record": run_record_path(root, run).read_text(encoding="utf-8")}


def store_payload(root: Path, run: TrainRun, payload: Payload) -> dict[str, Any]:
    """Write a worker's result into the run cache (model, then record, atomically; the
    checkpoint removed) and return the record."""
    root = Path(root)
    atomic_write_bytes(model_path(root, run), payload["model"])
    atomic_write_text(run_record_path(root, run), payload["record"])
    ck = ckpt_path(root, run)
    if ck.exists():
        ck.unlink()
    return _codec.loads(payload["record"])


def _message(err: BaseException) -> str:
    """One line for a failed task: the original exception of a RayTaskError, else the error."""
    cause = getattr(err, "cause", None)
    e = cause if isinstance(cause, BaseException) else err
    first = str(e).strip().splitlines()
    return f"{type(e).__name__}: {first[0] if first else ''}"


class RayExecutor:
    """The scheduler's executor protocol (``submit``, ``results``, ``running``,
    ``poll_progress``, ``shutdown``) on Ray core tasks; see the module docstring.

    ``jobs``: CPUs of the local Ray instance when this executor starts one; ``gpus_per_run``:
    GPUs declared per task on ``cuda`` (a fraction packs several runs per GPU); ``task``: the
    function a worker runs (default :func:`train_task`; tests inject faults through it);
    ``progress``: stream per-step progress through a Ray queue actor."""

    def __init__(self, root: Path, device: str = "cpu", jobs: int | None = None,
                 gpus_per_run: float = 1.0, task: TaskFn | None = None, progress: bool = True,
                 console: Any = None) -> None:
        try:
            import ray
        except ImportError as err:
            raise ValidationError("--executor", "ray needs the optional extra: pip install "
                                  "'chasm-theory[ray]'", "ray") from err
        if device not in ("cpu", "cuda"):
            raise ValidationError("device", "must be cpu or cuda", repr(device))
        if not 0 < gpus_per_run <= 64:
            raise ValidationError("gpus_per_run", "must lie in (0, 64]", repr(gpus_per_run))
        self.ray = ray
        self.owns_ray = not ray.is_initialized()
        if self.owns_ray:
            address = os.environ.get("RAY_ADDRESS")
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=int(jobs or os.cpu_count() or 1), include_dashboard=False,
                         log_to_driver=False)
        self.root, self.device, self.console = Path(root), device, console
        self.gpus = float(gpus_per_run) if device == "cuda" else 0.0
        self.remote = ray.remote(task or train_task).options(
            num_cpus=1, num_gpus=self.gpus, max_retries=0, retry_exceptions=False)
        self.queue: Any = None
        if progress:
            from ray.util.queue import Queue

            self.queue = Queue(actor_options={"num_cpus": 0})
        self.pending: dict[Any, tuple[TrainRun, int]] = {}  # ObjectRef -> (run, attempt)
        self.ready: list[tuple[TrainRun, dict[str, Any]]] = []  # finished before submission
        self.submitted: list[str] = []  # keys of the tasks started (retries included)
        self.retried: list[tuple[str, str]] = []  # (key, first failure)

    def slots(self) -> int:
        """Runs the cluster can hold at once: its CPUs (GPUs / gpus_per_run on cuda)."""
        res = self.ray.cluster_resources()
        cpus = int(res.get("CPU", 1))
        return max(1, min(cpus, int(res.get("GPU", 0) / self.gpus)) if self.gpus else cpus)

    def _launch(self, run: TrainRun, attempt: int) -> None:
        ck = ckpt_path(self.root, run)
        data = ck.read_bytes() if ck.exists() else None
        ref = self.remote.remote(run.as_dict(), self.device, data, self.queue)
        self.pending[ref] = (run, attempt)
        self.submitted.append(run.key)

    def submit(self, run: TrainRun) -> None:
        if is_finished(self.root, run):  # never redo a stored run
            self.ready.append((run, _codec.loads(run_record_path(self.root, run).read_text())))
            return
        self._launch(run, 0)

    def running(self) -> int:
        return len(self.pending) + len(self.ready)

    def poll_progress(self) -> list[tuple[str, int, float]]:
        if self.queue is None:
            return []
        n = self.queue.qsize()
        return list(self.queue.get_nowait_batch(n)) if n else []

    def results(self, timeout: float = 0.5
                ) -> Iterator[tuple[TrainRun, dict[str, Any] | None, str | None]]:
        while self.ready:
            run, rec = self.ready.pop(0)
            yield run, rec, None
        if not self.pending:
            return
        refs = list(self.pending)
        done, _ = self.ray.wait(refs, num_returns=1, timeout=timeout)
        if done:  # everything else that is ready too
            done, _ = self.ray.wait(refs, num_returns=len(refs), timeout=0)
        for ref in done:
            run, attempt = self.pending.pop(ref)
            try:
                payload = self.ray.get(ref)
            except Exception as err:  # noqa: BLE001 - task error, worker or node death
                msg = _message(err)
                if attempt == 0:
                    self.retried.append((run.key, msg))
                    if self.console is not None:
                        self.console.print(f"run {run.label} ({run.key}) failed ({msg}); "
                                           "retrying once", markup=False)
                    else:
                        print(f"run {run.key} failed ({msg}); retrying once", file=sys.stderr)
                    self._launch(run, 1)
                    continue
                yield run, None, f"{msg} (failed twice)"
                continue
            yield run, store_payload(self.root, run, payload), None

    def shutdown(self, cancel: bool = False) -> None:
        if cancel:
            for ref in list(self.pending):
                with contextlib.suppress(Exception):  # already finished or gone
                    self.ray.cancel(ref, force=True)
        self.pending.clear()
        if self.queue is not None:
            with contextlib.suppress(Exception):  # the actor is already gone
                self.queue.shutdown()
            self.queue = None
        if self.owns_ray and self.ray.is_initialized():
            self.ray.shutdown()
