"""The front page (``REPORT.md``) and the short summary ``chasm-theory report`` prints.

Order of the front page: provenance and legend; verdicts per paper; the findings (refuted and
vacuous claims grouped by root cause); the papers' tables rebuilt beside ours; verdicts per
theorem/experiment; every remaining claim as one row with a one-number headline. Each id links
to its page ``claims/<id>.md``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chasm_theory.report._format import (
    BUCKET_LABELS,
    BUCKET_MEANING,
    BUCKETS,
    CAPPED_BUCKETS,
    bucket,
    clip,
    fmt,
    headline,
    lean,
    verdict_cell,
)
from chasm_theory.report._papers import (
    PAPERS,
    TABLES,
    paper_key,
    paper_label,
    paper_of,
    sort_key,
)


def page_link(claim_id: str, text: str | None = None) -> str:
    return f"[`{text or claim_id}`](claims/{claim_id}.md)"


def paper_value(r: dict[str, Any], width: int = 70) -> str:
    """What the paper says, as the registry has it (the ``paper`` field, else ``predicted``)."""
    return fmt(r.get("paper") or r.get("predicted"), width)


# --------------------------------------------------------------------------- counting


def counts(recs: list[dict[str, Any]]) -> dict[str, int]:
    c = {b: 0 for b in BUCKETS}
    for r in recs:
        c[bucket(r)] += 1
    return c


def lean_counts(recs: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in recs:
        if bucket(r) in CAPPED_BUCKETS:
            out[lean(r) or "?"] = out.get(lean(r) or "?", 0) + 1
    return dict(sorted(out.items()))


@dataclass
class Finding:
    """One root cause and the refuted/vacuous records it explains."""

    key: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def papers(self) -> list[str]:
        return sorted({paper_of(r["id"]) for r in self.records}, key=paper_key)


def findings(recs: list[dict[str, Any]]) -> list[Finding]:
    """Refuted and vacuous records grouped by their ``finding`` key (an id without one is its own
    finding), in report order."""
    groups: dict[str, Finding] = {}
    for r in sorted(recs, key=lambda r: sort_key(r["id"])):
        if bucket(r) in ("fails", "vacuous"):
            key = r.get("finding") or r["id"]
            groups.setdefault(key, Finding(key)).records.append(r)
    return list(groups.values())


# --------------------------------------------------------------------------- front page


def _count_cell(n: int, total: int, extra: str = "") -> str:
    return f"{n}/{total}{extra}" if n else "–"


def _lean_text(lc: dict[str, int]) -> str:
    return " (lean: " + ", ".join(f"{n} {v}" for v, n in lc.items()) + ")" if lc else ""


def paper_matrix(recs: list[dict[str, Any]], fnd: list[Finding]) -> list[str]:
    head = ["paper", "claims"] + [BUCKET_LABELS[b] for b in BUCKETS] + ["findings"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    groups = [(paper_label(p), [r for r in recs if paper_of(r["id"]) == p])
              for p in sorted({paper_of(r["id"]) for r in recs}, key=paper_key)]
    groups.append(("**all**", recs))
    for name, rs in groups:
        c, n = counts(rs), len(rs)
        ids = {r["id"] for r in rs}
        nf = sum(1 for f in fnd if any(r["id"] in ids for r in f.records))
        cells = [_count_cell(c[b], n, _lean_text(lean_counts([r for r in rs if bucket(r) == b]))
                             if b in CAPPED_BUCKETS else "")
                 for b in BUCKETS]
        lines.append(f"| {name} | {n} | " + " | ".join(cells) + f" | {nf or '–'} |")
    return lines


def section_matrix(recs: list[dict[str, Any]]) -> list[str]:
    head = ["paper", "theorem / experiment", "claims"] + [BUCKET_LABELS[b] for b in BUCKETS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    sections: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in recs:
        sections.setdefault((paper_of(r["id"]), r.get("section") or r["id"]), []).append(r)
    for (paper, title), rs in sections.items():
        c, n = counts(rs), len(rs)
        lines.append(f"| {paper_label(paper)} | {clip(title, 70)} | {n} | "
                     + " | ".join(_count_cell(c[b], n) for b in BUCKETS) + " |")
    return lines


def finding_lines(fnd: list[Finding]) -> list[str]:
    lines: list[str] = []
    for i, f in enumerate(fnd, 1):
        papers = ", ".join(paper_label(p) for p in f.papers)
        n = len(f.records)
        lines.append(f"**F{i}. `{f.key}`** — {papers}; {n} id{'s' if n > 1 else ''}")
        lines.append("")
        for r in f.records:
            cx = r.get("counterexample")
            gap = (f"counterexample: {fmt(cx, 110)}" if cx is not None
                   else f"why: {clip(r.get('rule') or r.get('evidence') or '', 110)}")
            lines.append(f"- {page_link(r['id'])} **{r['verdict']}** — paper: {paper_value(r)}; "
                         f"ours: {headline(r)}; {gap}")
        lines.append("")
    return lines


def _cell_verdict(r: dict[str, Any], part: dict[str, Any] | None) -> str:
    if part is None:
        return verdict_cell(r)
    v = part.get("verdict", "")
    if bucket(r) in CAPPED_BUCKETS and v in ("holds", "fails"):
        return f"lean {v}"
    return "undecided" if v == "inconclusive" else v


def table_rows(r: dict[str, Any], label: str) -> list[str]:
    """One row per cell of a record (``predicted``/``measured`` dicts with the same keys, the
    cell verdicts in ``details.parts``), or one row for a single-valued record. A record decided
    over an unstated parameter (:func:`chasm_theory.over_values` with ``primary``) shows the
    primary value's cells, then one line with the other values' verdicts; its own verdict (first
    column) is the one over all values."""
    det = r.get("details") or {}
    primary = det.get("primary")
    by_value = det.get("parts") or {}
    cells = by_value.get(primary) if primary in by_value else r
    pred, meas = cells.get("predicted"), cells.get("measured")
    parts = (cells.get("details") or {}).get("parts") or {}
    link = page_link(r["id"], label)
    if det.get("our_params") is not None:  # Table 3/4 rows carry the models' sizes
        paper_p = det.get("paper_params")
        link += (f" (params: paper {paper_p:,}, ours {det['our_params']:,})"
                 if isinstance(paper_p, int) else f" (params: ours {det['our_params']:,})")
    if not (isinstance(pred, dict) and isinstance(meas, dict) and set(pred) & set(meas)):
        # the value the check tested against (a number or a short bound) when it has one, else
        # the paper's quote
        short = isinstance(pred, (int, float)) or (isinstance(pred, str) and len(pred) <= 30)
        paper = fmt(pred, 30) if short and not isinstance(pred, bool) else paper_value(r, 60)
        return [f"| {link} | | {paper} | {headline(r, 50)} | {verdict_cell(r)} |"]
    keys = list(pred) + [k for k in meas if k not in pred]
    rows = []
    for j, k in enumerate(keys):
        head = f"{link} · {verdict_cell(r)}" if j == 0 else ""
        verdict = (_cell_verdict(r, parts.get(k)) if k in meas or k in parts else "no cell")
        rows.append(f"| {head} | {k} | {fmt(pred.get(k), 30)} | {fmt(meas.get(k), 40)} | "
                    f"{verdict} |")
    if cells is not r:
        others = "; ".join(f"{n}: {_cell_verdict(r, p)}" for n, p in by_value.items()
                           if n != primary)
        rows.append(f"| | the other {det.get('unit', 'value')}s | | {others} | |")
    return rows


def paper_tables(recs: list[dict[str, Any]]) -> tuple[list[str], set[str]]:
    by_id = {r["id"]: r for r in recs}
    ids = sorted(by_id, key=sort_key)
    lines: list[str] = []
    shown: set[str] = set()
    for t in TABLES:
        tids = t.ids(ids)
        if not tids:
            continue
        shown.update(tids)
        lines += [f"### {t.title}", ""]
        if t.note:
            lines += [t.note, ""]
        lines += ["| row | cell | paper | ours (95% CI) | verdict |", "|---|---|---|---|---|"]
        for i in tids:
            lines += table_rows(by_id[i], t.label(i))
        lines.append("")
    return lines, shown


def _in_progress(meta: dict[str, Any]) -> list[str]:
    """One line above the verdicts while this profile's training runs are not all in."""
    total = meta.get("training_total") or {}
    runs, done = total.get("runs", 0), total.get("trained", 0)
    if done >= runs:
        return []
    return [(f"**Training in progress:** {done} of {runs} training runs are in the run cache "
             f"(see *Training at the {meta['profile']} profile*); claims whose models are not "
             "all trained are `not-run` or capped at *seeds still training*."), ""]


