"""The scheduler: first pass (replicate 0) before any replicate 1, then the later replicates
experiment by experiment (cheapest first), longest first within a pass;
dedup by key across experiments; finished runs skipped; a failed run does not stop the others."""
from __future__ import annotations

import json

import pytest

from chasm_theory import experiment
from chasm_theory._experiments import _EXPERIMENTS
from chasm_theory.errors import ValidationError
from empirics.engine.runs import TrainRun, execute, is_finished
from empirics.engine.scheduler import Planned, collect, order, schedule

SPEC = {"kind": "ssm", "n": 4, "width": 3}
TASK = {"name": "colored", "a": 0.9, "alpha": 0.5}


def _tc(steps):
    return {"steps": steps, "batch": 2, "lr": 1e-2, "checkpoint_every": 2, "log_every": 2}


def _runs_a(cfg, seed):
    return [TrainRun(SPEC, TASK, 8, _tc(s), "mse", seed + 10 * r, label=f"a{s}", replicate=r)
            for s in (2, 4) for r in (0, 1)]


def _runs_b(cfg, seed):  # shares one run with experiment a
    return [TrainRun(SPEC, TASK, 8, _tc(4), "mse", seed, label="b4", replicate=0)]


@pytest.fixture
def toy():
    experiment("test-sched-a", title="a", config=lambda p: {},
               training_runs=_runs_a)(lambda c, e: {})
    experiment("test-sched-b", title="b", config=lambda p: {},
               training_runs=_runs_b)(lambda c, e: {})
    yield ["test-sched-a", "test-sched-b"]
    _EXPERIMENTS.pop("test-sched-a", None)
    _EXPERIMENTS.pop("test-sched-b", None)


def test_first_pass_before_second_and_longest_first(toy):
    planned = collect("quick", only=toy)
    assert len(planned) == 4  # 5 requested, one shared by both experiments
    shared = [p for p in planned if len(p.experiments) == 2]
    assert len(shared) == 1 and shared[0].run.steps == 4
    ordered = order(planned, {})
    reps = [p.run.replicate for p in ordered]
    assert reps == sorted(reps) and reps[0] == 0 and reps[-1] == 1
    first = [p.run.steps for p in ordered if p.run.replicate == 0]
    assert first == sorted(first, reverse=True)
    assert [p.run.replicate for p in collect("quick", only=toy, replicates=[1])] == [1, 1]


def test_later_replicates_complete_one_experiment_before_the_next_starts():
    def runs(label, steps):
        return [Planned(TrainRun(SPEC, TASK, 8, _tc(steps), "mse", 10 * r, label=f"{label}{r}",
                                 replicate=r), [f"{label}{r}"], [label]) for r in (2, 1, 0)]

    cheap, dear = runs("cheap", 2), runs("dear", 6)
    ordered = [p.run.label for p in order(dear + cheap, {})]
    # the first pass (cheapest experiment first), then cheap's seeds 1 and 2 before dear's
    assert ordered == ["cheap0", "dear0", "cheap1", "cheap2", "dear1", "dear2"]


class InProcess:
    """An executor running each run in this process (the protocol the process pool implements)."""

    def __init__(self, root):
        self.root, self.pending, self.submitted = root, [], []

    def submit(self, run):
        self.pending.append(run)
        self.submitted.append(run.key)

    def running(self):
        return len(self.pending)

    def poll_progress(self):
        return []

    def results(self, timeout=0.0):
        while self.pending:
            run = self.pending.pop(0)
            if run.label == "boom":
                yield run, None, "RuntimeError: boom"
            else:
                yield run, execute(run, self.root), None

    def shutdown(self, cancel=False):
        pass


def test_finished_runs_are_skipped_and_failures_reported(tmp_path, toy):
    planned = collect("quick", only=toy)
    done_first = planned[0].run
    execute(done_first, tmp_path)
    bad = TrainRun(SPEC, TASK, 8, _tc(2), "mse", 777, label="boom")
    ex = InProcess(tmp_path)
    status = schedule(planned + [Planned(bad)], tmp_path, jobs=2, executor=ex)
    assert done_first.key not in ex.submitted and status["skipped"] == 1
    assert len(status["done"]) == 3 and [f[0] for f in status["failed"]] == [bad.key]
    assert all(is_finished(tmp_path, p.run) for p in planned)
    ex2 = InProcess(tmp_path)
    assert schedule(planned, tmp_path, jobs=2, executor=ex2)["done"] == [] and ex2.submitted == []


def test_commit_paths_commits_exactly_the_given_paths(tmp_path, monkeypatch):
    """``--commit``: the given paths (a new file, a tracked file that is gone, and one that never
    existed) land in one commit; another staged file stays staged and out of it."""
    import subprocess

    from empirics.engine import scheduler
    from empirics.engine.gitcommit import commit_paths

    assert scheduler.commit_paths is commit_paths  # re-exported where the scheduler used it

    def git(*args):
        return subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True,
                              check=True).stdout

    git("init", "-q")
    git("config", "user.email", "t@t")
    git("config", "user.name", "t")
    (tmp_path / "old.pt").write_text("old")
    (tmp_path / "other.txt").write_text("x")
    git("add", "old.pt", "other.txt")
    git("commit", "-q", "-m", "base")
    (tmp_path / "new.json").write_text("{}")
    (tmp_path / "other.txt").write_text("changed")
    git("add", "other.txt")
    (tmp_path / "old.pt").unlink()
    monkeypatch.chdir(tmp_path)
    assert commit_paths([tmp_path / "new.json", tmp_path / "old.pt", tmp_path / "never.pt"],
                        "cache")  # never.pt: a checkpoint that was never written
    assert sorted(git("show", "--name-status", "--format=", "HEAD").split()) == \
        sorted(["A", "new.json", "D", "old.pt"])
    assert git("diff", "--cached", "--name-only").split() == ["other.txt"]


