"""The command-line interface, driven in-process with click's CliRunner.

Every command and every documented option is exercised at least once; bad input must
end with exit code 2 and exactly one ``error: ...`` line on stderr, never a traceback.
"""
from __future__ import annotations

import json
import logging
import math
import re
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors
from gensim.test.utils import datapath

from conftest import interrupt_after_epoch, ok
from reference import corpus_counts

from fastw2v import load
from fastw2v.cli import main
from fastw2v.vectors_io import read_vectors, write_vectors

LEE = datapath("lee_background.cor")
WORDSIM = datapath("wordsim353.tsv")
QUESTIONS = datapath("questions-words.txt")
SMALL = ["--vector-size", "16", "--min-count", "2", "--epochs", "1", "--workers", "1", "-q"]


def run(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_clean_error(result, *fragments: str) -> str:
    """Exit code 2, nothing on stdout, one stderr line 'error: ...', no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip("\n").splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


# ---------------------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def trained(workdir) -> dict:
    """A small model trained by `fastw2v train`, with its vectors exported by --vectors."""
    out, vectors = workdir / "model", workdir / "model.bin"
    ok(run("train", LEE, "--out", out, "--vectors", vectors, *SMALL))
    return {"model": out, "vectors": vectors}


@pytest.fixture(scope="module")
def other_model(workdir) -> Path:
    out = workdir / "other"
    ok(run("train", LEE, "--out", out, "--seed", "5", "--epochs", "2", *SMALL[:4], "--workers", "1", "-q"))
    return out


@pytest.fixture(scope="module")
def pretrained(workdir) -> dict:
    """Synthetic pre-trained vectors (dimension 8) for 800 Lee words and 100 words the corpus lacks."""
    counts = corpus_counts(LEE)
    rng = np.random.default_rng(7)
    words = [str(w) for w in rng.choice(sorted(counts), 800, replace=False)] + [f"zzoov{i}" for i in range(100)]
    words = [words[i] for i in rng.permutation(len(words))]
    vectors = rng.normal(0, 0.3, (len(words), 8)).astype(np.float32)
    path = workdir / "pre.bin"
    write_vectors(path, words, vectors)
    return {"path": path, "words": words, "vectors": vectors}


# ---------------------------------------------------------------------------------------------------------
# help and version
# ---------------------------------------------------------------------------------------------------------

DOCUMENTED = {
    "train": ["--out", "--vectors", "--resume", "--checkpoint-every", "--checkpoint", "--sg", "--cbow", "--hs",
              "--no-hs", "--negative", "--vector-size", "--window", "--min-count", "--max-vocab-size",
              "--max-final-vocab", "--sample", "--ns-exponent", "--cbow-mean", "--cbow-sum", "--epochs", "--alpha",
              "--min-alpha", "--workers", "--seed", "--max-sentence-length", "--strict-encoding", "--quiet", "-q"],
    "finetune": ["--out", "--vectors", "--checkpoint-every", "--checkpoint", "--format", "--limit",
                 "--keep-pretrained", "--warmup-epochs", "--freeze", "--pretrained-lr", "--output-lr", "--anchor",
                 "--new-word-init", "--sg", "--cbow", "--hs", "--no-hs", "--negative", "--vector-size", "--window",
                 "--min-count", "--epochs", "--alpha", "--min-alpha", "--workers", "--seed", "--quiet"],
    "export": ["--format", "--input-format", "--quiet", "-q"],
    "similar": ["-n", "--topn", "--format"],
    "evaluate": ["--similarity", "--analogies", "--restrict-vocab", "--multiword", "--method", "--json", "--format"],
    "compare": ["--words", "--top", "--json", "--format"],
    "demo": ["--workers", "--epochs", "--quiet", "-q"],
    "phrases": ["--out", "--min-count", "--threshold", "--scoring", "--delimiter", "--passes", "--max-vocab-size",
                "--save-model", "--quiet", "-q"],
}


def test_every_command_is_documented_here():
    assert set(main.commands) == set(DOCUMENTED)


@pytest.mark.parametrize("command", sorted(DOCUMENTED))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_option(command, flag):
    result = ok(run(command, flag))
    text = result.stdout
    assert text.startswith("Usage:")
    declared = [opt for p in main.commands[command].params if isinstance(p, click.Option)
                for opt in (*p.opts, *p.secondary_opts)]
    for opt in [*declared, *DOCUMENTED[command]]:
        assert opt in text, f"{command} --help does not mention {opt}"
    assert set(DOCUMENTED[command]) <= set(declared)


def test_group_help_and_version():
    text = ok(run("--help")).stdout
    for command in DOCUMENTED:
        assert command in text
    assert "0.1.0" in ok(run("--version")).stdout


@pytest.mark.parametrize("args, fragments", [
    (["bogus"], ["No such command 'bogus'", " --help')"]),
    (["train", "--no-such-option"], ["No such option", "--no-such-option", " train --help')"]),
    (["train", "--epochs", "many", "x.txt"], ["Invalid value for '--epochs'", "'many'"]),
    (["finetune", "--out", "x.fw2v"], ["Missing argument 'PRETRAINED'", " finetune --help')"]),
    (["evaluate"], ["Missing argument"]),
])
def test_click_usage_errors_are_one_line(args, fragments):
    """What click itself rejects gets the same one ``error:`` line as every other bad input."""
    assert_clean_error(run(*args), *fragments)


def test_bare_command_prints_the_help(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "fastw2v"], capture_output=True, text=True, cwd=tmp_path)
    text = proc.stdout + proc.stderr
    assert "Usage: fastw2v" in text and "error:" not in text and "finetune" in text
    assert "Traceback" not in text


def test_usage_errors_from_the_installed_command_are_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "fastw2v", "train", "--bogus"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: No such option"), proc.stderr
    assert "--bogus" in lines[0] and lines[0].endswith("(see 'fastw2v train --help')")


# ---------------------------------------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------------------------------------

def test_train_saves_model_and_vectors(trained):
    model = load(trained["model"])
    c = model.config
    assert (c.vector_size, c.min_count, c.epochs, c.workers) == (16, 2, 1, 1)
    assert len(model.history) == 1
    assert (model.vocab.counts >= 2).all()
    assert model.corpus_sources == [LEE]
    kv = KeyedVectors.load_word2vec_format(str(trained["vectors"]), binary=True)
    assert kv.index_to_key == model.vocab.words
    np.testing.assert_array_equal(kv.vectors, model.weights.w_in)


@pytest.mark.parametrize("args,expect", [
    (["--sg", "--hs", "--negative", "0", "--vector-size", "16", "--window", "3", "--min-count", "3",
      "--sample", "0", "--epochs", "2", "--alpha", "0.05", "--min-alpha", "0.001", "--workers", "2",
      "--seed", "7", "--max-sentence-length", "50", "--quiet"],
     dict(sg=True, hs=True, negative=0, vector_size=16, window=3, min_count=3, sample=0.0, epochs=2, alpha=0.05,
          min_alpha=0.001, workers=2, seed=7, max_sentence_length=50)),
    (["--cbow", "--no-hs", "--negative", "3", "--ns-exponent", "0.5", "--cbow-sum", "--max-vocab-size", "6000",
      "--max-final-vocab", "1000", "--min-count", "1", "--vector-size", "8", "--epochs", "1", "--workers", "1",
      "--strict-encoding", "-q"],
     dict(sg=False, hs=False, negative=3, ns_exponent=0.5, cbow_mean=False, max_vocab_size=6000,
          max_final_vocab=1000, min_count=1, vector_size=8, alpha=0.05)),
    (["--cbow-mean", "--sample", "0.01", "--vector-size", "8", "--epochs", "1", "--workers", "1", "-q"],
     dict(cbow_mean=True, sample=0.01, min_count=5, window=5, negative=5, seed=1, max_vocab_size=None, alpha=0.05)),
    (["--sg", "--vector-size", "8", "--epochs", "1", "--workers", "1", "-q"], dict(sg=True, alpha=0.025)),
])
def test_train_options_reach_the_model(tmp_path, args, expect):
    ok(run("train", LEE, "--out", tmp_path / "m", *args))
    model = load(tmp_path / "m")
    for key, value in expect.items():
        assert getattr(model.config, key) == value, key
    assert len(model.history) == model.config.epochs
    n = len(model.vocab)
    if model.config.hs:
        assert model.weights.heads["hs"].w.shape == (n - 1, model.config.vector_size)
        assert "ns" not in model.weights.heads
    if expect.get("max_final_vocab"):
        assert n <= expect["max_final_vocab"]
    if expect.get("max_sentence_length") == 50:
        assert model.corpus_shape[1] > 300  # long articles were split into pieces of 50 tokens
    assert (model.vocab.counts >= model.config.min_count).all()
    assert np.isfinite(model.weights.w_in).all()


def test_train_single_worker_runs_are_reproducible(tmp_path):
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        ok(run("train", LEE, "--out", tmp_path / name, "--seed", seed, *SMALL))
    a, b, c = (load(tmp_path / n).weights.w_in for n in "abc")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_train_accepts_a_directory_and_several_files(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = Path(LEE).read_bytes().splitlines(keepends=True)
    (corpus / "a.txt").write_bytes(b"".join(lines[:150]))
    (corpus / "b.txt").write_bytes(b"".join(lines[150:]))
    ok(run("train", corpus, "--out", tmp_path / "dir", *SMALL))
    ok(run("train", corpus / "a.txt", corpus / "b.txt", "--out", tmp_path / "files", *SMALL))
    ok(run("train", LEE, "--out", tmp_path / "whole", *SMALL))
    whole = load(tmp_path / "whole")
    for name in ("dir", "files"):
        model = load(tmp_path / name)
        assert model.vocab.words == whole.vocab.words
        np.testing.assert_array_equal(model.weights.w_in, whole.weights.w_in)


def test_train_checkpoints_every_epoch_and_removes_the_checkpoint_when_done(tmp_path):
    ck = tmp_path / "ck"
    result = ok(run("train", LEE, "--out", tmp_path / "m", "--checkpoint-every", "1", "--checkpoint", ck,
                    *SMALL[:6], "--epochs", "2"))
    assert result.stderr.count(f"checkpoint saved to {ck}") == 2
    # The run finished and its model is saved: resuming the checkpoint again cannot retrain over it.
    assert not ck.exists() and f"removed the checkpoint {ck}" in result.stderr
    assert_clean_error(run("train", "--resume", ck, "--out", tmp_path / "m"), f"{ck}: no such checkpoint (a run "
                       "that finishes removes its checkpoint once its model is saved)")
    # Resuming a finished run (its model) just saves it.
    ok(run("train", "--resume", tmp_path / "m", "--out", tmp_path / "again", "-q"))
    np.testing.assert_array_equal(load(tmp_path / "again").weights.w_in, load(tmp_path / "m").weights.w_in)


def test_train_checkpoint_default_location_and_minutes(tmp_path):
    result = ok(run("train", LEE, "--out", tmp_path / "m", "--checkpoint-every", "2e", *SMALL[:6], "--epochs", "2"))
    assert result.stderr.count(f"checkpoint saved to {tmp_path / 'm.checkpoint'} (after epoch 2)") == 1
    # A tiny interval in minutes saves after (nearly) every batch.
    result = ok(run("train", LEE, "--out", tmp_path / "n", "--checkpoint-every", "0.00001m", *SMALL[:-1]))
    assert result.stderr.count(f"checkpoint saved to {tmp_path / 'n.checkpoint'}") >= 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "n"]  # the finished runs' checkpoints are gone


def test_resumed_train_keeps_the_checkpoint_interval_of_its_run(tmp_path):
    from fastw2v import Word2Vec

    model = Word2Vec(vector_size=16, min_count=2, epochs=3, workers=1)
    model.build_vocab(LEE)
    interrupt_after_epoch(model, LEE, tmp_path / "ck", 1)
    assert load(tmp_path / "ck").checkpoint_every == "1"
    # No --checkpoint-every: the resumed run goes on checkpointing every epoch, into the resumed checkpoint.
    result = ok(run("train", "--resume", tmp_path / "ck", "--out", tmp_path / "m"))
    assert result.stderr.count(f"checkpoint saved to {tmp_path / 'ck'}") == 2, result.stderr
    assert not (tmp_path / "ck").exists() and len(load(tmp_path / "m").history) == 3
    # Checkpoints taken elsewhere: the stale resumed one goes too once the run has finished.
    model = Word2Vec(vector_size=16, min_count=2, epochs=3, workers=1)
    model.build_vocab(LEE)
    interrupt_after_epoch(model, LEE, tmp_path / "ck", 1)
    ok(run("train", "--resume", tmp_path / "ck", "--checkpoint", tmp_path / "ck2", "--out", tmp_path / "m2", "-q"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "m2"]


def test_train_replaces_an_existing_model(tmp_path, trained):
    out = tmp_path / "m"
    ok(run("train", LEE, "--out", out, *SMALL))
    ok(run("train", LEE, "--out", out, "--seed", "9", *SMALL))
    assert load(out).config.seed == 9
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary leftovers


# ---------------------------------------------------------------------------------------------------------
# export, similar
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt,name,binary", [(None, "v.bin", True), ("word2vec-bin", "v.bin.gz", True),
                                             ("word2vec-text", "v.txt", False),
                                             ("word2vec-text", "v.txt.gz", False)])
def test_export(trained, tmp_path, fmt, name, binary):
    out = tmp_path / name
    ok(run("export", trained["model"], out, *(["--format", fmt] if fmt else [])))
    model = load(trained["model"])
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert kv.index_to_key == model.vocab.words
    np.testing.assert_allclose(kv.vectors, model.weights.w_in, rtol=1e-6, atol=1e-7)
    if binary:
        np.testing.assert_array_equal(kv.vectors, model.weights.w_in)
    if name.endswith(".gz"):
        assert out.read_bytes()[:2] == b"\x1f\x8b"
    elif not binary:
        assert out.read_text(encoding="utf-8").split("\n", 1)[0] == f"{len(model.vocab)} 16"


@pytest.mark.parametrize("which", ["model", "vectors"])
def test_similar(trained, which):
    result = ok(run("similar", trained[which], "government", "-n", "5"))
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5
    kv = KeyedVectors.load_word2vec_format(str(trained["vectors"]), binary=True)
    expected = kv.most_similar("government", topn=5)
    for line, (word, score) in zip(lines, expected):
        got_word, got_score = line.split("\t")
        assert got_word == word
        assert abs(float(got_score) - score) < 1e-4
    assert len(ok(run("similar", trained[which], "government", "--topn", "3")).stdout.strip().splitlines()) == 3
    assert len(ok(run("similar", trained[which], "government")).stdout.strip().splitlines()) == 10


def test_similar_unknown_word(trained):
    result = run("similar", trained["model"], "qqqqzzzz")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "qqqqzzzz" in result.stderr and "not in the vocabulary" in result.stderr


@pytest.mark.parametrize("name,fmt,binary", [("v.txt", None, False), ("v.vec", None, False),
                                             ("v.txt.gz", None, False), ("v.bin", None, True),
                                             ("v.bin.gz", None, True), ("v.w2v", None, True),
                                             ("v.txt", "word2vec-bin", True), ("v.bin", "word2vec-text", False)])
def test_export_takes_the_format_from_the_name_and_says_what_it_wrote(trained, tmp_path, name, fmt, binary):
    out = tmp_path / name
    result = ok(run("export", trained["model"], out, *(["--format", fmt] if fmt else [])))
    n = len(load(trained["model"]).vocab)
    kind = "word2vec-bin" if binary else "word2vec-text"
    packed = ", gz-compressed" if name.endswith(".gz") else ""
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.rstrip().endswith(f"INFO wrote {n} vectors of dimension 16 to {out} ({kind}{packed})")
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    assert len(kv) == n and (out.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    assert ok(run("export", trained["model"], tmp_path / "q.txt", "-q")).output == ""


def test_train_and_finetune_say_once_where_the_vectors_went(pretrained, tmp_path):
    result = ok(run("train", LEE, "--out", tmp_path / "m", "--vectors", tmp_path / "m.txt", *SMALL[:-1]))
    assert result.stderr.count(" wrote ") == 1 and f"to {tmp_path / 'm.txt'} (word2vec-text)" in result.stderr
    result = ok(run("finetune", pretrained["path"], LEE, "--out", tmp_path / "ft", "--vectors", tmp_path / "ft.bin",
                    *SMALL[2:-1]))
    assert result.stderr.count(" wrote ") == 1 and f"to {tmp_path / 'ft.bin'} (word2vec-bin)" in result.stderr


def test_similar_suggests_the_phrase_token_of_words_given_apart(tmp_path):
    path = tmp_path / "phrased.bin"
    write_vectors(path, ["new_york", "new", "york", "city"], np.eye(4, dtype=np.float32) + 0.1)
    assert_clean_error(run("similar", path, "new york"), "'new york' is not in the vocabulary",
                       "did you mean 'new_york'?")
    assert_clean_error(run("similar", path, "New York"), "did you mean 'new_york'?")
    assert "did you mean" not in run("similar", path, "boston").stderr


# ---------------------------------------------------------------------------------------------------------
# no output of a run may be one of its inputs
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture()
def inputs(tmp_path, pretrained, trained) -> dict:
    """Inputs of every kind, each a copy this test may lose: vectors, a corpus file and directory, a phrase
    model, a saved model."""
    pre = tmp_path / "PRE.txt"
    write_vectors(pre, pretrained["words"], pretrained["vectors"], binary=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = Path(LEE).read_bytes().splitlines(keepends=True)
    (corpus / "a.txt").write_bytes(b"".join(lines[:150]))
    (corpus / "b.txt").write_bytes(b"".join(lines[150:]))
    (tmp_path / "linked.txt").hardlink_to(pre)
    (tmp_path / "alias.txt").symlink_to(pre)
    model = tmp_path / "model"
    ok(run("train", corpus, "--out", model, *SMALL))
    phrases = tmp_path / "p.json"
    ok(run("phrases", corpus, "--out", tmp_path / "phrased.txt", "--save-model", phrases, "-q"))
    return {"pre": pre, "corpus": corpus, "model": model, "phrases": phrases, "tmp": tmp_path}


def _everything(tmp_path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(tmp_path)): p.read_bytes() for p in sorted(tmp_path.rglob("*"))
            if p.is_file() and not p.is_symlink()}


@pytest.mark.parametrize("args,output,what", [
    # The case: the pre-trained file as --vectors.
    (["finetune", "{pre}", "{corpus}/a.txt", "--out", "{tmp}/x.fw2v", "--vectors", "{pre}"], "--vectors {pre}",
     "the input PRETRAINED {pre}"),
    (["finetune", "{pre}", "{corpus}", "--out", "{pre}"], "--out {pre}", "PRETRAINED {pre}"),
    (["finetune", "{model}", "{corpus}", "--out", "{model}"], "--out {model}", "PRETRAINED {model}"),
    (["finetune", "{pre}", "{corpus}", "--out", "{tmp}/x", "--checkpoint-every", "1", "--checkpoint", "{corpus}"],
     "--checkpoint {corpus}", "is the input CORPUS {corpus}"),
    (["finetune", "{pre}", "{corpus}", "--out", "{tmp}/x", "--vectors", "{tmp}/linked.txt"],
     "--vectors {tmp}/linked.txt", "PRETRAINED {pre}"),  # a hard link: the same inode
    (["finetune", "{tmp}/alias.txt", "{corpus}", "--out", "{tmp}/x", "--vectors", "{pre}"],
     "--vectors {pre}", "PRETRAINED {tmp}/alias.txt"),  # a symbolic link
    (["train", "{corpus}", "--out", "{tmp}/m", "--vectors", "{corpus}/b.txt"], "--vectors {corpus}/b.txt",
     "CORPUS {corpus}/b.txt"),  # a file inside a CORPUS directory
    (["train", "{corpus}/a.txt", "--out", "{corpus}"], "--out {corpus}",
     "would replace the directory holding the input CORPUS {corpus}/a.txt"),
    (["train", "{corpus}/a.txt", "--out", "{tmp}/m", "--checkpoint-every", "1", "--checkpoint", "{corpus}/a.txt"],
     "--checkpoint {corpus}/a.txt", "CORPUS {corpus}/a.txt"),
    (["train", "{corpus}", "--phrases", "{phrases}", "--out", "{tmp}/m", "--vectors", "{phrases}"],
     "--vectors {phrases}", "--phrases {phrases}"),
    (["train", "--resume", "{model}", "--out", "{model}"], "--out {model}", "--resume {model}"),
    (["train", "--resume", "{model}", "--out", "{tmp}/m", "--vectors", "{corpus}/a.txt"],
     "--vectors {corpus}/a.txt", "CORPUS {corpus}/a.txt"),  # the corpus the checkpoint records
    (["train", "{corpus}", "--out", "{tmp}/m", "--vectors", "{tmp}/m"], "--out {tmp}/m and --vectors {tmp}/m",
     "the same path"),
    (["export", "{model}", "{model}/w_in.npy"], "OUT {model}/w_in.npy", "MODEL {model}"),
    (["export", "{pre}", "{tmp}/linked.txt"], "OUT {tmp}/linked.txt", "MODEL {pre}"),
    (["phrases", "{corpus}", "--out", "{corpus}/a.txt"], "--out {corpus}/a.txt", "CORPUS {corpus}/a.txt"),
    (["phrases", "{corpus}/a.txt", "--out", "{tmp}/o.txt", "--save-model", "{corpus}/a.txt"],
     "--save-model {corpus}/a.txt", "CORPUS {corpus}/a.txt"),
])
def test_no_output_of_a_run_may_be_one_of_its_inputs(inputs, args, output, what):
    before = _everything(inputs["tmp"])
    paths = {k: str(v) for k, v in inputs.items()}
    line = assert_clean_error(run(*(a.format(**paths) for a in args), "-q"), output.format(**paths),
                              what.format(**paths))
    assert "refusing" in line or "would replace" in line or "same path" in line
    assert _everything(inputs["tmp"]) == before  # nothing written, nothing lost


# ---------------------------------------------------------------------------------------------------------
# finetune
# ---------------------------------------------------------------------------------------------------------

def test_finetune_every_recipe_option(pretrained, tmp_path):
    out, vectors, ck = tmp_path / "ft", tmp_path / "ft.bin", tmp_path / "ft.ck"
    ok(run("finetune", pretrained["path"], LEE, "--out", out, "--vectors", vectors, "--format", "word2vec-bin",
           "--limit", "600", "--keep-pretrained", "all", "--warmup-epochs", "1", "--freeze", "pretrained",
           "--pretrained-lr", "0.5", "--output-lr", "0.9", "--anchor", "0.25", "--new-word-init", "scaled",
           "--method", "continue",
           "--checkpoint-every", "1", "--checkpoint", ck,
           "--sg", "--window", "3", "--min-count", "3", "--epochs", "1", "--workers", "1", "--seed", "4", "-q"))
    model = load(out)
    plan = model.finetune_plan
    assert plan.n_pretrained == 600 and plan.warmup_done
    s = plan.settings
    assert (s.keep_pretrained, s.warmup_epochs, s.freeze, s.pretrained_lr, s.output_lr, s.anchor,
            s.new_word_init) == ("all", 1, "pretrained", 0.5, 0.9, 0.25, "scaled")
    assert model.config.vector_size == 8 and model.config.sg and model.config.window == 3
    assert model.config.seed == 4 and model.config.min_count == 3
    assert model.vocab.words[:600] == pretrained["words"][:600]
    np.testing.assert_array_equal(model.weights.w_in[:600], pretrained["vectors"][:600])  # frozen
    assert len(model.history) == 2
    words, vecs = read_vectors(vectors)
    # exported as wv lists them: by descending (domain + estimated base) count
    wv = model.wv
    assert words == wv.index_to_key and sorted(words) == sorted(model.vocab.words)
    np.testing.assert_array_equal(vecs, wv.vectors)
    assert not ck.exists()  # checkpointed every epoch, removed once the run finished and its model was saved


def test_finetune_defaults(pretrained, tmp_path):
    ok(run("finetune", pretrained["path"], LEE, "--out", tmp_path / "ft", "--format", "auto", *SMALL[2:]))
    model = load(tmp_path / "ft")
    s = model.finetune_plan.settings
    assert (s.keep_pretrained, s.warmup_epochs, s.freeze, s.pretrained_lr, s.anchor) == ("all", 1, "none", "auto", 0.0)
    assert model.config.vector_size == 8  # from the vectors, not the CLI default of 100
    assert model.vocab.words[:900] == pretrained["words"]
    unseen = [model.vocab.index[f"zzoov{i}"] for i in range(100)]
    original = pretrained["vectors"][[pretrained["words"].index(f"zzoov{i}") for i in range(100)]]
    np.testing.assert_array_equal(model.weights.w_in[unseen], original)


@pytest.mark.parametrize("keep", ["seen", "50"])
def test_finetune_keep_pretrained_subsets(pretrained, tmp_path, keep):
    ok(run("finetune", pretrained["path"], LEE, "--out", tmp_path / "ft", "--keep-pretrained", keep, *SMALL[2:]))
    model = load(tmp_path / "ft")
    kept = set(model.vocab.words[:model.finetune_plan.n_pretrained])
    counts = corpus_counts(LEE)
    seen = {w for w in pretrained["words"] if w in counts}
    assert kept == (seen if keep == "seen" else seen | set(pretrained["words"][:50]))


def test_finetune_saved_model(trained, tmp_path):
    ok(run("finetune", trained["model"], LEE, "--out", tmp_path / "ft", "--workers", "1", "--epochs", "1", "-q"))
    base, model = load(trained["model"]), load(tmp_path / "ft")
    n = len(base.vocab)
    assert model.vocab.words[:n] == base.vocab.words
    np.testing.assert_array_equal(model.vocab.counts[:n], 2 * base.vocab.counts)  # saved counts + corpus counts
    assert model.config.vector_size == 16


def test_finetune_vector_size(pretrained, tmp_path):
    result = run("finetune", pretrained["path"], LEE, "--out", tmp_path / "x", "--vector-size", "13", *SMALL[2:])
    assert_clean_error(result, "vector_size=13")
    assert not (tmp_path / "x").exists()
    ok(run("finetune", pretrained["path"], LEE, "--out", tmp_path / "y", "--vector-size", "8", *SMALL[2:]))
    assert load(tmp_path / "y").config.vector_size == 8


# ---------------------------------------------------------------------------------------------------------
# evaluate, compare
# ---------------------------------------------------------------------------------------------------------

def test_evaluate_json_schema(trained):
    result = ok(run("evaluate", trained["model"], "--similarity", WORDSIM, "--analogies", QUESTIONS, "--json"))
    data = json.loads(result.stdout)
    assert set(data) == {"similarity", "analogies"}
    sim = data["similarity"]["wordsim353.tsv"]
    assert {"spearman", "pearson", "pairs", "oov_pairs"} <= set(sim)
    assert isinstance(sim["pairs"], int) and isinstance(sim["oov_pairs"], int)
    assert sim["pairs"] > 10 and sim["pairs"] + sim["oov_pairs"] <= 353
    assert -1 <= sim["spearman"] <= 1 and -1 <= sim["pearson"] <= 1
    ana = data["analogies"]["questions-words.txt"]
    assert {"accuracy", "questions", "oov_questions", "sections"} <= set(ana)
    assert ana["questions"] > 0 and ana["questions"] + ana["oov_questions"] <= 19544
    assert 0 <= ana["accuracy"] <= 1
    assert isinstance(ana["sections"], dict) and "capital-common-countries" in ana["sections"]
    assert sum(s["questions"] for s in ana["sections"].values()) == ana["questions"]
    assert sum(s["oov_questions"] for s in ana["sections"].values()) == ana["oov_questions"]
    # Scores agree with gensim on the same vectors.
    kv = KeyedVectors.load_word2vec_format(str(trained["vectors"]), binary=True)
    pearson, spearman, _ = kv.evaluate_word_pairs(WORDSIM)
    assert abs(sim["spearman"] - spearman.statistic) < 1e-6
    assert abs(sim["pearson"] - pearson.statistic) < 1e-6


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def test_evaluate_json_is_strict_json(trained):
    result = ok(run("evaluate", trained["model"], "--analogies", QUESTIONS, "--json"))
    json.loads(result.stdout, parse_constant=_reject_constant)


def test_evaluate_table_and_options(trained):
    result = ok(run("evaluate", trained["vectors"], "--similarity", WORDSIM, "--analogies", QUESTIONS,
                    "--restrict-vocab", "2000", "--multiword", "mean", "--method", "3cosmul"))
    assert "wordsim353" in result.stdout and "questions-words" in result.stdout
    data = json.loads(ok(run("evaluate", trained["vectors"], "--analogies", QUESTIONS, "--restrict-vocab", "2000",
                             "--method", "3cosmul", "--json")).stdout)
    ana = data["analogies"]["questions-words.txt"]
    assert ana["method"] == "3cosmul"
    assert 0 < ana["restrict_vocab"] <= 2000
    result = run("evaluate", trained["model"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_compare(trained, other_model):
    data = json.loads(ok(run("compare", trained["model"], other_model, "--json")).stdout)
    for key in ("words", "cosine_mean", "overlap_at_k", "moved_most", "new_words"):
        assert key in data
    assert data["words"] == 1000
    assert -1 <= data["cosine_mean"] <= 1 and 0 <= data["overlap_at_k"] <= 1
    same = json.loads(ok(run("compare", trained["model"], trained["vectors"], "--json", "--top", "50")).stdout)
    assert same["words"] == 50
    assert same["cosine_mean"] == pytest.approx(1.0, abs=1e-5)
    assert same["overlap_at_k"] == pytest.approx(1.0)
    chosen = json.loads(ok(run("compare", trained["model"], other_model, "--words", "government",
                               "--words", "police", "--words", "qqqzzz", "--json")).stdout)
    assert chosen["words"] == 2 and chosen["missing_words"] == 1
    text = ok(run("compare", trained["model"], other_model)).stdout
    assert "drift" in text


# ---------------------------------------------------------------------------------------------------------
# bad input: exit code 2 and one line
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args,fragment", [
    (["--vector-size", "0"], "vector_size"),
    (["--window", "0"], "window"),
    (["--negative", "-1"], "negative"),
    (["--alpha", "0"], "alpha"),
    (["--min-alpha", "0.5", "--alpha", "0.1"], "min_alpha"),
    (["--workers", "0"], "workers"),
    (["--sample", "-1"], "sample"),
    (["--no-hs", "--negative", "0"], "negative=0"),
    (["--min-count", "0"], "min_count"),
    (["--epochs", "-1"], "epochs"),
    (["--max-sentence-length", "1"], "max_sentence_length"),
    (["--checkpoint-every", "often"], "checkpoint_every"),
])
def test_train_invalid_settings(tmp_path, args, fragment):
    result = run("train", LEE, "--out", tmp_path / "m", *args, "-q")
    assert_clean_error(result, fragment)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("args,fragment", [
    (["--anchor", "-1"], "anchor"),
    (["--pretrained-lr", "fast"], "pretrained_lr"),
    (["--pretrained-lr", "-0.1"], "pretrained_lr"),
    (["--warmup-epochs", "-1"], "warmup_epochs"),
    (["--keep-pretrained", "some"], "keep_pretrained"),
    (["--limit", "0"], "limit"),
    (["--window", "0"], "window"),
])
def test_finetune_invalid_settings(pretrained, tmp_path, args, fragment):
    assert_clean_error(run("finetune", pretrained["path"], LEE, "--out", tmp_path / "m", *args, "-q"), fragment)


def test_a_huge_vector_size_fails_at_once_naming_it_and_the_bytes(pretrained, tmp_path):
    line = assert_clean_error(run("train", LEE, "--out", tmp_path / "m", "--vector-size", "100000000", "-q"),
                              "vector_size=100000000 is too large", "bytes)", "of memory")
    assert re.search(r"words need [0-9.]+ [TGM]B \([0-9,]+ bytes\)", line)
    assert not (tmp_path / "m").exists()
    # finetune: the vector size is the file's, refused from its header (no vector read)
    assert_clean_error(run("finetune", pretrained["path"], LEE, "--out", tmp_path / "m", "--vector-size",
                           "100000000"), "vector_size=100000000 conflicts", "(dimension 8)")


def test_missing_corpus_file(tmp_path):
    missing = tmp_path / "nope.txt"
    assert_clean_error(run("train", missing, "--out", tmp_path / "m", "-q"), str(missing))


def test_missing_pretrained_file(tmp_path):
    missing = tmp_path / "nope.bin"
    assert_clean_error(run("finetune", missing, LEE, "--out", tmp_path / "m", "-q"), str(missing))


def test_finetune_missing_corpus(pretrained, tmp_path):
    assert_clean_error(run("finetune", pretrained["path"], tmp_path / "nope.txt", "--out", tmp_path / "m", "-q"),
                       "nope.txt")


@pytest.mark.parametrize("content", [b"", b"\n\n   \n\t\n"])
def test_empty_corpus(tmp_path, content):
    corpus = tmp_path / "empty.txt"
    corpus.write_bytes(content)
    assert_clean_error(run("train", corpus, "--out", tmp_path / "m", "-q"), "empty")


def test_empty_corpus_directory(tmp_path):
    (tmp_path / "corpus").mkdir()
    assert_clean_error(run("train", tmp_path / "corpus", "--out", tmp_path / "m", "-q"))


def test_no_word_passes_min_count(tmp_path):
    line = assert_clean_error(run("train", LEE, "--out", tmp_path / "m", "--min-count", "100000", "-q"))
    assert "min_count=100000" in line


@pytest.mark.parametrize("cut", ["half", "last-bytes"])
def test_truncated_word2vec_binary(pretrained, tmp_path, cut):
    data = pretrained["path"].read_bytes()
    bad = tmp_path / "truncated.bin"
    bad.write_bytes(data[: len(data) // 2] if cut == "half" else data[:-7])
    assert_clean_error(run("finetune", bad, LEE, "--out", tmp_path / "m", "-q"), "truncated")
    assert_clean_error(run("similar", bad, "the"), "truncated")
    assert not (tmp_path / "m").exists()


def test_strict_encoding_rejects_invalid_utf8(tmp_path):
    corpus = tmp_path / "latin1.txt"
    text = Path(LEE).read_bytes().rstrip(b"\n") + b"\n"
    corpus.write_bytes(text + ("caf\u00e9 na\u00efve " * 3 + "\n").encode("latin-1"))
    line = assert_clean_error(run("train", corpus, "--out", tmp_path / "m", "--strict-encoding", *SMALL), "UTF-8")
    bad_line = text.count(b"\n") + 1
    assert "latin1.txt" in line and f"line {bad_line} " in line
    assert not (tmp_path / "m").exists()
    # Without the flag the bytes are replaced and training succeeds.
    ok(run("train", corpus, "--out", tmp_path / "m", *SMALL))
    assert "caf\ufffd" in load(tmp_path / "m").vocab.words


def test_strict_encoding_finetune(pretrained, tmp_path):
    corpus = tmp_path / "bad.txt"
    corpus.write_bytes(b"good words here\n\xff\xfe broken\n")
    assert_clean_error(run("finetune", pretrained["path"], corpus, "--out", tmp_path / "m", "--strict-encoding",
                           "--min-count", "1", "-q"), "UTF-8")


def test_not_a_model_or_vector_file(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not a vector file\n", encoding="utf-8")
    assert_clean_error(run("export", tmp_path / "nothing", tmp_path / "v.bin"))
    assert_clean_error(run("export", tmp_path, tmp_path / "v.bin"), "not a fastw2v model")
    assert_clean_error(run("similar", junk, "this"), "junk.txt")
    assert_clean_error(run("evaluate", junk, "--similarity", WORDSIM), "junk.txt")
    assert_clean_error(run("compare", junk, junk), "junk.txt")


def test_errors_in_a_real_process(tmp_path):
    """The installed entry point, with real logging configuration: still one line."""
    for args in (["train", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "m")],
                 ["train", LEE, "--out", str(tmp_path / "m"), "--window", "0"]):
        proc = subprocess.run([sys.executable, "-m", "fastw2v", *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("error: ")


# ---------------------------------------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.slow  # fine-tunes the shipped GloVe sample on the shipped biomedical sample
def test_demo():
    result = ok(run("demo", "--epochs", "1", "--workers", "2", "-q"))
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("data set"))
    assert header.split()[-3:] == ["before", "gensim", "fastw2v"]  # the base, gensim's workaround, fastw2v
    table = {line.rsplit(None, 4)[0]: line.split()[-3:] for line in lines
             if line.startswith(("UMNSRS", "WordSim", "SimLex"))}
    assert set(table) == {"UMNSRS-sim", "UMNSRS-rel", "WordSim-353", "SimLex-999", "WordSim-353 (all)",
                          "SimLex-999 (all)"}
    for name, cells in table.items():
        scores = [float(c) for c in cells if c != "-"]
        assert len(scores) == (2 if name.endswith("(all)") else 3), (name, cells)  # gensim lacks unused words
        assert all(math.isfinite(x) and -1 <= x <= 1 for x in scores)
    assert "recipe: method=blend" in result.stdout  # the library's default, said in words


def test_demo_stderr_holds_only_fastw2v_lines():
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    # As after logging.basicConfig(level=INFO): other libraries' INFO records are on unless the CLI quiets them.
    root.setLevel(logging.INFO)
    root.addHandler(keep)
    try:
        result = ok(run("demo", "--epochs", "1", "--workers", "2"))
    finally:
        root.removeHandler(keep)
        root.setLevel(level)
    others = [(r.name, r.getMessage()[:80]) for r in records if not r.name.startswith("fastw2v")]
    assert not others, others
    own = [r for r in records if r.name.startswith("fastw2v")]
    lines = result.stderr.splitlines()
    assert own and len(lines) == len(own), result.stderr
    assert all(re.match(r"\d\d:\d\d:\d\d (INFO|WARNING) ", line) for line in lines), result.stderr
    assert "lifecycle" not in result.stderr and "Dictionary" not in result.stderr
