"""Tests of fastw2v.evaluation: file parsing, similarity, analogies, fixed subsets, drift, report, callback.

Equality with gensim is checked on hand-built vectors (always) and on real GloVe vectors from
``../shared/data`` (skipped when that directory is absent).
"""
from __future__ import annotations

import bz2
import gzip
import io
import logging
import math
import os
import re
from pathlib import Path

import gensim
import numpy as np
import pytest
from gensim.models import KeyedVectors
from scipy import stats

from conftest import make_kv
from fastw2v.errors import FastW2VError, MissingFileError
from fastw2v.evaluation import analogies, readers
from fastw2v.evaluation import (EvaluationCallback, EvaluationError, EvaluationFileError, common_pairs,
                                common_questions, compare, evaluate, evaluate_analogies, evaluate_similarity,
                                format_report, read_analogy_questions, read_iob, read_similarity_pairs)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
GENSIM_DATA = Path(gensim.__file__).resolve().parent / "test" / "test_data"
GENSIM_QUESTIONS = GENSIM_DATA / "questions-words.txt"
GENSIM_WORDSIM = GENSIM_DATA / "wordsim353.tsv"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def cos(u, v) -> float:
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


# ---------------------------------------------------------------------------------------------------------
# reading similarity files
# ---------------------------------------------------------------------------------------------------------
SIM_TEXT = (
    "# a comment line\n"
    "cat\tdog\t5.0\n"
    "cat\tunicorn\t3\n"
    "dog mouse 2.5\n"
    "fish oil\tcat\t4.0\n"
    "ipecac syrup\tcat\t1.0\n"
    "\n"
    "   # indented comment\n"
    "MOUSE\tDOG\t7.0\r\n"
    "garlic\tfish  oil \t6.0\n"
)
SIM_WORDS = ["cat", "dog", "Mouse", "mouse", "fish", "oil", "garlic"]
SIM_VECS = np.random.default_rng(3).standard_normal((len(SIM_WORDS), 6))


@pytest.fixture
def sim_file(tmp_path) -> Path:
    return write(tmp_path / "tiny_sim.txt", SIM_TEXT)


@pytest.fixture
def sim_kv() -> KeyedVectors:
    return make_kv(SIM_WORDS, SIM_VECS)


def test_read_similarity_pairs_comments_tabs_spaces_and_multiword(sim_file):
    assert read_similarity_pairs(sim_file) == [
        ("cat", "dog", 5.0),
        ("cat", "unicorn", 3.0),
        ("dog", "mouse", 2.5),
        ("fish oil", "cat", 4.0),
        ("ipecac syrup", "cat", 1.0),
        ("MOUSE", "DOG", 7.0),
        ("garlic", "fish oil", 6.0),
    ]


def test_read_similarity_pairs_gzip(tmp_path):
    path = tmp_path / "pairs.txt.gz"
    path.write_bytes(gzip.compress("a\tb\t1\nc d 2\n".encode()))
    assert read_similarity_pairs(path) == [("a", "b", 1.0), ("c", "d", 2.0)]


@pytest.mark.parametrize("bad", [
    "cat dog",                # two fields
    "cat\tdog\tfive",         # score is not a number
    "big cat small dog 3",    # whitespace split gives five fields
    "cat\t\t3",               # empty term
    "cat dog nan",            # score not finite
    "cat\tdog\t1\t2",         # four tab fields, four whitespace fields
])
def test_read_similarity_pairs_bad_line_names_file_and_line(tmp_path, bad):
    path = write(tmp_path / "broken_pairs.tsv", f"# header\ncat\tdog\t1.5\n{bad}\nx\ty\t2\n")
    with pytest.raises(EvaluationFileError, match=r"broken_pairs\.tsv, line 3\b"):
        read_similarity_pairs(path)


def test_read_errors_are_fastw2v_errors(tmp_path):
    assert issubclass(EvaluationFileError, FastW2VError) and issubclass(EvaluationFileError, ValueError)
    with pytest.raises(MissingFileError):
        read_similarity_pairs(tmp_path / "nope.tsv")
    with pytest.raises(FileNotFoundError):
        read_analogy_questions(tmp_path / "nope.txt")
    with pytest.raises(EvaluationFileError, match="no similarity pairs"):
        read_similarity_pairs(write(tmp_path / "empty.tsv", "# only a comment\n\n"))
    (tmp_path / "bad_utf8.tsv").write_bytes(b"a\tb\t1\n\xff\xfe\tc\t2\n")
    with pytest.raises(EvaluationFileError, match=r"bad_utf8\.tsv, line 2: not valid UTF-8"):
        read_similarity_pairs(tmp_path / "bad_utf8.tsv")


_READERS = [read_similarity_pairs, read_analogy_questions, read_iob]
_VALID = {read_similarity_pairs: "w{i}\tv{j}\t{k}\n", read_analogy_questions: ": s\na{i} b{j} c{k} d{i}\n",
          read_iob: "Tok{i}\tB-X{k}\nv{j}\tO\n\n"}


def _valid_bytes(reader) -> bytes:
    """Enough varied lines that the compressed stream spans more than a few bytes."""
    return "".join(_VALID[reader].format(i=i, j=i * 7919 % 10007, k=i % 10) for i in range(3000)).encode()


