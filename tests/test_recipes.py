"""The fine-tuning recipes: ``preserve`` rates from base counts, ``base_tokens``,
frequency-weighted anchoring and ``method="aligned"``.

Expected rates are computed here from the formulas (``p_d / (p_d + tau p_b)``, Zipf counts
``N / (r H_V)``) and the corpus text, independently of fastw2v's own rate functions.
"""
from __future__ import annotations

import numba
import numpy as np
import pytest
from click.testing import CliRunner
from gensim.test.utils import datapath

from conftest import CONTINUE, interrupt_after_epoch
from reference import corpus_counts
from test_cli import assert_clean_error
from test_finetune import lee_halves  # noqa: F401 (a fixture: the Lee corpus in two files)

from fastw2v import Word2Vec, kernels, load
from fastw2v.checkpoint import Checkpointer, Every
from fastw2v.cli import main
from fastw2v.config import METHODS, FinetuneConfig
from fastw2v.errors import ConfigError, FastW2VError
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
    # preserve="auto" (low for a vector file) moves every row at rate 1; the base counts are still
    # estimated, because they also order the result's words (finetune.frequency_order).
    low = prepared(path, preserve="auto")
    assert (low.weights.in_lr == 1).all()
    np.testing.assert_allclose(low.finetune_plan.base_counts, 5 * V * H / (np.arange(1, V + 1) * H), rtol=1e-12)


def test_the_preserve_weight_is_reported_as_a_frequency_ratio(vector_file, caplog):
    path = vector_file[0]
    for preserve in ("high", 4, "balanced"):
        caplog.clear()
        with caplog.at_level("INFO", logger="fastw2v"):
            model = prepared(path, preserve=preserve, base_tokens=1e6)
        # N_domain of the rates: the corpus tokens of the union's words
        tau = {"high": 1e6 / model.finetune_plan.corpus_counts.sum(), 4: 4.0, "balanced": 1.0}[preserve]
        line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("fine-tuning:"))
        assert f"preserve={preserve}: tau {tau:.3g};" in line and f"uses it {tau:.3g} times as often" in line, line
    caplog.clear()
    with caplog.at_level("INFO", logger="fastw2v"):
        prepared(path, preserve="low", base_tokens=1e6)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("fine-tuning:"))
    assert "preserve=low: every shared word the domain uses takes the domain's estimate (share 1)" in line
    assert "tau" not in line


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


def whole_and_fresh(path, options: dict) -> tuple[Word2Vec, Word2Vec]:
    """The uninterrupted fine-tuning of ``path`` on LEE, and a twin with its vocabulary built, to interrupt."""
    whole = Word2Vec.from_pretrained(path, **options)
    whole.build_vocab(LEE)
    whole.train(LEE)
    model = Word2Vec.from_pretrained(path, **options)
    model.build_vocab(LEE)
    return whole, model


