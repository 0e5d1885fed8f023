"""The report: what the committed profile says (no check raised), what the front page holds, and
that regenerating it on the same commit changes nothing but the date line."""
from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from chasm_theory.report import (
    BUCKETS,
    bucket,
    counts,
    findings,
    headline,
    load_records,
    main_number,
    write_reports,
)

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "reports" / "claims.json"
DATE_LINE = re.compile(r'^(Generated .*|\s*"generated": .*)$')


def _committed() -> dict[str, dict]:
    if not COMMITTED.exists():
        pytest.skip("no committed reports/claims.json")
    return load_records(COMMITTED)


def test_no_check_raises_on_the_committed_profile():
    errors = [(i, r["evidence"][:200]) for i, r in _committed().items() if bucket(r) == "error"]
    assert not errors, f"{len(errors)} checks raised (a raised check is no verdict): {errors}"


def test_committed_claims_json_has_no_wall_clock_field():
    doc = json.loads(COMMITTED.read_text()) if COMMITTED.exists() else pytest.skip("no report")
    if "buckets" not in doc["meta"]:
        pytest.skip("claims.json predates the current report writer; regenerate it")
    assert all("seconds" not in r for r in doc["claims"])


def _rec(i: str, verdict: str, **kw) -> dict:
    r = {"id": i, "verdict": verdict, "source": "s", "statement": "t", "kind": "numeric",
         "predicted": 1.0, "measured": 2.0, "tolerance": None, "evidence": "e", "paper": "p",
         "section": "S " + i.split(".")[1], "figures": [], "details": {}, "runs": [],
         "check": "", "finding": None, "quote": "", "counterexample": None}
    r.update(kw)
    return r


def test_verdict_buckets_split_inconclusive_three_ways():
    recs = [
        _rec("chasm.a.x", "inconclusive", details={"verdict_at_this_budget": "fails"}),
        _rec("chasm.a.y", "inconclusive"),
        _rec("chasm.a.z", "error"),
        _rec("chasm.a.w", "inconclusive", details={"traceback": "..."}),  # older error record
        _rec("chasm.a.v", "holds"),
    ]
    assert [bucket(r) for r in recs] == ["below-budget", "undecided", "error", "error", "holds"]
    c = counts(recs)
    assert set(c) == set(BUCKETS) and sum(c.values()) == len(recs)


def test_findings_count_a_root_cause_once():
    recs = [
        _rec("chasm.t.a", "fails", finding="law", counterexample=1),
        _rec("chasm.t.b", "vacuous", finding="law"),
        _rec("bayes.t.c", "fails", finding="law", counterexample=2),
        _rec("chasm.t.d", "fails", counterexample=3),  # no key: its own finding
        _rec("chasm.t.e", "holds", finding="law"),  # not refuted: not listed
    ]
    f = findings(recs)
    assert [x.key for x in f] == ["law", "chasm.t.d"]
    assert [r["id"] for r in f[0].records] == ["chasm.t.a", "chasm.t.b", "bayes.t.c"]
    assert f[0].papers == ["chasm", "bayes"]


@pytest.mark.parametrize(
    ("measured", "text"),
    [
        (0.123456, "0.1235"),
        ({"est": 0.5, "lo": -0.1, "hi": "inf", "level": 0.95}, "0.5 [-0.1, ∞]"),
        ({"are_ci": {"est": 2.0, "lo": 1.0, "hi": 3.0}, "k": 128}, "ARE 2 [1, 3]"),
        ({"ours": 21377, "matching": []}, "21377 (no reading matches)"),
        ({"slope": -0.95, "ci": [-1.01, -0.87], "ks": [8, 16]}, "slope -0.95 [-1.01, -0.87]"),
        ({"counterexample_found": True, "examples": 200}, "counterexample found in 200 examples"),
        ({"a": {"b": 1.5, "c": 2}}, "a.b: 1.5 (+1 more)"),
    ],
)
def test_headline_picks_the_main_number(measured, text):
    assert main_number(measured) == text


def test_a_check_given_headline_wins():
    assert headline({"headline": "excess 0.05 [0.04, 0.06]", "measured": {"x": 1}}) == \
        "excess 0.05 [0.04, 0.06]"


def _files(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file()}


