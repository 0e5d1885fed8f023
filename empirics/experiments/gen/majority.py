"""003's synthetic majority task: an LTI diagonal SSM whose continuous-time state matrix has a
pinned spectral abscissa α (A = diag(a), max a = α), trained on short sequences of ±1 tokens
to output the sign of their sum, tested on longer ones. Accuracy vs length per α.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._record import Outcome, combine, decide
from chasm_theory._registry import claim
from empirics.engine.evaluate import one_thread
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import profile_seeds
from empirics.models.diagonal_ssm import SpectralLTI
from empirics.tasks.majority import majority_sampler

NAME = "gen_majority"
SOURCE = "003 abstract (synthetic majority task; spectral abscissa and length generalisation)"
SECTION = "003: spectral abscissa, stability and length generalisation"


def config(profile: str) -> dict[str, Any]:
    base = {"alphas": [-0.5, -0.1, -0.02, 0.0, 0.02], "d": 8, "train_max_len": 31,
            "test_lens": [31, 63, 127, 255, 511, 1023], "lr": 1e-2}
    if profile == "quick":
        return {**base, "steps": 300, "batch": 128, "test_words": 20000, "seeds": [0]}
    return {**base, "steps": 3000, "batch": 256, "test_words": 100000,
            "seeds": profile_seeds(profile)}


def _sampler(max_len: int):
    """The task registry's ``majority`` sampler."""
    return majority_sampler(max_len)


@torch.no_grad()
def accuracy_at(model: SpectralLTI, T: int, n: int, seed: int, chunk: int = 5000) -> float:
    g = torch.Generator().manual_seed(seed)
    correct = 0
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        x = torch.randint(0, 2, (m, T, 1), generator=g).double() * 2 - 1
        out = model.double()(x)
        correct += int(((out > 0).double() == (x.sum(1) > 0).double()).sum())
    model.float()
    return correct / n


