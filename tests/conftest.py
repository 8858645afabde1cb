"""Shared fixtures for the fastw2v test-suite.

Helpers shared by several test modules (``from conftest import ok, unit_rows``) live here too.

Real data:

* gensim's installed test corpus ``lee_background.cor`` (300 news articles,
  ~60k tokens) is always available;
* ``../shared/data`` relative to the repository root (wiki-text8, biomed, ...)
  may be absent on a user's machine: tests needing it use :data:`SHARED_DATA`
  and skip with a reason when it is missing (see :func:`shared_file`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess

#: ``<repo>/../shared/data`` -- real corpora and vectors; optional.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

#: Continued training with a vector file's rows at rate 1. The tests of that machinery (warm-up,
#: freezing, learning-rate multipliers, anchoring, resume) ask for it by name rather than through the
#: default method.
CONTINUE = {"method": "continue", "preserve": "auto"}

#: gensim's Lee background corpus: 300 news articles, one per line.
LEE_PATH = Path(datapath("lee_background.cor"))


def ok(result):
    """A click ``CliRunner`` result that succeeded without a traceback (returned for chaining)."""
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Traceback" not in result.output
    return result


def interrupt_after_epoch(model, corpus, checkpoint: Path, epoch: int) -> None:
    """Train ``model`` on ``corpus`` checkpointing to ``checkpoint`` at every epoch's end, and stop after
    epoch number ``epoch`` (counted from 1) as Ctrl-C would."""
    from fastw2v.checkpoint import Checkpointer, Every

    saver = Checkpointer(model, checkpoint, Every(epochs=1))

    def stop(m, done, loss):
        if done == epoch:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.train(corpus, callbacks=[saver, stop])


def make_kv(words, vectors) -> KeyedVectors:
    """A gensim KeyedVectors of ``words`` and their ``vectors`` (float32)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(list(words), vectors)
    return kv


def unit_rows(matrix) -> np.ndarray:
    """Each row scaled to unit length (float64)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def neighbour_rank(model, unit, a, b) -> int:
    """How many words (other than ``a``) are closer to ``a`` than ``b`` is: 0 = nearest neighbour.

    ``unit``: the model's input vectors as unit rows (:func:`unit_rows`).
    """
    idx = model.vocab.index
    sims = unit @ unit[idx[a]]
    sims[idx[a]] = -np.inf
    return int((sims > sims[idx[b]]).sum())


#: Related word pairs of the Lee corpus (each word seen at least 5 times).
LEE_PAIRS = [("bin", "laden"), ("osama", "laden"), ("prime", "minister"), ("islamic", "jihad"),
             ("hamas", "jihad"), ("firefighters", "blazes"), ("qantas", "unions"), ("test", "cricket"),
             ("foreign", "affairs"), ("wage", "freeze"), ("police", "officers")]


def shared_file(name: str) -> Path:
    """Path of ``name`` in the shared data directory; skips the calling test when it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data directory ../shared/data is absent on this machine)")
    return path


@pytest.fixture(scope="session")
def lee_path() -> Path:
    """The raw Lee corpus file (whitespace tokens, case and punctuation kept)."""
    return LEE_PATH


@pytest.fixture(scope="session")
def lee_corpus() -> list[list[str]]:
    """The Lee corpus as a list of sentences (one per article), lowercased with gensim's ``simple_preprocess``."""
    with open(LEE_PATH, encoding="utf-8") as fh:
        sentences = [simple_preprocess(line) for line in fh]
    sentences = [s for s in sentences if s]
    assert len(sentences) == 300
    return sentences


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data directory; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs {SHARED_DATA} (the shared data directory ../shared/data is absent on this machine)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def wiki_text8(shared_data) -> Path:
    """``../shared/data/wiki-text8.txt.gz`` (16.7M tokens of Wikipedia, one article per line), or skip."""
    return shared_file("wiki-text8.txt.gz")
