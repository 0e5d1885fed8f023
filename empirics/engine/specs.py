"""Model specs, task specs and training scales shared by several experiments (data only).

An experiment module imports what it needs from here, never from another experiment module.
"""
from __future__ import annotations

from typing import Any

from chasm_theory.oracles.product_tracking import MatrixLaw
from empirics.engine.runs import TrainRun

# ----------------------------------------------------------------------------- seeds


def replicate_seed(base: int, replicate: int) -> int:
    """The training seed of replicate r of a run whose first replicate has seed ``base``."""
    return int(base) if replicate == 0 else int(base) + 1000 * int(replicate)


def profile_seeds(profile: str, quick: list[int] | None = None) -> list[int]:
    """Replicates per model: the full profile trains three (issue 9: the papers state no seed
    count; seeds 1 and 2 follow the whole first pass); quick keeps its own list."""
    return [0, 1, 2] if profile == "full" else list(quick if quick is not None else [0])


# ----------------------------------------------------------------------------- 000 LG models

# Architectures as read from 000 App C.7.3 (the attention flags are the reading that gives
# the stated 3.2K / 19.6K counts, see chasm.params.*).
LG_SPECS: dict[str, dict[str, Any]] = {
    "ssm": {"kind": "ssm", "n": 16, "width": 9},
    "nonsel": {"kind": "nonsel", "n": 16, "width": 9},
    "lintf": {"kind": "tf", "d_model": 32, "attention": "linear-elu", "pe": "none",
              "attn_bias": False, "attn_out_proj": False},
    "softtf": {"kind": "tf", "d_model": 32, "attention": "softmax", "pe": "learned",
               "max_len": 512, "attn_bias": False, "attn_out_proj": False},
}
COLORED_TASK: dict[str, Any] = {"name": "colored", "a": 0.9, "alpha": [0.5, 0.99]}
STATIC_TASK: dict[str, Any] = {"name": "static"}
EXP5_ALPHA = 0.95
EXP5_TASK: dict[str, Any] = {"name": "colored", "a": 0.9, "alpha": EXP5_ALPHA}


def variant_spec(v: str, max_len: int) -> dict[str, Any]:
    """000 Exp V variant (a)–(d): one-layer d = 16 Transformers differing in attention and PE."""
    base = {"kind": "tf", "d_model": 16, "n_heads": 1, "mlp_hidden": 80, "layernorm": True,
            "attn_bias": True, "attn_out_proj": True, "max_len": max_len}
    return {**base, **{"a": {"attention": "linear", "pe": "none"},
                       "b": {"attention": "softmax", "pe": "none"},
                       "c": {"attention": "softmax", "pe": "sinusoidal"},
                       "d": {"attention": "softmax", "pe": "learned"}}[v]}


def lg_scale(profile: str) -> dict[str, Any]:
    """Training/evaluation scale: full = the papers' (000 App C.7.4), quick = CPU minutes."""
    if profile == "full":
        return {"train": {"steps": 10_000, "batch": 128, "lr": 3e-4, "weight_decay": 0.01,
                          "warmup": 0, "grad_clip": 1.0, "checkpoint_every": 500, "log_every": 100},
                "ssm_len": 128, "tf_len": 512, "n_test": 1000, "seeds": profile_seeds(profile),
                "ks": [8, 16, 32, 64, 128, 256, 512], "k_are": 512}
    return {"train": {"steps": 400, "batch": 32, "lr": 3e-3, "weight_decay": 0.01,
                      "warmup": 20, "grad_clip": 1.0, "checkpoint_every": 200, "log_every": 20},
            "ssm_len": 128, "tf_len": 128, "n_test": 300, "seeds": profile_seeds(profile),
            "ks": [8, 16, 32, 64, 128, 256, 512], "k_are": 128}


def lg_run(label: str, spec: dict[str, Any], task: dict[str, Any], cfg: dict[str, Any],
           base_seed: int, replicate: int, d: int = 1) -> TrainRun:
    """A linear-Gaussian run: SSMs train at ``cfg["ssm_len"]``, Transformers at
    ``cfg["tf_len"]``."""
    T = cfg["tf_len"] if spec["kind"] == "tf" else cfg["ssm_len"]
    return TrainRun(spec, task, T, cfg["train"], "mse", replicate_seed(base_seed, replicate),
                    d, d, label=label, replicate=replicate)