def test_aligned_checkpoint_restarts_the_step_with_a_clean_history(vector_file, tmp_path):
    """A checkpoint taken while the domain-only model trains holds the union state before the
    combination: resuming runs the aligned step again from its start, and the epochs the
    interrupted attempt recorded are not counted twice."""
    path = vector_file[0]
    options = dict(method="aligned", preserve="balanced", base_tokens=1e6, epochs=2, **TRAIN)
    whole, model = whole_and_fresh(path, options)
    interrupt_after_epoch(model, LEE, tmp_path / "ck", 2)
    resumed = load(tmp_path / "ck")
    assert len(resumed.history) == 2 and not resumed.finetune_plan.aligned_done
    resumed.train(LEE)
    assert [r.epoch for r in resumed.history] == [1, 2, 3]
    np.testing.assert_array_equal(resumed.weights.w_in, whole.weights.w_in)


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def mixed(base: np.ndarray, other: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """The per-word mix, written out: ``normalise(unit(base) (1 - rho) + unit(other) rho) ||base||``."""
    r = rho[:, None]
    return unit(unit(base) * (1 - r) + unit(other) * r) * np.linalg.norm(base.astype(np.float64), axis=1,
                                                                          keepdims=True)


def zipf_rates(words: list[str], tau: float, base_tokens: float, n_domain_tokens: float) -> np.ndarray:
    """``p_d / (p_d + tau p_b)`` of each word of the vector file, from the text's counts and Zipf by rank."""
    V = len(words)
    H = sum(1.0 / k for k in range(1, V + 1))
    lee = corpus_counts(LEE)
    n_d = np.array([lee.get(w, 0) for w in words], dtype=np.float64)
    return expected_rates(n_d, n_domain_tokens, base_tokens / (np.arange(1, V + 1) * H), base_tokens, tau)


def test_aligned_mixes_each_shared_word_by_its_own_share(vector_file):
    """Every shared word of the domain model is mix(base, rotated domain vector, rho_w) with rho_w from the
    formula: a uniform or flipped share (1 - rho) would not give these vectors."""
    from fastw2v import finetune as ft
    from fastw2v.alignment import anchor_pairs, procrustes
    from fastw2v.training import run_epochs

    path, words, vectors = vector_file
    options = dict(method="aligned", preserve=2.0, base_tokens=1e6, epochs=1, **TRAIN)
    model = Word2Vec.from_pretrained(path, **options)
    model.build_vocab(LEE)
    encoded = model.encode(LEE)
    # the domain-only model train() builds, trained the same way (workers=1: bit-identical)
    twin = Word2Vec.from_pretrained(path, **options)
    twin.build_vocab(LEE)
    phase = twin.state.next_phase(None, (encoded.n_tokens, encoded.n_sentences))
    domain, corpus = ft.domain_state(twin.state, twin.encode(LEE))
    run_epochs(domain.weights, domain.tables, corpus, twin.config, phase.schedule, domain.position)
    model.train(encoded)
    n = len(words)
    rows = np.array([model.vocab.index[w] for w in domain.vocab.words])
    shared = rows < n
    in_base, in_domain = anchor_pairs(rows, n)
    rotation = procrustes(domain.weights.w_in[in_domain], vectors[in_base])
    rotated = domain.weights.w_in[shared].astype(np.float64) @ rotation
    rho = zipf_rates(words, 2.0, 1e6, float(model.finetune_plan.corpus_counts.sum()))[rows[shared]]
    assert rho.max() - rho.min() > 0.1 and abs(rho.mean() - 0.5) > 0.1  # shares differ, and 1 - rho is not rho
    np.testing.assert_allclose(model.weights.w_in[rows[shared]], mixed(vectors[rows[shared]], rotated, rho),
                               rtol=1e-4, atol=1e-6)


def test_blend_is_continued_training_mixed_back_by_each_words_share(vector_file):
    """blend = the continued model (continue at rate 1), then each used pre-trained row mixed back toward its
    base vector by its share; base-only words, new words and the output layer are the continued model's."""
    path, words, vectors = vector_file
    common = dict(base_tokens=1e6, epochs=1, warmup_epochs=1, **TRAIN)
    cont = Word2Vec.from_pretrained(path, method="continue", preserve="low", **common)
    cont.build_vocab(LEE)
    cont.train(LEE)
    blend = Word2Vec.from_pretrained(path, method="blend", preserve=4.0, **common)
    blend.build_vocab(LEE)
    blend.train(LEE)
    plan, n = blend.finetune_plan, len(words)
    assert plan.blend_done and plan.base_rows is None
    used = np.flatnonzero(plan.corpus_counts[:n] > 0)
    unused = np.flatnonzero(plan.corpus_counts[:n] == 0)
    rho = zipf_rates(words, 4.0, 1e6, float(plan.corpus_counts.sum()))[used]
    assert rho.max() - rho.min() > 0.1 and abs(rho.mean() - 0.5) > 0.1  # shares differ, and 1 - rho is not rho
    np.testing.assert_allclose(blend.weights.w_in[used], mixed(vectors[used], cont.weights.w_in[used], rho),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(blend.weights.w_in[unused], vectors[unused])
    np.testing.assert_array_equal(blend.weights.w_in[n:], cont.weights.w_in[n:])
    np.testing.assert_array_equal(blend.weights.heads["ns"].w, cont.weights.heads["ns"].w)
    assert len(blend.history) == 2


def test_blend_resumed_from_its_last_checkpoint_blends_once(vector_file, tmp_path):
    """A checkpoint taken after the last epoch, before the blend: resuming it blends (and trains nothing);
    the result is the uninterrupted run's."""
    from fastw2v.state import BLEND, RESUME

    path = vector_file[0]
    options = dict(method="blend", preserve="adaptive", base_tokens=1e6, epochs=1, **TRAIN)
    whole, model = whole_and_fresh(path, options)
    saver = Checkpointer(model, tmp_path / "ck", Every(epochs=1))

    def stop(m, epoch, loss):
        if m.finetune_plan.warmup_done:  # the main phase's only epoch ended, and its checkpoint was taken
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.train(LEE, callbacks=[saver, stop])
    resumed = load(tmp_path / "ck")
    phase = resumed.state.next_phase()
    assert (phase.name, phase.kind) == (BLEND, RESUME) and resumed.finetune_plan.base_rows is not None
    assert resumed.train(LEE) == []
    np.testing.assert_array_equal(resumed.weights.w_in, whole.weights.w_in)
    assert resumed.finetune_plan.blend_done


# ---------------------------------------------------------------------------------------------------------
# every registered method
# ---------------------------------------------------------------------------------------------------------

#: A value of each option some method refuses, for which the option acts.
ACTING = {"anchor": 0.5, "anchor_weights": "frequency", "pretrained_lr": 0.3, "freeze": "new",
          "new_word_init": "scaled"}


@pytest.mark.parametrize("method", METHODS.values(), ids=lambda m: m.name)
def test_each_method_saves_loads_and_resumes(vector_file, tmp_path, method):
    """A fine-tuning saved before training, and one checkpointed part-way, load with their method and train
    to the uninterrupted run's model; the finished one loads as it was saved and trains on as a normal model."""
    options = dict(method=method.name, preserve="balanced", base_tokens=1e6, warmup_epochs=1, epochs=3, **TRAIN)

    def built() -> Word2Vec:
        model = Word2Vec.from_pretrained(vector_file[0], **options)
        model.build_vocab(LEE)
        return model

    whole = built()
    assert whole.state.next_phase().name == method.phases[0]
    whole.save(tmp_path / "pending")
    whole.train(LEE)
    assert len(whole.history) == 4  # warm-up + main epochs, whichever phases run them

    pending = load(tmp_path / "pending")
    assert pending.finetune_plan.method is method
    pending.train(LEE)
    interrupted = built()
    interrupt_after_epoch(interrupted, LEE, tmp_path / "ck", 2)
    resumed = load(tmp_path / "ck")
    resumed.train(LEE)
    for other in (pending, resumed):
        np.testing.assert_array_equal(other.weights.w_in, whole.weights.w_in)
        np.testing.assert_array_equal(other.weights.heads["ns"].w, whole.weights.heads["ns"].w)
        assert [r.epoch for r in other.history] == [r.epoch for r in whole.history]

    whole.save(tmp_path / "done")
    done = load(tmp_path / "done")
    plan = done.finetune_plan
    assert plan.settings == whole.finetune_plan.settings
    assert (plan.aligned_done, plan.blend_done, plan.blend_pending) == (method.domain_only, method.blends, False)
    np.testing.assert_array_equal(done.weights.w_in, whole.weights.w_in)
    phase = done.state.next_phase(epochs=1)
    assert (phase.name, phase.kind) == (MAIN, AGAIN)
    done.train(LEE, epochs=1)
    assert np.isfinite(done.weights.w_in).all() and len(done.history) == 5


@pytest.mark.parametrize("method", METHODS.values(), ids=lambda m: m.name)
def test_each_method_refuses_exactly_what_it_cannot_honour(method):
    refused = {r.option for r in method.refuses}
    assert refused <= set(ACTING)
    for option, value in ACTING.items():
        if option in refused:
            with pytest.raises(ConfigError, match=f"{option}=.*no effect with method='{method.name}'"):
                FinetuneConfig(method=method.name, **{option: value})
        else:
            assert getattr(FinetuneConfig(method=method.name, **{option: value}), option) == value


def test_method_help_names_every_method():
    text = " ".join(CliRunner().invoke(main, ["finetune", "--help"], terminal_width=200).stdout.split())
    assert f"--method [{'|'.join(METHODS)}]" in text
    for method in METHODS.values():
        assert f"{method.name}: {method.help}" in text, method.name
        assert method.warmup in text  # in --warmup-epochs's help
    assert "(0: off; needs --method blend or continue)" in text  # --anchor: the methods that train the base's rows


@pytest.mark.parametrize("method", ["aligned", "blend", "continue"])
def test_freeze_pretrained_keeps_every_pretrained_row_under_every_method(vector_file, method):
    path, words, vectors = vector_file
    model = Word2Vec.from_pretrained(path, method=method, preserve="balanced", base_tokens=1e6, epochs=1,
                                     freeze="pretrained", **TRAIN)
    model.build_vocab(LEE)
    model.train(LEE)
    np.testing.assert_array_equal(model.weights.w_in[:len(words)], vectors)
    assert (model.weights.w_in[len(words):] != 0).any()  # new words still come in


@pytest.mark.parametrize("option, value", [("anchor", 0.5), ("anchor_weights", "frequency"), ("pretrained_lr", 0.3),
                                           ("freeze", "new"), ("new_word_init", "scaled")])
def test_options_aligned_cannot_honour_are_refused(vector_file, option, value):
    with pytest.raises(ConfigError, match=f"{option}=.*no effect with method='aligned'"):
        prepared(vector_file[0], method="aligned", **{option: value})


@pytest.mark.parametrize("method", ["blend", "continue"])
def test_numeric_pretrained_lr_and_freeze_new_act_under_training_methods(vector_file, method):
    path, words, _ = vector_file
    n = len(words)
    slow = prepared(path, method=method, pretrained_lr=0.3, preserve="balanced", base_tokens=1e6)
    assert (slow.weights.in_lr[:n] == np.float32(0.3)).all()
    frozen = prepared(path, method=method, freeze="new")
    assert (frozen.weights.in_lr[n:] == 0).all() and (frozen.weights.in_lr[:n] > 0).all()


def test_aligned_output_lr_is_the_domain_models_output_rate(vector_file):
    from fastw2v import finetune as ft

    model = prepared(vector_file[0], method="aligned", output_lr=0.25)
    domain, _ = ft.domain_state(model.state, model.encode(LEE))
    assert all((layer.lr == np.float32(0.25)).all() for layer in domain.weights.heads.values())


# ---------------------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------------------

def test_cli_options_are_shown_and_parsed(vector_file, tmp_path):
    text = " ".join(CliRunner().invoke(main, ["finetune", "--help"], terminal_width=200).stdout.split())
    for option in ("--preserve low|balanced|adaptive|high|auto|TAU", "--base-tokens FLOAT",
                   "--anchor-weights [uniform|frequency]", "--method [aligned|blend|continue]"):
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
                                            (["--anchor", "0.2", "--method", "aligned"], "method='aligned'")])
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


