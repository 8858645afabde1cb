"""Reliability: atomic outputs under SIGKILL, exact checkpoint/resume, the divergence guard,
saved-model format checks, and a fuzz of the corpus reader.
"""
from __future__ import annotations

import gzip
import os
import random
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.test.utils import datapath
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastw2v
from conftest import CONTINUE, ok
from fastw2v import Word2Vec
from fastw2v.checkpoint import Checkpointer, Every
from fastw2v.cli import main
from fastw2v.errors import ConfigError, CorpusError, FastW2VError, ModelFormatError, TrainingDivergedError
from fastw2v.vectors_io import read_vectors, write_vectors

LEE = datapath("lee_background.cor")
SETTINGS = dict(vector_size=16, min_count=2, epochs=2, workers=1)
CLI_SETTINGS = ["--vector-size", "16", "--min-count", "2", "--epochs", "2", "--workers", "1", "-q"]
ARRAYS = ("w_in", "w_out_ns", "w_out_hs", "in_lr", "out_ns_lr", "out_hs_lr")


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_bit_identical(a: Word2Vec, b: Word2Vec) -> None:
    assert a.vocab.words == b.vocab.words
    np.testing.assert_array_equal(a.vocab.counts, b.vocab.counts)
    for name in ARRAYS:
        x, y = getattr(a.weights, name), getattr(b.weights, name)
        assert x.shape == y.shape and x.dtype == y.dtype, name
        assert x.tobytes() == y.tobytes(), f"{name} differs"


# ---------------------------------------------------------------------------------------------------------
# atomic outputs: SIGKILL during saves
# ---------------------------------------------------------------------------------------------------------

def _save_loop(mode: str, target: Path, base_in: np.ndarray, base_out: np.ndarray, report: int) -> None:
    """Child process: save +base, -base, +base, ... to ``target`` forever, announcing each save."""
    w_in, w_out = base_in.copy(), base_out.copy()
    n, dim = w_in.shape
    words = [f"w{i}" for i in range(n)]
    if mode == "model":
        from fastw2v.training import Weights
        from fastw2v.vocabulary import Vocabulary

        model = Word2Vec(vector_size=dim, workers=1)
        f32 = np.float32
        model.set_vocabulary(Vocabulary(words, np.arange(n, 0, -1)), Weights(
            w_in=w_in, w_out_ns=w_out, w_out_hs=np.zeros((0, dim), f32), in_lr=np.ones(n, f32),
            out_ns_lr=np.ones(n, f32), out_hs_lr=np.zeros(0, f32)))

        def save():
            model.save(target)
    else:
        def save():
            write_vectors(target, words, w_in)
    i = 0
    while True:
        os.write(report, f"{i}\n".encode())  # about to start save number i
        save()
        np.negative(w_in, out=w_in)
        np.negative(w_out, out=w_out)
        i += 1


def kill_during_saves(tmp_path: Path, mode: str, n: int, dim: int, kills: int, max_delay: float, check) -> list[int]:
    """Fork a process that saves in a loop, SIGKILL it at a random moment, check the target; repeat.

    The child is forked from this (already warmed-up) interpreter so each round costs no
    import time; it never returns into pytest.
    """
    rng = np.random.default_rng(99)
    base_in = rng.standard_normal((n, dim), dtype=np.float32)
    base_out = rng.standard_normal((n, dim), dtype=np.float32) if mode == "model" else np.zeros((1, 1), np.float32)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / ("model" if mode == "model" else "vectors.bin")
    delays = random.Random(f"{mode}-kills")
    started_saves = []
    for _ in range(kills):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(read_end)
                _save_loop(mode, target, base_in, base_out, write_end)
            finally:
                os._exit(1)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            try:
                first = pipe.readline()
                assert first == b"0\n", f"child did not start ({first!r})"
                time.sleep(delays.uniform(0.0, max_delay))
            finally:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
            started_saves.append(int((first + pipe.read()).split()[-1]))
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        # Only hidden temporary names may be left beside the target, never a partial file under a real name.
        for entry in out_dir.iterdir():
            assert entry == target or entry.name.startswith("."), entry
        if target.exists():
            check(target, base_in, base_out, n)
        for entry in out_dir.iterdir():  # free the disk space of leftovers before the next round
            if entry != target:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return started_saves


