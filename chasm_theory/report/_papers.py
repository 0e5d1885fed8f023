"""The four papers, the order their claims are reported in, and the papers' tables that the
front page rebuilds beside ours (which ids fill which table)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from chasm_theory._judgements import REPORTED_FACTOR

# id prefix -> (paper number, title as the seed text gives it, seed file in ../shared/seeds)
PAPERS: dict[str, tuple[str, str, str]] = {
    "chasm": ("000", ("The Structural Chasm: Why No Positional Encoding Can Bridge the "
              "SSM–Transformer Gap"), "000_74d462966ee70741.txt"),
    "bayes": ("001", "Bayesian Optimality of In-Context Learning with Selective State Spaces",
              "001_ed2b6c2af35c759d.txt"),
    "dcd": ("002", "The Expressive Limits of Diagonal SSMs for State-Tracking",
            "002_89540642ca85b672.txt"),
    "gen": ("003", ("Generalization Error Analysis for Selective State-Space Models Through the "
            "Lens of Attention"), "003_521c2ab0c520a699.txt"),
}

# Paper order of the report's sections (by id prefix); anything else follows alphabetically.
ORDER = [
    "chasm.lemma1", "chasm.lemma2", "chasm.prop1", "chasm.thm2", "chasm.oracle", "chasm.thm3",
    "chasm.thm4", "chasm.cor1", "chasm.defn1", "chasm.thm1", "chasm.params", "chasm.exp1",
    "chasm.exp2", "chasm.exp3", "chasm.exp4", "chasm.exp5", "chasm.exp6", "chasm.exp7",
    "chasm.exp8", "chasm.appD", "bayes", "dcd", "gen",
]


def paper_key(prefix: str) -> tuple[int, str]:
    """Sort key of a paper prefix: the papers' numbers, then anything else alphabetically."""
    keys = list(PAPERS)
    return (keys.index(prefix), prefix) if prefix in PAPERS else (len(keys), prefix)


def sort_key(claim_id: str) -> tuple[int, int, str]:
    """Report order: by paper, then by :data:`ORDER` (the papers' own order), then by id."""
    paper = paper_key(claim_id.split(".", 1)[0])[0]
    for i, p in enumerate(ORDER):
        if claim_id == p or claim_id.startswith(p + "."):
            return (paper, i, claim_id)
    return (paper, len(ORDER), claim_id)


def paper_of(claim_id: str) -> str:
    """The id's paper prefix (``chasm``, ``bayes``, ``dcd``, ``gen``, or the first component)."""
    return claim_id.split(".", 1)[0]


def paper_label(prefix: str) -> str:
    """``"000 chasm"`` for a known prefix, else the prefix."""
    return f"{PAPERS[prefix][0]} {prefix}" if prefix in PAPERS else prefix


@dataclass(frozen=True)
class PaperTable:
    """A table of a paper rebuilt from the records whose ids match ``pattern``; a row's label is
    its id with ``strip`` removed."""

    title: str
    pattern: str
    strip: str
    note: str = ""

    def ids(self, ids: list[str]) -> list[str]:
        rx = re.compile(self.pattern)
        return [i for i in ids if rx.search(i)]

    def label(self, claim_id: str) -> str:
        return claim_id.removeprefix(self.strip)


LAW_NOTE = ("App C.6 leaves the product law unstated: the cells are on the trained law, the "
            "line under each row gives the other three laws' row verdicts, and the row's verdict "
            "(first column) is the one over all four laws (the common verdict, else inconclusive).")

TABLES: tuple[PaperTable, ...] = (
    PaperTable("000 Table 1 — ARE of the Transformers vs. the SSM on colored noise (Exp I)",
               r"^chasm\.exp1\.are-", "chasm.exp1.are-",
               f"rows `…-value`: the paper's ARE, matched when our CI lies within a factor "
               f"{REPORTED_FACTOR:g} of it; other rows: the PI bound 1/(1−α²)."),
    PaperTable("000 Table 2 — non-commutativity ablation (Exp IV)",
               r"^chasm\.exp4\.(lintf|softtf)-case-", "chasm.exp4."),
    PaperTable("000 Table 3 — product tracking, MSE at test length k (Exp VII)",
               r"^chasm\.exp7\.table3\.", "chasm.exp7.table3.", LAW_NOTE),
    PaperTable("000 Table 4 — positional-encoding sweep, MSE ratio TF/SSM (Exp VIII)",
               r"^chasm\.exp8\.table4\.", "chasm.exp8.table4.", LAW_NOTE),
    PaperTable("000 Table A1 — filtering + retrieval, SSM vs. TF vs. hybrid (App D)",
               r"^chasm\.appD\.table\.", "chasm.appD.table."),
    PaperTable("002 length-generalization table — longest length tracked (group/model)",
               r"^dcd\.exp\.length-generalization$", "dcd.exp."),
    PaperTable("Parameter counts of the papers' models (000 and 001)",
               r"^chasm\.params\.", "chasm.params."),
)
