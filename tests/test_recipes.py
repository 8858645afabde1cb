"""The fine-tuning recipes of issue #14: ``preserve`` rates from base counts, ``base_tokens``,
frequency-weighted anchoring and ``method="aligned"``.

Expected rates are computed here from the formulas (``p_d / (p_d + tau p_b)``, Zipf counts
``N / (r H_V)``) and the corpus text, independently of fastw2v's own rate functions.
"""
from __future__ import annotations

import json

import numba
import numpy as np
import pytest
from click.testing import CliRunner
from gensim.test.utils import datapath

from conftest import CONTINUE
from reference import corpus_counts
from test_cli import assert_clean_error
from test_finetune import lee_halves  # noqa: F401 (a fixture: the Lee corpus in two files)

from fastw2v import Word2Vec, kernels, load
from fastw2v.checkpoint import Checkpointer, Every
from fastw2v.cli import main
from fastw2v.errors import ConfigError
from fastw2v.state import AGAIN, ALIGN, MAIN, START
from fastw2v.vectors_io import write_vectors

LEE = datapath("lee_background.cor")
DIM = 12
MIN_COUNT = 3
TRAIN = dict(min_count=MIN_COUNT, workers=1, vector_size=DIM, negative=5, seed=5)
FINETUNE = {**TRAIN, **CONTINUE}


@pytest.fixture(scope="module")
def base_model(lee_halves, tmp_path_factory):
    """A saved fastw2v model on the first half: real base counts."""
    path = tmp_path_factory.mktemp("base") / "model"
    Word2Vec(str(lee_halves[0]), epochs=1, **TRAIN).save(path)
    return path


@pytest.fixture(scope="module")
def vector_file(tmp_path_factory):
    """A word2vec file of 1,500 corpus words by descending count, then 200 words the corpus never uses."""
    counts = corpus_counts(LEE)
    words = [w for w, _ in counts.most_common(1500)] + [f"zzoov{i}" for i in range(200)]
    vectors = np.random.default_rng(9).normal(0, 0.3, (len(words), DIM)).astype(np.float32)
    path = tmp_path_factory.mktemp("vectors") / "pre.bin"
    write_vectors(path, words, vectors)
    return path, words, vectors


def prepared(pretrained, corpus=LEE, **kwargs) -> Word2Vec:
    """A fine-tuning model after build_vocab; ``warmup_epochs=0`` so the main-phase rates are set."""
    settings = {**FINETUNE, "epochs": 1, "warmup_epochs": 0, **kwargs}
    model = Word2Vec.from_pretrained(pretrained, **settings)
    model.build_vocab(str(corpus))
    return model


def expected_rates(n_d: np.ndarray, N_d: float, n_b: np.ndarray, N_b: float, tau: float) -> np.ndarray:
    p_d, p_b = n_d / N_d, n_b / N_b
    with np.errstate(invalid="ignore"):  # 0 / 0 where the domain never uses a word and tau is 0
        return np.where(n_d > 0, p_d / (p_d + tau * p_b), 1.0)


# ---------------------------------------------------------------------------------------------------------
# rates
# ---------------------------------------------------------------------------------------------------------

def test_rates_from_a_saved_models_real_counts(base_model, lee_halves):
    base = load(base_model)
    nb = len(base.vocab)
    second = corpus_counts(lee_halves[1])
    n_d = np.array([second.get(w, 0) for w in base.vocab.words], dtype=np.float64)
    n_b = base.vocab.counts.astype(np.float64)
    N_b = float(n_b.sum())
    for preserve, tau in (("balanced", 1.0), (2.5, 2.5), ("low", 0.0)):
        model = prepared(base_model, lee_halves[1], preserve=preserve)
        plan = model.finetune_plan
        assert plan.base_real and plan.base_tokens == N_b
        np.testing.assert_array_equal(plan.base_counts, n_b)
        N_d = float(plan.corpus_counts.sum())
        np.testing.assert_allclose(model.weights.in_lr[:nb], expected_rates(n_d, N_d, n_b, N_b, tau), rtol=1e-6)
    # "high" is n_d / (n_d + n_b), and the default "auto" is "high" for a saved model, bit for bit.
    high = prepared(base_model, lee_halves[1], preserve="high").weights.in_lr[:nb]
    np.testing.assert_allclose(high, np.where(n_d > 0, n_d / (n_d + n_b), 1.0), rtol=1e-6)
    np.testing.assert_array_equal(prepared(base_model, lee_halves[1]).weights.in_lr[:nb], high)
    assert 0 < high.min() < 0.5