def test_a_finetuned_model_lists_its_words_by_domain_plus_base_counts(vector_file, tmp_path):
    """wv and the exported file are in descending order of (domain count + Zipf estimate of the base count),
    as every word2vec file is, so that restrict_vocab=N means the N most frequent and a re-fine-tuning of the
    export estimates the right ranks; inside the state the base's words stay first."""
    from fastw2v.evaluation import evaluate_similarity
    from fastw2v.vectors_io import read_vectors

    path, words, _ = vector_file
    model = prepared(path, preserve="low", base_tokens=5e4)
    model.train(LEE)
    V = len(words)
    H = sum(1.0 / k for k in range(1, V + 1))
    lee = corpus_counts(LEE)
    union = model.vocab.words
    totals = np.array([lee.get(w, 0) for w in union], dtype=np.float64)
    totals[:V] += 5e4 / (np.arange(1, V + 1) * H)
    expected = [union[i] for i in np.argsort(-totals, kind="stable")]
    wv = model.wv
    assert wv.index_to_key == expected and expected != union
    assert union[:V] == words  # the state keeps the base's words first
    assert [wv.get_vecattr(w, "count") for w in expected[:3]] == [round(t) for t in sorted(totals)[::-1][:3]]
    first_new = min(expected.index(w) for w in union[V:])
    assert first_new < V  # a frequent new word ranks among the base's words, not after all of them
    model.export(tmp_path / "ft.bin")
    exported, vecs = read_vectors(tmp_path / "ft.bin")
    assert exported == expected
    np.testing.assert_array_equal(vecs, wv.vectors)
    # restrict_vocab keeps the most frequent words, new ones included
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(f"{expected[first_new]}\t{expected[0]}\t1\n{expected[1]}\t{expected[2]}\t2\n"
                     f"{expected[3]}\t{expected[4]}\t3\n")
    assert evaluate_similarity(wv, pairs, restrict_vocab=first_new + 1).pairs == 3


