"""002's state-tracking length-generalisation table: Mamba ((0, 1]), Negative Mamba ((−1, 1]),
Simple AUSSM and AUSSM (unit circle) and a GRU trained on words of length ≤ 60 (loss at every
prefix of length-60 words) and tested on longer words; longest length with accuracy > 90 %.
Plus the single- vs two-layer ablation row C2 × C4 with Negative Mamba. The paper's
initialisation result for a two-layer AUSSM on S3 is its own experiment
(:mod:`empirics.experiments.dcd.s3_init`, three training seeds).

Simple AUSSM is named but not defined by 002; our reading (empirics/models/diagonal_variants.py):
AUSSM with Mamba's input-independent Λ, a(x) = exp(iΔ(x) ⊙ λ), Δ(x) per coordinate
("simple-aussm", the table column); one Δ(x) per token shared by all coordinates is the second
reading ("simple-aussm-scalar", its own id).

Quick profile (CPU): C2, C6, S3 (+ C2 × C4 for the ablation), short training, test up to 500,
one training seed. Full profile: every group of the table, test up to 1,000, three training
seeds per cell (whether training finds a tracker is itself seed-dependent, 002's point).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._record import Outcome, combine, decide
from chasm_theory._registry import claim
from chasm_theory.oracles.groups import get_group
from empirics.engine.evaluate import one_thread
from empirics.engine.figures import label, once
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import profile_seeds
from empirics.experiments.dcd.length_figures import accuracy_figure, finish, without_training
from empirics.tasks.groups import group_sampler

NAME = "dcd_length"
SOURCE = "002 §Key Experimental Results (main table; ablation; initialisation sensitivity)"
SECTION = "002: learning to track groups (length generalisation)"
MODELS = ("mamba", "neg", "simple-aussm", "aussm", "rnn")  # the table's columns
# the paper's own words (verbatim from the seed: the main table, its note, Key Findings)
Q_TABLE = ("✘ indicates that the model fails to generalize to sequences of length ≥ 100. Reported "
           "values are the longest sequence lengths achieving accuracy > 90%.")
Q_ROW_C2 = r"| \(C_2\) | ✓ | ✓ | ✘ | 1000 | 160 | 1000 | 1000 |"
Q_ROW_S3 = r"| \(S_3\) | ✗ | ✓ | ✘ | ✘ | ✘ | ✘ | 1000 |"
Q_INIT = ("Initialization sensitivity: When AUSSM is initialized near the analytically derived "
          r"solution for \(S_3\), training succeeds and generalizes to sequences four times the "
          "training length — the solution exists but is difficult to find in the loss landscape.")
Q_NEVER = (r"Non-abelian groups: Two-layer AUSSM can theoretically track \(S_3\) and \(A_4\), "
           "but standard training never succeeds in practice — expressive capacity does not imply "
           "learnability.")
SECOND_READINGS = ("simple-aussm-scalar",)  # trained beside the table, checked under their own id
# paper: longest length with > 90 % accuracy; None = ✘ (fails at length ≥ 100)
PAPER: dict[str, dict[str, int | None]] = {
    "mamba": {"C2": None, "C6": None, "C24": None, "C60": None, "S3": None, "A4": None, "A5": None},
    "neg": {"C2": 1000, "C6": None, "C24": None, "C60": None, "S3": None, "A4": None, "A5": None},
    "simple-aussm": {"C2": 160, "C6": 240, "C24": 240, "C60": 300, "S3": None, "A4": None,
                     "A5": None},
    "aussm": {"C2": 1000, "C6": 940, "C24": 260, "C60": 240, "S3": None, "A4": None, "A5": None},
    "rnn": {"C2": 1000, "C6": 1000, "C24": 1000, "C60": None, "S3": 1000, "A4": 1000, "A5": None},
}
PAPER["simple-aussm-scalar"] = PAPER["simple-aussm"]  # the same column, second reading
# ablation (single vs two layers), C2 × C4 with Negative Mamba: single ✘, two layers 360
ABLATION_PAPER: dict[str, int | None] = {"neg": None, "neg-2layer": 360}
THRESH = 0.9


def config(profile: str) -> dict[str, Any]:
    models = [*MODELS, *SECOND_READINGS]
    ablation = {"group": "C2xC4", "models": list(ABLATION_PAPER)}
    if profile == "quick":
        return {"groups": ["C2", "C6", "S3"], "models": models, "train_len": 60,
                "steps": 300, "batch": 64, "lr": 3e-3, "test_len": 500, "eval_words": 256,
                "window": 20, "ablation": ablation, "seeds": [0]}
    return {"groups": ["C2", "C6", "C24", "C60", "S3", "A4", "A5"], "models": models,
            "train_len": 60, "steps": 4000, "batch": 128, "lr": 2e-3, "test_len": 1000,
            "eval_words": 512, "window": 20, "ablation": ablation,
            "seeds": profile_seeds(profile)}


def model_spec(model: str, n: int) -> dict[str, Any]:
    """The registry spec of a table / ablation model for a group of order n. Two-layer Negative
    Mamba: two d = 32 layers (the one-layer trackers' width), layer 2 reading an n-way soft
    read-out of layer 1 (002 states no size)."""
    if model == "simple-aussm":
        return {"kind": "simple_aussm", "n": n, "delta": "coord"}
    if model == "simple-aussm-scalar":
        return {"kind": "simple_aussm", "n": n, "delta": "scalar"}
    if model == "neg-2layer":
        return {"kind": "diag2", "layer": "neg", "n": n, "d1": 32, "d2": 32, "k_mix": n}
    return {"kind": "tracker", "model": model, "n": n}


def _sampler(mult: torch.Tensor, T: int):
    """Words of length T and their running products (the task registry's ``group`` sampler)."""
    return group_sampler(mult, T)


@torch.no_grad()
def accuracy_curve(model: torch.nn.Module, mult: torch.Tensor, T: int, words: int, window: int,
                   seed: int) -> dict[str, Any]:
    """Per-position accuracy on ``words`` fresh words of length T, averaged over windows of
    ``window`` positions; ``longest``: largest window end L with every window up to L > 90 %."""
    g = torch.Generator().manual_seed(seed)
    x, y = _sampler(mult, T)(g, words)
    model.eval()
    acc = (model(x).argmax(-1) == y).float().mean(0).numpy()
    ends = list(range(window, T + 1, window))
    win = [float(acc[e - window:e].mean()) for e in ends]
    longest = 0
    for e, a in zip(ends, win):
        if a <= THRESH:
            break
        longest = e
    return {"lengths": ends, "accuracy": win, "longest": longest}


def run_seed(*parts: Any) -> int:
    """A run's training seed from its parts (the experiment seed, group or run name, model)."""
    return int(np.random.SeedSequence([abs(hash_str(str(p))) for p in parts]).generate_state(1)[0])


def hash_str(s: str) -> int:
    import zlib

    return zlib.crc32(s.encode())


def train_cfg(cfg: dict[str, Any], steps: int) -> dict[str, Any]:
    """The TrainConfig fields of a run of ``steps`` steps at the config's batch and lr."""
    return {"steps": steps, "batch": cfg["batch"], "lr": cfg["lr"], "warmup": 20,
            "checkpoint_every": max(50, steps // 4), "log_every": 50}


def _cell_run(cfg: dict[str, Any], seed: int, gname: str, model_name: str,
              replicate: int = 0) -> TrainRun:
    """The run of one cell and training replicate; replicate 0's seed is the one-seed table's,
    replicate r > 0 adds r to the seed's parts."""
    parts = (seed, gname, model_name) + ((replicate,) if replicate else ())
    return TrainRun(model_spec(model_name, get_group(gname).order),
                    {"name": "group", "group": gname}, cfg["train_len"],
                    train_cfg(cfg, cfg["steps"]), "cross_entropy", run_seed(*parts), 0, 0,
                    label=f"{NAME}/{gname}-{model_name}", replicate=replicate)


def _runs(cfg: dict[str, Any], seed: int) -> dict[str, list[TrainRun]]:
    """"<group>/<model>" cells of the table and "ablation/<group>/<model>" (single vs two
    layers) -> one run per training replicate of ``cfg["seeds"]``."""
    out = {}
    seeds = cfg.get("seeds", [0])
    for gname in cfg["groups"]:
        for model_name in cfg["models"]:
            out[f"{gname}/{model_name}"] = [_cell_run(cfg, seed, gname, model_name, r)
                                            for r in seeds]
    ab = cfg.get("ablation")
    for model_name in (ab["models"] if ab else []):
        out[f"ablation/{ab['group']}/{model_name}"] = [
            _cell_run(cfg, seed, ab["group"], model_name, r) for r in seeds]
    return out


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for rs in _runs(cfg, seed).values() for r in rs]


@experiment(NAME, title="002 group tracking: length generalisation", config=config, version=6,
            training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return _run(cfg, env)


def _run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    """Results: per cell (and ablation cell) and training seed (lists in replicate order) the
    accuracy curve (``accuracy``: (seeds, windows)), the longest length above 90 %
    (``longest``), the final losses and the run's training summary (``training``)."""
    out: dict[str, Any] = {"cells": {}, "ablation": {}, "n_seeds": len(cfg.get("seeds", [0])),
                           "train_len": cfg["train_len"]}
    runs = _runs(cfg, env.seed)

    def cell(key: str, gname: str) -> dict[str, Any]:
        mult = torch.as_tensor(get_group(gname).mult, dtype=torch.long)
        per: dict[str, list[Any]] = {"accuracy": [], "longest": [], "final_loss": [],
                                     "final_heldout": [], "training": []}
        for run_ in runs[key]:
            model, log = trained(run_, env)
            curve = accuracy_curve(model, mult, cfg["test_len"], cfg["eval_words"],
                                   cfg["window"], run_.seed + 1)
            for f, v in (("accuracy", curve["accuracy"]), ("longest", curve["longest"]),
                         ("final_loss", log["final_loss"]),
                         ("final_heldout", log["final_heldout"]), ("training", log)):
                per[f].append(v)
        return {"lengths": curve["lengths"], **per}

    for gname in cfg["groups"]:
        for model_name in cfg["models"]:
            out["cells"][f"{gname}/{model_name}"] = cell(f"{gname}/{model_name}", gname)
    ab = cfg.get("ablation")
    for model_name in (ab["models"] if ab else []):
        out["ablation"][f"{ab['group']}/{model_name}"] = cell(
            f"ablation/{ab['group']}/{model_name}", ab["group"])
    return out


# ----------------------------------------------------------------------------- checks


def _results(ctx: Context) -> dict[str, Any] | Outcome:
    return ctx.experiment(NAME)


def paper_of_cell(key: str) -> int | None:
    """The paper's longest length for the main-table cell ``group/model`` (None: ✘)."""
    g, m = key.split("/")
    return PAPER[m].get(g)


def _fmt(v: int | None, cap: int) -> str:
    if v is None or v < 100:
        return "✘"
    return f"{v}" if v < cap else f"≥{cap}"


CELL_RULE = ("per cell: ours and the paper's on the same side of 100 -> holds (inconclusive if "
             "both generalise but ours less far and below the tested cap); the paper's model "
             "generalises and ours does not -> inconclusive (a failure to learn at a small budget "
             "does not refute a success); ours generalises where the paper reports ✘ -> fails")


SEEDS_RULE = ("over the training seeds: a cell holds when some seed confirms it and none "
              "contradicts it (a seed that fails to learn, or reaches less far, never refutes a "
              "success); fails when every seed contradicts it; seeds that split between "
              "confirming and contradicting -> inconclusive (seed-dependent)")


TABLE_RULE = f"{CELL_RULE}; {SEEDS_RULE}"  # every cell of 002's length tables


def cell_outcome(key: str, ours: int, paper: int | None, cap: int) -> Outcome:
    """One table cell on one training seed, judged by :data:`CELL_RULE` (the one rule for every
    cell of 002's length tables). ``ours``: our longest length with > 90 % accuracy; ``paper``:
    None = ✘."""
    row = {"paper": _fmt(paper, 10_000), "ours": _fmt(ours, cap)}
    ours_ok, paper_ok = ours >= 100, paper is not None
    if ours_ok == paper_ok:
        if ours_ok and paper is not None and paper > ours and ours < cap:
            return Outcome("inconclusive", paper, ours, "shorter than the paper's value",
                           rule="generalises, but less far than reported",
                           to_decide=f"a run of ours that tracks to the paper's {paper} (other "
                                     "seeds or a longer budget) confirms the cell; a shorter "
                                     "reach never refutes it")
        return decide(True, predicted=row["paper"], measured=row["ours"], evidence="")
    if paper_ok:
        return Outcome("inconclusive", row["paper"], row["ours"],
                       "paper generalises, ours does not at this training budget",
                       rule="a failure to learn at a small budget does not refute a success",
                       to_decide=f"a run of ours that learns the task and tracks to the paper's "
                                 f"{row['paper']} confirms the cell; a failure to learn never "
                                 "refutes it")
    return decide(False, predicted=row["paper"], measured=row["ours"], evidence="",
                  counterexample={key: row})


def seeds_outcome(key: str, ours: Sequence[int], paper: int | None, cap: int) -> Outcome:
    """One table cell over the training seeds (``ours``: the longest length per seed): each
    seed by :func:`cell_outcome`, combined by :data:`SEEDS_RULE`."""
    per = [cell_outcome(key, int(o), paper, cap) for o in ours]
    if len(per) == 1:
        return per[0]
    row = {"paper": _fmt(paper, 10_000), "ours": _fmt_seeds(ours, cap)}
    verdicts = [o.verdict for o in per]
    verdict = combine_seed_verdicts(verdicts)
    if verdict == "inconclusive" and "fails" in verdicts:
        return Outcome("inconclusive", row["paper"], row["ours"],
                       f"{verdicts.count('fails')} of {len(per)} seeds generalise where the "
                       "paper reports ✘", rule=SEEDS_RULE,
                       to_decide="the training seeds split: more seeds would estimate how often "
                                 "training finds a generalising tracker (002 reports one run "
                                 "per cell)")
    if verdict == "inconclusive":
        return replace(per[0], measured=row["ours"], rule=SEEDS_RULE)
    return decide(verdict == "holds", predicted=row["paper"], measured=row["ours"],
                  evidence="", rule=SEEDS_RULE, counterexample={key: row})


def combine_seed_verdicts(verdicts: Sequence[str]) -> str:
    """:data:`SEEDS_RULE` on per-seed verdicts: "holds" when some seed holds and none fails,
    "fails" when every seed fails, else "inconclusive"."""
    if "fails" in verdicts:
        return "fails" if all(v == "fails" for v in verdicts) else "inconclusive"
    return "holds" if "holds" in verdicts else "inconclusive"


def _fmt_seeds(ours: Sequence[int], cap: int) -> str:
    """Our longest lengths, one per training seed, as the table shows them ("120 / ✘")."""
    return " / ".join(_fmt(int(o), cap) for o in ours)


def tested_cap(cells: dict[str, Any]) -> int:
    """The longest tested length over ``cells`` ('≥cap': above the threshold throughout)."""
    return int(max(c["lengths"][-1] for c in cells.values()))


def judged_cells(cells: dict[str, Any], paper_of: Callable[[str], int | None], cap: int,
                 heldout: bool = True) -> tuple[dict[str, Outcome], dict[str, dict[str, Any]]]:
    """Every cell (key -> results, ``longest`` per training seed) by :data:`CELL_RULE` and
    :data:`SEEDS_RULE` against ``paper_of(key)``: the outcomes and the ours-vs-paper table
    (ours per seed; with the final held-out losses when ``heldout``)."""
    parts: dict[str, Outcome] = {}
    table: dict[str, dict[str, Any]] = {}
    for key, c in cells.items():
        paper = paper_of(key)
        parts[key] = seeds_outcome(key, c["longest"], paper, cap)
        table[key] = {"paper": _fmt(paper, 10_000), "ours": _fmt_seeds(c["longest"], cap)}
        if heldout:
            table[key]["final_heldout"] = c["final_heldout"]
    return parts, table


def seeds_note(res: dict[str, Any]) -> str:
    """How many training seeds each cell of ``res`` has, and how the table shows them."""
    n = int(res.get("n_seeds", 1))
    return ("one training seed per cell" if n == 1 else
            f"{n} training seeds per cell; 'ours' lists each seed's longest length")


def _accuracy_figure(ctx: Context, res: dict[str, Any]) -> str:
    """The accuracy figure of both claims (drawn once per results), verdicts in its title."""
    train_len = int(res.get("train_len", config(ctx.profile)["train_len"]))
    title = f"002 length generalisation — table: {label(ctx, table_outcome(res).verdict)}"
    return once(ctx, "dcd_length_accuracy", [res, train_len, title],
                lambda: accuracy_figure(ctx, res, models=MODELS, paper=PAPER, thresh=THRESH,
                                        train_len=train_len, title=title))


@claim(
    "dcd.exp.length-generalization",
    source=SOURCE,
    statement="002's table: longest length with > 90 % accuracy after training on length ≤ 60, "
    "per model (Mamba, Negative Mamba, Simple AUSSM, AUSSM, RNN) and group; ✘ = fails below 100",
    kind="empirical",
    paper="Quote (the main table's note): " + Q_TABLE + " The table's rows, e.g. '" + Q_ROW_C2
    + "' and '" + Q_ROW_S3 + "' (columns: abelian, solvable, Mamba, Neg Mamba, Simple AUSSM, "
    "AUSSM, RNN)",
    quote=Q_TABLE,
    section=SECTION,
    experiment=NAME,
)
def check_table(ctx: Context) -> Outcome:
    return _check(ctx, table_outcome, lambda res: [k for k in res["cells"]
                                                   if k.split("/")[1] in MODELS])


def _check(ctx: Context, outcome: Callable[[dict[str, Any]], Outcome],
           keys: Callable[[dict[str, Any]], list[str]]) -> Outcome:
    """A check of this module: ``outcome`` of the results with the accuracy figure and the
    convergence note of the runs ``keys``."""
    res = _results(ctx)
    if isinstance(res, Outcome):
        return res
    out = outcome(res)
    out.figures = [_accuracy_figure(ctx, res)]
    return finish(ctx, res, out, keys(res))


def table_outcome(res: dict[str, Any]) -> Outcome:
    """The table claim's verdict and numbers (no figure): every cell by :data:`CELL_RULE`."""
    # a second reading of a column (a model not in MODELS) is checked under its own id
    cells = {k: c for k, c in res["cells"].items() if k.split("/")[1] in MODELS}
    cap = tested_cap(res["cells"])
    parts, table = judged_cells(cells, paper_of_cell, cap, heldout=False)
    return combine(
        parts,
        predicted={k: v["paper"] for k, v in table.items()},
        evidence=f"Trained each model ({seeds_note(res)}) on length-60 words "
        f"(cross-entropy at every prefix) and "
        f"measured per-position accuracy on fresh words up to length {cap} (windows of 20 "
        f"positions). Ours vs paper: {table}. A cell where the paper reports ✘ but our model "
        "generalises past 100 would contradict the table (fails); a cell where the paper's model "
        "generalises and ours does not is inconclusive at this budget. Note: the quick profile "
        "trains for only a few hundred steps on CPU and tests up to 500, so '≥cap' means "
        "'above 90 % at every tested length'. Simple AUSSM, which 002 does not define, is read "
        "as AUSSM with Mamba's input-independent Λ, a(x) = exp(iΔ(x) ⊙ λ) with Δ(x) per "
        "coordinate (the second reading has its own id).",
        rule=TABLE_RULE,
        reading="Simple AUSSM = exp(iΔ(x) ⊙ λ), λ input-independent, Δ(x) per coordinate",
        details={"table": table, "curves": without_training(res["cells"])},
    )