def test_rates_from_zipf_counts_of_a_vector_file(vector_file):
    path, words, _ = vector_file
    V = len(words)
    H = sum(1.0 / k for k in range(1, V + 1))
    lee = corpus_counts(LEE)
    n_d = np.array([lee.get(w, 0) for w in words], dtype=np.float64)
    for base_tokens in (1e6, None):
        model = prepared(path, preserve="balanced", base_tokens=base_tokens)
        N_b = base_tokens if base_tokens is not None else 5 * V * H  # the fallback: min_count 5 at the last word
        n_b = N_b / (np.arange(1, V + 1) * H)
        plan = model.finetune_plan
        assert not plan.base_real and plan.base_tokens == pytest.approx(N_b)
        np.testing.assert_allclose(plan.base_counts, n_b, rtol=1e-12)
        expected = expected_rates(n_d, float(plan.corpus_counts.sum()), n_b, N_b, 1.0)
        np.testing.assert_allclose(model.weights.in_lr[:V], expected, rtol=1e-6)
        assert (model.weights.in_lr[V:] == 1).all()  # new words train at the full rate
    # The default (auto = low for a vector file) needs no counts and moves every row at rate 1, as before.
    default = prepared(path)
    assert default.finetune_plan.base_counts is None and (default.weights.in_lr == 1).all()


def test_the_preserve_weight_is_reported_as_a_frequency_ratio(vector_file, caplog):
    path = vector_file[0]
    for preserve in ("high", 4, "balanced"):
        caplog.clear()
        with caplog.at_level("INFO", logger="fastw2v"):
            model = prepared(path, preserve=preserve, base_tokens=1e6)
        # N_domain of the rates: the corpus tokens of the union's words
        tau = {"high": 1e6 / model.finetune_plan.corpus_counts.sum(), 4: 4.0, "balanced": 1.0}[preserve]
        line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("preserve="))
        assert f"tau {tau:.3g};" in line and f"uses it {tau:.3g} times as often" in line, line
    caplog.clear()
    with caplog.at_level("INFO", logger="fastw2v"):
        prepared(path, preserve="low", base_tokens=1e6)
    assert not any(r.getMessage().startswith("preserve=") for r in caplog.records)


def test_numeric_pretrained_lr_overrides_preserve(vector_file):
    model = prepared(vector_file[0], preserve="balanced", base_tokens=1e6, pretrained_lr=0.3)
    n = len(vector_file[1])
    assert (model.weights.in_lr[:n] == np.float32(0.3)).all()


def test_base_tokens_is_for_vector_files_only(base_model, lee_halves):
    with pytest.raises(ConfigError, match="base_tokens.*vector files only"):
        prepared(base_model, lee_halves[1], base_tokens=1e9)


@pytest.mark.parametrize("setting", [{"preserve": "most"}, {"preserve": -1.0}, {"base_tokens": 0.0},
                                     {"anchor_weights": "zipf"}, {"method": "average"}])
def test_invalid_recipe_options(vector_file, setting):
    name = next(iter(setting))
    with pytest.raises(ConfigError, match=name):
        Word2Vec.from_pretrained(vector_file[0], **setting)


# ---------------------------------------------------------------------------------------------------------
# anchoring
# ---------------------------------------------------------------------------------------------------------

def test_frequency_anchoring_strength_per_row(base_model, lee_halves, tmp_path):
    model = prepared(base_model, lee_halves[1], preserve="balanced", anchor=0.5, anchor_weights="frequency",
                     pretrained_lr=1.0)
    nb = model.finetune_plan.n_pretrained
    rates = model.finetune_plan  # the balanced rates, although the rows train at pretrained_lr 1
    n_d = rates.corpus_counts[:nb].astype(np.float64)
    expected = 0.5 * (1 - expected_rates(n_d, float(rates.corpus_counts.sum()), rates.base_counts,
                                         rates.base_tokens, 1.0))
    used = n_d > 0  # only rows the corpus uses can move, so only they are anchored
    np.testing.assert_allclose(model.anchor.strength, expected[used], rtol=1e-12)
    assert (model.weights.in_lr[:nb] == 1).all()
    assert model.anchor.strength.min() >= 0 and 0 < model.anchor.strength.max() < 0.5
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(load(tmp_path / "m").anchor.strength, model.anchor.strength)
    model.train(str(lee_halves[1]))
    model.save(tmp_path / "trained")
    np.testing.assert_array_equal(load(tmp_path / "trained").weights.w_in, model.weights.w_in)


