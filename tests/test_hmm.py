"""HMM oracles (000 Exp VI; 001 §5.2): forward algorithm vs brute-force enumeration, numpy
version, sampler, bigram estimator."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chasm_theory.errors import ValidationError
from chasm_theory.oracles.hmm import (
    bigram_predict,
    brute_force_predictive,
    forward_predict,
    forward_predict_numpy,
    random_hmms,
    sample_sequences,
    unigram_predict,
)


@given(st.integers(0, 10_000), st.integers(1, 3), st.integers(2, 4), st.sampled_from([0.1, 1.0]))
@settings(max_examples=25)
def test_forward_equals_brute_force(seed, S, V, alpha):
    rng = np.random.default_rng(seed)
    h = random_hmms(2, S, V, alpha, alpha, rng)
    obs, _ = sample_sequences(h, 5, rng)
    fp = forward_predict(h, obs, want_probs=True)
    for b in range(2):
        bf = brute_force_predictive(h.pi[b], h.trans[b], h.emit[b], obs[b])
        np.testing.assert_allclose(fp.probs[b], bf, atol=1e-12)
        np.testing.assert_allclose(fp.logp[b], np.log(bf[np.arange(5), obs[b]]), atol=1e-10)
    assert np.array_equal(fp.top1, fp.probs.argmax(-1))


def test_numba_and_numpy_forward_agree():
    rng = np.random.default_rng(1)
    h = random_hmms(40, 20, 50, 0.1, 0.1, rng)
    obs, _ = sample_sequences(h, 64, rng)
    a, b = forward_predict(h, obs, True), forward_predict_numpy(h, obs)
    np.testing.assert_allclose(a.probs, b.probs, atol=1e-12)
    np.testing.assert_allclose(a.logp, b.logp, atol=1e-9)


def test_dirichlet_rows_and_tiny_concentration():
    h = random_hmms(5, 20, 50, 1e-4, 1e-4, np.random.default_rng(2))
    np.testing.assert_allclose(h.trans.sum(-1), 1.0)
    np.testing.assert_allclose(h.emit.sum(-1), 1.0)
    assert np.all(np.isfinite(h.trans))
    with pytest.raises(ValidationError):
        random_hmms(1, 2, 2, 0.0, 1.0, np.random.default_rng(0))


def test_sampler_follows_the_chain():
    rng = np.random.default_rng(3)
    # deterministic cycle 0→1→2→0 with identity emissions: obs are the states
    h = random_hmms(1, 3, 3, 1.0, 1.0, rng)
    trans = np.roll(np.eye(3), 1, axis=1)[None]
    h = h._replace(trans=trans, emit=np.eye(3)[None])
    obs, states = sample_sequences(h, 30, rng)
    assert np.array_equal(obs, states)
    assert np.all((obs[0, 1:] - obs[0, :-1]) % 3 == 1)
    # first-symbol frequencies follow pi · E
    h2 = random_hmms(1, 4, 5, 1.0, 1.0, rng)
    rep = h2._replace(pi=np.repeat(h2.pi, 20000, 0), trans=np.repeat(h2.trans, 20000, 0),
                      emit=np.repeat(h2.emit, 20000, 0))
    o, _ = sample_sequences(rep, 1, rng)
    freq = np.bincount(o[:, 0], minlength=5) / 20000
    np.testing.assert_allclose(freq, h2.pi[0] @ h2.emit[0], atol=0.015)


def _bigram_python(seq, V, bu, bb):
    out = []
    for t in range(len(seq)):
        ctx = seq[:t]
        uni = np.array([ctx.count(v) for v in range(V)], float)
        pu = (uni + bu) / (len(ctx) + V * bu)
        if t == 0:
            p = pu
        else:
            prev = ctx[-1]
            c = np.array([sum(1 for i in range(len(ctx) - 1) if ctx[i] == prev and ctx[i + 1] == v)
                          for v in range(V)], float)
            p = (c + bb * pu) / (c.sum() + bb)
        out.append(np.log(p[seq[t]]))
    return np.array(out)


def test_bigram_against_direct_counts():
    rng = np.random.default_rng(4)
    seq = rng.integers(0, 4, 30)
    got = bigram_predict(seq[None], 4, 0.1, 1.0)
    np.testing.assert_allclose(got.logp[0], _bigram_python(list(seq), 4, 0.1, 1.0), atol=1e-12)


def test_unigram_against_direct_counts():
    rng = np.random.default_rng(6)
    seq = [int(v) for v in rng.integers(0, 5, 40)]
    got = unigram_predict(np.array([seq]), 5, 0.1)
    for t in range(len(seq)):
        c = [seq[:t].count(v) for v in range(5)]
        assert got.top1[0, t] == c.index(max(c))  # the first most frequent symbol so far
        assert got.logp[0, t] == pytest.approx(np.log((c[seq[t]] + 0.1) / (t + 0.5)))
    # the interpolated bigram with no weight on its bigram counts is the same distribution
    far = bigram_predict(np.array([seq]), 5, 0.1, 1e12)
    np.testing.assert_allclose(far.logp[0], got.logp[0], atol=1e-9)
    with pytest.raises(ValidationError, match="obs"):
        unigram_predict(np.array([[0, 5]]), 5)


def test_oracle_beats_bigram_on_average():
    rng = np.random.default_rng(5)
    h = random_hmms(200, 20, 50, 0.1, 0.1, rng)
    obs, _ = sample_sequences(h, 128, rng)
    assert forward_predict(h, obs).logp.mean() > bigram_predict(obs, 50).logp.mean()


def test_bad_observations_raise():
    h = random_hmms(2, 3, 4, 1.0, 1.0, np.random.default_rng(0))
    with pytest.raises(ValidationError):
        forward_predict(h, np.array([[0, 5], [1, 1]]))
    with pytest.raises(ValidationError):
        forward_predict(h, np.zeros((3, 4), int))
