"""Base-corpus counts from rank (Zipf) and the fine-tuning rates derived from counts."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from fastw2v.base_counts import (KNOWN_FILES, adaptive_rates, anchor_weights, estimate_base_counts, evidence_rates,
                                 evidence_weights, fallback_tokens, frequency_rates, harmonic, known_file,
                                 preserve_weight, zipf_counts)
from fastw2v.config import ADAPTIVE_EVIDENCE, ADAPTIVE_RATIO
from fastw2v.errors import ConfigError


def test_harmonic_numbers_by_hand():
    assert harmonic(0) == 0.0
    assert harmonic(1) == 1.0
    assert harmonic(4) == pytest.approx(1 + 1 / 2 + 1 / 3 + 1 / 4)
    # H_n ~ ln n + Euler-Mascheroni + 1/(2n)
    assert harmonic(1_000_000) == pytest.approx(np.log(1e6) + 0.5772156649 + 0.5e-6, rel=1e-10)


def test_zipf_counts_by_hand_and_sum():
    counts = zipf_counts(4, 25.0)
    h4 = 25 / 12
    np.testing.assert_allclose(counts, [25 / h4, 25 / (2 * h4), 25 / (3 * h4), 25 / (4 * h4)])
    big = zipf_counts(400_000, 6e9)
    assert big.sum() == pytest.approx(6e9, rel=1e-9)
    assert np.all(np.diff(big) < 0)
    # a cut of a larger file keeps the larger file's counts
    np.testing.assert_allclose(zipf_counts(1000, 6e9, 400_000), big[:1000])


def test_zipf_rejects_bad_sizes():
    with pytest.raises(ConfigError):
        zipf_counts(10, 0.0)
    with pytest.raises(ConfigError):
        zipf_counts(10, 100.0, file_vocab_size=5)


def test_known_files_match_name_size_and_dimension():
    assert known_file("/x/glove.6B.50d.w2v.bin.gz", 400_000, 50).tokens == 6e9
    assert known_file("glove.6B.300d.txt", 100_000, 300).name == "glove.6B"    # a limit= read still matches
    assert known_file("GoogleNews-vectors-negative300.bin.gz", 3_000_000, 300).tokens == 100e9
    assert known_file("crawl-300d-2M-subword.vec", 2_000_000, 300).tokens == 600e9
    assert known_file("wiki-news-300d-1M.vec", 999_994, 300).tokens == 16e9
    assert known_file("glove.twitter.27B.25d.txt", 1_193_514, 25).tokens == 27e9
    assert known_file("glove.840B.300d.txt", 2_196_017, 300).tokens == 840e9
    assert known_file("glove.42B.300d.txt", 1_917_494, 300).tokens == 42e9
    assert known_file("glove.6B.50d.txt", 400_000, 64) is None                 # wrong dimension
    assert known_file("glove.6B.50d.txt", 500_000, 50) is None                 # more words than published
    assert known_file("my-vectors.bin", 400_000, 50) is None
    assert len({k.name for k in KNOWN_FILES}) == len(KNOWN_FILES)


def test_estimate_prefers_given_then_known_then_fallback(caplog):
    given = estimate_base_counts("glove.6B.50d.txt", 400_000, 50, base_tokens=1e9)
    assert (given.how, given.tokens) == ("given", 1e9)
    assert given.counts.sum() == pytest.approx(1e9)
    known = estimate_base_counts("glove.6B.50d.txt", 1000, 50)
    assert known.how == "known: glove.6B"
    np.testing.assert_allclose(known.counts, zipf_counts(1000, 6e9, 400_000))
    with caplog.at_level(logging.WARNING, logger="fastw2v.base_counts"):
        fallback = estimate_base_counts("mine.vec", 1000, 50)
    assert fallback.how == "fallback"
    assert "--base-tokens" in caplog.text
    # the smallest corpus consistent with the file: its last word is seen min_count = 5 times
    assert fallback.counts[-1] == pytest.approx(5.0)
    assert fallback.tokens == pytest.approx(fallback_tokens(1000)) == pytest.approx(5 * 1000 * harmonic(1000))


def test_evidence_rates_by_hand():
    rates = evidence_rates(np.array([3, 0, 10, 5]), np.array([1, 7, 0, 15]))
    np.testing.assert_allclose(rates, [3 / 4, 1.0, 1.0, 5 / 20])


def test_frequency_rates_by_hand():
    n_d, n_b = np.array([10, 1, 0]), np.array([1000, 1000, 50])
    # N_domain 100, N_base 10000: p_d = .1, .01, 0; p_b = .1, .1, .005
    np.testing.assert_allclose(frequency_rates(n_d, 100, n_b, 10_000, "balanced"), [0.5, 0.01 / 0.11, 1.0])
    np.testing.assert_allclose(frequency_rates(n_d, 100, n_b, 10_000, "low"), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(frequency_rates(n_d, 100, n_b, 10_000, 2.0), [0.1 / 0.3, 0.01 / 0.21, 1.0])


def test_high_preset_is_evidence_weighting():
    rng = np.random.default_rng(0)
    n_d, n_b = rng.integers(0, 1000, 50), rng.integers(1, 10**6, 50)
    np.testing.assert_allclose(frequency_rates(n_d, 12345.0, n_b, 6e9, "high"), evidence_rates(n_d, n_b))
    assert preserve_weight("high", 100.0, 6e9) == 6e7


def test_bad_preserve_is_a_config_error():
    for bad in ("medium", -1.0, float("inf"), True):
        with pytest.raises(ConfigError):
            preserve_weight(bad, 1.0, 1.0)
    with pytest.raises(ConfigError):
        evidence_rates(np.array([-1]), np.array([1]))


def test_anchor_weights_are_the_base_share():
    np.testing.assert_allclose(anchor_weights(0.5, np.array([1.0, 0.25, 0.0])), [0.0, 0.375, 0.5])
    with pytest.raises(ConfigError):
        anchor_weights(0.5, np.array([1.5]))


def test_adaptive_rates_by_hand():
    n_d, n_b = np.array([40, 10, 3, 0]), np.array([100, 1000, 1, 50])
    # N_domain 1000, N_base 10,000: p_d = .04, .01, .003, 0; p_b = .01, .1, .0001, .005
    t, k = 2.0, 10.0
    expected = [0.04 / (0.04 + 2 * 0.01) * 40 / 50, 0.01 / (0.01 + 2 * 0.1) * 10 / 20,
                0.003 / (0.003 + 2 * 0.0001) * 3 / 13, 1.0]
    np.testing.assert_allclose(adaptive_rates(n_d, 1000, n_b, 10_000, t, k), expected)
    np.testing.assert_allclose(evidence_weights(n_d, 10.0), [40 / 50, 10 / 20, 3 / 13, 1.0])
    np.testing.assert_allclose(evidence_weights(n_d, 0.0), [1.0, 1.0, 1.0, 1.0])
    # the preset's defaults are the named constants
    np.testing.assert_allclose(adaptive_rates(n_d, 1000, n_b, 10_000),
                               adaptive_rates(n_d, 1000, n_b, 10_000, ADAPTIVE_RATIO, ADAPTIVE_EVIDENCE))
    assert preserve_weight("adaptive", 1.0, 1e12) == ADAPTIVE_RATIO


def test_adaptive_share_does_not_shrink_as_the_base_grows():
    """For fixed relative frequencies the share is the same whatever the corpora's sizes; ``high`` is not."""
    p_d, p_b = np.array([1e-4, 1e-5, 3e-6]), np.array([2e-5, 1e-5, 1e-4])
    n_domain = 7e6
    shares, high = [], []
    for n_base in (6e9, 100e9):  # GloVe 6B and GoogleNews
        n_d, n_b = p_d * n_domain, p_b * n_base
        shares.append(adaptive_rates(n_d, n_domain, n_b, n_base))
        high.append(frequency_rates(n_d, n_domain, n_b, n_base, "high"))
    np.testing.assert_allclose(shares[0], shares[1], rtol=1e-12)
    assert (high[1] < high[0]).all()  # the evidence preset: the bigger base keeps more
    # a vector file's Zipf counts give relative frequencies that do not depend on N_base at all
    for n_base in (6e9, 100e9):
        n_b = zipf_counts(3, n_base, 400_000)
        np.testing.assert_allclose(adaptive_rates(p_d * n_domain, n_domain, n_b, n_base),
                                   adaptive_rates(p_d * n_domain, n_domain, zipf_counts(3, 1e9, 400_000), 1e9),
                                   rtol=1e-12)


def test_bad_evidence_is_a_config_error():
    with pytest.raises(ConfigError, match="evidence"):
        evidence_weights(np.array([1]), -1.0)
