"""The Ray executor on a local Ray instance (one ``ray.init`` for the module) with a toy
experiment: the run cache it writes equals the local process pool's (same state_dict bytes,
same records up to provenance), a finished run is never resubmitted, a failed task is reported
and retried once, a run resumes from the driver's checkpoint, and ``chasm-theory train
--executor ray`` goes through it. Skipped only where ``import ray`` fails."""
from __future__ import annotations

from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

import torch  # noqa: E402

from chasm_theory import experiment  # noqa: E402
from chasm_theory._codec import loads  # noqa: E402
from chasm_theory._experiments import _EXPERIMENTS  # noqa: E402
from empirics.engine.ray_executor import RayExecutor  # noqa: E402
from empirics.engine.runs import (  # noqa: E402
    TrainRun,
    ckpt_path,
    execute,
    is_finished,
    model_path,
    run_record_path,
)
from empirics.engine.scheduler import Planned, collect, schedule  # noqa: E402

SPEC = {"kind": "ssm", "n": 4, "width": 3}
TASK = {"name": "colored", "a": 0.9, "alpha": 0.5}
TC = {"steps": 6, "batch": 4, "lr": 1e-2, "warmup": 2, "checkpoint_every": 3, "log_every": 2}
TOY = "test-ray-toy"


def _toy_runs(cfg: dict, seed: int) -> list[TrainRun]:
    return [TrainRun(SPEC, TASK, 8, TC, "mse", seed + s, label=f"toy{s}", replicate=r)
            for s, r in ((0, 0), (1, 0), (2, 1))]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    experiment(TOY, title="toy", config=lambda p: {}, training_runs=_toy_runs)(lambda c, e: {})
    yield
    _EXPERIMENTS.pop(TOY, None)
    ray.shutdown()


@pytest.fixture(scope="module")
def trained(local_ray, tmp_path_factory):
    """The toy experiment trained by the local process pool and by Ray, in two run caches."""
    base = tmp_path_factory.mktemp("caches")
    planned = collect("quick", only=[TOY])
    local = schedule(planned, base / "local", jobs=2)
    ex = RayExecutor(base / "ray", "cpu")
    remote = schedule(planned, base / "ray", jobs=2, executor=ex)
    return planned, base, local, remote, ex


def _record(root: Path, run: TrainRun) -> dict:
    rec = loads(run_record_path(root, run).read_text())
    rec.pop("provenance")  # wall time, commit, host: not part of the result
    return rec


def test_ray_cache_equals_local_pool_cache(trained):
    planned, base, local, remote, ex = trained
    assert len(planned) == 3 and not local["failed"] and not remote["failed"]
    assert sorted(remote["done"]) == sorted(local["done"]) == sorted(p.run.key for p in planned)
    assert ex.retried == [] and sorted(ex.submitted) == sorted(remote["done"])
    for p in planned:
        a = torch.load(model_path(base / "local", p.run), weights_only=True)
        b = torch.load(model_path(base / "ray", p.run), weights_only=True)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
        assert model_path(base / "local", p.run).read_bytes() == \
            model_path(base / "ray", p.run).read_bytes()
        assert _record(base / "local", p.run) == _record(base / "ray", p.run)
        assert not ckpt_path(base / "ray", p.run).exists()


def test_finished_runs_are_never_resubmitted(trained):
    planned, base, *_ = trained
    before = {p.run.key: model_path(base / "ray", p.run).stat().st_mtime_ns for p in planned}
    ex = RayExecutor(base / "ray", "cpu", progress=False)
    status = schedule(planned, base / "ray", jobs=2, executor=ex)
    assert status["done"] == [] and status["skipped"] == 3 and ex.submitted == []
    run = planned[0].run  # even when handed one directly, the stored record comes back
    ex.submit(run)
    got = list(ex.results())
    assert ex.submitted == [] and [(r.key, e) for r, _, e in got] == [(run.key, None)]
    stored = loads(run_record_path(base / "ray", run).read_text())
    assert got[0][1]["training"] == stored["training"]
    assert before == {p.run.key: model_path(base / "ray", p.run).stat().st_mtime_ns
                      for p in planned}