def lg_runs(cfg: dict[str, Any], seed: int, names: list[str], task: dict[str, Any],
            prefix: str, specs: dict[str, dict[str, Any]] | None = None
            ) -> dict[str, list[TrainRun]]:
    """name -> one run per replicate of ``cfg["seeds"]`` (LG models of 000 App C.7.3)."""
    specs = LG_SPECS if specs is None else specs
    return {n: [lg_run(f"{prefix}/{n}", specs[n], task, cfg, seed, r) for r in cfg["seeds"]]
            for n in names}


# ----------------------------------------------------------------------------- 001 LG-SSM prior

BAYES_CONTEXT = 32
BAYES_SPECS: dict[str, dict[str, Any]] = {
    "ssm": {"kind": "ssm", "n": 32, "width": 40},
    "lintf": {"kind": "tf", "d_model": 36, "attention": "linear-elu", "pe": "none",
              "attn_bias": False, "attn_out_proj": False},
}


def bayes_scale(profile: str) -> dict[str, Any]:
    if profile == "full":
        return {"n_tasks": [100, 1000, 10_000, 100_000], "n_test": 1000,
                "seeds": profile_seeds(profile),
                "train": {"steps": 50_000, "batch": 128, "lr": 3e-4, "weight_decay": 0.01,
                          "warmup": 0, "grad_clip": 1.0, "checkpoint_every": 1000,
                          "log_every": 200}}
    return {"n_tasks": [16, 128, 1024], "n_test": 300, "seeds": profile_seeds(profile),
            "train": {"steps": 400, "batch": 32, "lr": 3e-3, "weight_decay": 0.01, "warmup": 20,
                      "grad_clip": 1.0, "checkpoint_every": 200, "log_every": 20}}


def bayes_run(name: str, N: int, cfg: dict[str, Any], base_seed: int, replicate: int) -> TrainRun:
    """Model ``name`` meta-trained on N prior tasks (task set seeded by (seed, 7, N), the same
    for every replicate)."""
    task = {"name": "lgssm-prior", "d": 4, "m": 2, "n_tasks": int(N),
            "task_seed": [int(base_seed), 7, int(N)]}
    return TrainRun(BAYES_SPECS[name], task, BAYES_CONTEXT, cfg["train"], "mse",
                    replicate_seed(base_seed, replicate), 2, 2, label=f"bayes/{name}-N{N}",
                    replicate=replicate)


# ----------------------------------------------------------------------------- 000 product tracking

# name -> (spec, paper's params, paper MSE at k = 64 / 256 / 512; None = "–")  (Table 3)
PRODUCT_MODELS: dict[str, tuple[dict[str, Any], int, list[float | None]]] = {
    "ssm-kron": ({"kind": "kron", "hidden": 64}, 4760, [0.356, 0.594, 0.808]),
    "general-ssm": ({"kind": "general", "hidden": 64}, 6104, [0.338, 0.842, 1.174]),
    "lintf": ({"kind": "tf", "d_model": 32, "n_layers": 1, "n_heads": 4, "attention": "linear-elu",
               "pe": "none", "mlp_hidden": 128}, 12868, [0.388, 11.69, None]),
    "softtf-rope": ({"kind": "tf", "d_model": 32, "n_layers": 1, "n_heads": 4,
                     "attention": "softmax", "pe": "rope", "mlp_hidden": 128}, 12868,
                    [0.336, 2.24, 2.00]),
    "tf2l-rope": ({"kind": "tf", "d_model": 32, "n_layers": 2, "n_heads": 4, "attention": "softmax",
                   "pe": "rope", "mlp_hidden": 128, "layernorm": True}, 25508, [0.237, 1.59, 1.25]),
    "tf4l-rope": ({"kind": "tf", "d_model": 32, "n_layers": 4, "n_heads": 4, "attention": "softmax",
                   "pe": "rope", "mlp_hidden": 128, "layernorm": True}, 50660, [0.195, 1.44, 1.60]),
    "hybrid": ({"kind": "kron_hybrid", "hidden": 64}, 20472, [0.344, 3.13, 2.19]),
}


