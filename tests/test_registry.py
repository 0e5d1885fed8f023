"""The registry: one source of truth for ids; every CLAIMS.md id is registered."""
import re
from pathlib import Path

import pytest

from chasm_theory import (
    Context,
    Outcome,
    UnknownClaimError,
    all_claims,
    get_claim,
    run_claim,
    select,
)
from chasm_theory._registry import Claim
from chasm_theory.errors import NotRunError

# The contract is ../shared/CLAIMS.md; a verbatim copy travels with the package so that the
# check below also runs where ../shared is absent (CI). test_vendored_contract_is_current keeps
# the copy honest wherever the original is present.
SHARED_CLAIMS_MD = Path(__file__).resolve().parents[2] / "shared" / "CLAIMS.md"
CLAIMS_MD = Path(__file__).resolve().parents[1] / "chasm_theory" / "contract" / "CLAIMS.md"


def contract_ids() -> list[str]:
    """Concrete ids in the first column of CLAIMS.md's tables (wildcards excluded)."""
    text = CLAIMS_MD.read_text()
    ids = re.findall(r"^\| `([a-zA-Z0-9_.\-]+)` \|", text, flags=re.M)
    return [i for i in ids if "." in i and not i.endswith("*")]


def test_vendored_contract_is_current():
    if SHARED_CLAIMS_MD.exists():
        assert SHARED_CLAIMS_MD.read_text() == CLAIMS_MD.read_text()
    assert len(contract_ids()) >= 47


def test_every_contract_id_is_registered():
    missing = sorted(set(contract_ids()) - set(all_claims()))
    assert not missing, f"CLAIMS.md ids without a registered check: {missing}"


def contract_names() -> list[str]:
    """Every id or id prefix the contract names in backticks anywhere (tables and prose), with
    ranges written ``a1`` … ``a8`` expanded and ``.*`` wildcards reduced to their prefix."""
    text = CLAIMS_MD.read_text()
    names = set()
    for a, b in re.findall(r"`([a-z]+\.[a-zA-Z]+\d+)` … `([a-z]+\.[a-zA-Z]+\d+)`", text):
        stem = re.match(r"(.*?)(\d+)$", a).group(1)
        lo, hi = int(a[len(stem):]), int(b[len(stem):])
        names.update(f"{stem}{i}" for i in range(lo, hi + 1))
    for tok in re.findall(r"`((?:chasm|bayes|dcd|gen)\.[a-zA-Z0-9_.\-]+?)(?:\.\*)?`", text):
        names.add(tok)
    return sorted(names)


def test_contract_names_include_the_prose_prefixes():
    names = contract_names()
    assert {"chasm.exp1", "chasm.exp5", "chasm.exp8", "chasm.appD", "chasm.params"} <= set(names)


def test_every_contract_name_is_an_id_or_a_prefix_with_sub_ids():
    ids = list(all_claims())
    missing = [n for n in contract_names()
               if n not in ids and not any(i.startswith(n + ".") for i in ids)]
    assert not missing, f"CLAIMS.md names without a registered id or sub-ids: {missing}"


def _source_text() -> str:
    root = Path(__file__).resolve().parents[1]
    return "\n".join(p.read_text() for pkg in ("chasm_theory", "empirics")
                     for p in (root / pkg).rglob("*.py"))


def test_every_registered_id_appears_literally_in_the_source():
    """grep finds every id: no id is minted by an f-string or a string replace."""
    src = _source_text()
    minted = [i for i in all_claims() if f'"{i}"' not in src and f"'{i}'" not in src]
    assert not minted, f"{len(minted)} ids not written literally: {minted[:10]}"


def test_every_record_says_where_its_check_lives():
    for c in all_claims().values():
        mod, _, qual = c.check_ref.partition(":")
        assert mod.startswith(("chasm_theory.claims", "empirics.experiments")), c.id
        assert qual and "<" not in qual.split(".")[-1], (c.id, qual)


def test_every_claim_is_well_formed():
    for c in all_claims().values():
        assert c.kind in ("symbolic", "numeric", "property", "empirical"), c.id
        assert c.source and c.statement, c.id
        if c.kind == "property":
            assert c.fuzz is not None or c.experiment is not None, c.id  # "for all" → fuzzable


def test_unknown_id_suggests_close_matches():
    with pytest.raises(UnknownClaimError, match="did you mean"):
        get_claim("chasm.thm4.discrepancy-identiy")
    with pytest.raises(UnknownClaimError):
        select("nope.nothing")


def test_prefix_selection():
    ids = [c.id for c in select("chasm.thm4")]
    assert "chasm.thm4.discrepancy-identity" in ids
    assert all(i.startswith("chasm.thm4.") for i in ids)


def _fake(check) -> Claim:
    return Claim("test.fake", "none", "s", "numeric", "p", "sec", check)


def test_a_raising_check_is_an_error_never_a_verdict():
    def boom(ctx):
        raise RuntimeError("broken")

    rec = run_claim(_fake(boom))
    assert rec.verdict == "error" and "broken" in rec.evidence


def test_a_check_needing_an_absent_run_is_not_run():
    def needs(ctx):
        raise NotRunError("no full run")

    assert run_claim(_fake(needs)).verdict == "not-run"


def test_a_check_must_return_an_outcome():
    rec = run_claim(_fake(lambda ctx: {"verdict": "holds"}))
    assert rec.verdict == "error"


def test_context_rng_is_reproducible_and_named():
    a = Context(seed=3)
    a.claim_id = "x"
    b = Context(seed=3)
    b.claim_id = "x"
    assert a.rng("s").normal() == b.rng("s").normal()
    assert a.rng("s").normal() != a.rng("t").normal()


def test_context_rejects_bad_profile():
    from chasm_theory import ValidationError

    with pytest.raises(ValidationError, match="profile"):
        Context(profile="medium")


def test_records_serialise():
    rec = run_claim(_fake(lambda ctx: Outcome("vacuous", 1, 2, "premise false")))
    d = rec.to_dict()
    assert d["verdict"] == "vacuous" and d["id"] == "test.fake"


def _trained(check) -> Claim:
    return Claim("test.trained", "none", "s", "empirical", "p", "sec", check, None, "expX", True)


@pytest.mark.parametrize("verdict", ["holds", "fails"])
def test_budget_rule_caps_trained_claims_in_quick_profile(verdict):
    out = Outcome(verdict, 1.0, 2.0, "measured", counterexample=2.0 if verdict == "fails" else None)
    rec = run_claim(_trained(lambda ctx: out), Context(profile="quick"))
    assert rec.verdict == "inconclusive"
    assert rec.details["verdict_at_this_budget"] == verdict and rec.measured == 2.0
    assert run_claim(_trained(lambda ctx: out), Context(profile="full")).verdict == verdict


def test_budget_rule_spares_untrained_claims():
    out = Outcome("holds", 1.0, 1.0, "no training involved")
    c = Claim("test.untrained", "none", "s", "empirical", "p", "sec", lambda ctx: out, None, "expX",
              False)
    assert run_claim(c, Context(profile="quick")).verdict == "holds"


def test_trained_flag_defaults_from_kind_and_experiment():
    claims = all_claims()
    assert claims["chasm.exp2.fixed-gain-plateau"].trained is False
    assert claims["chasm.exp1.ssm-excess-k512"].trained is True
    assert not any(c.trained for c in claims.values() if c.kind in ("symbolic", "property"))