def _sign(array: np.ndarray, base: np.ndarray) -> int:
    if np.array_equal(array, base):
        return 1
    assert np.array_equal(array, -base), "array is neither version: torn write"
    return -1


def check_model(target, base_in, base_out, n):
    model = fastw2v.load(target)
    assert model.vocab.words == [f"w{i}" for i in range(n)]
    np.testing.assert_array_equal(model.vocab.counts, np.arange(n, 0, -1))
    sign = _sign(model.weights.w_in, base_in)
    assert _sign(model.weights.w_out_ns, base_out) == sign  # both matrices from the same save
    np.testing.assert_array_equal(model.weights.in_lr, 1.0)


def check_vectors(target, base_in, base_out, n):
    words, vectors = read_vectors(target)
    assert len(words) == n and words[0] == "w0" and words[-1] == f"w{n - 1}"
    _sign(vectors, base_in)


def test_model_save_survives_sigkill(tmp_path):
    saves = kill_during_saves(tmp_path, "model", 200_000, 100, kills=5, max_delay=1.6, check=check_model)
    # Some kills must have hit a save that replaces an existing model.
    assert max(saves) >= 1, saves


def test_write_vectors_survives_sigkill(tmp_path):
    saves = kill_during_saves(tmp_path, "vectors", 50_000, 50, kills=5, max_delay=0.8, check=check_vectors)
    assert max(saves) >= 1, saves


def test_failed_write_keeps_previous_files(tmp_path):
    target = tmp_path / "v.bin"
    write_vectors(target, ["a", "b"], np.ones((2, 3), np.float32))
    before = target.read_bytes()
    with pytest.raises(FastW2VError):
        write_vectors(target, ["a", "a"], np.zeros((2, 3), np.float32))  # duplicate word
    with pytest.raises(FastW2VError):
        write_vectors(target, ["a", "b"], np.full((2, 3), np.nan, np.float32))
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["v.bin"]


# ---------------------------------------------------------------------------------------------------------
# checkpoint / resume
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Word2Vec:
    """`fastw2v train LEE --workers 1 --epochs 2 --checkpoint-every 1 --out A`."""
    d = tmp_path_factory.mktemp("uninterrupted")
    ok(cli("train", LEE, "--checkpoint-every", "1", "--out", d / "A", *CLI_SETTINGS))
    return fastw2v.load(d / "A")


class Stop(KeyboardInterrupt):
    pass


def test_resume_after_epoch_checkpoint_is_bit_identical(uninterrupted, tmp_path):
    model = Word2Vec(**SETTINGS)
    assert model.config == uninterrupted.config  # same run as the CLI's
    ck = tmp_path / "ck"
    saver = Checkpointer(model, ck, Every(epochs=1))

    def interrupt(m, epoch, loss):
        raise Stop

    model.build_vocab(LEE)
    with pytest.raises(Stop):
        model.train(LEE, callbacks=[saver, interrupt])
    checkpoint = fastw2v.load(ck)
    assert (checkpoint.position.epoch, checkpoint.position.sentence) == (1, 0)
    assert checkpoint.corpus_sources == [LEE]
    ok(cli("train", "--resume", ck, "--out", tmp_path / "B", "-q"))
    resumed = fastw2v.load(tmp_path / "B")
    assert_bit_identical(resumed, uninterrupted)
    assert len(resumed.history) == 2
    assert resumed.position.epoch == 2


