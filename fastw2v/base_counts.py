"""Base-corpus counts of pre-trained vectors, and the per-word rates fine-tuning derives from counts.

How far a pre-trained word may move on a domain corpus should depend on how much each
corpus says about it. A saved fastw2v model carries its counts; a word2vec, GloVe or
fastText vector file carries none, but those files are written in descending frequency,
so a word's **rank** ``r`` (1-based) gives its count under Zipf's law with exponent 1::

    n(r) = N_base / (r * H_V)        H_V = sum_{k=1..V} 1/k   (V = words in the file)

which sums to ``N_base`` over the file. ``N_base`` (``base_tokens``) is known for the
well-known files (:data:`KNOWN_FILES`, matched by file name and checked against the file's
vocabulary size and dimension); otherwise :func:`fallback_tokens` takes the smallest corpus
consistent with the file: the last word was kept at word2vec's ``min_count`` 5, so
``n(V) = 5`` and ``N_base = 5 * V * H_V``.

Rates (pure functions over count arrays; a row the domain corpus never uses never trains
as an input, and gets rate 1 so that it stays out of the formulas' way):

* :func:`evidence_rates` ``n_d / (n_d + n_b)``: every raw occurrence counts alike;
* :func:`frequency_rates` ``p_d / (p_d + tau * p_b)`` with ``p = n / N``: how far a word
  moves depends on how over-represented it is in the domain (after Yang, Lu & Zheng,
  EMNLP 2017, who tie domain and general vectors by an L2 term weighted by a function of
  the word's normalised frequencies in both corpora); ``tau`` weighs one normalised
  occurrence of the base against one of the domain (:data:`PRESERVE_PRESETS`);
* :func:`adaptive_rates` ``p_d / (p_d + T * p_b) * n_d / (n_d + K)``: the over-representation
  term with a fixed ratio ``T`` times an evidence term: a word the domain has seen only a few
  times keeps most of its base vector however over-represented it looks, because its domain
  estimate is mostly noise. Neither term involves the corpus sizes except through the relative
  frequencies ``p``, so the share of a word does not shrink as the base corpus grows (unlike
  ``tau = N_base / N_domain``, the ``high`` preset);
* :func:`anchor_weights` ``strength * (1 - rate)``: the same mixing read as a per-word L2
  pull toward the base vector.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

import numpy as np

from .config import ADAPTIVE_EVIDENCE, ADAPTIVE_RATIO, PRESERVE_PRESETS
from .errors import ConfigError

logger = logging.getLogger(__name__)

#: word2vec's default ``min_count``: the count the fallback gives the file's last word.
FALLBACK_MIN_COUNT = 5



@dataclass(frozen=True)
class KnownFile:
    """A published vector file: name pattern, vocabulary size, dimensions and training-corpus tokens."""

    name: str
    pattern: str            # regular expression matched against the file's base name
    vocab_size: int         # words in the published file
    dims: tuple[int, ...]
    tokens: float           # N_base: tokens of the corpus it was trained on


#: The well-known files, with the corpus sizes their authors publish: the word2vec project page (Google
#: News, about 100 billion words), the GloVe page (Wikipedia 2014 + Gigaword 5: 6B tokens, 400K vocab;
#: Common Crawl: 42B tokens, 1.9M vocab and 840B tokens, 2.2M vocab; Twitter: 27B tokens, 1.2M vocab) and
#: fastText's English vectors (Wikipedia 2017 + UMBC + statmt.org news: 16B tokens; Common Crawl: 600B).
KNOWN_FILES: tuple[KnownFile, ...] = (
    KnownFile("GoogleNews-vectors-negative300", r"^GoogleNews-vectors-negative300", 3_000_000, (300,), 100e9),
    KnownFile("glove.6B", r"^glove\.6B\.", 400_000, (50, 100, 200, 300), 6e9),
    KnownFile("glove.42B.300d", r"^glove\.42B\.300d", 1_917_494, (300,), 42e9),
    KnownFile("glove.840B.300d", r"^glove\.840B\.300d", 2_196_017, (300,), 840e9),
    KnownFile("glove.twitter.27B", r"^glove\.twitter\.27B\.", 1_193_514, (25, 50, 100, 200), 27e9),
    KnownFile("wiki-news-300d-1M", r"^wiki-news-300d-1M(-subword)?\.", 999_994, (300,), 16e9),
    KnownFile("crawl-300d-2M", r"^crawl-300d-2M(-subword)?\.", 2_000_000, (300,), 600e9),
)


def harmonic(n: int) -> float:
    """``H_n = sum_{k=1..n} 1/k`` (exact float64 sum; 0 for n = 0)."""
    if n < 0:
        raise ConfigError(f"harmonic number of {n} is undefined: need n >= 0")
    # Summed smallest first, so the float64 sum of millions of terms loses nothing visible.
    return float(np.sum(1.0 / np.arange(n, 0, -1, dtype=np.float64)))


def zipf_counts(n_words: int, base_tokens: float, file_vocab_size: int | None = None) -> np.ndarray:
    """Zipf counts ``N_base / (r * H_V)`` of ranks ``r = 1 .. n_words``.

    Parameters
    ----------
    n_words : int
        Leading words read from the file (a ``limit`` may have cut it).
    base_tokens : float
        ``N_base``, tokens of the corpus the file was trained on.
    file_vocab_size : int, optional
        ``V``, words in the whole file (default ``n_words``): the normalisation belongs to
        the file, so the first ``n_words`` of a larger file keep their counts.

    Returns
    -------
    float64[n_words]
    """
    v = n_words if file_vocab_size is None else file_vocab_size
    if n_words < 0 or v < n_words:
        raise ConfigError(f"file_vocab_size={v} must be >= n_words={n_words} >= 0")
    if not (base_tokens > 0 and np.isfinite(base_tokens)):
        raise ConfigError(f"base_tokens={base_tokens!r} is invalid: must be a finite number > 0")
    ranks = np.arange(1, n_words + 1, dtype=np.float64)
    return base_tokens / (ranks * harmonic(v)) if n_words else np.zeros(0)


def fallback_tokens(n_words: int, min_count: int = FALLBACK_MIN_COUNT) -> float:
    """The smallest corpus consistent with ``n_words`` Zipf-ranked words.

    The file's last word passed ``min_count``: ``n(V) = min_count``, so ``N = min_count * V * H_V``.
    """
    return float(min_count * n_words * harmonic(n_words))


def known_file(path: str | os.PathLike, n_words: int, dim: int) -> KnownFile | None:
    """The :data:`KNOWN_FILES` entry of ``path``'s base name, if its size and dimension fit.

    A file holding more words than the published one, or of another dimension, is not
    that file (renamed or rebuilt), so its published token count is not used.
    """
    name = os.path.basename(os.fspath(path))
    for known in KNOWN_FILES:
        if re.search(known.pattern, name):
            if n_words <= known.vocab_size and dim in known.dims:
                return known
            logger.warning("%s looks like %s but has %d words of dimension %d (published: %d words, dims %s); "
                           "its published corpus size is not used", name, known.name, n_words, dim,
                           known.vocab_size, "/".join(map(str, known.dims)))
            return None
    return None


@dataclass(frozen=True)
class BaseCounts:
    """Estimated counts of a vector file's words and how they were obtained."""

    counts: np.ndarray  # float64[n_words], by rank
    tokens: float       # N_base used
    how: str            # "given", "known: <file>" or "fallback"


