"""Orthogonal Procrustes and the per-word aligned combination."""
from __future__ import annotations

import numpy as np
import pytest

from fastw2v.alignment import anchor_pairs, combine, procrustes
from fastw2v.errors import ConfigError


def random_rotation(dim: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


@pytest.mark.parametrize("center", [False, True])
def test_procrustes_recovers_a_rotation_exactly(center):
    rng = np.random.default_rng(1)
    q = random_rotation(20, 2)
    x_domain = rng.normal(size=(500, 20)) * rng.uniform(0.5, 3, size=(500, 1))
    x_base = (x_domain @ q) * 1.7  # same directions in the base's frame; norms do not matter
    r = procrustes(x_domain, x_base, center=center)
    np.testing.assert_allclose(r, q, atol=1e-10)
    np.testing.assert_allclose(r.T @ r, np.eye(20), atol=1e-12)


def test_procrustes_with_noise_is_close():
    rng = np.random.default_rng(3)
    q = random_rotation(30, 4)
    x_domain = rng.normal(size=(3000, 30))
    x_base = unit(x_domain) @ q + rng.normal(scale=0.05, size=(3000, 30))
    r = procrustes(x_domain, x_base)
    assert np.abs(r - q).max() < 0.02
    assert np.abs(r - random_rotation(30, 5)).max() > 0.1


def test_procrustes_rejects_mismatched_inputs():
    with pytest.raises(ConfigError):
        procrustes(np.zeros((3, 2)), np.zeros((3, 4)))


def test_anchor_pairs_rank_by_the_worse_rank():
    base = ["the", "a", "cat", "dog", "gene"]
    domain = ["gene", "the", "cell", "dog", "a"]
    union = base + [w for w in domain if w not in base]
    ib, id_ = anchor_pairs(np.array([union.index(w) for w in domain]), len(base), limit=3)
    # the: max(0, 1) = 1; dog: 3; a: max(1, 4) = 4 and gene: max(4, 0) = 4 tie, the base's order decides
    assert [base[i] for i in ib] == ["the", "dog", "a"]
    assert [domain[j] for j in id_] == [base[i] for i in ib]


def _setup():
    rng = np.random.default_rng(7)
    q = random_rotation(8, 8)
    base_words = ["w0", "w1", "w2", "only_base"]
    base = rng.normal(size=(4, 8)).astype(np.float32) * np.array([[3], [2], [1], [0.5]], dtype=np.float32)
    domain_words = ["w1", "new", "w0", "w2"]
    domain = rng.normal(size=(4, 8))
    return base_words, base, domain_words, domain, q


def combined(base_words, base, domain_words, domain, rho, rotation):
    """The union (base words, then the domain-only ones) after :func:`combine` mixed it in place."""
    words = list(base_words) + [w for w in domain_words if w not in base_words]
    vectors = np.concatenate([base, np.full((len(words) - len(base_words), base.shape[1]), np.nan, np.float32)])
    rows = np.array([words.index(w) for w in domain_words], dtype=np.int64)
    # ``rho`` is given per base word here; combine takes it per domain word
    per_domain = np.array([rho[r] if r < len(base_words) else 0.0 for r in rows])
    combine(vectors, len(base_words), rows, domain, per_domain, rotation)
    return words, vectors


def test_rho_zero_gives_the_base():
    base_words, base, domain_words, domain, q = _setup()
    words, vectors = combined(base_words, base, domain_words, domain, np.zeros(4), q)
    assert words == base_words + ["new"]
    np.testing.assert_allclose(vectors[:4], base, rtol=1e-6)


def test_rho_one_gives_the_aligned_domain_vector_at_the_base_norm():
    base_words, base, domain_words, domain, q = _setup()
    words, vectors = combined(base_words, base, domain_words, domain, np.ones(4), q)
    for word, j in (("w0", 2), ("w1", 0), ("w2", 3)):
        i = words.index(word)
        np.testing.assert_allclose(unit(vectors[i]), unit(domain[j] @ q), atol=1e-6)
        assert np.linalg.norm(vectors[i]) == pytest.approx(np.linalg.norm(base[i]), rel=1e-6)
    np.testing.assert_array_equal(vectors[3], base[3])  # only in the base: untouched


def test_words_absent_from_one_side():
    base_words, base, domain_words, domain, q = _setup()
    words, vectors = combined(base_words, base, domain_words, domain, np.full(4, 0.3), q)
    new = vectors[words.index("new")]
    np.testing.assert_allclose(unit(new), unit(domain[1] @ q), atol=1e-6)
    assert np.linalg.norm(new) == pytest.approx(np.median(np.linalg.norm(base, axis=1)), rel=1e-6)
    np.testing.assert_array_equal(vectors[3], base[3])


def test_mixture_is_the_weighted_direction():
    base_words, base, domain_words, domain, q = _setup()
    _, vectors = combined(base_words, base, domain_words, domain, np.full(4, 0.25), q)
    expected = unit(0.75 * unit(base[0]) + 0.25 * unit(domain[2] @ q)) * np.linalg.norm(base[0])
    np.testing.assert_allclose(vectors[0], expected, rtol=1e-5)


def test_opposite_directions_at_half_keep_the_base():
    base = np.array([[1.0, 0.0]], dtype=np.float32)
    _, vectors = combined(["a"], base, ["a"], np.array([[-2.0, 0.0]]), np.array([0.5]), np.eye(2))
    np.testing.assert_array_equal(vectors, base)


def test_bad_rho_is_rejected():
    base_words, base, domain_words, domain, q = _setup()
    with pytest.raises(ConfigError):
        combined(base_words, base, domain_words, domain, np.full(4, 1.5), q)


def test_blocks_of_domain_rows_give_the_same_union(monkeypatch):
    import fastw2v.alignment as alignment

    base_words, base, domain_words, domain, q = _setup()
    whole = combined(base_words, base, domain_words, domain, np.full(4, 0.4), q)[1]
    monkeypatch.setattr(alignment, "BLOCK_BYTES", 1)  # one domain word per block
    np.testing.assert_array_equal(combined(base_words, base, domain_words, domain, np.full(4, 0.4), q)[1], whole)