def test_cli_interrupt_prints_resume_command(uninterrupted, tmp_path, monkeypatch):
    """Ctrl-C during `fastw2v train` names the checkpoint and the command that continues the run."""
    original = Checkpointer.__call__

    def save_then_interrupt(self, model, epoch, loss):
        original(self, model, epoch, loss)
        raise KeyboardInterrupt

    monkeypatch.setattr(Checkpointer, "__call__", save_then_interrupt)
    out, ck = tmp_path / "A", tmp_path / "A.ck"
    result = cli("train", LEE, "--checkpoint-every", "1", "--checkpoint", ck, "--out", out, *CLI_SETTINGS)
    assert result.exit_code == 130
    assert "Traceback" not in result.output
    assert f"--resume {ck}" in result.stderr and "interrupted" in result.stderr
    assert not out.exists()
    monkeypatch.setattr(Checkpointer, "__call__", original)
    ok(cli("train", "--resume", ck, "--out", out, "-q"))
    assert_bit_identical(fastw2v.load(out), uninterrupted)


@pytest.mark.parametrize("stop_epoch,stop_batch", [(0, 4), (1, 7)])
def test_resume_mid_epoch_is_bit_identical(tmp_path, stop_epoch, stop_batch):
    settings = dict(SETTINGS, batch_words=3000, sg=True)
    reference = Word2Vec(**settings)
    reference.build_vocab(LEE)
    reference.train(LEE)

    model = Word2Vec(**settings)
    model.build_vocab(LEE)
    ck = tmp_path / "ck"
    saver = Checkpointer(model, ck, Every(minutes=1e-9))  # saves after every batch
    seen = []

    def on_batch_end(position):
        saver.on_batch_end(position)
        if position.epoch == stop_epoch:
            seen.append(position.sentence)
            if len(seen) == stop_batch:
                raise Stop

    with pytest.raises(Stop):
        model.train(LEE, on_batch_end=on_batch_end)
    checkpoint = fastw2v.load(ck)
    assert checkpoint.position.epoch == stop_epoch
    assert 0 < checkpoint.position.sentence < 300 and checkpoint.position.sentence == seen[-1]
    # Through the API, on the corpus the checkpoint records.
    again = fastw2v.load(ck)
    again.train()
    assert_bit_identical(again, reference)
    # The same through the CLI, which removes the checkpoint once the finished model is saved.
    ok(cli("train", "--resume", ck, "--out", tmp_path / "B", "-q"))
    assert_bit_identical(fastw2v.load(tmp_path / "B"), reference)
    assert not ck.exists()


@pytest.mark.parametrize("where", ["warmup-mid", "warmup-end", "main-mid"])
def test_finetune_resume_is_bit_identical(tmp_path, where):
    rng = np.random.default_rng(1)
    words = ["the", "of", "government", "police", "Australia", "zzunseen1", "zzunseen2"]
    pre = tmp_path / "pre.bin"
    write_vectors(pre, words, rng.normal(0, 0.3, (len(words), 16)).astype(np.float32))
    settings = dict(SETTINGS, batch_words=3000, anchor=0.5, pretrained_lr=0.5, **CONTINUE)

    reference = Word2Vec.from_pretrained(pre, **settings)
    reference.build_vocab(LEE)
    reference.train(LEE)
    assert len(reference.history) == 3

    model = Word2Vec.from_pretrained(pre, **settings)
    model.build_vocab(LEE)
    ck = tmp_path / "ck"
    per_batch = Checkpointer(model, ck, Every(minutes=1e-9))
    per_epoch = Checkpointer(model, ck, Every(epochs=1))
    batches = []

    def on_batch_end(position):
        if where == "warmup-end":
            return
        per_batch.on_batch_end(position)
        in_warmup = not model.finetune_plan.warmup_done
        if in_warmup == (where == "warmup-mid"):
            batches.append(position.sentence)
            if len(batches) == 5:
                raise Stop

    def on_epoch_end(m, epoch, loss):
        if where == "warmup-end":
            per_epoch(m, epoch, loss)
            raise Stop

    with pytest.raises(Stop):
        model.train(LEE, on_batch_end=on_batch_end, callbacks=[on_epoch_end])
    checkpoint = fastw2v.load(ck)
    assert checkpoint.finetune_plan.warmup_done == (where == "main-mid")
    ok(cli("train", "--resume", ck, "--out", tmp_path / "B", "-q"))
    resumed = fastw2v.load(tmp_path / "B")
    assert_bit_identical(resumed, reference)
    assert resumed.finetune_plan.warmup_done


