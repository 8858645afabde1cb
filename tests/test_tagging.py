"""Tests of fastw2v.evaluation.tagging: IOB reading, span decoding, entity F1, the tagger's loss and fit, CLI."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import make_kv
from fastw2v.cli import main
from fastw2v.evaluation import (EvaluationError, EvaluationFileError, TaggingResult, evaluate, evaluate_tagging,
                                format_report, read_iob)
from fastw2v.evaluation.tagging import (decode_spans, entity_scores, fit_tagger, token_features, token_runs,
                                        window_loss)


def write_iob(path: Path, sentences) -> Path:
    """``sentences``: lists of "token TAG" strings."""
    path.write_text("\n\n".join("\n".join(line.replace(" ", "\t") for line in s) for s in sentences) + "\n",
                    encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------------
# reading IOB files
# ---------------------------------------------------------------------------------------------------------
def test_read_iob_sentences_docstart_and_spaces(tmp_path):
    path = tmp_path / "tiny.tsv"
    path.write_text("-DOCSTART-\tO\n\nAspirin\tB-Chemical\n-\tO\ninduced\tO\n\n\n"
                    "lung cancer\tB-Disease\ngrew  I-Disease\r\n", encoding="utf-8")
    assert read_iob(path) == [(["Aspirin", "-", "induced"], ["B-Chemical", "O", "O"]),
                              (["lung cancer", "grew"], ["B-Disease", "I-Disease"])]


@pytest.mark.parametrize("bad,problem", [
    ("word", "expected 2 fields"),
    ("a\tb\tO", "expected 2 fields"),
    ("word\tX-Foo", "tag 'X-Foo' is not O, B-TYPE or I-TYPE"),
    ("word\tB-", "tag 'B-' is not"),
    ("word\to", "tag 'o' is not"),
])
def test_read_iob_bad_line_names_file_and_line(tmp_path, bad, problem):
    path = tmp_path / "broken.tsv"
    path.write_text(f"fine\tO\n\n{bad}\nmore\tO\n", encoding="utf-8")
    with pytest.raises(EvaluationFileError, match=rf"broken\.tsv, line 3: {problem}"):
        read_iob(path)
    (tmp_path / "empty.tsv").write_text("\n\n-DOCSTART-\tO\n", encoding="utf-8")
    with pytest.raises(EvaluationFileError, match=r"empty\.tsv: no tagged tokens"):
        read_iob(tmp_path / "empty.tsv")


# ---------------------------------------------------------------------------------------------------------
# spans and entity F1
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tags,spans", [
    (["B-X", "I-X", "O"], [(0, 2, "X")]),
    (["O", "I-X", "I-X"], [(1, 3, "X")]),                        # I- after O starts an entity; entity at the end
    (["I-X"], [(0, 1, "X")]),                                    # I- first in the sentence
    (["B-X", "I-Y", "I-Y"], [(0, 1, "X"), (1, 3, "Y")]),         # type change inside I- tags
    (["B-X", "B-X", "I-X"], [(0, 1, "X"), (1, 3, "X")]),         # B- always starts a new one
    (["I-X", "O", "I-X", "B-Y"], [(0, 1, "X"), (2, 3, "X"), (3, 4, "Y")]),
    (["O", "O"], []),
])
def test_decode_spans_conlleval_rules(tags, spans):
    assert decode_spans(tags) == spans


def test_entity_f1_equals_hand_computed_value(tmp_path):
    gold = read_iob(write_iob(tmp_path / "gold.tsv", [
        ["Aspirin B-Chem", "caused O", "lung B-Dis", "cancer I-Dis", ". O"],
        ["5-FU B-Chem", "and O", "cisplatin B-Chem", "cause O", "fever B-Dis"],
    ]))
    predicted = [["B-Chem", "O", "B-Dis", "O", "O"],              # "lung" alone: wrong span
                 ["I-Chem", "O", "B-Chem", "B-Dis", "I-Dis"]]     # I- after O still counts as 5-FU
    # by hand: gold spans (0,0-1,Chem) (0,2-4,Dis) (1,0-1,Chem) (1,2-3,Chem) (1,4-5,Dis): 3 Chem, 2 Dis;
    # predicted (0,0-1,Chem) (0,2-3,Dis) (1,0-1,Chem) (1,2-3,Chem) (1,3-5,Dis): 3 Chem, 2 Dis; correct: 3 Chem
    overall, per_type = entity_scores([s.tags for s in gold], predicted)
    assert (overall.gold, overall.predicted, overall.correct) == (5, 5, 3)
    assert overall.precision == overall.recall == overall.f1 == pytest.approx(3 / 5)
    assert list(per_type) == ["Chem", "Dis"]
    assert per_type["Chem"].f1 == 1.0
    assert (per_type["Dis"].gold, per_type["Dis"].predicted, per_type["Dis"].correct, per_type["Dis"].f1) == \
        (2, 2, 0, 0.0)
    # precision and recall differ: drop one predicted Chem entity -> P 2/4, R 2/5, F1 = 2PR/(P+R) = 4/9
    predicted[1][2] = "O"
    overall, _ = entity_scores([s.tags for s in gold], predicted)
    assert (overall.precision, overall.recall) == (pytest.approx(2 / 4), pytest.approx(2 / 5))
    assert overall.f1 == pytest.approx(4 / 9)


# ---------------------------------------------------------------------------------------------------------
# features and token matching
# ---------------------------------------------------------------------------------------------------------
def test_token_runs_and_matching_rule():
    assert token_runs("5-FU") == ["5", "fu"]
    assert token_runs("(") == [] and token_runs("Na+/K+-ATPase") == ["na", "k", "atpase"]
    assert token_runs("5-FU", lowercase=False) == ["5", "FU"]
    rng = np.random.default_rng(0)
    kv = make_kv(["5", "fu", "aspirin", "Fever", "(", "5-fu"], rng.standard_normal((6, 6)))
    unit = {w: kv[w] / np.linalg.norm(kv[w]) for w in kv.index_to_key}
    f = token_features(kv, [["5-FU", "Aspirin", ",", "zzz", "5-QQ"], ["Fever", "("]], window=1)
    rows = f.table[f.positions]
    mean = unit["5"] + unit["fu"]
    np.testing.assert_allclose(rows[0, :6], mean / np.linalg.norm(mean), rtol=1e-6)  # runs, not "5-fu"
    np.testing.assert_allclose(rows[1, :6], unit["aspirin"], rtol=1e-6)   # lower-cased
    np.testing.assert_allclose(rows[4, :6], unit["5"], rtol=1e-6)         # the run in vocabulary only
    np.testing.assert_allclose(rows[6, :6], unit["("], rtol=1e-6)         # no run: the token as written
    assert f.oov.tolist() == [False, False, True, True, False, True, False]  # "," unknown; "fever" is not "Fever"
    assert rows[:, 6].tolist() == [0, 0, 1, 1, 0, 1, 0]
    assert not rows[[2, 3, 5], :6].any()
    # padding rows around and between sentences: zero vector and no OOV flag
    assert f.positions.tolist() == [1, 2, 3, 4, 5, 7, 8] and len(f.table) == 10
    assert not f.table[[0, 6, 9]].any()
    cased = token_features(kv, [["Fever", "FEVER"]], window=0, lowercase=False)
    assert cased.oov.tolist() == [False, True]


# ---------------------------------------------------------------------------------------------------------
# loss, gradient, fit
# ---------------------------------------------------------------------------------------------------------
def _random_problem(window: int, dim: int = 4, n_classes: int = 3, seed: int = 1):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(12)]
    kv = make_kv(words, rng.standard_normal((12, dim)))
    sentences = [[words[i] for i in rng.integers(0, 14, size=n) % 13 if i < 12] + ["?"] for n in (5, 1, 7, 3)]
    features = token_features(kv, sentences, window)
    labels = rng.integers(0, n_classes, size=len(features.positions))
    theta = rng.standard_normal((dim + 1) * (2 * window + 1) * n_classes + n_classes)
    return sentences, features, labels, theta


def _reference_loss(theta, features, labels, n_classes, window, l2):
    """The same loss from the explicit concatenated window design matrix."""
    d1 = features.table.shape[1]
    width = 2 * window + 1
    design = np.hstack([features.table[features.positions + o] for o in range(-window, window + 1)])
    weights = theta[:d1 * width * n_classes].reshape(d1, width, n_classes).transpose(1, 0, 2).reshape(-1, n_classes)
    logits = design @ weights + theta[d1 * width * n_classes:]
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(labels)), labels].mean() + 0.5 * l2 * np.sum(weights ** 2)


@pytest.mark.parametrize("window", [0, 1, 2])
def test_window_loss_equals_concatenated_features_and_gradient_matches_central_differences(window):
    _, features, labels, theta = _random_problem(window)
    loss, grad = window_loss(theta, features, labels, 3, window, 0.1)
    assert loss == pytest.approx(_reference_loss(theta, features, labels, 3, window, 0.1), rel=1e-12)
    eps = 1e-6
    numeric = np.empty_like(theta)
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = eps
        numeric[i] = (window_loss(theta + step, features, labels, 3, window, 0.1)[0]
                      - window_loss(theta - step, features, labels, 3, window, 0.1)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_fit_is_deterministic_and_lowers_the_loss():
    sentences, features, labels, _ = _random_problem(1)
    tags = [["O", "B-X", "I-X"][i] for i in labels]
    a = fit_tagger(features, tags, window=1, l2=0.01, max_iter=50)
    b = fit_tagger(features, tags, window=1, l2=0.01, max_iter=50)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.tags == ["O", "B-X", "I-X"]
    theta = np.concatenate((a.weights.ravel(), a.bias))
    code = np.array([a.tags.index(t) for t in tags])
    fitted = window_loss(theta, features, code, 3, 1, 0.01)[0]
    assert fitted < window_loss(np.zeros_like(theta), features, code, 3, 1, 0.01)[0] == pytest.approx(np.log(3))


# ---------------------------------------------------------------------------------------------------------
# end to end on a tiny separable data set
# ---------------------------------------------------------------------------------------------------------
WORDS = ["the", "patient", "took", "aspirin", "ibuprofen", "had", "fever", "lung", "cancer", "and", "was", "well"]

TRAIN = [
    ["The O", "patient O", "took O", "aspirin B-Chemical", "and O", "had O", "fever B-Disease", ". O"],
    ["Ibuprofen B-Chemical", "and O", "aspirin B-Chemical", "took O", "lung B-Disease", "cancer I-Disease"],
    ["The O", "patient O", "had O", "lung B-Disease", "cancer I-Disease", "and O", "was O", "well O"],
    ["Fever B-Disease", "was O", "well O", "; O", "ibuprofen B-Chemical"],
    # the same contexts before every kind of word, so only a word's own vector tells its tag
    ["The O", "patient O", "had O", "fever B-Disease", "and O", "fever B-Disease", "and O", "was O", "well O"],
    ["Aspirin B-Chemical", "and O", "lung B-Disease", "cancer I-Disease", "took O", "ibuprofen B-Chemical"],
    ["The O", "patient O", "took O", "the O", "aspirin B-Chemical", "and O", "the O", "lung B-Disease",
     "cancer I-Disease"],
]
TEST = [
    ["Aspirin B-Chemical", "and O", "fever B-Disease", "and O", "lung B-Disease", "cancer I-Disease"],
    ["The O", "patient O", "took O", "ibuprofen B-Chemical", ", O", "was O", "well O"],
]


@pytest.fixture
def separable(tmp_path):
    # orthonormal word vectors: each word's tag is a linear function of its own vector
    basis, _ = np.linalg.qr(np.random.default_rng(7).standard_normal((16, len(WORDS))))
    kv = make_kv(WORDS, basis.T)
    return kv, write_iob(tmp_path / "train.tsv", TRAIN), write_iob(tmp_path / "test.tsv", TEST)


def test_separable_data_is_learned_exactly(separable):
    kv, train, test = separable
    r = evaluate_tagging(kv, train, test)
    assert isinstance(r, TaggingResult)
    assert (r.f1, r.precision, r.recall, r.token_accuracy) == (1.0, 1.0, 1.0, 1.0)
    assert (r.entities, r.predicted, r.correct, r.tokens) == (4, 4, 4, 13)
    assert r.types["Chemical"].gold == 2 and r.types["Disease"].gold == 2
    assert r.oov_rate == pytest.approx(1 / 13)  # the comma
    assert r.converged and r.window == 2 and (r.name, r.train) == ("test.tsv", "train.tsv")
    text = format_report(r)
    assert "test.tsv" in text and "  Disease" in text and "1.0000" in text
    # the same through evaluate(), keyed by the test file name, and in the report's JSON schema
    report = evaluate(kv, tagging=[(train, test)])
    assert report.tagging["test.tsv"].f1 == 1.0
    assert set(report.to_dict()) == {"similarity", "analogies", "tagging"}
    with pytest.raises(EvaluationError, match="named"):
        evaluate(kv, tagging=[(train, test), (test, test)])


def test_vectors_without_information_do_not_learn_the_task(separable):
    kv, train, test = separable
    blind = make_kv(WORDS, np.ones((len(WORDS), 16)))  # every word the same vector: only position and OOV flags
    assert evaluate_tagging(blind, train, test).f1 < 0.5


def test_tagging_options_are_checked(separable, tmp_path):
    kv, train, test = separable
    for bad in (dict(window=-1), dict(max_iter=0), dict(l2=-1.0), dict(l2=float("nan")), dict(window=1.5)):
        with pytest.raises(EvaluationError):
            evaluate_tagging(kv, train, test, **bad)
    only_o = write_iob(tmp_path / "only_o.tsv", [["the O", "patient O"]])
    with pytest.raises(EvaluationError, match="at least two different tags"):
        evaluate_tagging(kv, only_o, test)


# ---------------------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------------------
def test_cli_evaluate_tagging_json_and_table(separable, tmp_path):
    kv, train, test = separable
    vectors = tmp_path / "vectors.bin"
    kv.save_word2vec_format(str(vectors), binary=True)
    result = CliRunner().invoke(main, ["evaluate", str(vectors), "--tagging", str(train), str(test), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"similarity", "analogies", "tagging"}
    tagged = data["tagging"]["test.tsv"]
    assert tagged["f1"] == 1.0 and tagged["entities"] == 4 and tagged["train"] == "train.tsv"
    assert set(tagged["types"]) == {"Chemical", "Disease"} and tagged["types"]["Disease"]["gold"] == 2
    assert list(tagged)[:5] == ["name", "train", "precision", "recall", "f1"]
    table = CliRunner().invoke(main, ["evaluate", str(vectors), "--tagging", str(train), str(test)])
    assert table.exit_code == 0 and "tagging" in table.stdout and "Chemical" in table.stdout


def test_cli_evaluate_tagging_bad_file_is_one_error_line(separable, tmp_path):
    kv, train, _ = separable
    vectors = tmp_path / "vectors.bin"
    kv.save_word2vec_format(str(vectors), binary=True)
    bad = tmp_path / "bad.tsv"
    bad.write_text("word\tO\nword\tBAD\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(vectors), "--tagging", str(train), str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [f"error: {bad}, line 2: tag 'BAD' is not O, B-TYPE or I-TYPE"]
