"""CLI: computed records, one-line errors with non-zero exit, no tracebacks, and output that says
what each command did (issue 10)."""
import json
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest

from chasm_theory.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_no_arguments_prints_the_help_with_the_exit_codes(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: chasm-theory") and "report" in out and "exit status" in out
    for code in ("0 ", "1 ", "2 ", "3 ", "130"):
        assert f"\n  {code}" in out


def test_check_json_is_always_a_list(capsys):
    assert main(["check", "chasm.thm4.discrepancy-identity", "--json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert isinstance(recs, list) and len(recs) == 1
    rec = recs[0]
    assert rec["id"] == "chasm.thm4.discrepancy-identity" and rec["verdict"] == "holds"
    for field in ("source", "statement", "kind", "predicted", "measured", "tolerance", "evidence"):
        assert field in rec
    assert "seconds" not in rec  # no wall-clock field in a stored record
    assert main(["check", "chasm.thm4", "--json"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert isinstance(recs, list) and len(recs) >= 4


def test_unknown_id_suggests_prefixes(capsys):
    assert main(["check", "chasm.thm33"]) == 2
    err = capsys.readouterr().err
    assert "did you mean chasm.thm3" in err and err.count("\n") == 1


@pytest.fixture
def fuzz_claims():
    """Two property claims of known truth: "x < 10 for x in 0..100" (false; smallest
    counterexample 10) and "x >= 0" (true)."""
    from hypothesis import strategies as st

    from chasm_theory import Outcome
    from chasm_theory._fuzz import FuzzSpec
    from chasm_theory._registry import _CLAIMS, claim

    def show(x):
        return {"x": x, "M": [[float(x), 0.0], [0.0, 1.0]]}

    def check(ctx):
        return Outcome("holds", "", "", "")

    ids = ("test.cli.fuzz-fails", "test.cli.fuzz-holds")
    claim(ids[0], source="test", statement="x < 10", kind="property",
          fuzz=FuzzSpec(lambda: st.integers(0, 100), lambda x: x < 10, show))(check)
    claim(ids[1], source="test", statement="x >= 0", kind="property",
          fuzz=FuzzSpec(lambda: st.integers(0, 100), lambda x: x >= 0, show))(check)
    yield ids
    for i in ids:
        _CLAIMS.pop(i, None)


def test_fuzz_counts_prints_readably_and_exits_1_on_a_counterexample(fuzz_claims, capsys):
    assert main(["fuzz", fuzz_claims[0], "--examples", "50"]) == 1
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    assert f"counterexample to {fuzz_claims[0]}" in flat
    assert "of 50 requested examples" in flat and "shrinking evaluations" in flat
    assert "{'x'" not in out  # not a Python dict
    lines = [ln.strip() for ln in out.splitlines()]
    assert "x = 10" in lines  # the shrunk counterexample, one "name = value" line each
    assert any(ln.startswith("M = [[10.") for ln in lines)


def test_fuzz_json(fuzz_claims, capsys):
    assert main(["fuzz", fuzz_claims[0], "--examples", "50", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["found"] is True and doc["examples_requested"] == 50
    assert 1 <= doc["examples_searched"] <= 50 and doc["shrink_evaluations"] >= 0
    assert doc["counterexample"] == {"x": 10, "M": [[10.0, 0.0], [0.0, 1.0]]}


def test_fuzz_without_counterexample_exits_0(fuzz_claims, capsys):
    assert main(["fuzz", fuzz_claims[1], "--examples", "20", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["found"] is False and doc["counterexample"] is None
    assert doc["examples_searched"] <= 20
    assert main(["fuzz", fuzz_claims[1], "--examples", "20"]) == 0
    assert "no counterexample" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "no.such.claim"], "unknown claim id 'no.such.claim'"),
        (["fuzz", "chasm.thm4.discrepancy-identity"], "parameter 'id'"),
        (["fuzz", "chasm.thm4", "--examples", "5"], "parameter 'id'"),
        (["fuzz", "chasm.thm3.ewma-unrolled", "--examples", "0"], "parameter '--examples'"),
        (["run", "no-such-experiment"], "unknown experiment"),
        (["report", "--profile", "medium"], "invalid choice"),
        (["check", "chasm.thm4", "--seed", "x"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(argv, needle, capsys):
    parse_error = argv[0] == "frobnicate" or "--profile" in argv or "--seed" in argv
    with pytest.raises(SystemExit) if parse_error else nullcontext():
        code = main(argv)
        assert code == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_console_script_has_no_traceback():
    out = subprocess.run([sys.executable, "-m", "chasm_theory.cli", "check", "bogus.id"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 2
    assert out.stderr.startswith("chasm-theory: error:") and "Traceback" not in out.stderr


def test_check_says_what_it_wrote(tmp_path, capsys):
    target = tmp_path / "no" / "such" / "dir"
    assert main(["check", "chasm.thm4.discrepancy-identity", "--reports-dir", str(target)]) == 0
    assert f"wrote nothing under {target}" in " ".join(capsys.readouterr().out.split())
    assert main(["check", "chasm.lemma1.kronecker", "--reports-dir", str(target)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"created {target}" in out and "figures/chasm_lemma1_precision.png" in out
    assert (target / "figures" / "chasm_lemma1_precision.png").exists()


def test_check_of_an_inconclusive_claim_says_what_would_decide_it(tmp_path, capsys):
    # a parameter count whose reading stays open (a choice no finite domain covers)
    assert main(["check", "chasm.params.exp7-hybrid", "--reports-dir", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "chasm.params.exp7-hybrid would be decided by: the open choice stated" in out


def test_report_only_says_what_it_reran_and_prints_the_matrix(tmp_path, capsys):
    assert main(["report", "--only", "chasm.thm4", "--reports-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) < 60
    out = " ".join(out.split())
    assert any(line.startswith("paper") and "holds" in line for line in lines)
    assert "Findings:" in out
    doc = json.loads((tmp_path / "claims.json").read_text())
    ids = {r["id"] for r in doc["claims"]}
    assert f"reran {len(ids)} claim(s) matching 'chasm.thm4'; kept the other 0" in out
    assert "chasm.thm4.discrepancy-identity" in ids and all(i.startswith("chasm.thm4") for i in ids)
    assert sum(doc["meta"]["counts"].values()) == len(ids)
    md = (tmp_path / "REPORT.md").read_text()
    assert all(f"(claims/{i}.md)" in md for i in ids)  # the front page links every id's page
    assert {p.stem for p in (tmp_path / "claims").glob("*.md")} == ids


def test_report_summary_of_the_committed_report_is_short():
    from chasm_theory.report import load_meta, load_records, summary_lines

    path = ROOT / "reports" / "claims.json"
    lines = summary_lines(list(load_records(path).values()), load_meta(path))
    assert len(lines) < 60
    assert lines[1].split()[:2] == ["paper", "claims"] and lines[-1].strip()


@pytest.fixture
def fake_experiment():
    from chasm_theory import experiment
    from chasm_theory._experiments import _EXPERIMENTS, _MEMO

    @experiment("test-cli-fake", title="fake", config=lambda profile: {"steps": 2})
    def run(cfg, env):
        return {"steps": cfg["steps"]}

    yield "test-cli-fake"
    _EXPERIMENTS.pop("test-cli-fake", None)
    _MEMO.clear()


def test_run_shows_status_and_says_cached(fake_experiment, tmp_path, capsys):
    from chasm_theory._experiments import _MEMO

    assert main(["run", fake_experiment, "--reports-dir", str(tmp_path)]) == 0
    first = " ".join(capsys.readouterr().out.split())
    assert f"run {fake_experiment}: [ok]" in first and "cached" not in first
    _MEMO.clear()
    assert main(["run", fake_experiment, "--reports-dir", str(tmp_path)]) == 0
    again = " ".join(capsys.readouterr().out.split())
    assert "[ok]" in again and "cached run of 20" in again  # the cached run's date


def test_experiments_lists_costs_in_report_order(capsys):
    assert main(["experiments"]) == 0
    out = capsys.readouterr().out
    assert "quick" in out and "full" in out
    names = [ln.split("│")[1].strip() for ln in out.splitlines()
             if ln.startswith("│") and ln.split("│")[1].strip()]
    order = [n for n in ("exp1", "exp2", "exp7", "exp8", "exp10", "bayes_lgssm", "dcd_length",
                         "gen_majority") if n in names]
    assert [names.index(n) for n in order] == sorted(names.index(n) for n in order)


def test_report_render_only_runs_no_check_and_keeps_claims_json(tmp_path, capsys):
    import shutil

    src = ROOT / "reports" / "claims.json"
    if not src.exists():
        pytest.skip("no committed claims.json")
    shutil.copy(src, tmp_path / "claims.json")
    before = (tmp_path / "claims.json").read_bytes()
    assert main(["report", "--render-only", "--reports-dir", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("ran no check; rewrote")
    assert (tmp_path / "claims.json").read_bytes() == before
    meta = json.loads(before)["meta"]
    front = (tmp_path / "REPORT.md").read_text()
    assert f"commit `{meta['commit']}`" in front and f"Generated {meta['generated']}" in front
    assert len(list((tmp_path / "claims").glob("*.md"))) == len(json.loads(before)["claims"])
    assert not (tmp_path / "figures").exists()  # nothing ran, nothing drew


def test_list_shows_ids_without_a_stored_verdict(tmp_path, capsys):
    # claims.json holds one id; every other registered id has no last verdict ("—").
    rec = {"id": "chasm.thm4.discrepancy-identity", "verdict": "holds"}
    (tmp_path / "claims.json").write_text(json.dumps({"meta": {}, "claims": [rec]}))
    assert main(["list", "--reports-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "holds" in out and "—" in out  # (the table folds long ids across lines)
    assert main(["list", "--json", "--reports-dir", str(tmp_path)]) == 0
    rows = {r["id"]: r["last_verdict"] for r in json.loads(capsys.readouterr().out)}
    assert rows.pop("chasm.thm4.discrepancy-identity") == "holds"
    assert rows and set(rows.values()) == {"—"}


def test_run_does_not_run_other_experiments_its_claims_read(tmp_path, capsys):
    """`run A` runs A; a claim of A that also reads B gets not-run, B is not run (trained)."""
    from chasm_theory import Outcome, claim, experiment
    from chasm_theory._experiments import _EXPERIMENTS, _MEMO
    from chasm_theory._registry import _CLAIMS

    calls = {"a": 0, "b": 0}

    @experiment("test-cli-a", title="a", config=lambda profile: {})
    def run_a(cfg, env):
        calls["a"] += 1
        return {"x": 1}

    @experiment("test-cli-b", title="b", config=lambda profile: {})
    def run_b(cfg, env):
        calls["b"] += 1
        return {"y": 2}

    @claim("test.cli.reads-two", source="toy", statement="toy", kind="numeric",
           experiment="test-cli-a")
    def check(ctx):
        a, b = ctx.experiment("test-cli-a"), ctx.experiment("test-cli-b")
        return Outcome(verdict="holds", predicted=3, measured=a["x"] + b["y"], evidence="toy")

    try:
        assert main(["run", "test-cli-a", "--reports-dir", str(tmp_path)]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert calls == {"a": 1, "b": 0} and "not-run" in out and "test.cli.reads-two" in out
    finally:
        for name in ("test-cli-a", "test-cli-b"):
            _EXPERIMENTS.pop(name, None)
        _CLAIMS.pop("test.cli.reads-two", None)
        _MEMO.clear()


def test_report_pending_reruns_only_not_run_seed_short_and_error_ids(tmp_path, capsys):
    from chasm_theory import Outcome, claim
    from chasm_theory._registry import _CLAIMS

    ran: list[str] = []

    def make(i):
        @claim(i, source="toy", statement="toy", kind="numeric")
        def check(ctx):
            ran.append(i)
            return Outcome(verdict="holds", predicted=1, measured=1, evidence="toy")

    ids = [f"test.pending.{n}" for n in ("done", "notrun", "seeds", "error", "undecided")]
    for i in ids:
        make(i)
    try:
        assert main(["report", "--only", "test.pending", "--reports-dir", str(tmp_path)]) == 0
        path = tmp_path / "claims.json"
        doc = json.loads(path.read_text())
        for r in doc["claims"]:
            if r["id"].endswith("notrun"):
                r["verdict"] = "not-run"
            if r["id"].endswith("seeds"):
                r["verdict"] = "inconclusive"
                r["details"] = {"verdict_at_this_budget": "holds", "capped_by": "seeds"}
            if r["id"].endswith("error"):
                r["verdict"] = "error"
            if r["id"].endswith("undecided"):  # inconclusive on 1 of 3 seeds: not capped
                r["verdict"] = "inconclusive"
                r["runs"] = [{"experiment": "x", "seeds_used": 1, "seeds_planned": 3}]
            if r["id"].endswith("done"):  # every planned seed: nothing pending
                r["runs"] = [{"experiment": "x", "seeds_used": 3, "seeds_planned": 3}]
        path.write_text(json.dumps(doc))
        ran.clear()
        capsys.readouterr()
        assert main(["report", "--pending", "--only", "test.pending",
                     "--reports-dir", str(tmp_path)]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert sorted(ran) == sorted(ids[1:]) and "reran 4 pending claim(s)" in out
        doc = json.loads(path.read_text())
        assert all(r["verdict"] == "holds" for r in doc["claims"])
    finally:
        for i in ids:
            _CLAIMS.pop(i, None)