# ---------------------------------------------------------------------------------------------------------
# divergence guard
# ---------------------------------------------------------------------------------------------------------

def test_huge_alpha_diverges_with_a_clear_error():
    model = Word2Vec(**dict(SETTINGS, alpha=1e30))
    model.build_vocab(LEE)
    with pytest.raises(TrainingDivergedError, match="learning rate") as info:
        model.train(LEE)
    assert "alpha=1e+30" in str(info.value)
    assert isinstance(info.value, ArithmeticError)


def test_nan_weights_diverge_with_a_clear_error():
    model = Word2Vec(**SETTINGS)
    model.build_vocab(LEE)
    model.weights.w_in[:] = np.nan
    with pytest.raises(TrainingDivergedError, match="learning rate"):
        model.train(LEE)


def test_divergence_keeps_the_last_good_checkpoint(tmp_path):
    model = Word2Vec(**dict(SETTINGS, epochs=3))
    model.build_vocab(LEE)
    ck = tmp_path / "ck"
    saver = Checkpointer(model, ck, Every(epochs=1))

    def poison(m, epoch, loss):
        if epoch == 1:
            m.weights.w_in[:50] = np.nan

    with pytest.raises(TrainingDivergedError, match="learning rate"):
        model.train(LEE, callbacks=[saver, poison])
    checkpoint = fastw2v.load(ck)
    assert checkpoint.position.epoch == 1
    for name in ARRAYS:
        assert np.isfinite(getattr(checkpoint.weights, name)).all(), name
    checkpoint.train(LEE)  # and the run can go on from it
    assert np.isfinite(checkpoint.weights.w_in).all()


def test_cli_divergence_names_checkpoint(tmp_path, monkeypatch):
    original = Checkpointer.__call__

    def save_then_poison(self, model, epoch, loss):
        original(self, model, epoch, loss)
        model.weights.w_in[:] = np.nan

    monkeypatch.setattr(Checkpointer, "__call__", save_then_poison)
    ck = tmp_path / "ck"
    result = cli("train", LEE, "--checkpoint-every", "1", "--checkpoint", ck, "--out", tmp_path / "A", *CLI_SETTINGS)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: training diverged")
    assert "learning rate" in lines[0] and f"--resume {ck}" in lines[0]
    assert np.isfinite(fastw2v.load(ck).weights.w_in).all()
    assert not (tmp_path / "A").exists()


def test_cli_huge_alpha(tmp_path):
    result = cli("train", LEE, "--alpha", "1e30", "--out", tmp_path / "A", *CLI_SETTINGS)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: training diverged") and "learning rate" in result.stderr
    assert "no checkpoint was saved" in result.stderr


def _late_word(words) -> str:
    """A word that first occurs late in the corpus: batches before it train with finite losses."""
    lines = Path(LEE).read_text(encoding="utf-8").splitlines()
    early = {w for line in lines[:250] for w in line.split()}
    return next(w for w in words if w not in early)


def _poisoned_run_keeps_finite_checkpoint(model: Word2Vec, poison, tmp_path) -> None:
    """Checkpoint after every batch while ``poison`` plants a NaN after epoch 1: training diverges
    when the word comes up, and the checkpoint left behind holds no NaN/inf."""
    ck = tmp_path / "ck"
    saver = Checkpointer(model, ck, Every(minutes=1e-9))
    with pytest.raises(TrainingDivergedError):
        model.train(LEE, callbacks=[poison], on_batch_end=saver.on_batch_end)
    checkpoint = fastw2v.load(ck)
    for name in ARRAYS:
        assert np.isfinite(getattr(checkpoint.weights, name)).all(), name


def test_mid_epoch_checkpoint_is_never_non_finite(tmp_path):
    model = Word2Vec(**dict(SETTINGS, batch_words=3000))
    model.build_vocab(LEE)
    late = _late_word(model.vocab.words)

    def poison(m, epoch, loss):
        if epoch == 1:
            m.weights.w_in[m.vocab.index[late]] = np.nan

    _poisoned_run_keeps_finite_checkpoint(model, poison, tmp_path)


