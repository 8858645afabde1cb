"""Phrase detection: join frequent collocations (``new york`` -> ``new_york``) before training.

Scoring and joining follow gensim 4's ``Phrases`` / ``FrozenPhrases`` (with no connector
words): a bigram ``a b`` seen ``n_ab`` times becomes a phrase when its score is strictly
greater than ``threshold``, where

* ``default`` (Mikolov et al. 2013): ``(n_ab - min_count) / (n_a * n_b) * len_vocab``, with
  ``len_vocab`` the number of distinct unigrams *plus* distinct bigrams counted;
* ``npmi`` (Bouma 2009): ``ln(p_ab / (p_a p_b)) / -ln(p_ab)`` with ``p = n / corpus_word_count``,
  and ``-inf`` when ``n_ab < min_count``.

A sentence is joined greedily from the left: pair ``i`` (tokens ``i, i+1``) is joined when it
is a phrase and token ``i`` was not already taken by pair ``i - 1``. Within a run of
consecutive phrase pairs that takes every other pair, which is how :func:`_greedy_pairs`
computes it without a Python loop.

Counting runs over int32 token ids (text read by a jitted tokenizer and hash table): unigram
counts by ``bincount``, bigram keys ``(a << 31) | b`` counted in a jitted hash table.
When unigrams plus bigrams exceed ``max_vocab_size`` after a chunk, entries seen fewer than
``min_reduce`` times are dropped and ``min_reduce`` grows by one, as gensim does after a sentence
(and word2phrase when its hash fills): the table stays within about ``max_vocab_size`` plus one
chunk's new entries, and after pruning counts (so scores) are approximate, as theirs are. With
one sentence per chunk the pruning is gensim's exactly; without pruning, so are the phrases.

With ``passes=2`` the second pass counts the output of the first, so a phrase can grow to
three or four words (``new_york`` + ``city``). Unlike chaining two gensim models, whose export
re-splits ``new_york_city`` at the delimiter and scores it with the counts of ``new`` and
``city``, the second pass scores its own tokens' counts, as word2phrase run twice does.

Models are saved as one JSON file, never pickled.

The modules: :mod:`~fastw2v.phrases.counting` (settings, scores, bigram counts),
:mod:`~fastw2v.phrases.joining` (a model compiled to token ids, the greedy join),
:mod:`~fastw2v.phrases.model` (:class:`PhraseModel`: learning, known phrases, applying),
:mod:`~fastw2v.phrases.storage` (the JSON file), :mod:`~fastw2v.phrases.id_chunks` (text as
chunks of token ids), :mod:`~fastw2v.phrases.key_table` (the hash set of pair keys) and
:mod:`~fastw2v.phrases.output` (a corpus written phrased).
"""
from .counting import SCORINGS, PhrasePass, check_settings, score_bigrams
from .joining import BoundPhrases
from .model import PhraseModel, PhrasesLike, phrase_models
from .output import learn_and_write, write_phrased

__all__ = ["SCORINGS", "BoundPhrases", "PhraseModel", "PhrasePass", "PhrasesLike", "check_settings",
           "learn_and_write", "phrase_models", "score_bigrams", "write_phrased"]
