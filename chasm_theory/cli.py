"""``chasm-theory``: list, check, fuzz, report, run.

Errors (unknown ids, bad options, bad parameters) print one line and exit 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn, Sequence

from rich.console import Console
from rich.table import Table

from chasm_theory._context import PROFILES, Context, default_reports_dir
from chasm_theory._io import to_json
from chasm_theory.errors import ChasmError, ValidationError

VERDICT_STYLE = {"holds": "green", "fails": "red", "vacuous": "yellow",
                 "inconclusive": "magenta", "not-run": "dim"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        sys.stderr.write(f"chasm-theory: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="chasm-theory", description="Executable checks of SSM-vs-Transformer theory claims.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)

    def common(sp: argparse.ArgumentParser, profile: bool = True) -> None:
        if profile:
            sp.add_argument("--profile", choices=PROFILES, default="quick")
        sp.add_argument("--seed", type=int, default=0)
        sp.add_argument("--reports-dir", default=None, help="default: the repo's reports/")

    sp = sub.add_parser("list", help="ids, kinds and last verdicts")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--profile", choices=PROFILES, default="quick")
    sp.add_argument("--reports-dir", default=None)

    sp = sub.add_parser("check", help="run one claim (or an id prefix) and print its record")
    sp.add_argument("id")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--cached-only", action="store_true", help="never train; use cached runs")
    sp.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    common(sp)

    sp = sub.add_parser("fuzz", help="hypothesis search for a counterexample to a property claim")
    sp.add_argument("id")
    sp.add_argument("--examples", type=int, default=1000)
    sp.add_argument("--random", action="store_true", help="randomised (not derandomised) search")

    sp = sub.add_parser("report", help="regenerate reports/ (claims.json, REPORT.md, figures)")
    sp.add_argument("--only", default=None, help="id or id prefix; merges into the existing report")
    common(sp)

    sp = sub.add_parser("run", help="run one experiment and update its claims in the report")
    sp.add_argument("experiment")
    sp.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    sp.add_argument("--force", action="store_true", help="ignore a cached result")
    common(sp)

    sub.add_parser("experiments", help="list the registered experiments")
    return p


def _ctx(args: argparse.Namespace, **kw: Any) -> Context:
    rd = args.reports_dir or default_reports_dir()
    device = getattr(args, "device", "cpu")
    # whether CUDA is really there is checked by the empirical layer when it trains
    return Context(profile=args.profile, seed=args.seed, reports_dir=rd, device=device, **kw)


def _records_table(records: Sequence[Any], title: str) -> Table:
    from chasm_theory.report import fmt

    t = Table(title=title, show_lines=False)
    for col in ("id", "kind", "verdict", "measured", "evidence"):
        t.add_column(col, overflow="fold")
    for r in records:
        d = r if isinstance(r, dict) else r.to_dict()
        v = d["verdict"]
        t.add_row(d["id"], d["kind"], f"[{VERDICT_STYLE.get(v, '')}]{v}[/]", fmt(d["measured"], 60),
                  fmt(d["evidence"], 100))
    return t


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
        t.add_row(r["id"], r["kind"], r["source"], f"[{VERDICT_STYLE.get(v, '')}]{v}[/]")
    console.print(t)
    return 0


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    from chasm_theory._registry import run_claim, select

    claims = select(args.id)
    ctx = _ctx(args, allow_training=not args.cached_only)
    records = [run_claim(c, ctx) for c in claims]
    if args.json:
        docs = [r.to_dict() for r in records]
        sys.stdout.write(to_json(docs[0] if len(docs) == 1 and claims[0].id == args.id else docs))
        return 0
    console.print(_records_table(records, f"{args.id} ({args.profile} profile)"))
    for r in records:
        if r.counterexample is not None:
            console.print(f"[red]{r.id} counterexample:[/] {r.counterexample}")
    return 0


def cmd_fuzz(args: argparse.Namespace, console: Console) -> int:
    from chasm_theory._fuzz import run_fuzz
    from chasm_theory._registry import get_claim

    if args.examples < 1:
        raise ValidationError("--examples", "must be a positive integer", str(args.examples))
    c = get_claim(args.id)
    if c.fuzz is None:
        raise ValidationError("id", "fuzz needs a claim with a 'for all' property", f"{c.id} has none")
    res = run_fuzz(c.fuzz, max_examples=args.examples, derandomize=not args.random)
    if res.found:
        console.print(f"[red]counterexample to {c.id}[/] (minimal after shrinking, "
                      f"{res.examples_tried} examples evaluated):")
        console.print(res.shown)
    else:
        console.print(f"[green]no counterexample to {c.id}[/] in {res.examples_tried} examples "
                      f"(budget {res.max_examples})")
    return 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from chasm_theory._registry import all_claims, select
    from chasm_theory.report import generate

    ctx = _ctx(args, allow_training=args.profile == "quick")
    claims = select(args.only) if args.only else list(all_claims().values())
    records = generate(ctx, claims, show_progress=console.is_terminal or True, merge=bool(args.only))
    console.print(_records_table(records, f"report ({args.profile} profile)"))
    console.print(f"wrote {ctx.out_dir}/REPORT.md, claims.json and figures/")
    return 0


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    from rich.progress import Progress

    from chasm_theory._experiments import get_experiment, run_experiment
    from chasm_theory._registry import all_claims
    from chasm_theory.report import generate

    exp = get_experiment(args.experiment)
    ctx = _ctx(args)
    with Progress(console=console) as progress:
        ctx.progress = progress
        doc = run_experiment(exp.name, ctx, force=args.force)
        ctx.progress = None
    console.print(f"run {exp.name} [{doc['status']}] config {doc['config_hash']} "
                  f"({doc['provenance'].get('wall_s', 0):.1f}s)")
    claims = [c for c in all_claims().values() if c.experiment == exp.name]
    if claims:
        records = generate(ctx, claims, show_progress=False, merge=True)
        console.print(_records_table(records, f"claims of {exp.name}"))
    return 0 if doc["status"] == "ok" else 1


def cmd_experiments(args: argparse.Namespace, console: Console) -> int:
    from chasm_theory._experiments import all_experiments

    t = Table(title="experiments")
    t.add_column("name")
    t.add_column("title")
    for e in all_experiments().values():
        t.add_row(e.name, e.title)
    console.print(t)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    handler = {"list": cmd_list, "check": cmd_check, "fuzz": cmd_fuzz, "report": cmd_report,
               "run": cmd_run, "experiments": cmd_experiments}[args.cmd]
    try:
        return handler(args, console)
    except ChasmError as err:
        sys.stderr.write(f"chasm-theory: error: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("chasm-theory: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