def estimate_base_counts(path: str | os.PathLike, n_words: int, dim: int,
                         base_tokens: float | None = None) -> BaseCounts:
    """Zipf counts of the ``n_words`` leading words of the vector file ``path``.

    ``base_tokens`` (the CLI's ``--base-tokens``) wins; else a known file's published
    corpus size; else :func:`fallback_tokens`, with a warning.
    """
    known = known_file(path, n_words, dim)
    if base_tokens is not None:
        vocab = known.vocab_size if known else n_words
        return BaseCounts(zipf_counts(n_words, base_tokens, vocab), float(base_tokens), "given")
    if known is not None:
        return BaseCounts(zipf_counts(n_words, known.tokens, known.vocab_size), known.tokens, f"known: {known.name}")
    tokens = fallback_tokens(n_words)
    logger.warning("%s: base corpus size unknown; assuming the smallest corpus consistent with the file "
                   "(%.3g tokens: min_count %d at its last word); pass --base-tokens to set it",
                   os.path.basename(os.fspath(path)), tokens, FALLBACK_MIN_COUNT)
    return BaseCounts(zipf_counts(n_words, tokens), tokens, "fallback")


def _counts(name: str, values: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=np.float64)
    if np.any(out < 0) or not np.all(np.isfinite(out)):
        raise ConfigError(f"{name} must be finite counts >= 0")
    return out


def evidence_rates(n_domain: np.ndarray, n_base: np.ndarray) -> np.ndarray:
    """``n_d / (n_d + n_b)`` per word: every raw occurrence counts alike, whichever corpus it is from.

    Words the domain never uses (``n_d = 0``) get 1 (they never train as inputs).

    Returns
    -------
    float64[n_words] in (0, 1]
    """
    n_d, n_b = _counts("n_domain", n_domain), _counts("n_base", n_base)
    total = n_d + n_b
    return np.where(n_d > 0, n_d / np.where(total > 0, total, 1.0), 1.0)