def test_finetune_mid_epoch_checkpoint_checks_the_trained_part(tmp_path):
    """A fine-tuning trains a compact copy of the input rows; the checkpoint's NaN check must see it,
    not the full matrix, which only catches up at the epoch's end (or when the model saves)."""
    pre = tmp_path / "pre.txt"
    kv = Word2Vec(LEE, **dict(SETTINGS, epochs=1)).wv
    # A GoogleNews-like base: words the corpus never uses, so only a part of the rows trains.
    words = [*kv.index_to_key, *(f"unused{i}" for i in range(50))]
    write_vectors(pre, words, np.vstack([kv.vectors, np.ones((50, 16), np.float32)]), binary=False)
    model = Word2Vec.from_pretrained(pre, **dict(SETTINGS, batch_words=3000), **CONTINUE, warmup_epochs=0)
    model.build_vocab(LEE)
    assert model.weights.out_rows is not None  # a trainable part exists
    late = _late_word(model.vocab.words[:len(kv)])

    def poison(m, epoch, loss):
        if epoch == 1:  # in the part being trained (the full matrix is overwritten from it)
            part = m._training
            part.weights.w_in[int(np.flatnonzero(part.rows == m.vocab.index[late])[0])] = np.nan

    _poisoned_run_keeps_finite_checkpoint(model, poison, tmp_path)


# ---------------------------------------------------------------------------------------------------------
# fuzz of the corpus reader
# ---------------------------------------------------------------------------------------------------------

PIECES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"\x00", b"\r", b"\n", b"\r\n", b" ", b"\t", b"\x0b\x0c", b"\x1c\x1d", b"\xff", b"\xfe\xff",
                     b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", "\u2028".encode(), "\u00e9".encode(), b"\x85",
                     b"word ", b"other ", b"\n\n"]),
    st.integers(1, 25_000).map(lambda n: b"w " * n),            # very long line
    st.integers(1, 200_000).map(lambda n: b"x" * n),            # very long token
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.lists(PIECES, max_size=12).map(b"".join), strict=st.booleans(), sg=st.booleans())
def test_corpus_reader_fuzz(tmp_path, data, strict, sg):
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    try:
        model = Word2Vec(corpus_file=str(path), min_count=1, epochs=1, vector_size=8, workers=1, sg=sg,
                         max_sentence_length=1000, strict_encoding=strict)
    except FastW2VError:
        return
    assert len(model.vocab) >= 1
    assert np.isfinite(model.weights.w_in).all()
    tokens = [t for line in data.split(b"\n") for t in line.decode("utf-8", errors="replace").split()]
    assert sorted(model.vocab.words) == sorted(set(tokens))
    assert int(model.vocab.counts.sum()) == len(tokens)


# ---------------------------------------------------------------------------------------------------------
# damaged inputs end in one clear error (issue 12)
# ---------------------------------------------------------------------------------------------------------

