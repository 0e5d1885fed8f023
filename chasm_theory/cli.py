"""``chasm-theory``: list, check, fuzz, report, run, experiments.

Errors (unknown ids, bad options, bad parameters) print one line and exit 2; the exit codes are
listed in ``chasm-theory --help``.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chasm_theory._cli_output import (
    EXIT_CHECK_ERROR,
    EXIT_CODES,
    EXIT_COUNTEREXAMPLE,
    EXIT_RUN_FAILED,
)
from chasm_theory._context import PROFILES, Context, default_reports_dir
from chasm_theory._io import to_json
from chasm_theory.errors import ChasmError, UnknownClaimError, ValidationError

VERDICT_STYLE = {"holds": "green", "fails": "red", "vacuous": "yellow",
                 "inconclusive": "magenta", "not-run": "dim", "error": "bold red"}


def styled(text: str, verdict: str) -> str:
    """*text* escaped as rich markup, in *verdict*'s style; plain where the verdict has none
    (an id without a stored verdict shows "—": "[]—[/]" would be a markup error)."""
    style = VERDICT_STYLE.get(verdict, "")
    return f"[{style}]{escape(text)}[/]" if style else escape(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        sys.stderr.write(f"chasm-theory: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="chasm-theory", epilog=EXIT_CODES,
                formatter_class=argparse.RawDescriptionHelpFormatter,
                description="Executable checks of SSM-vs-Transformer theory claims.")
    sub = p.add_subparsers(dest="cmd", parser_class=_Parser, metavar="COMMAND")

    def common(sp: argparse.ArgumentParser, profile: bool = True) -> None:
        if profile:
            sp.add_argument("--profile", choices=PROFILES, default="quick")
        sp.add_argument("--seed", type=int, default=0)
        sp.add_argument("--reports-dir", default=None, help="default: the repo's reports/")

    sp = sub.add_parser("list", help="every id with its kind and last verdict (the full table)")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--profile", choices=PROFILES, default="quick")
    sp.add_argument("--reports-dir", default=None)

    sp = sub.add_parser("check", help="run one claim (or an id prefix) and print its records",
                        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sp.add_argument("id")
    sp.add_argument("--json", action="store_true", help="print a JSON list of records")
    sp.add_argument("--cached-only", action="store_true", help="never train; use cached runs")
    sp.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    common(sp)

    sp = sub.add_parser("fuzz", help="hypothesis search for a counterexample to a property claim",
                        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sp.add_argument("id")
    sp.add_argument("--examples", type=int, default=1000, help="examples to generate (search)")
    sp.add_argument("--random", action="store_true", help="randomised (not derandomised) search")
    sp.add_argument("--json", action="store_true", help="print the result as JSON")

    sp = sub.add_parser("report", help="regenerate reports/ and print the per-paper verdicts "
                        "and the findings", epilog=EXIT_CODES,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sp.add_argument("--only", default=None, help="id or id prefix; merges into the existing report")
    sp.add_argument("--render-only", action="store_true", help="rewrite REPORT.md and the claim "
                    "pages from the existing claims.json; run no check")
    sp.add_argument("--pending", action="store_true", help="rerun only the ids the existing "
                    "claims.json has not-run, capped on seeds still training, or as check errors "
                    "(after more training runs landed); merges")
    common(sp)

    sp = sub.add_parser("run", help="run one experiment and update its claims in the report")
    sp.add_argument("experiment")
    sp.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    sp.add_argument("--force", action="store_true", help="ignore a cached result")
    sp.add_argument("--executor", choices=("local", "ray"), default="local",
                    help="ray: first train its missing models as Ray tasks (extra [ray])")
    common(sp)

    sp = sub.add_parser("experiments", help="the registered experiments, in report order, with "
                        "the wall time of their cached quick and full runs")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--reports-dir", default=None)

    sp = sub.add_parser("train", help="train every experiment's models of a profile (resumable, "
                        "parallel single-thread processes) into reports/runs/<profile>/models")
    sp.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    sp.add_argument("--only", default=None, help="comma-separated experiment names")
    sp.add_argument("--seeds", default=None, help="comma-separated replicate indices, e.g. 0,1,2")
    sp.add_argument("--plan", action="store_true", help="print the run list and its cost only")
    sp.add_argument("--measure", action="store_true",
                    help="with --plan: time 2 steps of each unmeasured model/batch/length class")
    sp.add_argument("--commit", action="store_true", help="git-commit each finished run's files")
    sp.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    sp.add_argument("--executor", choices=("local", "ray"), default="local",
                    help="local process pool, or one Ray task per run (extra [ray]; "
                    "RAY_ADDRESS=host:port for a cluster)")
    common(sp)
    return p


def _ctx(args: argparse.Namespace, **kw: Any) -> Context:
    rd = args.reports_dir or default_reports_dir()
    device = getattr(args, "device", "cpu")
    # whether CUDA is really there is checked by the empirical layer when it trains
    return Context(profile=args.profile, seed=args.seed, reports_dir=rd, device=device, **kw)


def _say(console: Console, text: str) -> None:
    """Print plain text: no rich markup (``[ok]`` stays), no highlighting, no wrapping."""
    console.print(escape(text), highlight=False, soft_wrap=True)


def _select(pattern: str) -> list[Any]:
    """The claims an id or prefix names; an unknown one suggests ids *and* prefixes."""
    from chasm_theory._cli_output import suggest_ids
    from chasm_theory._registry import all_claims, select

    try:
        return select(pattern)
    except UnknownClaimError:
        raise UnknownClaimError(pattern, suggest_ids(pattern, list(all_claims()))) from None


def _records_lines(records: Sequence[Any], console: Console) -> None:
    """One line per record: verdict, id, the headline number."""
    from chasm_theory.report import bucket, headline

    for r in records:
        d = r if isinstance(r, dict) else r.to_dict()
        b = bucket(d)
        lean = (d.get("details") or {}).get("verdict_at_this_budget")
        v = {"below-budget": f"inconclusive (below budget, lean {lean})",
             "few-seeds": f"inconclusive (seeds still training, lean {lean})",
             "undecided": "inconclusive (undecided)",
             "error": "error (the check raised)"}.get(b, d["verdict"])
        console.print(f"{styled(v, d['verdict'])} {escape(d['id'])} — {escape(headline(d, 70))}",
                      soft_wrap=True)


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    from chasm_theory._registry import all_claims
    from chasm_theory.report import load_records, sort_key

    ctx = Context(profile=args.profile, reports_dir=args.reports_dir or default_reports_dir())
    last = load_records(ctx.out_dir / "claims.json")
    rows = [{"id": c.id, "kind": c.kind, "source": c.source,
             "last_verdict": last.get(c.id, {}).get("verdict", "—")}
            for c in sorted(all_claims().values(), key=lambda c: sort_key(c.id))]
    if args.json:
        sys.stdout.write(to_json(rows))
        return 0
    t = Table(title=f"{len(rows)} claims (last verdicts from {ctx.out_dir.name}/claims.json)")
    for col in ("id", "kind", "source", "last verdict"):
        t.add_column(col, overflow="fold")
    for r in rows:
        v = r["last_verdict"]
        t.add_row(escape(r["id"]), r["kind"], escape(r["source"]), styled(v, v))
    console.print(t)
    return 0


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    from chasm_theory._cli_output import snapshot, written
    from chasm_theory._registry import run_claim

    claims = _select(args.id)
    ctx = _ctx(args, allow_training=not args.cached_only)
    existed = ctx.reports_dir.is_dir()
    before = snapshot(ctx.reports_dir)
    records = [run_claim(c, ctx) for c in claims]
    files = written(before, snapshot(ctx.reports_dir))
    note = console if not args.json else Console(stderr=True)
    if args.json:
        sys.stdout.write(to_json([r.to_dict() for r in records]))
    else:
        _records_lines(records, console)
        for r in records:
            if r.counterexample is not None:
                console.print(f"[red]{escape(r.id)} counterexample:[/] "
                              + escape(str(r.counterexample)))
            if r.verdict == "inconclusive" and r.to_decide:
                console.print(f"[magenta]{escape(r.id)} would be decided by:[/] "
                              + escape(r.to_decide))
    if files:
        created = "" if existed else f"created {ctx.reports_dir}; "
        note.print(escape(f"{created}wrote {len(files)} file(s) under {ctx.reports_dir}: "
                          + ", ".join(files[:8]) + (" …" if len(files) > 8 else "")),
                   highlight=False, soft_wrap=True)
    elif not args.json:
        _say(console, f"wrote nothing under {ctx.reports_dir}")
    return EXIT_CHECK_ERROR if any(r.verdict == "error" for r in records) else 0


def cmd_fuzz(args: argparse.Namespace, console: Console) -> int:
    from chasm_theory._cli_output import FuzzCounter, jsonable, readable
    from chasm_theory._fuzz import run_fuzz

    if args.examples < 1:
        raise ValidationError("--examples", "must be a positive integer", str(args.examples))
    hits = [c for c in _select(args.id) if c.id == args.id]
    if not hits:
        raise ValidationError("id", "fuzz needs one claim id, not a prefix", args.id)
    c = hits[0]
    if c.fuzz is None:
        raise ValidationError("id", "fuzz needs a claim with a 'for all' property",
                              f"{c.id} has none")
    counter = FuzzCounter()
    res = run_fuzz(counter.wrap(c.fuzz), max_examples=args.examples, derandomize=not args.random)
    searched = counter.first_failure or counter.evaluations
    doc = {"id": c.id, "found": res.found, "examples_requested": args.examples,
           "examples_searched": searched, "shrink_evaluations": counter.shrink_evaluations,
           "derandomized": not args.random,
           "counterexample": jsonable(res.shown) if res.found else None}
    if args.json:
        sys.stdout.write(to_json(doc))
    elif res.found:
        console.print(f"[red]counterexample to {escape(c.id)}[/] after {searched} of "
                      f"{args.examples} requested examples; smallest after "
                      f"{counter.shrink_evaluations} shrinking evaluations:", soft_wrap=True)
        console.print(escape(readable(res.shown)), highlight=False, soft_wrap=True)
    else:
        console.print(f"[green]no counterexample to {escape(c.id)}[/]: {counter.evaluations} "
                      f"examples evaluated of {args.examples} requested"
                      + (" (the search space was exhausted first)"
                         if counter.evaluations < args.examples else ""), soft_wrap=True)
    return EXIT_COUNTEREXAMPLE if res.found else 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from chasm_theory._registry import all_claims
    from chasm_theory.report import generate, load_meta, load_records, summary_lines

    ctx = _ctx(args, allow_training=args.profile == "quick")
    if args.render_only:
        from chasm_theory.report import render_from_json

        n = render_from_json(ctx.out_dir, ctx.profile, ctx.reports_dir)
        _say(console, f"ran no check; rewrote {ctx.out_dir}/REPORT.md and {n} claim pages from "
             "claims.json (its commit and date kept)")
        return 0
    claims = _select(args.only) if args.only else list(all_claims().values())
    if args.pending:
        from chasm_theory.report import is_pending

        old = load_records(ctx.out_dir / "claims.json")
        claims = [c for c in claims if c.id not in old or is_pending(old[c.id])]
    merge = bool(args.only or args.pending)
    records = generate(ctx, claims, show_progress=console.is_terminal, merge=merge)
    recs = list(load_records(ctx.out_dir / "claims.json").values())
    meta = load_meta(ctx.out_dir / "claims.json")
    for line in summary_lines(recs, meta, width=max(console.width, 80)):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if merge:
        which = f" matching '{escape(args.only)}'" if args.only else ""
        console.print(f"reran {len(records)}{' pending' if args.pending else ''} claim(s){which}; "
                      f"kept the other "
                      f"{len(recs) - len(records)} from the existing claims.json",
                      highlight=False, soft_wrap=True)
    else:
        console.print(f"reran all {len(records)} claims", highlight=False, soft_wrap=True)
    _say(console, f"wrote {ctx.out_dir}/REPORT.md, claims.json, claims/<id>.md and figures/; "
         "`chasm-theory list` shows every id")
    return EXIT_CHECK_ERROR if any(r.verdict == "error" for r in records) else 0


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    from rich.progress import Progress

    from chasm_theory._cli_output import duration
    from chasm_theory._experiments import get_experiment, load_cached, run_experiment
    from chasm_theory._registry import all_claims
    from chasm_theory.report import generate

    exp = get_experiment(args.experiment)
    ctx = _ctx(args)
    if args.executor == "ray":  # its training runs as Ray tasks; the run below loads them
        from chasm_theory._experiments import get_trainer

        get_trainer()(profile=args.profile, only=exp.name, seed=args.seed,
                      reports_dir=args.reports_dir, device=args.device, console=console,
                      executor="ray")
    prior = None if args.force else load_cached(ctx.reports_dir, exp, ctx.profile, ctx.seed)
    cached = prior is not None and (prior.get("status") == "ok" or not ctx.allow_training)
    with Progress(console=console, transient=True) as progress:
        ctx.progress = progress
        doc = run_experiment(exp.name, ctx, force=args.force, explicit=True)
        ctx.progress = None
    prov = doc.get("provenance") or {}
    when = f"cached run of {str(prov.get('date', '?'))[:19]}, which took" if cached else "took"
    _say(console, f"run {exp.name}: [{doc['status']}] config {doc['config_hash']} "
         f"({when} {duration(prov.get('wall_s'))} on {prov.get('device', '?')})"
         + ("; --force reruns it" if cached else ""))
    if doc.get("error"):
        console.print(escape(f"error: {doc['error']}"), highlight=False, soft_wrap=True)
    claims = [c for c in all_claims().values() if c.experiment == exp.name]
    if claims:
        # `run X` runs X only: a claim of X that also reads another experiment uses that one's
        # cached run or stored models (else not-run), never trains it here, outside the
        # scheduler (found: `run thm1 --profile full` went on to train exp7's models)
        ctx.allow_training = False
        records = generate(ctx, claims, show_progress=False, merge=True)
        console.print(f"claims of {exp.name} (merged into {escape(str(ctx.out_dir))}/claims.json):",
                      highlight=False, soft_wrap=True)
        _records_lines(records, console)
    return 0 if doc["status"] == "ok" else EXIT_RUN_FAILED


def cmd_experiments(args: argparse.Namespace, console: Console) -> int:
    from pathlib import Path

    from chasm_theory._cli_output import cached_cost
    from chasm_theory._experiments import all_experiments
    from chasm_theory._registry import all_claims
    from chasm_theory.report import paper_of, sort_key
    from chasm_theory.report._papers import paper_key

    reports_dir = Path(args.reports_dir or default_reports_dir())
    first: dict[str, str] = {}  # experiment -> the paper of its first claim in report order
    n_claims: dict[str, int] = {}
    for c in sorted(all_claims().values(), key=lambda c: sort_key(c.id)):
        if c.experiment:
            first.setdefault(c.experiment, paper_of(c.id))
            n_claims[c.experiment] = n_claims.get(c.experiment, 0) + 1
    def natural(name: str) -> list[Any]:  # exp2 before exp10
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]

    exps = sorted(all_experiments().values(),
                  key=lambda e: (paper_key(first.get(e.name, "~")), natural(e.name)))
    t = Table(title="experiments by paper; wall time of the cached run (current config)")
    for col in ("name", "title", "claims", "quick", "full"):
        t.add_column(col, overflow="fold")
    for e in exps:
        title = e.title if len(e.title) <= 48 else e.title[:47] + "…"
        t.add_row(escape(e.name), escape(title), str(n_claims.get(e.name, 0)),
                  cached_cost(reports_dir, e, "quick", args.seed),
                  cached_cost(reports_dir, e, "full", args.seed))
    console.print(t)
    return 0


def cmd_train(args: argparse.Namespace, console: Console) -> int:
    """Hands over to the trainer the empirical layer registers (the core never imports it)."""
    from chasm_theory._experiments import get_trainer

    return get_trainer()(profile=args.profile, jobs=args.jobs, only=args.only, seeds=args.seeds,
                         plan=args.plan, seed=args.seed, reports_dir=args.reports_dir,
                         device=args.device, commit=args.commit, measure=args.measure,
                         console=console, executor=args.executor)


HANDLERS = {"list": cmd_list, "check": cmd_check, "fuzz": cmd_fuzz, "report": cmd_report,
            "run": cmd_run, "experiments": cmd_experiments, "train": cmd_train}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.cmd is None:
        parser.print_help()
        return 0
    console = Console()
    try:
        return HANDLERS[args.cmd](args, console)
    except ChasmError as err:
        sys.stderr.write(f"chasm-theory: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("chasm-theory: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