def preserve_weight(preserve: str | float, domain_tokens: float, base_tokens: float) -> float:
    """``tau``, the weight of one normalised base occurrence against one of the domain.

    ``"low"``: 0 (rate 1, plain continued training); ``"balanced"``: 1 (both corpora count
    equally per normalised occurrence: a word as frequent in both moves at half rate);
    ``"adaptive"``: :data:`ADAPTIVE_RATIO` (its rates add an evidence term, see
    :func:`adaptive_rates`); ``"high"``: ``N_base / N_domain`` (every raw occurrence counts
    alike, which is :func:`evidence_rates`); a number: that ``tau`` (>= 0).
    """
    if isinstance(preserve, str):
        if preserve == "low":
            return 0.0
        if preserve == "balanced":
            return 1.0
        if preserve == "adaptive":
            return ADAPTIVE_RATIO
        if preserve == "high":
            if not (domain_tokens > 0 and base_tokens > 0):
                raise ConfigError("preserve='high' needs both corpus sizes > 0")
            return float(base_tokens) / float(domain_tokens)
        raise ConfigError(f"preserve={preserve!r} is invalid: use {', '.join(PRESERVE_PRESETS)} or a number >= 0")
    if isinstance(preserve, bool) or not (0.0 <= float(preserve) < float("inf")):
        raise ConfigError(f"preserve={preserve!r} is invalid: use {', '.join(PRESERVE_PRESETS)} or a number >= 0")
    return float(preserve)


def frequency_rates(n_domain: np.ndarray, domain_tokens: float, n_base: np.ndarray, base_tokens: float,
                    preserve: str | float = "balanced") -> np.ndarray:
    """``p_d / (p_d + tau * p_b)`` per word, ``p_d = n_d / N_domain``, ``p_b = n_b / N_base``.

    ``tau`` from :func:`preserve_weight`. A word over-represented in the domain moves
    nearly freely, a word the base uses far more often barely moves. Words the domain
    never uses, or the base has no count for, get 1.

    Parameters
    ----------
    n_domain, n_base : array of counts, same shape
    domain_tokens, base_tokens : float
        ``N_domain`` and ``N_base``: the corpora's sizes in tokens.
    preserve : {"low", "balanced", "adaptive", "high"} or float

    Returns
    -------
    float64 array in (0, 1], the shape of the counts
    """
    tau = preserve_weight(preserve, domain_tokens, base_tokens)
    n_d, n_b = _counts("n_domain", n_domain), _counts("n_base", n_base)
    if not (domain_tokens > 0 and base_tokens > 0):
        raise ConfigError(f"corpus sizes must be > 0, got domain {domain_tokens!r}, base {base_tokens!r}")
    p_d = n_d / float(domain_tokens)
    p_b = tau * n_b / float(base_tokens)
    denom = p_d + p_b
    return np.where((n_d > 0) & (denom > 0), p_d / np.where(denom > 0, denom, 1.0), 1.0)


def evidence_weights(n_domain: np.ndarray, evidence: float = ADAPTIVE_EVIDENCE) -> np.ndarray:
    """``n_d / (n_d + K)`` per word: how far the domain's estimate of a word can be trusted.

    A word2vec vector from ``n_d`` occurrences is an average of ``n_d`` noisy updates, so its
    reliability grows with ``n_d``; ``K`` (``evidence``) is the count at which it is half trusted.
    ``K = 0`` trusts every estimate fully (1 wherever ``n_d > 0``).
    """
    if not (0.0 <= evidence < float("inf")):
        raise ConfigError(f"evidence={evidence!r} is invalid: must be a finite number >= 0")
    n_d = _counts("n_domain", n_domain)
    return np.where(n_d > 0, n_d / np.maximum(n_d + evidence, 1e-300), 1.0)


def adaptive_rates(n_domain: np.ndarray, domain_tokens: float, n_base: np.ndarray, base_tokens: float,
                   ratio: float = ADAPTIVE_RATIO, evidence: float = ADAPTIVE_EVIDENCE) -> np.ndarray:
    """The ``adaptive`` preset: ``p_d / (p_d + T * p_b) * n_d / (n_d + K)`` per word.

    ``T`` (``ratio``) is :func:`frequency_rates`' ``tau``: a word the domain uses ``T`` times as
    often per token as the base gets half of its evidence term; ``K`` (``evidence``): see
    :func:`evidence_weights`. Both are fixed numbers, so for fixed relative frequencies the
    share does not depend on how large either corpus is. Words the domain never uses get 1.

    Returns
    -------
    float64 array in (0, 1], the shape of the counts
    """
    return frequency_rates(n_domain, domain_tokens, n_base, base_tokens, ratio) * evidence_weights(n_domain, evidence)


def anchor_weights(strength: float, rates: np.ndarray) -> np.ndarray:
    """Per-word L2 anchoring strength ``strength * (1 - rate)``.

    The frequency-weighted form of Yang et al.'s L2 tie: ``1 - rate`` is the base's share
    of the (weighted) evidence about a word, so a word the domain barely knows is held
    at ``strength`` and a word only the domain knows is free.
    """
    if not (0.0 <= strength < float("inf")):
        raise ConfigError(f"anchor strength={strength!r} is invalid: must be a finite number >= 0")
    r = np.asarray(rates, dtype=np.float64)
    if np.any((r < 0) | (r > 1)):
        raise ConfigError("rates must lie in [0, 1]")
    return strength * (1.0 - r)