def _one_error_line(result, *fragments: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Aborted" not in result.output and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def test_cli_truncated_gz_corpus_is_one_error_not_aborted(tmp_path):
    corpus = tmp_path / "corpus.txt.gz"
    text = Path(LEE).read_bytes()
    corpus.write_bytes(gzip.compress(text)[:len(text) // 6])  # EOFError inside gzip: click would say "Aborted!"
    out = tmp_path / "model"
    result = cli("train", corpus, "--out", out, "--vector-size", "8", "--epochs", "1", "--workers", "1", "-q")
    _one_error_line(result, str(corpus), "ends early", "truncated")
    assert not out.exists()


def test_cli_real_interrupt_keeps_exit_130(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Word2Vec, "build_vocab", interrupted)
    result = cli("train", LEE, "--out", tmp_path / "m", "-q")
    assert result.exit_code == 130 and "interrupted" in result.stderr and "Aborted" not in result.output


def test_cli_stray_eof_and_memory_errors_are_one_line(tmp_path, monkeypatch):
    for exc, fragment in ((EOFError("no more"), "unexpected end of input"), (MemoryError(), "out of memory")):
        def failing(*args, exc=exc, **kwargs):
            raise exc

        monkeypatch.setattr(Word2Vec, "build_vocab", failing)
        _one_error_line(cli("train", LEE, "--out", tmp_path / "m", "-q"), fragment)


def test_epochs_zero_is_refused_everywhere(tmp_path):
    with pytest.raises(ConfigError, match="epochs=0 trains nothing"):
        Word2Vec(epochs=0)
    model = Word2Vec(**dict(SETTINGS, epochs=1))
    model.build_vocab(LEE)
    with pytest.raises(ConfigError, match="epochs=0 trains nothing"):
        model.train(LEE, epochs=0)
    out = tmp_path / "model"
    _one_error_line(cli("train", LEE, "--out", out, "--epochs", "0", "-q"), "epochs=0 trains nothing")
    pre = tmp_path / "pre.bin"
    write_vectors(pre, ["the", "of", "and"], np.ones((3, 8), np.float32))
    for warmup in ("0", "1"):
        _one_error_line(cli("finetune", pre, LEE, "--out", out, "--epochs", "0", "--warmup-epochs", warmup, "-q"),
                        "epochs=0 trains nothing", "--freeze pretrained")
    assert not out.exists()


@pytest.mark.parametrize("method", ["continue", "aligned"])
def test_hs_finetune_with_one_trainable_word_is_a_corpus_error(tmp_path, method):
    """A Huffman tree needs two leaves: a corpus that trains one word is refused before training,
    as `train` refuses a one-word vocabulary, not a ValueError from the tree builder."""
    corpus = tmp_path / "one.txt"
    corpus.write_text("alpha alpha alpha alpha alpha alpha\n" * 3)
    pre = tmp_path / "pre.txt"
    write_vectors(pre, ["alpha", "beta", "gamma"], np.ones((3, 8), np.float32), binary=False)
    model = Word2Vec.from_pretrained(pre, hs=True, negative=0, method=method, base_tokens=1e6)
    with pytest.raises(CorpusError, match=f"one.txt: hierarchical softmax needs at least 2 words.*{method}"):
        model.build_vocab(corpus)
    out = tmp_path / "out"
    _one_error_line(cli("finetune", pre, corpus, "--out", out, "--hs", "--negative", "0", "--method", method,
                        "--base-tokens", "1e6", "-q"), "hierarchical softmax needs at least 2 words")
    assert not out.exists()
    # two trained words are enough
    corpus.write_text("alpha beta alpha beta alpha beta alpha beta alpha beta\n")
    model = Word2Vec.from_pretrained(pre, hs=True, negative=0, method=method, base_tokens=1e6, epochs=1)
    model.build_vocab(corpus)
    model.train(corpus)
    assert np.isfinite(model.wv["alpha"]).all()


@pytest.fixture()
def saved(tmp_path) -> Path:
    """A small saved model to damage."""
    model = Word2Vec(**dict(SETTINGS, epochs=1))
    model.build_vocab(LEE)
    model.train(LEE)
    model.save(tmp_path / "model")
    return tmp_path / "model"


@pytest.mark.parametrize("damage", ["empty", "npz", "huge-shape", "garbage-header"])
def test_damaged_array_files_are_model_format_errors(saved, damage):
    path = saved / "w_in.npy"
    if damage == "empty":
        path.write_bytes(b"")  # np.load: EOFError
    elif damage == "npz":
        with open(path, "wb") as fh:
            np.savez(fh, w_in=np.zeros(3))
    elif damage == "huge-shape":  # a header promising 2**60 floats: MemoryError without mmap
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1152921504606846976,), }"
        path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
    else:
        path.write_bytes(b"\x93NUMPY\x01\x00\xff\xff{garbage")
    for mmap in (False, True):
        with pytest.raises(ModelFormatError, match="w_in.npy"):
            fastw2v.load(saved, mmap=mmap)


def test_unreadable_header_is_a_model_format_error(saved):
    (saved / "header.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)  # nests past the recursion limit
    with pytest.raises(ModelFormatError, match="damaged header"):
        fastw2v.load(saved)