@pytest.mark.parametrize("reader", _READERS)
@pytest.mark.parametrize("suffix,damage,problem", [
    (".gz", lambda data: data, r"damaged gzip data \(Not a gzipped file"),                      # BadGzipFile
    (".gz", lambda data: gzip.compress(data)[:-30], r"damaged gzip data \(Compressed file ended"),  # EOFError
    (".gz", lambda data: gzip.compress(data)[:10] + b"\xff" * 50, r"damaged gzip data \(Error -3"),  # zlib.error
    (".gz", lambda data: gzip.compress(data)[:-8] + bytes(4) + gzip.compress(data)[-4:], "CRC check failed"),
    (".bz2", lambda data: data, r"damaged bz2 data \(Invalid data stream"),                      # OSError
    (".bz2", lambda data: bz2.compress(data)[:-30], r"damaged bz2 data \(Compressed file ended"),  # EOFError
])
def test_damaged_compressed_files_are_evaluation_file_errors(tmp_path, reader, suffix, damage, problem):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(damage(_valid_bytes(reader)))
    with pytest.raises(EvaluationFileError, match=rf"data{re.escape(suffix)}, line \d+: .*{problem}"):
        reader(path)


@pytest.mark.parametrize("reader", _READERS)
def test_compressed_files_are_read(tmp_path, reader):
    (tmp_path / "plain.txt").write_bytes(_valid_bytes(reader))
    (tmp_path / "data.gz").write_bytes(gzip.compress(_valid_bytes(reader)))
    (tmp_path / "data.bz2").write_bytes(bz2.compress(_valid_bytes(reader)))
    expected = reader(tmp_path / "plain.txt")
    assert reader(tmp_path / "data.gz") == reader(tmp_path / "data.bz2") == expected


@pytest.mark.parametrize("reader", _READERS)
def test_unreadable_files_are_evaluation_file_errors(tmp_path, reader, monkeypatch):
    with pytest.raises(EvaluationFileError, match=r"is a directory"):
        reader(tmp_path)
    (tmp_path / "bad_utf8.txt").write_bytes(_valid_bytes(reader)[:40] + b"\xff\xfe\n")
    with pytest.raises(EvaluationFileError, match=r"bad_utf8\.txt, line \d+: not valid UTF-8"):
        reader(tmp_path / "bad_utf8.txt")
    path = tmp_path / "locked.txt"
    path.write_bytes(_valid_bytes(reader))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(readers, "open", refuse, raising=False)  # chmod does not stop root
    with pytest.raises(EvaluationFileError, match=r"locked\.txt: cannot be read \(Permission denied\)"):
        reader(path)

    first_line = _valid_bytes(reader).splitlines(keepends=True)[0]

    class FailingFile(io.BytesIO):
        def __iter__(self):
            yield first_line
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(readers, "open", lambda *args, **kwargs: FailingFile(), raising=False)
    with pytest.raises(EvaluationFileError, match=r"locked\.txt, line 2: read error .*Input/output error"):
        reader(path)


# ---------------------------------------------------------------------------------------------------------
# similarity on a tiny hand-built case
# ---------------------------------------------------------------------------------------------------------
def _expected_corr(gold, sims):
    return stats.spearmanr(gold, sims).statistic, stats.pearsonr(gold, sims).statistic


def test_similarity_skip_counts_and_values(sim_kv, sim_file):
    r = evaluate_similarity(sim_kv, sim_file)
    assert (r.pairs, r.oov_pairs, r.multiword_pairs, r.multiword_used) == (3, 1, 3, 0)
    assert (r.excluded_pairs, r.total_pairs) == (0, 7)
    assert r.coverage == pytest.approx(3 / 7)
    v = {w: sim_kv[w].astype(np.float64) for w in SIM_WORDS}
    # case-insensitive: "mouse" and "MOUSE" both take the first (most frequent) variant, "Mouse"
    sims = [cos(v["cat"], v["dog"]), cos(v["dog"], v["Mouse"]), cos(v["Mouse"], v["dog"])]
    spearman, pearson = _expected_corr([5.0, 2.5, 7.0], sims)
    assert r.spearman == pytest.approx(spearman, abs=1e-9)
    assert r.pearson == pytest.approx(pearson, abs=1e-9)


def test_similarity_mean_of_multiword_terms(sim_kv, sim_file):
    r = evaluate_similarity(sim_kv, sim_file, multiword="mean")
    assert (r.pairs, r.oov_pairs, r.multiword_pairs, r.multiword_used) == (5, 2, 0, 2)
    v = {w: sim_kv[w].astype(np.float64) for w in SIM_WORDS}
    fish_oil = (v["fish"] + v["oil"]) / 2
    sims = [cos(v["cat"], v["dog"]), cos(v["dog"], v["Mouse"]), cos(fish_oil, v["cat"]),
            cos(v["Mouse"], v["dog"]), cos(v["garlic"], fish_oil)]
    assert sims[2] == pytest.approx(float(sim_kv.n_similarity(["fish", "oil"], ["cat"])), abs=1e-6)
    spearman, pearson = _expected_corr([5.0, 2.5, 4.0, 7.0, 6.0], sims)
    assert r.spearman == pytest.approx(spearman, abs=1e-9)
    assert r.pearson == pytest.approx(pearson, abs=1e-9)