def training_lines(rows: list[dict[str, Any]], total: dict[str, int], profile: str
                   ) -> list[str]:
    """The training behind this report, one row per experiment (``meta.training``) under the
    total (``meta.training_total``)."""
    if not rows:
        return []
    lines = [f"## Training at the {profile} profile", "",
             (f"{total.get('trained', '?')} of {total.get('runs', '?')} training runs are in the "
              "run cache (a run shared by two experiments is counted once here and in each of "
              "their rows). An experiment is evaluated on the replicates "
              "complete for every one of its models; with fewer than planned, its trained-model "
              "claims are capped (*seeds still training*). Hours: the training loops' wall "
              "time on the device named."), "",
             "| experiment | runs trained | seeds complete | training hours | device |",
             "|---|---|---|---|---|"]
    for r in rows:
        hours = f"{'≥ ' if r['hours_lower_bound'] else ''}{r['train_hours']:.2f}"
        lines.append(f"| {r['experiment']} | {r['trained']}/{r['runs']} | "
                     f"{r['seeds_complete']}/{r['seeds_planned']} | {hours} | "
                     f"{'; '.join(r['devices']) or '–'} |")
    return lines + [""]


def versus_quick_lines(rows: list[dict[str, str]] | None, profile: str) -> list[str]:
    """The ids whose verdict (or lean) at this profile differs from the quick profile's."""
    if rows is None or profile == "quick":
        return []
    lines = [f"## What changed from the quick profile ({len(rows)} ids)", "",
             ("Each id run here whose verdict — or, for a capped record, its lean — differs from "
              "the quick profile's (`reports/claims.json`)."), ""]
    if not rows:
        return lines + ["None.", ""]
    lines += ["| id | quick | here |", "|---|---|---|"]
    lines += [f"| {page_link(r['id'])} | {r['quick']} | {r['here']} |" for r in rows]
    return lines + [""]