@numba.njit(fastmath=kernels.FASTMATH)
def scalar_anchor_pull(w_in, anchor, anchor_index, token_ids, start, end, lr, strength):
    """The anchor step as it was before per-row strengths: one scalar strength, one shrink factor."""
    shrink = np.float32(1.0) / (np.float32(1.0) + np.float32(lr * strength[0]))
    dim = w_in.shape[1]
    for k in range(start, end):
        word = token_ids[k]
        a = anchor_index[word]
        if a < 0:
            continue
        for c in range(dim):
            w_in[word, c] = anchor[a, c] + (w_in[word, c] - anchor[a, c]) * shrink


def test_uniform_anchoring_is_the_scalar_step_bit_for_bit(vector_file, monkeypatch):
    def run() -> np.ndarray:
        model = prepared(vector_file[0], anchor=0.1, epochs=2, warmup_epochs=1)
        model.train(LEE)
        return model.weights.w_in.copy()

    per_row = run()
    monkeypatch.setattr(kernels, "anchor_pull", scalar_anchor_pull)
    np.testing.assert_array_equal(per_row, run())


def test_model_with_a_scalar_anchor_strength_still_loads(vector_file, tmp_path):
    model = prepared(vector_file[0], anchor=0.25)
    model.save(tmp_path / "m")
    # Rewrite it as models were saved before per-row strengths.
    header_path = tmp_path / "m" / "header.json"
    header = json.loads(header_path.read_text())
    header["anchor"] = {"strength": 0.25}
    del header["arrays"]["anchor_strength"]
    (tmp_path / "m" / "anchor_strength.npy").unlink()
    header_path.write_text(json.dumps(header))
    loaded = load(tmp_path / "m")
    assert loaded.anchor.strength.dtype == np.float64
    np.testing.assert_array_equal(loaded.anchor.strength, np.full(len(loaded.anchor.vectors), 0.25))


# ---------------------------------------------------------------------------------------------------------
# aligned combination
# ---------------------------------------------------------------------------------------------------------

def test_aligned_recovers_a_known_rotation_end_to_end(tmp_path):
    """Base = a domain-only model's vectors rotated by Q: the aligned result is the base again."""
    settings = dict(TRAIN, sg=True)
    domain = Word2Vec(LEE, epochs=3, **settings)  # warm-up 1 + main 2: the same passes as the aligned run
    q, _ = np.linalg.qr(np.random.default_rng(4).normal(size=(DIM, DIM)))
    rotated = (domain.weights.w_in.astype(np.float64) @ q).astype(np.float32)
    base = tmp_path / "rotated.txt"
    write_vectors(base, domain.vocab.words, rotated, binary=False)
    model = Word2Vec.from_pretrained(base, method="aligned", preserve="balanced", base_tokens=1e6,
                                     warmup_epochs=1, epochs=2, **settings)
    model.build_vocab(LEE)
    model.train(LEE)
    assert model.vocab.words == domain.vocab.words
    np.testing.assert_allclose(model.weights.w_in, rotated, atol=1e-4)
    # The domain model's output rows, rotated alike: dot products with the inputs are the domain model's.
    np.testing.assert_allclose(model.weights.heads["ns"].w, domain.weights.heads["ns"].w @ q, atol=1e-4)
    assert len(model.history) == 3


def test_aligned_keeps_base_only_words_and_adds_new_ones(vector_file, tmp_path):
    path, words, vectors = vector_file
    model = Word2Vec.from_pretrained(path, method="aligned", preserve="balanced", base_tokens=1e6, epochs=2,
                                     **TRAIN)
    model.build_vocab(LEE)
    phase = model.state.next_phase()
    assert (phase.name, phase.kind, phase.schedule.total_epochs) == (ALIGN, START, 3)
    model.save(tmp_path / "pending")
    model.train(LEE)
    plan, n = model.finetune_plan, len(words)
    lee = corpus_counts(LEE)
    unused = [i for i, w in enumerate(words) if lee.get(w, 0) < MIN_COUNT]  # not in the domain model
    assert len(unused) >= 200
    np.testing.assert_array_equal(model.weights.w_in[unused], vectors[unused])
    new = model.vocab.words[n:]
    assert len(new) > 0 and all(lee[w] >= MIN_COUNT for w in new) and not set(new) & set(words)
    assert np.isfinite(model.weights.w_in).all()
    norms = np.linalg.norm(model.weights.w_in[n:], axis=1)
    np.testing.assert_allclose(norms, np.median(np.linalg.norm(vectors, axis=1)), rtol=1e-5)
    used = [i for i, w in enumerate(words) if lee.get(w, 0) >= MIN_COUNT]
    assert (model.weights.w_in[used] != vectors[used]).any(axis=1).all()  # shared words mix in the domain
    assert plan.aligned_done and model.position.epoch == 3 and len(model.history) == 3
    # Saved before training: it runs the same aligned phase (nothing to resume part-way).
    resumed = load(tmp_path / "pending")
    resumed.train(LEE)
    np.testing.assert_array_equal(resumed.weights.w_in, model.weights.w_in)
    # Saved after: it trains on as a normal model (a new main schedule).
    model.save(tmp_path / "done")
    again = load(tmp_path / "done")
    assert again.finetune_plan.aligned_done
    phase = again.state.next_phase(epochs=1)
    assert (phase.name, phase.kind) == (MAIN, AGAIN)
    again.train(LEE, epochs=1)
    assert np.isfinite(again.weights.w_in).all() and len(again.history) == 4