def _same_but_date(a: dict[str, bytes], b: dict[str, bytes]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        la, lb = a[name].split(b"\n"), b[name].split(b"\n")
        assert len(la) == len(lb), name
        diff = [(x, y) for x, y in zip(la, lb) if x != y]
        assert all(DATE_LINE.match(x.decode()) and DATE_LINE.match(y.decode())
                   for x, y in diff), (name, diff[:3])


def test_front_page_and_pages_from_the_committed_records(tmp_path):
    recs = _committed()
    meta = write_reports(recs, tmp_path, "quick", commit="c0ffee", reports_dir=ROOT / "reports",
                         generated="2000-01-01T00:00:00+00:00")
    front = (tmp_path / "REPORT.md").read_text()
    assert len(front.encode()) < 60_000
    heads = [ln for ln in front.splitlines() if ln.startswith("## ")]
    assert heads[0] == "## Verdicts per paper" and heads[1].startswith("## Findings")
    for t in ("Table 1", "Table 2", "Table 3", "Table 4", "Table A1", "002 length-generalization",
              "Parameter counts"):
        assert f"### 000 {t}" in front or f"### {t}" in front
    pages = {p.stem: p.read_text() for p in (tmp_path / "claims").glob("*.md")}
    assert set(pages) == set(recs)
    for cid, text in pages.items():
        assert f"chasm-theory check {cid}" in text
        embeds = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
        assert len(embeds) == len(set(embeds)), cid  # each figure once per page
        assert f"(claims/{cid}.md)" in front  # the front page links every page
    assert sum(meta["buckets"].values()) == len(recs)
    assert meta["findings"] == len(findings(list(recs.values())))


def test_regenerating_from_the_same_records_changes_only_the_date_line(tmp_path):
    recs = _committed()
    a, b = tmp_path / "a", tmp_path / "b"
    write_reports(recs, a, "quick", commit="c0ffee", reports_dir=ROOT / "reports",
                  generated="2000-01-01T00:00:00+00:00")
    write_reports(json.loads(json.dumps(recs)), b, "quick", commit="c0ffee",
                  reports_dir=ROOT / "reports", generated="2001-02-03T04:05:06+00:00")
    _same_but_date(_files(a), _files(b))
    for p in a.rglob("*"):
        if p.is_file():
            assert stat.S_IMODE(os.stat(p).st_mode) == 0o644, p


def test_generate_twice_on_the_same_commit_gives_the_same_files(tmp_path, monkeypatch):
    from chasm_theory import Context
    from chasm_theory._registry import select
    from chasm_theory.report import _generate, generate

    # the same commit both times (others may commit to this checkout meanwhile); how the commit
    # is read is tested below
    monkeypatch.setattr(_generate, "source_commit", lambda exclude=None: "c0ffee")
    claims = select("chasm.lemma1") + select("chasm.thm4.discrepancy-identity")
    ctx = Context(reports_dir=tmp_path)
    generate(ctx, claims, show_progress=False)
    first = _files(tmp_path)
    assert "figures/chasm_lemma1_precision.png" in first
    generate(ctx, claims, show_progress=False)
    _same_but_date(first, _files(tmp_path))


def test_source_commit_ignores_the_reports_folder(tmp_path):
    import subprocess

    from chasm_theory.report import source_commit

    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.strip()
    if not head:
        pytest.skip("not a git checkout")
    c = source_commit(ROOT / "reports")
    assert c.startswith(head)
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                              ":(exclude)reports"], cwd=ROOT, capture_output=True, text=True,
                             check=False).stdout
    assert c.endswith("+dirty") == bool(changed.strip())


def test_versus_quick_lists_changed_outcomes_only():
    from chasm_theory.report._generate import versus_quick

    def rec(i, verdict, lean=None):
        return {"id": i, "verdict": verdict,
                "details": {"verdict_at_this_budget": lean} if lean else {}}

    quick = {"a": rec("a", "inconclusive", "fails"), "b": rec("b", "holds"),
             "c": rec("c", "inconclusive"), "d": rec("d", "inconclusive", "holds")}
    full = [rec("a", "inconclusive", "holds"), rec("b", "holds"), rec("c", "fails"),
            rec("d", "not-run"), rec("e", "holds")]
    assert versus_quick(full, quick) == [
        {"id": "a", "quick": "lean fails", "here": "lean holds"},
        {"id": "c", "quick": "undecided", "here": "fails"}]


def test_a_row_decided_over_the_laws_shows_the_trained_law_cells_and_the_other_laws():
    from chasm_theory.report._front import table_rows

    def sub(verdict, cells):
        return {"verdict": verdict, "predicted": {"k=64": 1.77, "k=256": 2.78},
                "measured": {k: f"{v:g} [{v:g}, {v:g}]" for k, v in cells.items()},
                "details": {"parts": {k: {"verdict": "fails" if v > 3.5 else "holds"}
                                      for k, v in cells.items()}}}

    rec = {"id": "chasm.exp8.table4.tf1l-none", "verdict": "inconclusive",
           "predicted": {"k=64": 1.77, "k=256": 2.78},
           "measured": {"L0": {"k=64": "x"}, "L1": {"k=64": "y"}},
           "details": {"primary": "L0", "unit": "law", "our_params": 3364,
                       "parts": {"L0": sub("fails", {"k=64": 128.0, "k=256": 2.5}),
                                 "L1": sub("holds", {"k=64": 1.5, "k=256": 2.5})}}}
    rows = table_rows(rec, "tf1l-none")
    assert len(rows) == 3  # two cells of the trained law, then the other laws
    assert "| k=64 | 1.77 | 128 [128, 128] | fails |" in rows[0]
    assert "| k=256 | 2.78 | 2.5 [2.5, 2.5] | holds |" in rows[1]
    assert rows[2] == "| | the other laws | | L1: holds | |"
    assert "**inconclusive**" in rows[0] and "(params: ours 3,364)" in rows[0]
    plain = table_rows({**rec, "details": {}, "measured": {"k=64": "1 [1, 1]"}}, "x")
    assert len(plain) == 2 and "the other laws" not in " ".join(plain)


def test_a_single_valued_table_row_shows_the_value_the_check_tested_against():
    from chasm_theory.report._front import table_rows

    rec = {"id": "chasm.exp1.are-lintf-a0.50-value", "verdict": "holds", "predicted": 106.8,
           "measured": {"are": 100.0}, "paper": "Quote (Table 1 row): Linear Transf. 106.8 …",
           "headline": "ARE 100 [90, 110]", "details": {}}
    assert table_rows(rec, "v") == ["| [`v`](claims/chasm.exp1.are-lintf-a0.50-value.md) | "
                                    "| 106.8 | ARE 100 [90, 110] | **holds** |"]
    long = {**rec, "predicted": "a sentence of the paper longer than thirty characters"}
    assert "| Quote (Table 1 row): Linear Transf. 106.8 … |" in table_rows(long, "v")[0]


def test_undecided_records_say_what_would_decide_them_on_the_front_page_and_their_page(
        tmp_path):
    from chasm_theory.report._front import undecided_lines
    from chasm_theory.report._pages import SourceIndex, render_page

    und = {"id": "chasm.exp3.trend", "verdict": "inconclusive", "details": {},
           "headline": "ρ 0.23 [-0.1, 0.34]", "to_decide": "about 4× the data"}
    capped = {**und, "id": "chasm.exp3.range", "details": {"verdict_at_this_budget": "holds"}}
    lines = undecided_lines([und, capped, {**und, "id": "x.y", "verdict": "holds"}])
    rows = [ln for ln in lines if ln.startswith("| [")]
    assert len(rows) == 1 and "chasm.exp3.trend" in rows[0] and "about 4× the data" in rows[0]
    assert undecided_lines([capped]) == []
    waiting = {**und, "to_decide": "the remaining training replicates first (exp3: 2 more "
               "seed(s), 3 planned); on these seeds: about 4× the data",
               "details": {"to_decide_first": "the remaining seeds first",
                           "to_decide_at_hand": "about 4× the data"}}
    row = [ln for ln in undecided_lines([waiting]) if ln.startswith("| [")][0]
    assert row.endswith("| the remaining seeds first; then about 4× the data |")
    idx = SourceIndex(ROOT)
    page = render_page(und, out_dir=tmp_path, reports_dir=tmp_path, profile="full", index=idx,
                       same_finding=[])
    assert "**What would decide it.** about 4× the data" in page
    held = render_page({**und, "verdict": "holds"}, out_dir=tmp_path, reports_dir=tmp_path,
                       profile="full", index=idx, same_finding=[])
    assert "What would decide it" not in held


@pytest.mark.parametrize("rel", ["reports/claims.json", "reports/full/claims.json"])
def test_every_committed_inconclusive_record_says_what_would_decide_it(rel):
    path = ROOT / rel
    if not path.exists():
        pytest.skip(f"no committed {rel}")
    recs = json.loads(path.read_text())["claims"]
    missing = [r["id"] for r in recs if r["verdict"] == "inconclusive" and not r.get("to_decide")]
    assert not missing, missing


def test_an_undecided_record_on_fewer_seeds_than_planned_says_so_and_is_pending():
    from chasm_theory.report import is_pending, verdict_cell

    short = {"verdict": "inconclusive", "details": {},
             "runs": [{"seeds_used": 1, "seeds_planned": 3}, {"seeds_used": 3,
                                                               "seeds_planned": 3}]}
    assert verdict_cell(short) == "**inconclusive** (undecided on 1 of 3 seeds)"
    assert is_pending(short)
    full = {**short, "runs": [{"seeds_used": 3, "seeds_planned": 3}]}
    assert verdict_cell(full) == "**inconclusive** (undecided)" and not is_pending(full)


def test_a_comparison_capped_by_the_learned_rule_shows_its_lean():
    from chasm_theory.report import bucket, verdict_cell

    rec = {"verdict": "inconclusive", "details": {"verdict_if_learned": "fails"}, "runs": []}
    assert bucket(rec) == "undecided"
    assert verdict_cell(rec) == ("**inconclusive** (a favoured model did not learn its task; "
                                 "lean: fails)")
    # a lean that is itself undecided is no lean
    rec["details"]["verdict_if_learned"] = "inconclusive"
    assert verdict_cell(rec) == "**inconclusive** (undecided)"


REPORTED_CELLS = re.compile(r"^chasm\.(exp1\.are-.*-value|exp1\.ssm-excess-k512|exp2\.ssm-plateau|"
                            r"exp4\.(lintf-case-.|softtf-case-b)|"
                            r"exp5\.excess-[abc]|exp7\.table3\..*|exp8\.table4\..*|"
                            r"appD\.table\..*)$")


@pytest.mark.parametrize("rel", ["reports/claims.json", "reports/full/claims.json"])
def test_every_reported_table_cell_is_judged_by_the_one_reported_value_rule(rel):
    from chasm_theory import REPORTED_RULE

    path = ROOT / rel
    if not path.exists():
        pytest.skip(f"no committed {rel}")
    recs = [r for r in json.loads(path.read_text())["claims"] if REPORTED_CELLS.match(r["id"])]
    assert len(recs) >= 20
    run = [r for r in recs if r["verdict"] != "not-run"]
    off = [r["id"] for r in run if REPORTED_RULE not in json.dumps(r, ensure_ascii=False)]
    assert not off, off


@pytest.mark.parametrize("rel", ["reports/claims.json", "reports/full/claims.json"])
def test_every_near_oracle_judgement_uses_the_one_tolerance(rel):
    from chasm_theory import NEAR_ORACLE

    path = ROOT / rel
    if not path.exists():
        pytest.skip(f"no committed {rel}")
    ids = ("chasm.exp4.ssm-oracle-case-a", "bayes.exp.lgssm", "bayes.thm1.consistency")
    recs = {r["id"]: r for r in json.loads(path.read_text())["claims"] if r["id"] in ids}
    assert set(recs) == set(ids)
    band = f"±{NEAR_ORACLE:.0%} of the"
    off = [i for i, r in recs.items() if r["verdict"] != "not-run"
           and band not in json.dumps(r, ensure_ascii=False)]
    assert not off, off


def test_the_readmes_table_of_judgement_rules_states_the_constants():
    from chasm_theory import LEARNED_RULE, NEAR_ORACLE, REPORTED_FACTOR
    from chasm_theory.claims.chasm.colored_risks import SLOPE_TOL
    from empirics.engine.convergence import TOL

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("One rule per kind of judgement"):]
    table = table[:table.index("**Convergence on record.**")]
    assert f"within a factor {REPORTED_FACTOR:g} of it" in table
    assert f"±{NEAR_ORACLE:.0%} of the oracle's own risk" in table
    assert f"within {SLOPE_TOL:g} of −1" in table
    assert f"changed < {TOL:.0%} over the last quarter" in table
    # the learned rule's baselines, one per kind of task, as the constant names them
    for words in ("the in-context unigram", "the best constant guess", "the zero predictor"):
        assert words in table and words in LEARNED_RULE


def test_the_readmes_judgement_rules_name_constants_that_exist():
    import importlib

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("One rule per kind of judgement"):]
    table = table[:table.index("**Convergence on record.**")]
    paths = re.findall(r"\| `([a-z_.]+\.[A-Za-z_]+)` \|", table)
    assert len(paths) == 9
    for path in paths:
        mod, _, name = path.rpartition(".")
        assert hasattr(importlib.import_module(mod), name), path
