"""gensim 4's documented workaround for fine-tuning, run as the reference fastw2v is compared against.

gensim 4 cannot continue training a word2vec file (it holds no output layer and no counts).
What its documentation offers instead: build a fresh model on the domain corpus, copy in
the pre-trained vectors of the words both share with ``intersect_word2vec_format``
(``lockf=1.0``: they may move), and train. New words of the base are not brought in, and the
output layer starts from zero. The demo and the fine-tuning study show this beside
fastw2v's fine-tuning at the same number of passes.

This is the one place fastw2v asks gensim to train, and only to show the peer's result.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .vectors_io import write_vectors

if TYPE_CHECKING:
    from gensim.models import KeyedVectors


def gensim_workaround(words: Sequence[str], vectors: np.ndarray, corpus: str | os.PathLike, epochs: int,
                      seed: int = 1, **settings: Any) -> KeyedVectors:
    """Fine-tune ``vectors`` on ``corpus`` the way gensim 4 documents, and return gensim's vectors.

    Parameters
    ----------
    words, vectors : sequence of str, float32[n, dim]
        The pre-trained vectors.
    corpus : path
        A text file, one sentence per line (gensim's ``LineSentence``).
    epochs : int
        Passes over the corpus (give the same number as the fastw2v run it is compared with,
        warm-up epochs included).
    seed : int
    **settings
        gensim ``Word2Vec`` settings (``sg``, ``negative``, ``window``, ``min_count``, ``workers``...).
    """
    from gensim.models import Word2Vec as GensimWord2Vec
    from gensim.models.word2vec import LineSentence

    model = GensimWord2Vec(vector_size=vectors.shape[1], seed=seed, epochs=epochs, **settings)
    sentences = LineSentence(str(corpus))
    model.build_vocab(sentences)
    model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
    with tempfile.TemporaryDirectory(prefix="fastw2v-gensim-") as tmp:
        # Text, because gensim 4.4's binary branch of intersect_word2vec_format calls np.fromstring,
        # which NumPy 2 removed.
        text = Path(tmp) / "base.txt"
        write_vectors(text, list(words), vectors, binary=False)
        model.wv.intersect_word2vec_format(str(text), binary=False, lockf=1.0)
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv
