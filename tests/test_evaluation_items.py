"""Per-item scores agree with the aggregate evaluations they stand behind."""
from __future__ import annotations

import numpy as np
import pytest
from gensim.models import KeyedVectors
from scipy import stats

from fastw2v.evaluation import common_pairs, evaluate_analogies, evaluate_similarity, evaluate_tagging
from fastw2v.evaluation.items import analogy_items, sentence_entity_counts, similarity_items, tagging_items
from fastw2v.evaluation.tagging import entity_scores

WORDS = ["the", "King", "king", "queen", "man", "woman", "paris", "france", "rome", "italy", "cell", "gene",
         "aspirin", "pain", "fever", "cancer"]


@pytest.fixture(scope="module")
def kv() -> KeyedVectors:
    vectors = np.random.default_rng(0).normal(size=(len(WORDS), 6)).astype(np.float32)
    row = {w: i for i, w in enumerate(WORDS)}
    # two analogies that 3CosAdd gets right, so the per-question check is not all False
    vectors[row["italy"]] = vectors[row["rome"]] - vectors[row["paris"]] + vectors[row["france"]]
    vectors[row["woman"]] = vectors[row["man"]] - vectors[row["King"]] + vectors[row["queen"]]
    out = KeyedVectors(vector_size=6)
    out.add_vectors(WORDS, vectors)
    return out


def test_similarity_items_reproduce_spearman(kv, tmp_path):
    path = tmp_path / "sim.txt"
    path.write_text("king\tqueen\t9\nman\twoman\t8\nparis\tfrance\t7\nrome\tzzz\t5\ncell\tgene\t6\n"
                    "new york\tparis\t4\naspirin\tpain\t3\nfever\tcancer\t2.5\nthe\tking\t1\n", encoding="utf-8")
    items = similarity_items(kv, path)
    assert len(items.gold) == 7  # one OOV pair and one multi-word pair left out
    assert items.pairs[:2] == [("king", "queen"), ("man", "woman")] and ("rome", "zzz") not in items.pairs
    expected = evaluate_similarity(kv, path)
    assert stats.spearmanr(items.gold, items.cosine).statistic == pytest.approx(expected.spearman, abs=1e-12)
    # "King" and "king" fold together: the more frequent (first) one stands for both
    assert items.cosine[0] == pytest.approx(kv.similarity("King", "queen"), abs=1e-6)
    subset = common_pairs([kv], path)[:4]
    sub = similarity_items(kv, path, pairs=subset)
    assert stats.spearmanr(sub.gold, sub.cosine).statistic == pytest.approx(
        evaluate_similarity(kv, path, pairs=subset).spearman, abs=1e-12)


def test_analogy_items_reproduce_accuracy(kv, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": capitals\nparis france rome italy\nrome italy paris france\nparis france rome zzz\n"
                    ": gender\nking queen man woman\nman woman king queen\ncell gene fever cancer\n",
                    encoding="utf-8")
    questions, correct = analogy_items(kv, path, restrict_vocab=None)
    assert questions[0] == ("paris", "france", "rome", "italy") and len(questions) == len(correct)
    result = evaluate_analogies(kv, path, restrict_vocab=None)
    assert len(correct) == result.questions == 5
    assert correct.sum() == result.correct
    assert correct[0] and correct[2]  # the two built-in analogies


def test_sentence_entity_counts_by_hand():
    gold = [["B-Chem", "I-Chem", "O", "B-Dis"], ["O", "O"], ["B-Dis"]]
    pred = [["B-Chem", "I-Chem", "O", "O"], ["B-Dis", "O"], ["B-Dis"]]
    counts = sentence_entity_counts(gold, pred)
    np.testing.assert_array_equal(counts, [[1, 2, 1], [0, 0, 1], [1, 1, 1]])
    overall, _ = entity_scores(gold, pred)
    assert tuple(counts.sum(axis=0)) == (overall.correct, overall.gold, overall.predicted)


def test_tagging_items_sum_to_the_tagger_result(kv, tmp_path):
    sentences = [["aspirin B-Chemical", "pain O", "the O"], ["fever B-Disease", "cancer I-Disease", "the O"],
                 ["the O", "aspirin B-Chemical", "cancer B-Disease"], ["king O", "the O", "fever B-Disease"]]
    train = tmp_path / "train.tsv"
    train.write_text("\n\n".join("\n".join(t.replace(" ", "\t") for t in s) for s in sentences) + "\n",
                     encoding="utf-8")
    counts = tagging_items(kv, train, train, window=1)
    result = evaluate_tagging(kv, train, train, window=1)
    assert counts.shape == (4, 3)
    assert tuple(counts.sum(axis=0)) == (result.correct, result.entities, result.predicted)


def test_tagging_items_score_one_tagger_on_several_files(kv, tmp_path):
    sentences = [["aspirin B-Chemical", "pain O", "the O"], ["fever B-Disease", "cancer I-Disease", "the O"],
                 ["the O", "aspirin B-Chemical", "cancer B-Disease"], ["king O", "the O", "fever B-Disease"]]
    train, other = tmp_path / "train.tsv", tmp_path / "other.tsv"
    train.write_text("\n\n".join("\n".join(t.replace(" ", "\t") for t in s) for s in sentences) + "\n",
                     encoding="utf-8")
    other.write_text("\n".join(t.replace(" ", "\t") for t in sentences[1]) + "\n", encoding="utf-8")
    both = tagging_items(kv, train, train, other, window=1)
    assert isinstance(both, list) and len(both) == 2
    np.testing.assert_array_equal(both[0], tagging_items(kv, train, train, window=1))
    np.testing.assert_array_equal(both[1], tagging_items(kv, train, other, window=1))
