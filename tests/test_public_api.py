"""The README's *Python API* block, run as written on small shipped data.

The block is read from README.md itself and executed with only its file names (and the
query word) swapped for the Lee corpus and the GloVe and biomedical samples shipped in
``fastw2v/data``, so the README cannot drift from the API it documents.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

import fastw2v
from conftest import LEE_PATH
from fastw2v.vectors_io import read_vectors

README = Path(__file__).resolve().parents[1] / "README.md"
DATA = Path(str(resources.files("fastw2v") / "data"))

# Trains on the Lee corpus and fine-tunes the 17k-word GloVe sample on 281k biomedical tokens (~20 s).
pytestmark = pytest.mark.slow


def readme_python_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory) -> dict:
    code = readme_python_block()
    swaps = {'"wiki.txt.gz"': repr(str(LEE_PATH)),
             '"GoogleNews-vectors-negative300.bin.gz"': repr(str(DATA / "glove-sample-50d.bin.gz")),
             '"medical.txt.gz"': repr(str(DATA / "biomed.sample.txt.gz")),
             '"king"': '"government"'}
    for old, new in swaps.items():
        assert old in code, f"the README's Python API block no longer mentions {old}"
        code = code.replace(old, new)
    where = tmp_path_factory.mktemp("readme")
    namespace: dict = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(where)  # the block's outputs ("wiki.fw2v", "wiki.bin", ...) land here
        exec(compile(code, str(README), "exec"), namespace)
    namespace["where"] = where
    return namespace


def test_the_readme_block_trains_saves_loads_and_exports(readme_run):
    m, m2, where = readme_run["m"], readme_run["m2"], readme_run["where"]
    assert isinstance(m, fastw2v.Word2Vec) and m.config.sg and m.config.vector_size == 100
    assert len(m.history) == 5 and m.position.epoch == 5
    assert "government" in m.wv.key_to_index and isinstance(m.wv, KeyedVectors)
    assert m2.vocab.words == m.vocab.words
    assert m2.weights.w_in.tobytes() == m.weights.w_in.tobytes()
    assert m2.history == m.history and m2.schedule == m.schedule
    assert fastw2v.load(where / "wiki.fw2v", mmap=True).weights.w_in.tobytes() == m.weights.w_in.tobytes()
    words, vectors = read_vectors(where / "wiki.bin")
    assert words == m.vocab.words and np.array_equal(vectors, m.weights.w_in)


def test_the_readme_block_fine_tunes_the_pretrained_vectors(readme_run):
    ft, where = readme_run["ft"], readme_run["where"]
    pre_words, pre_vectors = read_vectors(DATA / "glove-sample-50d.bin.gz")
    plan = ft.finetune_plan
    assert plan is not None and plan.warmup_done
    assert ft.config.vector_size == pre_vectors.shape[1] and ft.config.sg  # from the file and the recipe
    assert ft.vocab.words[:plan.n_pretrained] == pre_words  # every pre-trained word kept, in order
    assert len(ft.vocab) > plan.n_pretrained  # new corpus words were added
    assert len(ft.history) == 1 + ft.config.epochs  # warm-up, then the main epochs
    words, vectors = read_vectors(where / "medical-vectors.bin")  # written as wv orders them: by estimated count
    assert words == ft.wv.index_to_key and np.array_equal(vectors, ft.wv.vectors)
    assert sorted(words) == sorted(ft.vocab.words)


def test_the_public_names(readme_run):
    """What ``fastw2v`` exports and the class methods the README and gensim users call."""
    assert set(fastw2v.__all__) == {"Word2Vec", "Word2VecConfig", "load", "__version__"}
    for name in ("build_vocab", "train", "save", "load", "export", "from_pretrained", "wv"):
        assert hasattr(fastw2v.Word2Vec, name), name
    m, ft = readme_run["m"], readme_run["ft"]
    assert m.finetune_plan is None and m.anchor is None
    assert m.corpus_sources == [str(LEE_PATH)] and m.corpus_shape[1] == 300
    assert m.tables.keep_prob.shape == (len(m.vocab),)
    assert m.schedule.total_epochs == m.config.epochs
    assert ft.corpus_sources == [str(DATA / "biomed.sample.txt.gz")]
