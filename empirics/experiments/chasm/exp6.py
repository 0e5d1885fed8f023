"""000 Experiment VI (§8.6, App C.5, Fig 5b) and 001 §5.2 / App B.3: next-symbol prediction in
random HMMs, small Mamba vs small Transformer, with two oracles.

Accuracy is top-1 accuracy of predicting x_{k+1} from x_{1..k}, reported per context-length bin
[k, 2k) and pooled over all positions; units for the CIs are test *tasks* (each HMM's sequences
averaged), resampled together with the training seeds.
Oracles: the forward algorithm with the true HMM (the best any predictor can do), and the
in-context interpolated-bigram count estimator (see :mod:`chasm_theory.hmm`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from chasm_theory import Context, Outcome, claim, combine, decide_interval, experiment
from chasm_theory._experiments import RunEnv
from chasm_theory.oracles.hmm import bigram_predict, forward_predict
from chasm_theory.stats import hier_ci, paired_diff_ci
from empirics.engine.evaluate import one_thread
from empirics.engine.runs import TrainRun, trained
from empirics.engine.specs import hmm_models, named_seed, profile_seeds
from empirics.tasks.hmm import HMMTaskConfig, draw, one_hot_io

SOURCE = "000 §8.6, App C.5, Fig 5b"
SECTION = "Experiment VI: character-level HMM (Fig 5b)"
BAYES_SOURCE = "001 §5.2, App B.3"


def _config(profile: str) -> dict[str, Any]:
    quick = profile == "quick"
    return {
        "chasm": {"task": {"n_states": 20, "n_symbols": 50, "alpha_emit": 0.1},
                  "alphas": [0.01, 0.1, 1.0], "T": 64 if quick else 128, "seeds": profile_seeds(profile, [0, 1]),
                  "train": {"steps": 100 if quick else 5000, "batch": 16 if quick else 32, "lr": 1e-3,
                            "checkpoint_every": 50 if quick else 500, "log_every": 25},
                  "test": {"tasks": 50, "per_task": 10, "seed": 777}},
        "bayes": {"task": {"n_states": 50, "n_symbols": 100, "alpha_emit": 0.1},
                  "alphas": [0.1], "T": 64 if quick else 512, "seeds": profile_seeds(profile, [0]),
                  "train": {"steps": 100 if quick else 782, "batch": 16 if quick else 64, "lr": 1e-3,
                            "checkpoint_every": 50 if quick else 200, "log_every": 25},
                  "test": {"tasks": 50, "per_task": 10 if quick else 20, "seed": 778}},
    }


def _bins(T: int) -> list[tuple[int, int]]:
    out, k = [], 1
    while k <= T:
        out.append((k, min(2 * k, T + 1)))
        k *= 2
    return out


@torch.no_grad()
def _model_correct(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    out = []
    for i in range(0, x.shape[0], 50):
        out.append((model(x[i:i + 50]).argmax(-1) == y[i:i + 50]).numpy())
    return np.concatenate(out).astype(float)  # (n, T); column j: context length k = j + 1


def _per_task(correct: np.ndarray, tasks: int, per: int, lo: int, hi: int) -> np.ndarray:
    """accuracy per task over context lengths k ∈ [lo, hi) -> (tasks,)"""
    return correct[:, lo - 1:hi - 1].reshape(tasks, per, -1).mean(axis=(1, 2))


def family_runs(fam: dict[str, Any], seed: int, small: bool, tag: str
                ) -> dict[str, dict[str, list[TrainRun]]]:
    """alpha -> model name -> one run per replicate."""
    T, V = fam["T"], fam["task"]["n_symbols"]
    out: dict[str, dict[str, list[TrainRun]]] = {}
    for alpha in fam["alphas"]:
        task = {"name": "hmm", **fam["task"], "alpha_trans": alpha}
        out[str(alpha)] = {
            name: [TrainRun(spec, task, T, fam["train"], "cross_entropy",
                            named_seed(f"{tag}-{name}-a{alpha}", int(seed) * 100 + s), V, V,
                            label=f"exp6/{tag}-{name}-a{alpha}", replicate=r)
                   for r, s in enumerate(fam["seeds"])]
            for name, spec in hmm_models(V, T, small).items()}
    return out


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for fam, small, tag in ((cfg["chasm"], True, "c"), (cfg["bayes"], False, "b"))
            for by_model in family_runs(fam, seed, small, tag).values()
            for rs in by_model.values() for r in rs]


def _run_family(fam: dict[str, Any], env: RunEnv, small: bool, tag: str) -> dict[str, Any]:
    T = fam["T"]
    tt = fam["test"]
    V = fam["task"]["n_symbols"]
    specs = hmm_models(V, T, small)
    runs = family_runs(fam, env.seed, small, tag)
    out: dict[str, Any] = {}
    for alpha in fam["alphas"]:
        task = HMMTaskConfig(alpha_trans=alpha, **fam["task"])
        rng = np.random.default_rng([tt["seed"], int(env.seed), int(alpha * 1000)])
        hmm, obs = draw(task, tt["tasks"], T, rng)
        rep = lambda a: np.repeat(a, tt["per_task"], axis=0)  # noqa: E731
        from chasm_theory.oracles.hmm import HMMBatch, sample_sequences
        hmm_r = HMMBatch(rep(hmm.pi), rep(hmm.trans), rep(hmm.emit))
        obs, _ = sample_sequences(hmm_r, T + 1, rng)
        x, y = one_hot_io(obs, V)
        fo = forward_predict(hmm_r, obs)
        bg = bigram_predict(obs, V)
        correct = {"forward-oracle": [(fo.top1[:, 1:] == obs[:, 1:]).astype(float)],
                   "bigram-in-context": [(bg.top1[:, 1:] == obs[:, 1:]).astype(float)]}
        logs = {}
        for name in specs:
            correct[name], logs[name] = [], []
            for r in runs[str(alpha)][name]:
                model, log = trained(r, env)
                correct[name].append(_model_correct(model, x, y))
                logs[name].append(log)
        bins = _bins(T)
        entry: dict[str, Any] = {"bins": [[a, b] for a, b in bins], "acc": {}, "per_task": {},
                                 "n_seeds": len(fam["seeds"]),
                                 "train": logs, "n_params": {n: logs[n][0]["n_params"] for n in specs}}
        for name, cs in correct.items():
            per_bin = {f"{a}-{b - 1}": np.stack([_per_task(c, tt["tasks"], tt["per_task"], a, b) for c in cs])
                       for a, b in bins}
            per_bin["all"] = np.stack([_per_task(c, tt["tasks"], tt["per_task"], 1, T + 1) for c in cs])
            entry["acc"][name] = {b: hier_ci(v) for b, v in per_bin.items()}
            entry["per_task"][name] = {b: np.round(v, 5).tolist() for b, v in per_bin.items()}
        out[str(alpha)] = entry
    return out


@experiment("exp6", title="000 Exp VI / 001 §5.2: random-HMM next-symbol accuracy, Mamba vs Transformer",
            config=_config, version=2, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return {"chasm": _run_family(cfg["chasm"], env, True, "c"),
                "bayes": _run_family(cfg["bayes"], env, False, "b")}


# ----------------------------------------------------------------------------- checks

def _pt(entry: dict[str, Any], name: str, b: str) -> np.ndarray:
    return np.asarray(entry["per_task"][name][b], dtype=float)


def _gap(entry: dict[str, Any], b: str) -> dict[str, float]:
    return paired_diff_ci(_pt(entry, "mamba", b), _pt(entry, "tf", b))


def _fmt(c: dict[str, float]) -> str:
    return f"{c['est']:+.4f} [{c['lo']:+.4f}, {c['hi']:+.4f}]"


def _figure(ctx: Context, res: dict[str, Any], fam: str, name: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    entries = res[fam]
    fig, axes = plt.subplots(1, len(entries), figsize=(4.2 * len(entries), 3.6), squeeze=False)
    for ax, (alpha, e) in zip(axes[0], entries.items()):
        labels = [f"{a}-{b - 1}" for a, b in e["bins"]]
        ks = [a for a, _ in e["bins"]]
        for m, acc in e["acc"].items():
            est = [acc[b]["est"] for b in labels]
            ax.semilogx(ks, est, "o-" if m in ("mamba", "tf") else "--", label=f"{m}"
                        + (f" ({e['n_params'][m]:,})" if m in e["n_params"] else ""))
        ax.set(xlabel="context length k (bin start)", ylabel="top-1 accuracy", title=f"α_trans = {alpha}")
    axes[0][0].legend(fontsize=7)
    return ctx.savefig(fig, name)


@claim("chasm.exp6.mamba-ahead-sparse", source=SOURCE, section=SECTION, kind="empirical",
       statement="for sparse HMMs (α_trans = 0.01) the small Mamba has higher top-1 accuracy than "
                 "the small Transformer (pooled over context lengths), by up to ≈ 0.024",
       paper="For sparse HMMs (α_trans = 0.01), Mamba outperforms the Transformer by up to +0.024 accuracy",
       experiment="exp6")
def check_ahead(ctx: Context) -> Outcome:
    res = ctx.experiment("exp6")
    e = res["chasm"]["0.01"]
    pooled = _gap(e, "all")
    bins = [f"{a}-{b - 1}" for a, b in e["bins"]]
    gaps = {b: _gap(e, b) for b in bins}
    best = max(bins, key=lambda b: gaps[b]["est"])
    acc = e["acc"]
    out = decide_interval(
        pooled["lo"], pooled["hi"], target_lo=0.0, predicted="Mamba − TF > 0 (max +0.024)",
        measured={"pooled_gap": _fmt(pooled), "max_bin_gap": {best: _fmt(gaps[best])}},
        evidence=(f"α_trans = 0.01, 20 states, 50 symbols: pooled accuracy Mamba "
                  f"{acc['mamba']['all']['est']:.4f} ({e['n_params']['mamba']:,} params) vs TF "
                  f"{acc['tf']['all']['est']:.4f} ({e['n_params']['tf']:,}); gap {_fmt(pooled)} "
                  f"(95% CI over seeds and 50 test HMMs). Largest bin gap {_fmt(gaps[best])} at k ∈ {best} "
                  "(paper: up to +0.024; the max over bins is selected after seeing the data, so only "
                  f"the pooled gap decides). Oracles: forward algorithm {acc['forward-oracle']['all']['est']:.4f}, "
                  f"in-context bigram {acc['bigram-in-context']['all']['est']:.4f}. Per-bin gaps: "
                  + ", ".join(f"{b}: {gaps[b]['est']:+.3f}" for b in bins) + "."),
        rule="pooled gap CI > 0 holds, < 0 fails, else inconclusive",
        reading="'Mamba ahead' = pooled top-1 accuracy over all context lengths 1..T−1 higher",
        figures=[_figure(ctx, res, "chasm", "exp6_fig5b")],
    )
    return out


@claim("chasm.exp6.gap-shrinks", source=SOURCE, section=SECTION, kind="empirical",
       statement="the Mamba − Transformer accuracy gap is larger for sparse (α_trans = 0.01) than "
                 "for dense (α_trans = 1) transitions",
       paper="the gap shrinks for less structured HMMs", experiment="exp6")
def check_shrinks(ctx: Context) -> Outcome:
    res = ctx.experiment("exp6")
    g = {a: np.asarray(res["chasm"][a]["per_task"]["mamba"]["all"]) - np.asarray(res["chasm"][a]["per_task"]["tf"]["all"])
         for a in res["chasm"]}
    # independent test HMMs per α: difference of means, resampling each α's (seed, task) table
    rng = np.random.default_rng(0)
    boots = []
    for _ in range(2000):
        def m(v: np.ndarray) -> float:
            si = rng.integers(0, v.shape[0], v.shape[0])
            ui = rng.integers(0, v.shape[1], (v.shape[0], v.shape[1]))
            return float(v[si[:, None], ui].mean())
        boots.append(m(g["0.01"]) - m(g["1.0"]))
    lo, hi = np.quantile(boots, [0.025, 0.975])
    est = float(g["0.01"].mean() - g["1.0"].mean())
    return decide_interval(float(lo), float(hi), target_lo=0.0, predicted="gap(0.01) − gap(1) > 0",
                           measured={"gap": {a: round(float(v.mean()), 4) for a, v in g.items()},
                                     "difference": f"{est:+.4f} [{lo:+.4f}, {hi:+.4f}]"},
                           evidence="Pooled Mamba − TF accuracy gap per α_trans: "
                           + ", ".join(f"{a}: {v.mean():+.4f}" for a, v in g.items())
                           + f"; gap(0.01) − gap(1) = {est:+.4f} [{lo:+.4f}, {hi:+.4f}].",
                           rule="CI of the difference > 0 holds, < 0 fails, else inconclusive")


@claim("bayes.exp.hmm", source=BAYES_SOURCE, section="001 experiments: HMM text", kind="empirical",
       statement="on 50-state, 100-symbol random-HMM text a small Mamba beats a matched Transformer "
                 "in next-symbol top-1 accuracy",
       paper="Mamba significantly outperforms the Transformer on this latent-state tracking task (~85K vs ~82K params)",
       experiment="exp6")
def check_bayes_hmm(ctx: Context) -> Outcome:
    res = ctx.experiment("exp6")
    parts = {}
    texts = []
    for alpha, e in res["bayes"].items():
        g = _gap(e, "all")
        acc = e["acc"]
        parts[f"alpha={alpha}"] = decide_interval(g["lo"], g["hi"], target_lo=0.0, predicted="> 0",
                                                  measured=_fmt(g), evidence=f"gap {_fmt(g)}")
        texts.append(f"α_trans = α_emit = {alpha}: Mamba {acc['mamba']['all']['est']:.4f} "
                     f"({e['n_params']['mamba']:,} params) vs TF {acc['tf']['all']['est']:.4f} "
                     f"({e['n_params']['tf']:,}); gap {_fmt(g)}; forward oracle "
                     f"{acc['forward-oracle']['all']['est']:.4f}, in-context bigram "
                     f"{acc['bigram-in-context']['all']['est']:.4f}")
    return combine(parts, predicted="Mamba − TF accuracy > 0",
                   evidence="; ".join(texts) + ".",
                   reading="the Dirichlet concentrations were lost in extraction ('encourages sparse "
                           "transitions'); we use 0.1 for both transition and emission rows, uniform "
                           "initial state; accuracy pooled over context lengths",
                   figures=[_figure(ctx, res, "bayes", "bayes_hmm_accuracy")])
