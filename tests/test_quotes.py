"""Quotes: every claim's ``quote`` is verbatim text of its paper's seed, and a ``paper`` field
either quotes the paper or says plainly that it paraphrases.

The seeds are ../shared/seeds/*.txt; a verbatim copy travels with the package in
chasm_theory/contract/seeds/ so that the check also runs on a clean clone without ../shared (CI),
as chasm_theory/contract/CLAIMS.md does for the claim contract. Normalisation before matching:
Unicode NFC, typographic quotes and dashes to ASCII, '∼' to '~', runs of whitespace to one space.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from chasm_theory import all_claims

ROOT = Path(__file__).resolve().parents[1]
VENDORED = ROOT / "chasm_theory" / "contract" / "seeds"
SHARED = ROOT.parent / "shared" / "seeds"
PAPERS = {"000": "chasm", "001": "bayes", "002": "dcd", "003": "gen"}
# Every claim's ``paper`` field must quote its ``quote`` or say "paraphrase" (no exceptions left).
NOT_YET_CONVERTED: frozenset[str] = frozenset()

_TRANS = str.maketrans(
    {"‘": "'", "’": "'", "“": '"', "”": '"', "—": "-", "–": "-", "−": "-", "∼": "~", "\u00a0": " "}
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_TRANS)
    return re.sub(r"\s+", " ", text).strip()


@cache
def seed(paper: str) -> str:
    (path,) = VENDORED.glob(f"{paper}_*.txt")
    return normalise(path.read_text(encoding="utf-8"))


def test_vendored_seeds_are_current():
    vendored = sorted(p.name for p in VENDORED.glob("*.txt"))
    assert [n[:3] for n in vendored] == sorted(PAPERS)
    if SHARED.exists():
        assert vendored == sorted(p.name for p in SHARED.glob("*.txt"))
        for name in vendored:
            assert (SHARED / name).read_bytes() == (VENDORED / name).read_bytes(), name


def test_normalisation_matches_across_line_breaks_and_typography():
    assert normalise("a  b\n c — ’x’") == "a b c - 'x'"


def _quoted() -> list:
    return [c for c in all_claims().values() if c.quote]


@pytest.mark.parametrize("c", _quoted(), ids=lambda c: c.id)
def test_quote_is_verbatim_in_the_seed_of_its_paper(c):
    paper = c.source[:3]
    assert paper in PAPERS, f"{c.id}: source {c.source!r} must start with the paper number"
    assert normalise(c.quote) in seed(paper), f"{c.id}: quote not found in {paper}'s text"


def test_a_paper_field_marked_as_a_quote_carries_the_quote():
    for c in all_claims().values():
        if c.paper.startswith("Quote"):
            assert c.quote and normalise(c.quote) in normalise(c.paper), c.id


def test_every_paper_field_quotes_or_says_paraphrase():
    offenders = []
    for c in all_claims().values():
        if c.id in NOT_YET_CONVERTED:
            continue
        quotes = bool(c.quote) and normalise(c.quote) in normalise(c.paper)
        if not (quotes or "paraphrase" in c.paper.lower()):
            offenders.append(c.id)
    assert not offenders, f"paper field neither quotes nor says it paraphrases: {offenders}"


def test_every_claim_quotes_the_sentence_it_tests():
    missing = [c.id for c in all_claims().values() if not c.quote and c.id not in NOT_YET_CONVERTED]
    assert not missing, f"claims without a verbatim quote of the paper: {missing}"