def test_similarity_case_sensitive_and_restricted(sim_kv, sim_file):
    r = evaluate_similarity(sim_kv, sim_file, case_insensitive=False)
    # "dog mouse" now uses the lowercase row; "MOUSE DOG" is out of vocabulary
    assert (r.pairs, r.oov_pairs, r.multiword_pairs) == (2, 2, 3)
    r = evaluate_similarity(sim_kv, sim_file, restrict_vocab=2)  # only "cat" and "dog"
    assert (r.pairs, r.oov_pairs, r.multiword_pairs) == (1, 3, 3)
    assert math.isnan(r.spearman) and math.isnan(r.pearson)
    with pytest.raises(EvaluationError):
        evaluate_similarity(sim_kv, sim_file, restrict_vocab=0)
    with pytest.raises(EvaluationError):
        evaluate_similarity(sim_kv, sim_file, multiword="first")


def test_similarity_fixed_pair_subset(sim_kv, sim_file, tmp_path):
    subset = [("cat", "dog"), ("Dog", "Mouse"), ("fish  oil", "cat"), ("cat", "unicorn")]
    r = evaluate_similarity(sim_kv, sim_file, multiword="mean", pairs=subset)
    assert (r.pairs, r.oov_pairs, r.excluded_pairs, r.total_pairs) == (3, 1, 3, 7)
    only = write(tmp_path / "only.tsv", "cat\tdog\t5.0\ndog\tmouse\t2.5\nfish oil\tcat\t4.0\n")
    expected = evaluate_similarity(sim_kv, only, multiword="mean")
    assert r.spearman == pytest.approx(expected.spearman, abs=1e-12)
    assert r.pearson == pytest.approx(expected.pearson, abs=1e-12)
    assert r.pearson != pytest.approx(evaluate_similarity(sim_kv, sim_file, multiword="mean").pearson)


def test_common_pairs_gives_identical_pairs_for_all_models(sim_kv, sim_file):
    small = make_kv(["cat", "dog", "fish", "oil", "garlic"], SIM_VECS[[0, 1, 4, 5, 6]])
    assert common_pairs([sim_kv, small], sim_file) == [("cat", "dog")]
    shared = common_pairs([sim_kv, small], sim_file, multiword="mean")
    assert shared == [("cat", "dog"), ("fish oil", "cat"), ("garlic", "fish oil")]
    for kv in (sim_kv, small):
        r = evaluate_similarity(kv, sim_file, multiword="mean", pairs=shared)
        assert (r.pairs, r.oov_pairs, r.total_pairs) == (3, 0, 7)


# ---------------------------------------------------------------------------------------------------------
# similarity == gensim on hand-built vectors (gensim's test data, no shared data needed)
# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wordsim_kv() -> KeyedVectors:
    rng = np.random.default_rng(11)
    words = []
    for w1, w2, _ in read_similarity_pairs(GENSIM_WORDSIM):
        words.extend((w1, w2))
    words = list(dict.fromkeys(words))
    words = [w for i, w in enumerate(words) if i % 17 != 5]           # some words out of vocabulary
    variants = [w.capitalize() for w in words[::9]] + [w.upper() for w in words[4::23]]
    vocab = list(dict.fromkeys(words + variants))
    order = rng.permutation(len(vocab))                                # variants sometimes first, sometimes not
    vocab = [vocab[i] for i in order]
    latent = rng.standard_normal((len(vocab), 12))
    return make_kv(vocab, latent)


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("restrict", [300000, 250])
def test_similarity_equals_gensim_handbuilt(wordsim_kv, case_insensitive, restrict):
    g_pearson, g_spearman, g_oov = wordsim_kv.evaluate_word_pairs(
        str(GENSIM_WORDSIM), restrict_vocab=restrict, case_insensitive=case_insensitive)
    r = evaluate_similarity(wordsim_kv, GENSIM_WORDSIM, restrict_vocab=restrict, case_insensitive=case_insensitive)
    assert r.spearman == pytest.approx(g_spearman[0], abs=1e-6)
    assert r.pearson == pytest.approx(g_pearson[0], abs=1e-6)
    assert 100 * (r.oov_pairs + r.multiword_pairs) / r.total_pairs == pytest.approx(g_oov, abs=1e-9)
    assert r.oov_pairs > 0


# ---------------------------------------------------------------------------------------------------------
# analogies on hand-built vectors with analogy structure and case variants
# ---------------------------------------------------------------------------------------------------------
def _unit(x):
    return x / np.linalg.norm(x)