def product_tf(n_layers: int, pe: str) -> dict[str, Any]:
    """000 Exp VIII Transformers: 1 layer (3,364 params) or 2 layers (25,508), PE ``pe``."""
    if n_layers == 1:  # 3,364 = (4·16+16) + 4·(16·16+16) + MLP 16→64→16 + (16·4+4)
        return {"kind": "tf", "d_model": 16, "n_layers": 1, "n_heads": 2, "attention": "softmax",
                "pe": pe, "mlp_hidden": 64}
    return {"kind": "tf", "d_model": 32, "n_layers": 2, "n_heads": 4, "attention": "softmax",
            "pe": pe, "mlp_hidden": 128, "layernorm": True}


# name -> (spec, paper params, paper ratio at k = 64 / 256)  (Table 4)
PE_SWEEP_MODELS: dict[str, tuple[dict[str, Any], int, list[float]]] = {
    "ssm-kron": (PRODUCT_MODELS["ssm-kron"][0], 4760, [1.0, 1.0]),
    "tf1l-none": (product_tf(1, "none"), 3364, [1.77, 2.78]),
    "tf1l-sinusoidal": (product_tf(1, "sinusoidal"), 3364, [1.38, 1.31]),
    "tf1l-rope": (product_tf(1, "rope"), 3364, [1.64, 2.64]),
    "tf2l-none": (product_tf(2, "none"), 25508, [1.16, 0.79]),
    "tf2l-rope": (product_tf(2, "rope"), 25508, [0.89, 1.15]),
}


def product_config(profile: str, models: list[str]) -> dict[str, Any]:
    quick = profile == "quick"
    return {
        "law": MatrixLaw().as_dict(),
        "train_T": 64,
        "models": models,
        "seeds": profile_seeds(profile, [0, 1]),
        # quick: fewer steps, so a larger learning rate (fixed before any run); full = paper
        "train": {"steps": 300 if quick else 8000, "batch": 32 if quick else 64,
                  "lr": 1e-3 if quick else 3e-4, "weight_decay": 0.01, "warmup": 0,
                  "grad_clip": 1.0, "checkpoint_every": 100 if quick else 1000, "log_every": 50},
        "test": {"n": 256 if quick else 640, "T": 512, "seed": 20240601,
                 "ks": [8, 16, 32, 64, 128, 256, 512]},
    }


# ----------------------------------------------------------------------------- HMM and App D


def hmm_models(V: int, T: int, small: bool) -> dict[str, dict[str, Any]]:
    """Exp VI models: 000 App C.5 (small) or 001 App B.3."""
    if small:  # 000 App C.5: d = 32, one Mamba block n = 16 | 1 attention layer, 4 heads,
        # FFN 64, learned PE, LN
        return {"mamba": {"kind": "mamba", "d_model": 32, "d_state": 16, "expand": 1},
                "tf": {"kind": "tf", "d_model": 32, "n_layers": 1, "n_heads": 4,
                       "attention": "softmax", "pe": "learned", "max_len": T, "mlp_hidden": 64,
                       "layernorm": True}}
    # 001 App B.3: d = 64, one Mamba block | 1 layer, 4 heads × 16, FFN 128, learned PE
    return {"mamba": {"kind": "mamba", "d_model": 64, "d_state": 16, "expand": 2},
            "tf": {"kind": "tf", "d_model": 64, "n_layers": 1, "n_heads": 4, "attention": "softmax",
                   "pe": "learned", "max_len": T, "mlp_hidden": 128, "layernorm": True}}


# name -> (spec, paper params, paper filtering / retrieval / total MSE)  (Table A1)
APPD_MODELS: dict[str, tuple[dict[str, Any], str, list[float]]] = {
    "pure-ssm": ({"kind": "mamba", "d_model": 32, "d_state": 16, "expand": 1, "n_layers": 2},
                 "~4K", [0.578, 2.934, 1.756]),
    "pure-tf": ({"kind": "tf", "d_model": 32, "n_layers": 2, "n_heads": 4, "attention": "softmax",
                 "pe": "learned", "max_len": 128, "mlp_hidden": 64, "layernorm": True},
                "~25K", [0.886, 1.280, 1.083]),
    "hybrid": ({"kind": "mamba_attn", "d_model": 32, "d_state": 16, "n_heads": 4, "ffn": 64,
                "max_len": 128}, "~19K", [0.355, 1.953, 1.154]),
}


def named_seed(name: str, seed: int) -> int:
    """Seed of the runs named ``name`` (Exp VI–VIII, App D): crc32(name) + 7919·seed."""
    import zlib

    return (zlib.crc32(name.encode()) + 7919 * int(seed)) & 0x7FFFFFFF