def test_a_vocabulary_file_gives_a_vector_file_real_counts(vector_file, tmp_path):
    """--base-vocab (gensim's fvocab, word2vec.c's -save-vocab): the rates use its counts, not Zipf by rank."""
    path, words, _ = vector_file
    counts = np.random.default_rng(2).integers(1, 10_000, len(words))
    vocab = tmp_path / "pre.vocab"
    vocab.write_text("".join(f"{w} {c}\n" for w, c in zip(words, counts)))
    model = prepared(path, base_vocab=vocab, preserve="balanced")
    plan = model.finetune_plan
    assert plan.base_real and plan.base_tokens == counts.sum()
    np.testing.assert_array_equal(plan.base_counts, counts)
    lee = corpus_counts(LEE)
    n_d = np.array([lee.get(w, 0) for w in words], dtype=np.float64)
    expected = expected_rates(n_d, float(plan.corpus_counts.sum()), counts.astype(np.float64), counts.sum(), 1.0)
    np.testing.assert_allclose(model.weights.in_lr[:len(words)], expected, rtol=1e-6)
    # a partial vocabulary file: base_tokens gives the corpus size
    assert prepared(path, base_vocab=vocab, base_tokens=1e9).finetune_plan.base_tokens == 1e9
    # the CLI takes it too
    out = tmp_path / "ft"
    result = CliRunner().invoke(main, ["finetune", str(path), LEE, "--out", str(out), "--base-vocab", str(vocab),
                                       "--preserve", "balanced", "--epochs", "1", "--workers", "1", "--min-count",
                                       str(MIN_COUNT), "--quiet"])
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(load(out).finetune_plan.base_counts, counts)


@pytest.mark.parametrize("content, fragment", [("", "no 'word count' line"), ("the x\n", "not 'word count'"),
                                               ("the 3\nthe 4\n", "listed twice"), ("the 3\n", "have no count")])
def test_a_bad_vocabulary_file_is_one_clear_error(vector_file, tmp_path, content, fragment):
    vocab = tmp_path / "bad.vocab"
    vocab.write_text(content)
    with pytest.raises(FastW2VError, match=fragment):
        prepared(vector_file[0], base_vocab=vocab)
    assert_clean_error(CliRunner().invoke(main, ["finetune", str(vector_file[0]), LEE, "--out", str(tmp_path / "o"),
                                                 "--base-vocab", str(vocab), "--quiet"]), str(vocab))


def test_a_vocabulary_file_is_refused_for_a_saved_model(base_model, tmp_path):
    vocab = tmp_path / "v.txt"
    vocab.write_text("the 3\n")
    with pytest.raises(ConfigError, match="saved fastw2v model"):
        Word2Vec.from_pretrained(base_model, base_vocab=vocab)
