"""000 Exp II (§8.2, Fig 3, App C.2): reverse separation on static estimation.

θ ~ N(0, 1), x_i = θ + ε_i. We measure the estimation MSE E[(ŷ_k − θ)²] of each predictor's
output after k observations (the paper's plateau γ/(2−γ) = 0.0526 is this quantity; the
prediction risk of x_{k+1} is it plus 1). Oracle: the sample mean (MSE 1/k) and the Bayes
posterior mean Σx/(k+1) (MSE 1/(k+1)).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from chasm_theory._context import Context
from chasm_theory._experiments import RunEnv, experiment
from chasm_theory._judgements import match_reported
from chasm_theory._record import Outcome, decide_interval
from chasm_theory._registry import claim
from chasm_theory.claims.chasm.colored_risks import SLOPE_TOL
from chasm_theory.stats import seeds_boot_means, seeds_ci
from empirics.engine import convergence
from empirics.engine.evaluate import ci_dict, ci_words, n_seeds, one_thread, predict
from empirics.engine.figures import label, once
from empirics.engine.runs import TrainRun, trained_set
from empirics.engine.specs import STATIC_TASK, lg_runs, lg_scale
from empirics.engine.training import step_generator
from empirics.models.fixed_gain import FixedGainSSM
from empirics.tasks.lg import static_batch

SOURCE = "000 §8.2, Fig 3; App C.2; Thm 3"
SECTION = "Experiment II: reverse separation (static estimation)"
GAMMA = 0.1
# the paper's own words (verbatim from the seed; symbols such as − and ≥ are lost in its text)
Q_FIXED = ("Figure 3 confirms Theorem 3: the fixed-gain MSE plateaus at 0.053 , matching "
           "γ / ( 2 γ ) .")
Q_LINTF = "The LinTF tracks the oracle 1 / k rate."
Q_SSM = ("The selective SSM partially escapes the curse but plateaus at 0.015 for k 128 , "
         "confirming inherent recurrent overhead on exchangeable observations—the mirror image "
         "of Experiment I.")


def _config(profile: str) -> dict[str, Any]:
    sc = lg_scale(profile)
    return {"train": sc["train"], "ssm_len": sc["ssm_len"], "tf_len": sc["tf_len"],
            "n_test": sc["n_test"], "n_fixed": 40_000 if profile == "quick" else 100_000,
            "ks": [8, 16, 32, 64, 128, 256, 512], "gamma": GAMMA, "models": ["ssm", "lintf"],
            "seeds": sc["seeds"]}


def _runs(cfg: dict[str, Any], seed: int) -> dict[str, list[TrainRun]]:
    return lg_runs(cfg, seed, cfg["models"], STATIC_TASK, "exp2")


def _training_runs(cfg: dict[str, Any], seed: int) -> list[TrainRun]:
    return [r for rs in _runs(cfg, seed).values() for r in rs]


@experiment("exp2", title="000 Exp II: static estimation, fixed-gain vs selective SSM vs LinTF",
            config=_config, version=3, training_runs=_training_runs)
def run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    with one_thread():
        return _run(cfg, env)


def _run(cfg: dict[str, Any], env: RunEnv) -> dict[str, Any]:
    ks, K = cfg["ks"], max(cfg["ks"])
    g = step_generator(20_000_003 + env.seed, 0)
    x, theta = static_batch(g, cfg["n_test"], K)
    x, theta = x.double().numpy(), theta.double().numpy()
    models, infos, every = trained_set(_runs(cfg, env.seed), env)
    out: dict[str, Any] = {"ks": ks, "models": {}, "training": infos, "training_seeds": every,
                           "n_seeds": len(cfg["seeds"])}
    for name, (ms, _) in models.items():
        se = np.stack([(predict(m, x, env.device)[..., 0] - theta[:, None]) ** 2 for m in ms])
        # units: (n_seeds, n) per test sequence and seed, for hierarchical intervals
        out["models"][name] = {"mse": [seeds_ci(se[:, :, k - 1]) for k in ks],
                               "units": {str(k): np.round(se[:, :, k - 1], 7).tolist()
                                         for k in ks}}
    # fixed gain: no training, many sequences (cheap) so its plateau is resolved sharply
    fg = FixedGainSSM(cfg["gamma"])
    g2 = step_generator(20_000_003 + env.seed, 1)
    ses = []
    for _ in range(cfg["n_fixed"] // 10_000):
        xf, th = static_batch(g2, 10_000, K)
        err = (fg(xf.double())[..., 0] - th.double()[:, None]) ** 2
        ses.append(err[:, [k - 1 for k in ks]].numpy())
    sef = np.concatenate(ses)
    out["models"]["fixed-gain"] = {"mse": [ci_dict(sef[:, i]) for i in range(len(ks))]}
    sm = (np.cumsum(x[..., 0], 1) / np.arange(1, K + 1) - theta[:, None]) ** 2
    out["models"]["sample-mean"] = {"mse": [ci_dict(sm[:, k - 1]) for k in ks]}
    return out


# ----------------------------------------------------------------------------- numbers


def _budget(ctx: Context, res: dict[str, Any]) -> str:
    cfg = _config(ctx.profile)
    t, n = cfg["train"], n_seeds(res)
    return (f"Profile {ctx.profile}: trained models {t['steps']} steps × batch {t['batch']}, lr "
            f"{t['lr']} (paper 10,000 × 128, 3e-4), {n} training seed{'s' if n > 1 else ''} per "
            f"model; {cfg['n_test']} test sequences ({cfg['n_fixed']} for the untrained "
            "fixed-gain SSM).")


def lintf_slope(res: dict[str, Any], ks: list[int]) -> tuple[float, float, float]:
    """Least-squares slope of log MSE vs log k for the LinTF and its 95% CI: hierarchical
    bootstrap over seeds, then test sequences, each sequence's MSEs at every k resampled
    together (the same sequences answer every k)."""
    units = np.stack([np.asarray(res["models"]["lintf"]["units"][str(k)], dtype=float)
                      for k in ks], axis=-1)  # (n_seeds, n, len(ks))
    lk = np.log(np.asarray(ks, dtype=float))
    slope = float(np.polyfit(lk, np.log(units.mean(axis=(0, 1))), 1)[0])
    boots = seeds_boot_means(units, n_boot=1000, seed=0)  # (n_boot, len(ks))
    ok = np.all(boots > 0, axis=1)
    slopes = np.polyfit(lk, np.log(boots[ok]).T, 1)[0]
    lo, hi = np.quantile(slopes, [0.025, 0.975])
    return slope, float(lo), float(hi)


def _outcomes(ctx: Context, res: dict[str, Any]) -> dict[str, Outcome]:
    """The three exp2 outcomes (figures and convergence notes are added by the checks)."""
    budget, n = _budget(ctx, res), n_seeds(res)
    out: dict[str, Outcome] = {}
    c = res["models"]["fixed-gain"]["mse"][res["ks"].index(512)]
    pred = GAMMA / (2 - GAMMA)
    out["chasm.exp2.fixed-gain-plateau"] = decide_interval(
        c["lo"], c["hi"], target_lo=pred * 0.97, target_hi=pred * 1.03, predicted=round(pred, 5),
        measured=c, evidence=f"Monte Carlo MSE of h_512 − θ for h_t = 0.9 h_(t−1) + 0.1 x_t: "
        f"{c['est']:.5f}, 95% CI [{c['lo']:.5f}, {c['hi']:.5f}]; Theorem 3's limit γ/(2−γ) = "
        f"{pred:.5f} (the prior-bias term (1−γ)^(2k) is ~1e-47 at k = 512). {budget}",
        reading="plateau read as the k = 512 value, target γ/(2−γ) ± 3% (covers the paper's "
        "rounding 0.053)")
    ks = [k for k in res["ks"] if k <= _config(ctx.profile)["tf_len"]]
    slope, lo, hi = lintf_slope(res, ks)
    out["chasm.exp2.lintf-1-over-k"] = decide_interval(
        lo, hi, target_lo=-1.0 - SLOPE_TOL, target_hi=-1.0 + SLOPE_TOL, predicted=-1.0,
        measured={"slope": slope, "ci": [lo, hi], "ks": ks, "n_seeds": n},
        evidence=f"Least-squares slope of log MSE vs log k for the LinTF over k ∈ {ks}: "
        f"{slope:.3f}, {ci_words(n)} (each sequence's MSEs at all k resampled together): "
        f"[{lo:.3f}, {hi:.3f}] (sample mean: exactly −1). {budget}",
        reading=f"'tracks 1/k' read as slope −1 ± {SLOPE_TOL:g} (the one rate tolerance, as for "
                "Definition 2's Θ(1/k)) within the training length")
    out["chasm.exp2.ssm-plateau"] = ssm_plateau(res, budget, n)
    return out


def ssm_plateau(res: dict[str, Any], budget: str, n: int) -> Outcome:
    """'plateaus at 0.015 for k ≥ 128': the k = 512 MSE by the one reported-value rule; the same
    rule at every k ≥ 128 beside it (``details.per_k``), and each seed's mean, median and worst
    test sequence at k = 512 (a mean can rest on one sequence beyond the SSM's training
    length)."""
    mse = {k: res["models"]["ssm"]["mse"][res["ks"].index(k)] for k in res["ks"] if k >= 128}
    per_k = {str(k): match_reported(c["lo"], c["hi"], 0.015, measured=c, evidence="")
             for k, c in mse.items()}
    seeds = [np.asarray(u, dtype=float) for u in res["models"]["ssm"]["units"]["512"]]
    tails = "; ".join(f"seed {i}: mean {u.mean():.3g}, median {np.median(u):.3g}, worst "
                      f"{u.max():.3g}" for i, u in enumerate(seeds))
    c, c128 = mse[512], mse[128]
    return match_reported(
        c["lo"], c["hi"], 0.015, measured={"k512": c, "k128": c128},
        evidence=f"Selective SSM estimation MSE ({ci_words(n)}): "
        + "; ".join(f"k = {k}: {m['est']:.4f} [{m['lo']:.4f}, {m['hi']:.4f}] "
                    f"({per_k[str(k)].verdict})" for k, m in mse.items())
        + f" (sample mean 1/512 = 0.00195). Per seed over the test sequences at k = 512: "
        f"{tails}. {budget}",
        reading="'plateaus at 0.015' read as the k = 512 MSE, a value the paper reports, by the "
        "one reported-value rule; the same rule at every k ≥ 128 is in details.per_k",
        details={"per_k": {k: {"verdict": o.verdict, "measured": o.measured}
                           for k, o in per_k.items()}})


# ----------------------------------------------------------------------------- figures

_FIG_LABELS = {"chasm.exp2.fixed-gain-plateau": "fixed-gain plateau",
               "chasm.exp2.lintf-1-over-k": "LinTF 1/k", "chasm.exp2.ssm-plateau": "SSM plateau"}
_UNTRAINED = ("chasm.exp2.fixed-gain-plateau",)


def _fig(ctx: Context, res: dict[str, Any], outs: dict[str, Outcome]) -> str:
    """Fig 3: estimation MSE vs k with 95% bands, the paper's values (SSM plateau 0.015,
    fixed-gain 0.053) marked, the three ids' verdicts in the title."""
    from chasm_theory._figures import ci_band, legend_below, mark_paper, new_figure

    ks = np.array(res["ks"])
    fig, ax = new_figure(width=5.6, height=4.4)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    labels = {"ssm": "selective SSM (trained)", "lintf": "LinTF (trained)",
              "fixed-gain": "fixed-gain SSM γ = 0.1", "sample-mean": "sample mean"}
    for i, (name, m) in enumerate(res["models"].items()):
        ax.plot(ks, [c["est"] for c in m["mse"]], "o-", ms=3, color=f"C{i}",
                label=labels.get(name, name))
        ci_band(ax, ks, [c["lo"] for c in m["mse"]], [c["hi"] for c in m["mse"]], color=f"C{i}")
    ax.plot(ks, 1 / ks, "k:", label="1/k (oracle rate)")
    ax.axhline(GAMMA / (2 - GAMMA), color="r", ls="--", lw=0.8, label="γ/(2−γ) = 0.0526 (Thm 3)")
    mark_paper(ax, [512, 512], [0.015, 0.053], label="paper: SSM 0.015, fixed-gain 0.053")
    ax.set_xlabel("context k")
    ax.set_ylabel("MSE of the estimate of θ (95% CI)")
    verdicts = "; ".join(
        f"{_FIG_LABELS[cid]}: {label(ctx, o.verdict, cid not in _UNTRAINED)}"
        for cid, o in outs.items())
    ax.set_title(f"Exp II (Fig 3) — {verdicts}", fontsize=7)
    legend_below(ax, ncol=2)
    return ctx.savefig(fig, "exp2_fig3_static")