@pytest.fixture(scope="module")
def analogy_setup():
    """Vectors for three sections of questions-words.txt, built so that many questions are right.

    Case variants are added so that gensim's rules matter: a frequent upper-case variant that stands
    for its word, rare variants of an expected answer that count as right, and six variants of a
    question word placed on one question's answer direction (gensim then answers with the fifth), and
    four on another's (gensim still answers with the best other word).
    """
    questions = read_analogy_questions(GENSIM_QUESTIONS)
    rng = np.random.default_rng(5)
    dim = 24
    vec: dict[str, np.ndarray] = {}
    for section, scale in (("capital-common-countries", 0.25), ("family", 0.35), ("gram2-opposite", 0.6)):
        offset = 2.0 * rng.standard_normal(dim)
        for s, a, b, c, d in questions:
            if s != section:
                continue
            for x, y in ((a, b), (c, d)):
                vec.setdefault(x, rng.standard_normal(dim))
                vec.setdefault(y, vec[x] + offset + scale * rng.standard_normal(dim))
    words = [str(w) for w in rng.permutation(sorted(vec))]
    # a frequent upper-case variant that stands for "Greece" (placed first), with its own vector
    vec["GREECE"] = vec["Greece"] + 0.05 * rng.standard_normal(dim)
    words.insert(0, "GREECE")
    rep = {w.upper(): vec[w] for w in reversed(words)}  # vectors gensim uses for the question words

    def direction(a, b, c):
        return _unit(_unit(rep[b.upper()]) - _unit(rep[a.upper()]) + _unit(rep[c.upper()]))

    # six rare variants of "Athens" right on the answer of "Athens Greece Cairo Egypt": gensim answers
    # with the fifth, which is wrong
    for i, w in enumerate(["athens", "ATHENS", "aTHENS", "AtHENS", "AThENS", "ATHeNS"]):
        vec[w] = direction("Athens", "Greece", "Cairo") * 10 + 1e-3 * i * rng.standard_normal(dim)
        words.append(w)
    # four rare variants of "Baghdad" on the answer of "Baghdad Iraq Bern Switzerland": outranked by
    # fewer than five variants, the best other word still counts
    for i, w in enumerate(["baghdad", "BAGHDAD", "bAGHDAD", "BaGHDAD"]):
        vec[w] = direction("Baghdad", "Iraq", "Bern") * 3 + 1e-3 * i * rng.standard_normal(dim)
        words.append(w)
    # a rare variant of the expected answer, right on the answer direction: counts as correct
    vec["sweden"] = direction("Berlin", "Germany", "Stockholm") + 1e-4 * rng.standard_normal(dim)
    words.append("sweden")
    kv = make_kv(words, np.stack([vec[w] for w in words]))
    return kv, questions


def _gensim_sections(kv, path, restrict, case_insensitive):
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict,
                                                 case_insensitive=case_insensitive)
    assert sections[-1]["section"] == "Total accuracy"
    return score, sections


def _reference_oov(kv, questions, restrict, case_insensitive):
    fold = str.upper if case_insensitive else (lambda w: w)
    ok = {fold(k) for k in kv.index_to_key[:restrict]}
    return sum(1 for q in questions if any(fold(w) not in ok for w in q[1:]))