def _decide_text(r: dict[str, Any]) -> str:
    """A record's ``to_decide`` for a table cell: the runs a cap rule waits for in short, then
    the separation at hand (the page has the whole text)."""
    det = r.get("details") or {}
    if det.get("to_decide_at_hand"):
        return f"{det.get('to_decide_first')}; then {det['to_decide_at_hand']}"
    return r.get("to_decide") or "not stated by the check"


def undecided_lines(recs: list[dict[str, Any]]) -> list[str]:
    """The undecided records (interval overlapping both outcomes, not capped by a rule), each
    with its headline interval and what would separate it (the record's ``to_decide``)."""
    und = [r for r in recs if bucket(r) == "undecided"]
    if not und:
        return []
    lines = [f"## Undecided: what would separate them ({len(und)} ids)", "",
             ("Each record's interval (or its per-value verdicts) overlaps both outcomes; the "
              "last column is what the check says would decide it (in full on the id's page)."),
             "", "| id | measured (headline) | what would decide it |", "|---|---|---|"]
    lines += [f"| {page_link(r['id'])} | {headline(r, 50)} | {clip(_decide_text(r), 150)} |"
              for r in und]
    return lines + [""]


def render_front(recs: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The front page from rounded record dicts (report order) and the report's ``meta``."""
    fnd = findings(recs)
    in_findings = {r["id"] for f in fnd for r in f.records}
    c = counts(recs)
    tables, in_tables = paper_tables(recs)
    lines = [
        "# chasm-theory report",
        "",
        (f"Profile **{meta['profile']}** · commit `{meta['commit']}` · checks run on "
         f"`{meta.get('device', 'cpu')}` · experiment runs read: "
         f"{meta.get('run_devices') or 'none'}"),
        "",
        f"Generated {meta['generated']}",
        "",
        ("At the papers' training budgets: [`full/REPORT.md`](full/REPORT.md) — the full "
         "profile, where trained-model claims are decided; this quick profile checks the "
         "pipeline below those budgets." if meta["profile"] == "quick" else
         "The quick profile (the pipeline checked below the papers' budgets): "
         "[`../REPORT.md`](../REPORT.md)."),
        "",
        *_in_progress(meta),
        ("Every verdict and number below was computed by `chasm-theory report`; nothing is "
         "typed by hand. Each id links to its page: the reading checked, the rule, the evidence, "
         "the counterexample, the figures, the command that reruns it, its source, tests and run "
         "files."),
        "",
        "| prefix | paper | seed text |",
        "|---|---|---|",
    ]
    for prefix, (no, title, seed) in PAPERS.items():
        lines.append(f"| `{prefix}` | {no} — {title} | `{seed}` |")
    lines += ["", "Verdicts: " + "; ".join(f"**{BUCKET_LABELS[b]}**: {BUCKET_MEANING[b]}"
                                          for b in BUCKETS) + ".", ""]
    lines += ["## Verdicts per paper", "",
              f"{len(recs)} claims; each cell is count/claims of that paper."]
    lines += [""] + paper_matrix(recs, fnd) + [""]
    lines += [(f"## Findings: {len(fnd)} root causes behind {c['fails']} refuted and "
              f"{c['vacuous']} vacuous claims"), "",
              ("Grouped by root cause (the registry's `finding` key; an id without one is its own "
              "finding). Each line: the paper's value, ours, and the counterexample or the gap."),
              ""]
    lines += finding_lines(fnd) if fnd else ["No claim is refuted or vacuous.", ""]
    lines += ["## The papers' tables, rebuilt beside ours", "",
              ("Cell by cell: the paper's number, ours with its 95% CI, and the verdict of that "
              "cell (\"lean\": the verdict at this training budget of a capped record)."), ""]
    lines += tables
    lines += undecided_lines(recs)
    lines += training_lines(meta.get("training") or [], meta.get("training_total") or {},
                            meta["profile"])
    lines += versus_quick_lines(meta.get("versus_quick"), meta["profile"])
    lines += ["## Verdicts per theorem / experiment", ""] + section_matrix(recs) + [""]
    rest = [r for r in recs if r["id"] not in in_findings | in_tables
            and bucket(r) != "undecided"]
    lines += [f"## The other {len(rest)} claims", "",
              "| id | paper says | measured (headline) | verdict |", "|---|---|---|---|"]
    for r in rest:
        lines.append(f"| {page_link(r['id'])} | {paper_value(r, 60)} | {headline(r, 50)} | "
                     f"{verdict_cell(r)} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- console summary


def summary_lines(recs: list[dict[str, Any]], meta: dict[str, Any], width: int = 100,
                  max_findings: int = 40) -> list[str]:
    """Plain-text summary for the terminal: the per-paper matrix and one line per finding."""
    fnd = findings(recs)
    short = {"holds": "holds", "fails": "fails", "vacuous": "vacuous",
             "below-budget": "budget", "few-seeds": "seeds", "undecided": "undecided",
             "error": "error",
             "not-run": "not-run"}
    cols = ["claims"] + [short[b] for b in BUCKETS] + ["findings"]
    out = [(f"chasm-theory report — profile {meta['profile']}, commit {meta['commit'][:12]}"
           f"{'+dirty' if meta['commit'].endswith('+dirty') else ''}: {len(recs)} claims"),
           f"{'paper':<11}" + "".join(f"{c:>10}" for c in cols)]
    papers = sorted({paper_of(r["id"]) for r in recs}, key=paper_key)
    for name, rs in [(paper_label(p), [r for r in recs if paper_of(r["id"]) == p])
                     for p in papers] + [("all", recs)]:
        c = counts(rs)
        ids = {r["id"] for r in rs}
        nf = sum(1 for f in fnd if any(r["id"] in ids for r in f.records))
        out.append(f"{name:<11}" + "".join(f"{v:>10}" for v in
                                           [len(rs)] + [c[b] for b in BUCKETS] + [nf]))
    out.append("(budget = inconclusive below the training budget; undecided = inconclusive, "
               "intervals overlap; error = the check raised)")
    out.append(f"Findings: {len(fnd)} root causes behind "
               f"{sum(len(f.records) for f in fnd)} refuted/vacuous ids")
    for i, f in enumerate(fnd[:max_findings], 1):
        ids = ", ".join(r["id"] for r in f.records)
        line = f"  F{i} {f.key}" + (f": {ids}" if ids != f.key else f" ({f.records[0]['verdict']})")
        out.append(line if len(line) <= width else line[: width - 1] + "…")
    if len(fnd) > max_findings:
        out.append(f"  … and {len(fnd) - max_findings} more (see REPORT.md)")
    return out