def _runs(cfg: dict[str, Any], seed: int) -> dict[str, list[TrainRun]]:
    """α -> one run per replicate (seed of replicate r: (seed + 1000·r)·1000 + index of α)."""
    tc = {"steps": cfg["steps"], "batch": cfg["batch"], "lr": cfg["lr"], "warmup": 10,
          "checkpoint_every": max(50, cfg["steps"] // 3), "log_every": 50}
    return {f"{a:+.3f}": [TrainRun({"kind": "spectral_lti", "alpha": a, "d": cfg["d"]},
                                   {"name": "majority"}, cfg["train_max_len"], tc, "bce_logits",
                                   (int(seed) + 1000 * r) * 1000 + i, 1, 1,
                                   label=f"{NAME}/alpha{a:+.3f}", replicate=r)
                          for r in cfg["seeds"]]
            for i, a in enumerate(cfg["alphas"])}


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for rs in _runs(cfg, seed).values() for r in rs]


@experiment(NAME, title="003 majority task: accuracy vs length per spectral abscissa", config=config,
            version=2, gpu_for_full=False, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with one_thread():
        for key, rs in _runs(cfg, env.seed).items():
            accs, logs, learned = [], [], []
            for r in rs:
                model, log = trained(r, env)
                accs.append([accuracy_at(model, T, cfg["test_words"], r.seed + 7 + T)
                             for T in cfg["test_lens"]])
                logs.append(log)
                learned.append(model.a.detach().tolist())
            # accuracy pooled over the seeds' test words (equal numbers per seed)
            out[key] = {"alpha": rs[0].model["alpha"],
                        "accuracy": [float(v) for v in np.mean(accs, axis=0)],
                        "accuracy_per_seed": accs, "final_loss": logs[0]["final_loss"],
                        "final_heldout": logs[0]["final_heldout"], "a_learned": learned[0]}
    out["test_lens"] = cfg["test_lens"]
    out["n_seeds"] = len(cfg["seeds"])
    return out


def wilson(p: float, n: int, z: float = 2.576) -> tuple[float, float]:
    """99 % Wilson interval for a binomial proportion."""
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return c - h, c + h


def _figure(ctx: Context, res: dict[str, Any]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (k, r) in enumerate((k, v) for k, v in res.items() if k != "test_lens"):
        ax.semilogx(res["test_lens"], r["accuracy"], "o-", color=f"C{i}", label=f"α(A) = {r['alpha']:g}")
    ax.axvline(31, color="grey", lw=0.6)
    ax.set(xlabel="test length", ylabel="accuracy", title="majority task: accuracy vs length per α(A)")
    ax.legend(fontsize=8)
    return ctx.savefig(fig, "gen_majority_accuracy")


@claim(
    "gen.length-generalization",
    source=SOURCE,
    statement="On the majority task the spectral abscissa α(A) shapes length generalisation: "
    "at 33× the training length, accuracy increases as α rises to 0 from below and drops for "
    "α > 0 (unstable recurrence)",
    kind="empirical",
    paper="the spectral abscissa of the continuous-time state matrix influences stability during "
    "training and the ability to generalise across sequence lengths (synthetic majority task)",
    section=SECTION,
    experiment=NAME,
)
def check_majority(ctx: Context) -> Outcome:
    res = ctx.experiment(NAME)
    n = config(ctx.profile)["test_words"] * int(res.get("n_seeds", 1))  # pooled over seeds
    lens = res["test_lens"]
    rows = sorted((v for k, v in res.items() if k != "test_lens"), key=lambda r: r["alpha"])
    L = lens[-1]
    acc = {r["alpha"]: r["accuracy"][-1] for r in rows}
    ci = {a: wilson(p, n) for a, p in acc.items()}
    parts: dict[str, Outcome] = {}
    neg = sorted(a for a in acc if a <= 0)
    # predicted orderings: (better, worse)
    comparisons = [(hi, lo) for lo, hi in zip(neg[:-1], neg[1:])]
    if 0.0 in acc:
        comparisons += [(0.0, a) for a in sorted(acc) if a > 0]
    for better, worse in comparisons:
        key = f"acc(α={better:g}) > acc(α={worse:g})"
        if ci[better][0] > ci[worse][1]:
            parts[key] = decide(True, predicted=">", measured=[acc[better], acc[worse]], evidence="")
        elif ci[better][1] < ci[worse][0]:
            parts[key] = decide(False, predicted=">", measured=[acc[better], acc[worse]], evidence="",
                                counterexample={"alpha_better": better, "alpha_worse": worse,
                                                "acc": [acc[better], acc[worse]], "ci99": [ci[better], ci[worse]]})
        else:
            parts[key] = Outcome("inconclusive", ">", [acc[better], acc[worse]],
                                 "99 % intervals overlap", rule="overlap")
    fig = _figure(ctx, res)
    return combine(
        parts,
        predicted="accuracy at long lengths increasing in α up to 0, lower for α > 0",
        evidence=f"An LTI diagonal SSM (d = 8, Δ = 1, A = diag(a) with max a = α pinned, other "
        f"rates learned below α) was trained on odd lengths ≤ 31 for each α ∈ "
        f"{[r['alpha'] for r in rows]} and tested on {n} fresh sequences per length. Accuracy at "
        f"length {L}: { {a: round(p, 4) for a, p in acc.items()} } (99 % Wilson intervals "
        f"{ {a: (round(c[0], 4), round(c[1], 4)) for a, c in ci.items()} }). Accuracy per length: "
        f"{ {r['alpha']: [round(x, 3) for x in r['accuracy']] for r in rows} } at lengths {lens}. "
        "With α < 0 the state forgets tokens older than ~1/|α| steps, so the sign of the sum is "
        "read from a recent window; α = 0 keeps an exact running sum; α > 0 overweights the "
        "earliest tokens.",
        reading="'shapes' made concrete as the predicted ordering of long-length accuracy in α",
        figures=[fig],
        details={"accuracy": {r["alpha"]: r["accuracy"] for r in rows}, "test_lens": lens,
                 "ci99_at_longest": ci},
    )