def test_aligned_checkpoint_restarts_the_step_with_a_clean_history(vector_file, tmp_path):
    """A checkpoint taken while the domain-only model trains holds the union state before the
    combination: resuming runs the aligned step again from its start, and the epochs the
    interrupted attempt recorded are not counted twice."""
    path = vector_file[0]
    options = dict(method="aligned", preserve="balanced", base_tokens=1e6, epochs=2, **TRAIN)
    whole = Word2Vec.from_pretrained(path, **options)
    whole.build_vocab(LEE)
    whole.train(LEE)
    model = Word2Vec.from_pretrained(path, **options)
    model.build_vocab(LEE)
    saver = Checkpointer(model, tmp_path / "ck", Every(epochs=1))

    def stop(m, epoch, loss):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.train(LEE, callbacks=[saver, stop])
    resumed = load(tmp_path / "ck")
    assert len(resumed.history) == 2 and not resumed.finetune_plan.aligned_done
    resumed.train(LEE)
    assert [r.epoch for r in resumed.history] == [0, 1, 2]
    np.testing.assert_array_equal(resumed.weights.w_in, whole.weights.w_in)


def test_aligned_with_an_anchor_is_refused(vector_file):
    with pytest.raises(ConfigError, match="anchor.*aligned"):
        prepared(vector_file[0], method="aligned", anchor=0.5)


# ---------------------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------------------

def test_cli_options_are_shown_and_parsed(vector_file, tmp_path):
    text = " ".join(CliRunner().invoke(main, ["finetune", "--help"], terminal_width=200).stdout.split())
    for option in ("--preserve low|balanced|high|auto|TAU", "--base-tokens FLOAT",
                   "--anchor-weights [uniform|frequency]", "--method [continue|aligned]"):
        assert option in text, option
    out = tmp_path / "ft"
    result = CliRunner().invoke(main, ["finetune", str(vector_file[0]), LEE, "--out", str(out), "--quiet",
                                       "--workers", "1", "--epochs", "1", "--min-count", str(MIN_COUNT),
                                       "--preserve", "0.5", "--base-tokens", "2e6", "--anchor", "0.2",
                                       "--anchor-weights", "frequency", "--method", "continue"])
    assert result.exit_code == 0, result.output
    settings = load(out).finetune_plan.settings
    assert (settings.preserve, settings.base_tokens, settings.anchor_weights) == (0.5, 2e6, "frequency")


@pytest.mark.parametrize("args, fragment", [(["--preserve", "most"], "preserve"),
                                            (["--base-tokens", "-3"], "base_tokens"),
                                            (["--anchor", "0.2"], "--method continue")])  # the aligned default
def test_cli_bad_values_give_one_error_line(vector_file, tmp_path, args, fragment):
    result = CliRunner().invoke(main, ["finetune", str(vector_file[0]), LEE, "--out", str(tmp_path / "x"),
                                       *args])
    assert_clean_error(result, fragment)


@pytest.mark.parametrize("option", ["--method", "--anchor-weights"])
def test_cli_bad_choices_are_usage_errors(vector_file, tmp_path, option):
    """Choice options are checked by click itself (like --freeze): one error line naming the option."""
    result = CliRunner().invoke(main, ["finetune", str(vector_file[0]), LEE, "--out", str(tmp_path / "x"),
                                       option, "bogus"])
    assert_clean_error(result, f"Invalid value for '{option}'", "bogus", " finetune --help')")
    assert not (tmp_path / "x").exists()