def _assert_equals_gensim(mine, score, sections, kv, questions, restrict, case_insensitive):
    total = sections[-1]
    assert mine.correct == len(total["correct"])
    assert mine.questions == len(total["correct"]) + len(total["incorrect"])
    assert mine.accuracy == pytest.approx(score, abs=1e-12)
    assert mine.total_questions == len(questions)
    assert mine.oov_questions == _reference_oov(kv, questions, restrict, case_insensitive)
    assert mine.questions + mine.oov_questions == mine.total_questions
    assert list(mine.sections) == [s["section"] for s in sections[:-1]]
    for s in sections[:-1]:
        got = mine.sections[s["section"]]
        assert (got.correct, got.questions) == (len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("cut", [0, 40])
def test_analogies_equal_gensim_handbuilt(analogy_setup, case_insensitive, cut):
    kv, questions = analogy_setup
    restrict = len(kv) - cut
    score, sections = _gensim_sections(kv, GENSIM_QUESTIONS, restrict, case_insensitive)
    mine = evaluate_analogies(kv, GENSIM_QUESTIONS, restrict_vocab=restrict, case_insensitive=case_insensitive)
    _assert_equals_gensim(mine, score, sections, kv, questions, restrict, case_insensitive)
    assert mine.sections["capital-common-countries"].accuracy > 0.5
    assert math.isnan(mine.sections["gram9-plural-verbs"].accuracy)
    assert mine.restrict_vocab == restrict


def test_analogies_case_variant_rules(analogy_setup):
    kv, _ = analogy_setup
    _, sections = _gensim_sections(kv, GENSIM_QUESTIONS, len(kv), True)
    capitals = next(s for s in sections if s["section"] == "capital-common-countries")
    # the fixture does what it claims, as judged by gensim itself ...
    assert ("ATHENS", "GREECE", "CAIRO", "EGYPT") in capitals["incorrect"]
    assert ("BAGHDAD", "IRAQ", "BERN", "SWITZERLAND") in capitals["correct"]
    assert ("BERLIN", "GERMANY", "STOCKHOLM", "SWEDEN") in capitals["correct"]
    # ... and the same three questions come out the same here
    for question, right in ((("Athens", "Greece", "Cairo", "Egypt"), 0),
                            (("Baghdad", "Iraq", "Bern", "Switzerland"), 1),
                            (("Berlin", "Germany", "Stockholm", "Sweden"), 1)):
        r = evaluate_analogies(kv, GENSIM_QUESTIONS, questions=[question])
        section = r.sections["capital-common-countries"]
        assert (section.questions, section.correct) == (1, right)


def test_analogies_small_batches_and_blocks_agree(analogy_setup, monkeypatch):
    kv, _ = analogy_setup
    full = evaluate_analogies(kv, GENSIM_QUESTIONS, method="3cosadd")
    full_mul = evaluate_analogies(kv, GENSIM_QUESTIONS, method="3cosmul")
    monkeypatch.setattr(analogies, "_VOCAB_BLOCK", 7)
    assert evaluate_analogies(kv, GENSIM_QUESTIONS, batch_size=5, method="3cosadd") == full
    assert evaluate_analogies(kv, GENSIM_QUESTIONS, batch_size=3, method="3cosmul") == full_mul


def test_analogy_ties_go_to_the_more_frequent_word(tmp_path, monkeypatch):
    rng = np.random.default_rng(4)
    words = ["a", "b", "c"] + [f"f{i}" for i in range(10)] + ["x1", "f10", "x2"]
    vectors = rng.standard_normal((len(words), 6))
    target = vectors[1] - vectors[0] + vectors[2]
    vectors[words.index("x1")] = vectors[words.index("x2")] = target
    kv = make_kv(words, vectors)
    path = write(tmp_path / "tie.txt", ": s\na b c x1\na b c x2\n")
    for block in (analogies._VOCAB_BLOCK, 14):  # x1 and x2 in one block, then in different blocks
        monkeypatch.setattr(analogies, "_VOCAB_BLOCK", block)
        for method in ("3cosadd", "3cosmul"):
            r = evaluate_analogies(kv, path, method=method)
            assert (r.questions, r.correct) == (2, 1)
            assert r.sections["s"].correct == 1
            only_x2 = evaluate_analogies(kv, path, method=method, questions=[("a", "b", "c", "x2")])
            assert only_x2.correct == 0


def test_3cosmul_matches_bruteforce(analogy_setup):
    kv, questions = analogy_setup
    restrict = len(kv) - 25
    index = {w: i for i, w in enumerate(kv.index_to_key[:restrict])}
    unit = kv.vectors[:restrict].astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    per_section: dict[str, list[int]] = {}
    for s, a, b, c, d in questions:
        rows = [index.get(w) for w in (a, b, c, d)]
        if None in rows:
            continue
        ca, cb, cc = ((unit @ unit[r] + 1) / 2 for r in rows[:3])
        score = cb * cc / (ca + 1e-3)
        score[rows[:3]] = -np.inf
        per_section.setdefault(s, [0, 0])
        per_section[s][0] += int(np.argmax(score) == rows[3])
        per_section[s][1] += 1
    r = evaluate_analogies(kv, GENSIM_QUESTIONS, restrict_vocab=restrict, case_insensitive=False, method="3cosmul")
    assert r.method == "3cosmul"
    assert {s: [v.correct, v.questions] for s, v in r.sections.items() if v.questions} == per_section
    assert r.correct == sum(v[0] for v in per_section.values()) > 0


def test_common_questions_fixed_subset(analogy_setup):
    kv, questions = analogy_setup
    small = make_kv(kv.index_to_key[: len(kv) // 2], kv.vectors[: len(kv) // 2])
    shared = common_questions([kv, small], GENSIM_QUESTIONS)
    assert 0 < len(shared) < evaluate_analogies(kv, GENSIM_QUESTIONS).questions
    expected = sum(1 for q in questions if tuple(q[1:]) in set(shared))  # the file repeats some questions
    for model in (kv, small):
        r = evaluate_analogies(model, GENSIM_QUESTIONS, questions=shared)
        assert (r.questions, r.oov_questions) == (expected, 0)
        assert r.excluded_questions == len(questions) - expected
    # restricting a model to the questions it covers anyway changes nothing
    assert evaluate_analogies(small, GENSIM_QUESTIONS, questions=shared).correct == \
        evaluate_analogies(small, GENSIM_QUESTIONS).correct


def test_read_analogy_questions_sections_comments_and_errors(tmp_path):
    path = write(tmp_path / "ana.txt", "# comment\n: first\na b c d\n\n:second one\ne f g h\n")
    assert read_analogy_questions(path) == [("first", "a", "b", "c", "d"), ("second one", "e", "f", "g", "h")]
    with pytest.raises(EvaluationFileError, match=r"bad_ana\.txt, line 2: question before"):
        read_analogy_questions(write(tmp_path / "bad_ana.txt", "# c\na b c d\n"))
    with pytest.raises(EvaluationFileError, match=r"bad_ana2\.txt, line 3: expected 4 words"):
        read_analogy_questions(write(tmp_path / "bad_ana2.txt", ": s\na b c d\na b c\n"))
    with pytest.raises(EvaluationFileError, match=r"bad_ana3\.txt, line 1: section line without a name"):
        read_analogy_questions(write(tmp_path / "bad_ana3.txt", ":  \na b c d\n"))


def test_analogy_oov_counting_exact(tmp_path):
    kv = make_kv(["a", "b", "c", "d", "e", "f", "g"], np.random.default_rng(1).standard_normal((7, 5)))
    path = write(tmp_path / "ana.txt", ": s1\na b c d\na b c zz\n: s2\nzz a b c\ne f g a\nA B C D\n")
    r = evaluate_analogies(kv, path, restrict_vocab=6)  # "g" is outside the restricted vocabulary
    assert (r.questions, r.oov_questions, r.total_questions) == (2, 3, 5)
    assert r.sections["s1"].oov_questions == 1 and r.sections["s2"].oov_questions == 2
    assert (r.sections["s1"].questions, r.sections["s2"].questions) == (1, 1)
    r = evaluate_analogies(kv, path, case_insensitive=False)
    assert (r.questions, r.oov_questions) == (2, 3)


# ---------------------------------------------------------------------------------------------------------
# evaluate(), report, callback
# ---------------------------------------------------------------------------------------------------------
def test_evaluate_structure_and_names(analogy_setup, sim_file, sim_kv):
    kv, _ = analogy_setup
    out = evaluate(kv, similarity=[GENSIM_WORDSIM], analogies=[GENSIM_QUESTIONS])
    assert set(out.to_dict()) == {"similarity", "analogies"}
    assert list(out.similarity) == ["wordsim353.tsv"] and list(out.analogies) == ["questions-words.txt"]
    sim = out.similarity["wordsim353.tsv"]
    assert {"spearman", "pearson", "pairs", "oov_pairs"} <= set(sim.to_dict())
    assert sim == evaluate_similarity(kv, GENSIM_WORDSIM, restrict_vocab=300000)
    ana = out.analogies["questions-words.txt"]
    assert {"accuracy", "questions", "oov_questions", "sections"} <= set(ana.to_dict())
    assert ana == evaluate_analogies(kv, GENSIM_QUESTIONS)
    with pytest.raises(EvaluationError, match="named"):
        evaluate(sim_kv, similarity=[sim_file, sim_file])


def test_format_report(analogy_setup, sim_file, sim_kv):
    kv, _ = analogy_setup
    out = evaluate(kv, similarity=[GENSIM_WORDSIM], analogies=[GENSIM_QUESTIONS])
    text = format_report(out)
    sim = out.similarity["wordsim353.tsv"]
    ana = out.analogies["questions-words.txt"]
    assert f"{sim.spearman:.4f}" in text and f"{sim.pearson:.4f}" in text
    assert f"{ana.accuracy:.4f}" in text and "capital-common-countries" in text
    assert "n/a" in text  # sections without any answerable question
    assert "capital-common-countries" not in format_report(out, sections=False)
    single = format_report(evaluate_similarity(sim_kv, sim_file, restrict_vocab=2))
    assert "tiny_sim.txt" in single and "n/a" in single
    drift = format_report(compare(kv, kv, top=50, k=5))
    assert "overlap@5" in drift and "1.0000" in drift


def test_results_keep_the_json_schema_and_report_dispatches_on_type(analogy_setup, sim_file, sim_kv):
    kv, _ = analogy_setup
    sim = evaluate_similarity(sim_kv, sim_file).to_dict()
    assert list(sim) == ["name", "spearman", "pearson", "pairs", "oov_pairs", "multiword_pairs", "multiword_used",
                         "excluded_pairs", "total_pairs", "coverage", "restricted_pairs", "restrict_vocab"]
    ana = evaluate_analogies(kv, GENSIM_QUESTIONS).to_dict()
    assert list(ana) == ["name", "method", "accuracy", "correct", "questions", "oov_questions", "excluded_questions",
                         "total_questions", "coverage", "restrict_vocab", "sections", "restricted_questions"]
    assert list(ana["sections"]["family"]) == ["accuracy", "correct", "questions", "oov_questions"]
    drift = compare(kv, kv, top=50, k=5, n_new=1).to_dict()
    assert list(drift) == ["words", "missing_words", "k", "cosine_mean", "cosine_median", "cosine_min",
                           "overlap_at_k", "moved_most", "moved_among", "changed_words", "new_words_total",
                           "removed_words_total", "new_words"]
    with pytest.raises(TypeError, match="dict"):
        format_report(sim)  # a plain dict is no longer sniffed for keys


class FakeModel:
    def __init__(self, kv):
        self._kv = kv

    @property
    def wv(self):
        return self._kv


def test_evaluation_callback_history_and_logging(analogy_setup, sim_file, sim_kv, caplog, tmp_path):
    kv, _ = analogy_setup
    noisy = make_kv(kv.index_to_key, kv.vectors + np.random.default_rng(0).standard_normal(kv.vectors.shape))
    cb = EvaluationCallback(similarity=[GENSIM_WORDSIM], analogies=[GENSIM_QUESTIONS], restrict_vocab=30000)
    with caplog.at_level(logging.INFO, logger="fastw2v.evaluation"):
        cb(FakeModel(kv), 1, 0.5)
        cb(FakeModel(noisy), 2, 0.25)
    assert [(h.epoch, h.loss) for h in cb.history] == [(1, 0.5), (2, 0.25)]
    for h, model in zip(cb.history, (kv, noisy)):
        assert h.report.similarity == evaluate(model, similarity=[GENSIM_WORDSIM], restrict_vocab=30000).similarity
        assert h.report.analogies["questions-words.txt"].accuracy == \
            evaluate_analogies(model, GENSIM_QUESTIONS, restrict_vocab=30000).accuracy
    first, second = (h.report.analogies["questions-words.txt"].accuracy for h in cb.history)
    assert first > second
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "fastw2v.evaluation"]
    assert sum(m.startswith("epoch 1: ") for m in lines) == 2
    assert sum(m.startswith("epoch 2: ") for m in lines) == 2
    with pytest.raises(MissingFileError):
        EvaluationCallback(similarity=[tmp_path / "missing.tsv"])


# ---------------------------------------------------------------------------------------------------------
# compare()
# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def drift_kv() -> KeyedVectors:
    rng = np.random.default_rng(8)
    return make_kv([f"w{i}" for i in range(3000)], rng.standard_normal((3000, 16)))


def test_compare_with_itself(drift_kv):
    r = compare(drift_kv, drift_kv, top=300, k=10)
    assert (r.words, r.k, r.missing_words) == (300, 10, 0)
    assert r.cosine_mean == pytest.approx(1.0, abs=1e-9)
    assert r.cosine_min == pytest.approx(1.0, abs=1e-9)
    assert r.overlap_at_k == 1.0
    assert r.new_words_total == 0 and r.removed_words_total == 0 and r.new_words == []
    assert r.moved_most == [] and (r.changed_words, r.moved_among) == (0, 3000)  # nothing moved: nothing listed
    assert "moved most: none (all 3000 shared words have the same vectors)" in format_report(r)


def test_compare_with_perturbed_copy(drift_kv):
    rng = np.random.default_rng(9)
    vectors = drift_kv.vectors + 0.2 * rng.standard_normal(drift_kv.vectors.shape).astype(np.float32)
    moved = [3, 17, 42, 100, 250]
    vectors[moved] = rng.standard_normal((len(moved), 16))
    words = list(drift_kv.index_to_key)
    # new words: near copies of w7 and w1500, inserted at frequency ranks 5 and 50; w2999 removed
    words[2999] = "gone"
    words.insert(50, "new_b")
    words.insert(5, "new_a")
    vectors = np.insert(vectors, 50, drift_kv["w1500"] + 0.01, axis=0)
    vectors = np.insert(vectors, 5, drift_kv["w7"] + 0.01, axis=0)
    after = make_kv(words, vectors)
    r = compare(drift_kv, after, top=300, k=10)
    assert r.words == 300
    assert {w for w, _ in r.moved_most[:5]} == {f"w{i}" for i in moved}
    assert r.moved_most[0][1] == pytest.approx(r.cosine_min)
    assert r.cosine_min < 0.6 < r.cosine_median < 0.999
    assert 0.3 < r.overlap_at_k < 0.99
    # reference overlap, one word at a time
    def neighbours(kv):
        unit = np.stack([kv[f"w{i}"] for i in range(300)]).astype(np.float64)
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        sims = unit @ unit.T
        np.fill_diagonal(sims, -np.inf)
        return [set(np.argsort(-row)[:10]) for row in sims]
    expected = np.mean([len(x & y) / 10 for x, y in zip(neighbours(drift_kv), neighbours(after))])
    assert r.overlap_at_k == pytest.approx(expected, abs=1e-12)
    assert (r.new_words_total, r.removed_words_total) == (3, 1)
    assert [e.word for e in r.new_words] == ["new_a", "new_b", "gone"]
    assert r.new_words[0].neighbours[0][0] == "w7"
    assert r.new_words[1].neighbours[0][0] == "w1500"
    assert len(r.new_words[0].neighbours) == 10
    # the neighbour search is bounded: w1500 lies beyond the first 1000 words of kv_after
    bounded = compare(drift_kv, after, top=300, k=10, search_vocab=1000)
    assert bounded.new_words[1].neighbours[0][0] != "w1500"
    assert all(after.key_to_index[w] < 1000 for w, _ in bounded.new_words[1].neighbours)


def test_compare_searches_new_words_neighbours_in_the_whole_new_model():
    # A fine-tuned GloVe model lists its 400k base words first and the domain's new words after them:
    # the neighbours of a new word (other new words here) lie far past the first 50,000 rows.
    rng = np.random.default_rng(3)
    n_base, dim = 50_005, 8
    base = rng.standard_normal((n_base, dim))
    centre = rng.standard_normal(dim) * 5
    new = centre + 0.01 * rng.standard_normal((4, dim))
    words = [f"w{i}" for i in range(n_base)]
    after = make_kv(words + ["cd4", "cd8", "jurkat", "u937"], np.vstack([base, new]))
    r = compare(make_kv(words, base), after, top=100, k=3)
    assert [e.word for e in r.new_words] == ["cd4", "cd8", "jurkat", "u937"]
    for entry in r.new_words:
        assert {w for w, _ in entry.neighbours} == {"cd4", "cd8", "jurkat", "u937"} - {entry.word}
        assert [w for w, _ in entry.neighbours] == [w for w, _ in after.most_similar(entry.word, topn=3)]


def test_compare_moved_most_ranks_every_changed_shared_word():
    # As a fine-tuning that keeps a large base nearly as it was: the frequent words turn by a hair,
    # a few domain words (further down the vocabulary) a lot, and most words not at all.
    rng = np.random.default_rng(4)
    before = rng.standard_normal((2000, 16))
    after = before.copy()
    after[:100] += 1e-4 * rng.standard_normal((100, 16))
    after[[1500, 1700]] = rng.standard_normal((2, 16))
    words = [f"w{i}" for i in range(2000)]
    r = compare(make_kv(words, before), make_kv(words, after), top=100)
    assert r.words == 100 and r.cosine_min > 0.9999
    assert {w for w, _ in r.moved_most[:2]} == {"w1500", "w1700"}
    assert len(r.moved_most) == 20 and (r.changed_words, r.moved_among) == (102, 2000)
    cosines = [c for _, c in r.moved_most]
    assert cosines == sorted(cosines) and all(w in {f"w{i}" for i in range(100)} for w, _ in r.moved_most[2:])
    text = format_report(r)
    assert "(1.000)" not in text and "102 of 2000 shared words changed" in text
    assert re.search(r"w\d+ \(1-\d\.\de-0\d\)", text)  # the hair they turned by, not a rounded 1.000
    # Words given: the list is drawn from those.
    r = compare(make_kv(words, before), make_kv(words, after), words=["w1", "w2", "w1999"])
    assert {w for w, _ in r.moved_most} == {"w1", "w2"} and r.moved_among == 3


def test_compare_given_words_and_other_dimensions(drift_kv):
    r = compare(drift_kv, drift_kv, words=["w1", "w2", "w3", "nope", "w1"], k=10)
    assert (r.words, r.missing_words, r.k) == (3, 1, 2)
    other = make_kv(drift_kv.index_to_key, np.random.default_rng(2).standard_normal((3000, 8)))
    r = compare(drift_kv, other, top=200)
    assert math.isnan(r.cosine_mean) and r.moved_most == []
    assert 0.0 <= r.overlap_at_k < 0.5
    with pytest.raises(EvaluationError):
        compare(drift_kv, make_kv(["zz"], np.ones((1, 16))))


# ---------------------------------------------------------------------------------------------------------
# real vectors: GloVe 6B 50d (first 50,000 words) from ../shared/data
# ---------------------------------------------------------------------------------------------------------
GLOVE = SHARED / "glove.6B.50d.w2v.bin.gz"
EVAL = SHARED / "eval"


@pytest.fixture(scope="module")
def glove() -> KeyedVectors:
    if not GLOVE.exists() or not EVAL.is_dir():
        pytest.skip(f"real-data tests need {GLOVE} and {EVAL} (the shared data directory is absent)")
    return KeyedVectors.load_word2vec_format(str(GLOVE), binary=True, limit=50000)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt", "umnsrs-sim.txt", "umnsrs-rel.txt"])
def test_similarity_equals_gensim_on_glove(glove, name):
    g_pearson, g_spearman, g_oov = glove.evaluate_word_pairs(str(EVAL / name))
    r = evaluate_similarity(glove, EVAL / name, restrict_vocab=300000)
    assert r.spearman == pytest.approx(g_spearman[0], abs=1e-6)
    assert r.pearson == pytest.approx(g_pearson[0], abs=1e-6)
    assert 100 * (r.oov_pairs + r.multiword_pairs) / r.total_pairs == pytest.approx(g_oov, abs=1e-9)
    assert r.spearman > 0.2
    if name.startswith("umnsrs"):
        assert r.multiword_pairs >= 15


@pytest.mark.slow
def test_umnsrs_multiword_mean_on_glove(glove):
    skip = evaluate_similarity(glove, EVAL / "umnsrs-sim.txt")
    mean = evaluate_similarity(glove, EVAL / "umnsrs-sim.txt", multiword="mean")
    assert mean.multiword_used > 0
    assert mean.pairs == skip.pairs + mean.multiword_used
    assert mean.oov_pairs == skip.oov_pairs + skip.multiword_pairs - mean.multiword_used


def _every_nth_question(path: Path, out: Path, nth: int) -> Path:
    lines, n = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            lines.append(line)
        else:
            if n % nth == 0:
                lines.append(line)
            n += 1
    return write(out, "\n".join(lines) + "\n")


@pytest.mark.slow
def test_analogies_equal_gensim_on_glove(glove, tmp_path):
    # every 10th question of every section keeps gensim's one-question-at-a-time loop short (it can
    # take a minute for the whole file on a busy machine); FASTW2V_SLOW_TESTS=1 runs the whole file
    path = _every_nth_question(EVAL / "questions-words.txt", tmp_path / "questions-tenth.txt", 10)
    score, sections = _gensim_sections(glove, path, 30000, True)
    mine = evaluate_analogies(glove, path, restrict_vocab=30000)
    _assert_equals_gensim(mine, score, sections, glove, read_analogy_questions(path), 30000, True)
    assert len(mine.sections) == 14 and mine.accuracy > 0.3


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("FASTW2V_SLOW_TESTS"), reason="whole-file gensim comparison takes "
                    "15-90 s of gensim time; set FASTW2V_SLOW_TESTS=1")
def test_analogies_equal_gensim_on_glove_whole_file(glove):
    path = EVAL / "questions-words.txt"
    score, sections = _gensim_sections(glove, path, 30000, True)
    mine = evaluate_analogies(glove, path, restrict_vocab=30000)
    _assert_equals_gensim(mine, score, sections, glove, read_analogy_questions(path), 30000, True)


@pytest.mark.slow
def test_common_pairs_on_glove(glove):
    small = make_kv(glove.index_to_key[:5000], glove.vectors[:5000])
    shared = common_pairs([glove, small], EVAL / "wordsim353.tsv")
    big, little = (evaluate_similarity(kv, EVAL / "wordsim353.tsv", pairs=shared) for kv in (glove, small))
    in_subset = sum(1 for w1, w2, _ in read_similarity_pairs(EVAL / "wordsim353.tsv") if (w1, w2) in set(shared))
    assert in_subset >= len(shared) > 100  # the file repeats a pair
    assert big.pairs == little.pairs == in_subset < big.total_pairs
    assert big.oov_pairs == little.oov_pairs == 0
    assert big.spearman == pytest.approx(little.spearman, abs=1e-12)  # same vectors for those words


def test_the_report_counts_what_the_restriction_skipped(tmp_path):
    words = ["the", "cat", "dog", "sat", "mat", "rare1", "rare2"]
    kv = make_kv(words, np.random.default_rng(3).normal(size=(len(words), 4)))
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("cat\tdog\t5\ncat\trare1\t3\nrare2\tmat\t2\nmissing\tcat\t1\nsat\tmat\t4\n")
    restricted = evaluate_similarity(kv, pairs, restrict_vocab=5)
    assert (restricted.pairs, restricted.oov_pairs, restricted.restricted_pairs) == (2, 3, 2)
    whole = evaluate_similarity(kv, pairs)
    assert (whole.pairs, whole.oov_pairs, whole.restricted_pairs) == (4, 1, 0)
    assert "(2 oov only past the first 5 words)" in format_report(restricted)
    questions = tmp_path / "q.txt"
    questions.write_text(": s\ncat dog sat mat\ncat dog rare1 mat\ncat dog missing mat\n")
    ana = evaluate_analogies(kv, questions, restrict_vocab=5)
    assert (ana.questions, ana.oov_questions, ana.restricted_questions) == (1, 2, 1)