def test_failed_task_is_reported_and_retried_once(local_ray, tmp_path):
    marks = str(tmp_path / "calls")
    Path(marks).mkdir()

    def flaky(run_doc, device, ckpt, progress):  # pickled by value into the workers
        from pathlib import Path as P

        from empirics.engine.ray_executor import train_task

        m = P(marks) / run_doc["key"]
        n = int(m.read_text()) if m.exists() else 0
        m.write_text(str(n + 1))
        if n == 0 or run_doc["label"] == "always-fails":
            raise RuntimeError(f"injected failure {n}")
        return train_task(run_doc, device, ckpt, progress)

    good = TrainRun(SPEC, TASK, 8, TC, "mse", 11, label="fails-once")
    bad = TrainRun(SPEC, TASK, 8, TC, "mse", 12, label="always-fails")
    ex = RayExecutor(tmp_path / "cache", "cpu", task=flaky, progress=False)
    status = schedule([Planned(good), Planned(bad)], tmp_path / "cache", jobs=2, executor=ex)
    assert status["done"] == [good.key] and is_finished(tmp_path / "cache", good)
    assert status["failed"] == [(bad.key, "always-fails",
                                 "RuntimeError: injected failure 1 (failed twice)")]
    assert sorted(ex.retried) == sorted([(good.key, "RuntimeError: injected failure 0"),
                                         (bad.key, "RuntimeError: injected failure 0")])
    assert sorted(ex.submitted) == sorted([good.key, good.key, bad.key, bad.key])
    assert {p.name: p.read_text() for p in Path(marks).iterdir()} == {good.key: "2", bad.key: "2"}
    assert not is_finished(tmp_path / "cache", bad)


class Stop(Exception):
    pass


def test_resumes_from_the_drivers_checkpoint(trained, tmp_path):
    """A run interrupted at step 4 (checkpoint at step 3) in this process finishes on Ray with
    the weights and curves of the uninterrupted Ray run."""
    planned, base, *_ = trained
    run = next(p.run for p in planned if p.run.label == "toy0")
    calls = {"n": 0}

    def stop_after_4(n: int) -> None:
        calls["n"] += n
        if calls["n"] == 4:
            raise Stop

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in every worker
    try:
        with pytest.raises(Stop):
            execute(run, tmp_path, advance=stop_after_4)
    finally:
        torch.set_num_threads(threads)
    assert ckpt_path(tmp_path, run).exists()
    ex = RayExecutor(tmp_path, "cpu", progress=False)
    status = schedule([Planned(run)], tmp_path, jobs=1, executor=ex)
    assert status["done"] == [run.key] and not ckpt_path(tmp_path, run).exists()
    rec = loads(run_record_path(tmp_path, run).read_text())
    assert rec["provenance"]["resumed_from"] == 3
    assert rec["training"] == _record(base / "ray", run)["training"]
    a = torch.load(model_path(tmp_path, run), weights_only=True)
    b = torch.load(model_path(base / "ray", run), weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_cli_train_executor_ray(trained, tmp_path):
    from chasm_theory.cli import main

    planned, base, *_ = trained
    assert main(["train", "--only", TOY, "--executor", "ray", "--reports-dir", str(tmp_path)]) == 0
    root = tmp_path / "runs" / "quick"
    for p in planned:
        assert model_path(root, p.run).read_bytes() == model_path(base / "ray", p.run).read_bytes()
    with pytest.raises(SystemExit) as e:
        main(["train", "--executor", "dask", "--reports-dir", str(tmp_path)])
    assert e.value.code == 2
    # `run --executor ray` trains the experiment's runs on Ray first, then runs it
    assert main(["run", TOY, "--executor", "ray", "--reports-dir", str(tmp_path / "r")]) == 0
    assert all(is_finished(tmp_path / "r" / "runs" / "quick", p.run) for p in planned)
