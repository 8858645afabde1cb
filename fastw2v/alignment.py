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
in domain order), :func:`mix_directions`::

    v = normalise(unit(base) * (1 - rho) + unit(domain @ R) * rho) * ||base||

with ``rho`` the domain's share of the evidence (:mod:`fastw2v.base_counts` rates).
Words only in the base keep their base vector; words only in the domain get
``unit(domain @ R)`` at the base's median norm, so exported vectors look like the base's.
The union matrix is updated in place, row by row of the domain's words.

:func:`blend` is the same mix for vectors that continued training from the base (``method="blend"``):
they are in the base's space already, so no rotation is fitted.
"""
from __future__ import annotations

import numpy as np

from .errors import ConfigError
from .memory import blocks

#: Default number of anchor words for the rotation.
ANCHOR_WORDS = 10_000
#: float64 bytes of domain rows combined per block.
BLOCK_BYTES = 8 << 20


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


def anchor_pairs(rows: np.ndarray, n_base: int, limit: int = ANCHOR_WORDS) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``(in base, in domain)`` of up to ``limit`` shared words, most frequent in both first.

    ``rows[j]`` is domain word ``j``'s row in the union (base words first, in base order:
    a row below ``n_base`` is a shared word's base rank). Both sides are in descending
    frequency; a word ranks by ``max(base rank, domain rank)``, ties by base then domain rank.
    """
    domain = np.flatnonzero(rows < n_base)
    base = rows[domain].astype(np.int64)
    order = np.lexsort((domain, base, np.maximum(base, domain)))[:limit]
    return base[order], domain[order]


def combine(vectors: np.ndarray, n_base: int, rows: np.ndarray, domain_vectors: np.ndarray, rho: np.ndarray,
            rotation: np.ndarray) -> None:
    """Mix the rotated domain vectors into the union matrix ``vectors``, in place.

    Only the rows of domain words are written, so a 3M-word base costs no second matrix.

    Parameters
    ----------
    vectors : float32[n_words, dim], modified in place
        The union: the ``n_base`` base rows first, then rows for words only the domain has.
    n_base : int
    rows : int64[n_domain]
        The row of each domain word in ``vectors`` (< ``n_base``: a base word).
    domain_vectors : float[n_domain, dim]
    rho : float[n_domain]
        Domain share of the evidence of each domain word, in [0, 1] (used for the shared ones).
    rotation : float[dim, dim]
        From :func:`procrustes` (domain -> base).
    """
    rho = np.asarray(rho, dtype=np.float64)
    if rho.shape != rows.shape or np.any((rho < 0) | (rho > 1)):
        raise ConfigError(f"rho must be {rows.shape[0]} values in [0, 1]")
    dim = vectors.shape[1]
    if domain_vectors.shape[1] != dim or rotation.shape != (dim, dim) or rows.shape != (len(domain_vectors),):
        raise ConfigError(f"shapes differ: union {vectors.shape}, domain {domain_vectors.shape}, rows {rows.shape}, "
                          f"rotation {rotation.shape}")
    target = _median_norm(vectors[:n_base])  # the norm given to words only the domain has
    # A block of domain words at a time: the float64 temporaries stay small next to a 3M-row base.
    step = _block_rows(dim)
    for start, stop in blocks(len(rows), step):
        block_rows = rows[start:stop]
        rotated = _unit(np.asarray(domain_vectors[start:stop], dtype=np.float64) @ rotation)
        shared = block_rows < n_base
        b_shared = block_rows[shared]
        vectors[b_shared] = mix_directions(vectors[b_shared], rotated[shared], rho[start:stop][shared])
        vectors[block_rows[~shared]] = rotated[~shared] * target


def mix_directions(base: np.ndarray, other: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """``normalise(unit(base) * (1 - rho) + unit(other) * rho) * ||base||`` per row.

    The per-word mix of every combining method: directions are interpolated (the vectors are
    used through cosines), the norm stays the base's, so a mixed vector looks like the base's
    to anything reading norms. A row with ``rho = 0`` keeps its base vector exactly, and so does
    one whose directions cancel (exactly opposite at ``rho = 1/2``).

    Parameters
    ----------
    base, other : float[n, dim]
    rho : float[n] in [0, 1]
        The share of ``other`` in each row's direction.

    Returns
    -------
    float64[n, dim]
    """
    base = np.asarray(base, dtype=np.float64)
    r = np.asarray(rho, dtype=np.float64)[:, None]
    mixed = _unit(_unit(base) * (1.0 - r) + _unit(other) * r) * np.linalg.norm(base, axis=1, keepdims=True)
    keep = ~np.any(mixed != 0, axis=1) | (r[:, 0] == 0)
    mixed[keep] = base[keep]
    return mixed


def blend(vectors: np.ndarray, rows: np.ndarray, base_rows: np.ndarray, rho: np.ndarray) -> None:
    """Move the trained rows ``vectors[rows]`` back toward their base vectors ``base_rows``, in place.

    ``vectors[rows] = mix_directions(base_rows, vectors[rows], rho)``, a block of rows at a time.

    Parameters
    ----------
    vectors : float32[n_words, dim], modified in place
        Vectors trained from the base (continued training), so already in the base's space.
    rows : int64[n]
    base_rows : float[n, dim]
        The base vectors of those rows, as they were before training.
    rho : float[n] in [0, 1]
        The trained vector's share of each row's direction.
    """
    rho = np.asarray(rho, dtype=np.float64)
    if rho.shape != rows.shape or base_rows.shape != (rows.shape[0], vectors.shape[1]) or np.any((rho < 0) | (rho > 1)):
        raise ConfigError(f"blend needs {rows.shape[0]} base rows of dimension {vectors.shape[1]} and as many "
                          f"shares in [0, 1]; got base rows {base_rows.shape}, shares {rho.shape}")
    step = _block_rows(vectors.shape[1])
    for start, stop in blocks(len(rows), step):
        block = rows[start:stop]
        vectors[block] = mix_directions(base_rows[start:stop], vectors[block], rho[start:stop])


def _block_rows(dim: int) -> int:
    """Rows of ``dim`` float64 values that fit in :data:`BLOCK_BYTES`."""
    return max(1, BLOCK_BYTES // (8 * max(1, dim)))


def rotate_into(target: np.ndarray, rows: np.ndarray, source: np.ndarray, rotation: np.ndarray) -> None:
    """``target[rows] = source @ rotation``, a block of rows at a time (small float64 temporaries)."""
    step = _block_rows(source.shape[1])
    for start, stop in blocks(len(rows), step):
        target[rows[start:stop]] = np.asarray(source[start:stop], dtype=np.float64) @ rotation


def _median_norm(vectors: np.ndarray) -> float:
    """Median row norm, a block of rows at a time (no float64 copy of a large matrix); 1 when empty."""
    if not len(vectors):
        return 1.0
    step = _block_rows(vectors.shape[1])
    norms = np.concatenate([np.linalg.norm(vectors[start:stop].astype(np.float64), axis=1)
                            for start, stop in blocks(len(vectors), step)])
    return float(np.median(norms))