def test_profile_estimate_sums_passes_and_bounds_wall_time():
    from types import SimpleNamespace

    from empirics.engine import step_times

    def planned(rep, steps, cls, exps):
        run = SimpleNamespace(replicate=rep, steps=steps, cost_class=lambda: cls)
        return SimpleNamespace(run=run, experiments=exps)

    runs = [planned(0, 3600, "a", ["e1", "e2"]), planned(1, 3600, "a", ["e1"]),
            planned(0, 7200, "b", ["e2"])]
    est = step_times.profile_estimate(runs, {"a": 1.0, "b": 2.0}, workers=2)
    assert est["first_pass"]["cpu_h"] == 5.0 and est["all"]["cpu_h"] == 6.0
    assert est["first_pass"]["longest_h"] == 4.0
    # wall time: the larger of CPU / workers (2.5 h) and the longest run (4 h)
    assert est["first_pass"]["wall_h"] == 4.0 and est["all"]["wall_h"] == 4.0
    assert est["per_experiment"] == {"e1": [1.0, 2.0], "e2": [5.0, 5.0]}


def test_plan_json_is_written_only_for_the_whole_profile(tmp_path, toy):
    import io

    from rich.console import Console

    from empirics.engine.scheduler import train_command

    quiet = Console(file=io.StringIO())
    plan = tmp_path / "runs" / "quick" / "plan.json"
    for kw in ({"only": ",".join(toy)}, {"seeds": "0"}):
        assert train_command(profile="quick", plan=True, reports_dir=tmp_path, console=quiet,
                             **kw) == 0
        assert not plan.exists()  # a filtered plan never replaces the profile's plan
    assert train_command(profile="quick", plan=True, reports_dir=tmp_path, console=quiet) == 0
    labels = {r["label"] for r in json.loads(plan.read_text())}
    assert {"a2", "a4"} <= labels and len(labels) > 2  # every experiment's runs


def test_finish_times_list_schedule_the_runs_in_order_on_the_workers():
    from empirics.engine.eta import experiment_finish, finish_times

    def row(est, exps, finished=False):
        return {"est_s": est, "experiments": exps, "finished": finished}

    rows = [row(3, ["a"]), row(0, ["a"], finished=True), row(2, ["b"]), row(2, ["a", "b"]),
            row(1, ["c"])]
    # worker 1 runs 3 (0→3); worker 2 runs 2 (0→2), then the shared 2 (2→4); worker 1 then 1
    # (3→4). A finished run takes no worker time.
    assert finish_times(rows, 2) == [3.0, 0.0, 2.0, 4.0, 4.0]
    assert finish_times(rows, 1) == [3.0, 0.0, 5.0, 7.0, 8.0]
    ends = experiment_finish(rows, 2)
    assert ends == {"a": {"runs_left": 2, "end_s": 4.0}, "b": {"runs_left": 2, "end_s": 4.0},
                    "c": {"runs_left": 1, "end_s": 4.0}}
    with pytest.raises(ValidationError, match="jobs"):
        finish_times(rows, 0)


def test_plan_counts_only_the_steps_a_checkpoint_has_not_reached(toy, tmp_path):
    import torch

    from empirics.engine.runs import ckpt_path
    from empirics.engine.scheduler import plan_rows

    planned = collect("quick", only=toy)
    run = planned[0].run
    full = {r["key"]: r["est_s"] for r in plan_rows(planned, tmp_path)}
    ck = ckpt_path(tmp_path, run)
    ck.parent.mkdir(parents=True)
    torch.save({"step": run.steps // 2}, ck)
    half = {r["key"]: (r["est_s"], r["resumable"]) for r in plan_rows(planned, tmp_path)}
    assert half[run.key] == (pytest.approx(full[run.key] * (run.steps - run.steps // 2)
                                           / run.steps), True)
    assert all(half[k][0] == full[k] for k in full if k != run.key)


def test_a_finished_runs_whole_run_rate_overrides_a_stale_timing(toy, tmp_path):
    """The plan's s/step for a cost class is its most recently finished run's train_wall_s /
    steps, not an older short timing in step_times.json."""
    from empirics.engine.runs import model_path, run_record_path
    from empirics.engine.scheduler import plan_rows
    from empirics.engine.step_times import write_step_times

    planned = collect("quick", only=toy)
    runs = sorted((p.run for p in planned), key=lambda r: (r.steps, r.replicate))
    assert len({r.cost_class() for r in runs}) == 1  # same model, task, batch and length
    write_step_times(tmp_path, {runs[0].cost_class(): 5.0})
    assert {r["s_per_step"] for r in plan_rows(planned, tmp_path)} == {5.0}

    def finish(run, when, wall):
        model_path(tmp_path, run).parent.mkdir(parents=True, exist_ok=True)
        model_path(tmp_path, run).write_bytes(b"")
        rec = {"provenance": {"train_wall_s": wall, "finished": when}}
        run_record_path(tmp_path, run).write_text(json.dumps(rec))

    finish(runs[0], "2026-01-02T00:00:00Z", 2.0)  # the later one, 1 s/step
    finish(runs[1], "2026-01-01T00:00:00Z", 40.0)  # 20 s/step, earlier
    rows = {r["key"]: r for r in plan_rows(planned, tmp_path)}
    left = runs[-1]
    assert rows[left.key]["s_per_step"] == pytest.approx(2.0 / runs[0].steps)
    assert rows[left.key]["est_s"] == pytest.approx(left.steps * 2.0 / runs[0].steps)
