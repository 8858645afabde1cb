"""Aligned combination: a domain-only embedding rotated onto the base, then mixed per word by evidence.

Two independently trained embeddings are only defined up to a rotation, so averaging
them as they are mixes unrelated coordinates. Orthogonal Procrustes finds the rotation
``R`` (``R^T R = I``) minimising ``||X_d R - X_b||_F`` over shared anchor words:
``R = U V^T`` from the SVD ``X_d^T X_b = U S V^T`` (Schönemann 1966).

* Anchor rows are **unit-normalised** before the fit: the embeddings are used through
  cosines, and frequent words' larger norms would otherwise dominate the fit.
* They are **not mean-centred** by default: the rotation is then applied to the raw
  domain vectors, and a pure rotation keeps every domain cosine while the base's vectors
  stay untouched. Centring (``center=True``, as in Artetxe et al. 2018) fits the rotation
  between the centred clouds, which only describes vectors that are centred as well.
* Anchors are the words frequent in **both** vocabularies (ranked by the worse of their two
  ranks), whose vectors are well estimated on both sides.

Then, per word of the union vocabulary (base words in base order, then domain-only words
in domain order)::

    v = normalise(unit(base) * (1 - rho) + unit(domain @ R) * rho) * ||base||

with ``rho`` the domain's share of the evidence (:mod:`fastw2v.base_counts` rates).
Words only in the base keep their base vector; words only in the domain get
``unit(domain @ R)`` at the base's median norm, so exported vectors look like the base's.
"""
from __future__ import annotations

import numpy as np

from .errors import ConfigError

#: Default number of anchor words for the rotation.
ANCHOR_WORDS = 10_000


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def procrustes(x_domain: np.ndarray, x_base: np.ndarray, center: bool = False) -> np.ndarray:
    """The orthogonal ``R`` minimising ``||unit(x_domain) R - unit(x_base)||_F``.

    Parameters
    ----------
    x_domain, x_base : float[n_anchors, dim]
        Vectors of the same anchor words, row by row.
    center : bool
        Subtract each side's mean row (after unit-normalising) before the fit.

    Returns
    -------
    float64[dim, dim], orthogonal
    """
    if x_domain.shape != x_base.shape or x_domain.ndim != 2:
        raise ConfigError(f"procrustes needs two matrices of one shape, got {x_domain.shape} and {x_base.shape}")
    if x_domain.shape[0] < 1:
        raise ConfigError("procrustes needs at least one anchor word")
    a, b = _unit(x_domain), _unit(x_base)
    if center:
        a -= a.mean(axis=0)
        b -= b.mean(axis=0)
    u, _, vt = np.linalg.svd(a.T @ b)
    return u @ vt


def anchor_pairs(base_words: list[str], domain_words: list[str],
                 limit: int = ANCHOR_WORDS) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``(in base, in domain)`` of up to ``limit`` shared words, most frequent in both first.

    Both lists are in descending frequency; a word ranks by ``max(base rank, domain rank)``.
    """
    domain_index = {w: i for i, w in enumerate(domain_words)}
    pairs = [(max(i, domain_index[w]), i, domain_index[w]) for i, w in enumerate(base_words) if w in domain_index]
    pairs.sort()
    chosen = np.array(pairs[:limit], dtype=np.int64).reshape(-1, 3)
    return chosen[:, 1].copy(), chosen[:, 2].copy()


def combine(base_words: list[str], base_vectors: np.ndarray, domain_words: list[str], domain_vectors: np.ndarray,
            rho: np.ndarray, rotation: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Union vocabulary and vectors mixing the base and the rotated domain vectors per word.

    Parameters
    ----------
    base_words, base_vectors : list of str, float[n_base, dim]
    domain_words, domain_vectors : list of str, float[n_domain, dim]
    rho : float[n_base]
        Domain share of the evidence of each base word, in [0, 1] (ignored for words the
        domain does not have).
    rotation : float[dim, dim]
        From :func:`procrustes` (domain -> base).

    Returns
    -------
    words : list of str
        Base words in base order, then the domain-only words in domain order.
    vectors : float32[n_words, dim]
    """
    rho = np.asarray(rho, dtype=np.float64)
    if rho.shape != (len(base_words),) or np.any((rho < 0) | (rho > 1)):
        raise ConfigError(f"rho must be {len(base_words)} values in [0, 1]")
    dim = base_vectors.shape[1]
    if domain_vectors.shape[1] != dim or rotation.shape != (dim, dim):
        raise ConfigError(f"dimensions differ: base {dim}, domain {domain_vectors.shape[1]}, "
                          f"rotation {rotation.shape}")
    base_index = {w: i for i, w in enumerate(base_words)}
    in_base = np.fromiter((w in base_index for w in domain_words), dtype=bool, count=len(domain_words))
    d_shared = np.flatnonzero(in_base)
    b_shared = np.fromiter((base_index[domain_words[j]] for j in d_shared), dtype=np.int64, count=len(d_shared))
    d_new = np.flatnonzero(~in_base)
    rotated = _unit(np.asarray(domain_vectors, dtype=np.float64) @ rotation)

    out = np.array(base_vectors, dtype=np.float32)
    base_norms = np.linalg.norm(out.astype(np.float64), axis=1)
    r = rho[b_shared, None]
    mixed = _unit(_unit(out[b_shared]) * (1.0 - r) + rotated[d_shared] * r) * base_norms[b_shared, None]
    # exactly opposite directions at rho 1/2 cancel: such a word keeps its base vector
    cancelled = ~np.any(mixed != 0, axis=1)
    mixed[cancelled] = out[b_shared[cancelled]]
    out[b_shared] = mixed
    target = float(np.median(base_norms)) if len(base_norms) else 1.0
    new = (rotated[d_new] * target).astype(np.float32)
    return list(base_words) + [domain_words[j] for j in d_new], np.concatenate([out, new])
