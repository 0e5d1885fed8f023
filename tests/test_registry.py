"""The registry: one source of truth for ids; every CLAIMS.md id is registered."""
import re
from pathlib import Path

import pytest

from chasm_theory import Context, Outcome, UnknownClaimError, all_claims, get_claim, run_claim, select
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


@pytest.mark.parametrize(
    "prefix",
    ["chasm.params", "chasm.exp1", "chasm.exp2", "chasm.exp3", "chasm.exp4", "chasm.exp5",
     "chasm.exp6", "chasm.exp7", "chasm.exp8", "chasm.appD"],
)
def test_every_contract_prefix_has_sub_ids(prefix):
    assert any(i.startswith(prefix + ".") for i in all_claims()), prefix


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


def test_a_raising_check_is_inconclusive_never_holds():
    def boom(ctx):
        raise RuntimeError("broken")

    rec = run_claim(_fake(boom))
    assert rec.verdict == "inconclusive" and "broken" in rec.evidence


def test_a_check_needing_an_absent_run_is_not_run():
    def needs(ctx):
        raise NotRunError("no full run")

    assert run_claim(_fake(needs)).verdict == "not-run"


def test_a_check_must_return_an_outcome():
    rec = run_claim(_fake(lambda ctx: {"verdict": "holds"}))
    assert rec.verdict == "inconclusive"


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
    c = Claim("test.untrained", "none", "s", "empirical", "p", "sec", lambda ctx: out, None, "expX", False)
    assert run_claim(c, Context(profile="quick")).verdict == "holds"


def test_trained_flag_defaults_from_kind_and_experiment():
    claims = all_claims()
    assert claims["chasm.exp2.fixed-gain-plateau"].trained is False
    assert claims["chasm.exp1.ssm-excess-k512"].trained is True
    assert not any(c.trained for c in claims.values() if c.kind in ("symbolic", "property"))