def _check(ctx: Context, cid: str) -> Outcome:
    res = ctx.experiment("exp2")
    outs = _outcomes(ctx, res)
    out = outs[cid]
    out.figures = [once(ctx, "exp2_fig3_static", res, lambda: _fig(ctx, res, outs))]
    if cid in _UNTRAINED:
        return out
    return convergence.attach_curves(ctx, out, res["training_seeds"], "exp2_training_curves",
                                     "Exp II models (static estimation)")


# ----------------------------------------------------------------------------- claims


@claim("chasm.exp2.fixed-gain-plateau", source=SOURCE, kind="empirical", section=SECTION,
       experiment="exp2", trained=False, quote=Q_FIXED,
       paper="Quote (§8.2): " + Q_FIXED + " — the formula as we read it (paraphrase): γ/(2−γ)",
       statement="the fixed-gain SSM (γ = 0.1) has estimation MSE ≈ γ/(2−γ) = 0.0526 at k = 512")
def check_fixed(ctx: Context) -> Outcome:
    return _check(ctx, "chasm.exp2.fixed-gain-plateau")


@claim("chasm.exp2.lintf-1-over-k", source=SOURCE, kind="empirical", section=SECTION,
       experiment="exp2", quote=Q_LINTF, paper="Quote (§8.2): " + Q_LINTF,
       statement="the meta-trained LinTF's estimation MSE decays like 1/k: log-log slope in "
                 f"[{-1 - SLOPE_TOL:g}, {-1 + SLOPE_TOL:g}] (the one rate tolerance) over k = "
                 "8..(its training length)")
def check_lintf(ctx: Context) -> Outcome:
    return _check(ctx, "chasm.exp2.lintf-1-over-k")


@claim("chasm.exp2.ssm-plateau", source=SOURCE, kind="empirical", section=SECTION,
       experiment="exp2", quote=Q_SSM,
       paper="Quote (§8.2): " + Q_SSM + " — the relation before 128 is lost in the text; we "
             "read it as k ≥ 128 (paraphrase)",
       statement="the meta-trained selective SSM's estimation MSE at k = 512 is ≈ 0.015 "
                 "(read by the one reported-value rule: within a factor 2)")
def check_ssm(ctx: Context) -> Outcome:
    return _check(ctx, "chasm.exp2.ssm-plateau")
