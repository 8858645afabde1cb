"""Phrase detection: gensim 4 parity on real text, the id path, storage, bad input, pruning, passes, CLI."""
from __future__ import annotations

import gzip
import json
import pickle
from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models.phrases import FrozenPhrases, Phrases, npmi_scorer, original_scorer

from fastw2v.cli import main
from fastw2v.errors import ConfigError, CorpusError, FastW2VError, ModelFormatError
from fastw2v.phrases import PhraseModel, score_bigrams, write_phrased
from fastw2v.phrases.counting import BigramCounts
from fastw2v.phrases.joining import _greedy_pairs

# (scoring, min_count, threshold) exercised against gensim.
SETTINGS = [("default", 5, 10.0), ("default", 1, 1.0), ("default", 3, 50.0), ("npmi", 5, 0.5), ("npmi", 1, 0.3)]


def gensim_frozen(sentences, scoring, min_count, threshold, delimiter="_") -> FrozenPhrases:
    return FrozenPhrases(Phrases(sentences, min_count=min_count, threshold=threshold, scoring=scoring,
                                 delimiter=delimiter))


def assert_same_phrases(ours: dict[str, float], theirs: dict[str, float], scoring: str) -> None:
    assert set(ours) == set(theirs)
    keys = sorted(ours)
    a, b = np.array([ours[k] for k in keys]), np.array([theirs[k] for k in keys])
    if scoring == "default":
        np.testing.assert_array_equal(a, b)  # same float64 operations in the same order
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12)  # np.log vs math.log may differ by an ulp


def gensim_scan(sentence: list[str], pairs: set[tuple[str, str]]) -> list[str]:
    """gensim's analyze_sentence (no connector words) as a plain loop, for a given set of phrase pairs."""
    out, start = [], None
    for word in sentence:
        if start is None:
            start = word
        elif (start, word) in pairs:
            out.append(f"{start}_{word}")
            start = None
        else:
            out.append(start)
            start = word
    return out + ([start] if start is not None else [])


@pytest.mark.parametrize("scoring,min_count,threshold", SETTINGS)
def test_same_phrases_scores_and_output_as_gensim_on_lee(lee_corpus, scoring, min_count, threshold):
    frozen = gensim_frozen(lee_corpus, scoring, min_count, threshold)
    model = PhraseModel.learn(lee_corpus, min_count=min_count, threshold=threshold, scoring=scoring)
    assert len(frozen.phrasegrams) > 100
    assert_same_phrases(model.phrasegrams(), frozen.phrasegrams, scoring)
    expected = [frozen[s] for s in lee_corpus]
    assert [model.apply(s) for s in lee_corpus] == expected
    assert list(model.transform(lee_corpus, chunk_tokens=5000)) == expected


@pytest.fixture(scope="module")
def wiki_1m(wiki_text8) -> list[list[str]]:
    """Whole articles of wiki-text8 up to ~1M tokens."""
    sentences, total = [], 0
    with gzip.open(wiki_text8, "rt", encoding="utf-8") as fh:
        for line in fh:
            sentences.append(line.split())
            total += len(sentences[-1])
            if total >= 1_000_000:
                break
    return sentences


@pytest.fixture(scope="module")
def wiki_gensim(wiki_1m) -> Phrases:
    return Phrases(wiki_1m, min_count=5, threshold=10.0)  # counting does not depend on the scoring


@pytest.mark.parametrize("scoring,threshold", [("default", 10.0), ("npmi", 0.5)])
def test_same_phrases_as_gensim_on_wiki_text8(wiki_1m, wiki_gensim, scoring, threshold):
    wiki_gensim.scoring = {"default": original_scorer, "npmi": npmi_scorer}[scoring]
    wiki_gensim.threshold = threshold
    frozen = FrozenPhrases(wiki_gensim)
    model = PhraseModel.learn(wiki_1m, min_count=5, threshold=threshold, scoring=scoring, chunk_tokens=200_000)
    assert len(frozen.phrasegrams) > 1500
    assert_same_phrases(model.phrasegrams(), frozen.phrasegrams, scoring)
    assert list(model.transform(wiki_1m)) == [frozen[s] for s in wiki_1m]


def test_default_scores_are_gensims_bit_for_bit_and_npmi_to_an_ulp():
    rng = np.random.default_rng(3)
    a, b = rng.integers(1, 10_000, 500), rng.integers(1, 10_000, 500)
    ab = np.minimum(a, b) // rng.integers(1, 5, 500)
    ours = score_bigrams(a, b, ab, 123_457, 5, 2_000_000, "default")
    theirs = [original_scorer(x, y, z, 123_457, 5, 2_000_000) for x, y, z in zip(a.tolist(), b.tolist(), ab.tolist())]
    np.testing.assert_array_equal(ours, theirs)
    ours = score_bigrams(a, b, ab, 123_457, 5, 2_000_000, "npmi")
    theirs = [npmi_scorer(x, y, z, 123_457, 5, 2_000_000) for x, y, z in zip(a.tolist(), b.tolist(), ab.tolist())]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert np.isneginf(ours[ab < 5]).all()


def test_vectorised_greedy_join_is_gensims_left_to_right_scan():
    rng = np.random.default_rng(0)
    for _ in range(300):
        hit = rng.random(rng.integers(1, 40)) < rng.choice([0.2, 0.5, 0.9])
        expected, previous = [], False
        for h in hit:
            previous = bool(h) and not previous
            expected.append(previous)
        np.testing.assert_array_equal(_greedy_pairs(np.flatnonzero(hit)), np.flatnonzero(expected))
    # And through a model: with a_b, b_c and c_d all phrases, gensim takes a_b, then c_d.
    model = PhraseModel.from_phrases(["a_b", "b_c", "c_d"])
    sentence = "x a b c d b c".split()
    assert model.apply(sentence) == gensim_scan(sentence, {("a", "b"), ("b", "c"), ("c", "d")})
    assert model.apply(sentence) == ["x", "a_b", "c_d", "b_c"]


@pytest.mark.parametrize("passes", [1, 2])
def test_id_path_equals_token_path(lee_corpus, passes):
    model = PhraseModel.learn(lee_corpus, min_count=3, threshold=5.0, passes=passes)
    expected = [model.apply(s) for s in lee_corpus]
    # A fixed vocabulary must hold the intermediate tokens too (pass 1's new_york on the way to new_york_city).
    words = sorted({w for s in lee_corpus for w in s} | set(model.phrasegrams()))
    vocabulary = {w: i for i, w in enumerate(words)}
    bound = model.bind(vocabulary.get)
    sentences = [[]] + lee_corpus[:150] + [[]] + lee_corpus[150:]  # empty sentences are allowed
    ids = np.array([vocabulary[w] for s in sentences for w in s], dtype=np.int32)
    out, lengths = bound.apply_ids(ids, np.array([len(s) for s in sentences]))
    got, start = [], 0
    for n in lengths.tolist():
        got.append([words[i] for i in out[start:start + n].tolist()])
        start += n
    assert got == [[]] + expected[:150] + [[]] + expected[150:]


def test_apply_keeps_unknown_words_and_short_sentences():
    model = PhraseModel.from_phrases(["new_york"])
    assert model.apply(["zebra", "new", "york", "qq", "new"]) == ["zebra", "new_york", "qq", "new"]
    assert model.apply([]) == [] and model.apply(["new"]) == ["new"]
    assert model[["new", "york"]] == ["new_york"]
    with pytest.raises(CorpusError, match="list of tokens"):
        model.apply("new york")


def test_known_phrases_join_longest_and_split_back_unfinished_ngrams():
    model = PhraseModel.from_phrases(["new_york", "new_york_city", "heart_attack", "a_b_c_d", "single", "x__y"])
    cases = {
        "in new york city today": "in new_york_city today",
        "new york": "new_york",
        "a b c": "a b c",  # a_b and a_b_c were only steps towards a_b_c_d
        "a b c d e": "a_b_c_d e",
        "heart attack and new york": "heart_attack and new_york",
        "x y": "x y",  # "x__y" has an empty part: ignored
    }
    for text, expected in cases.items():
        assert " ".join(model.apply(text.split())) == expected
    vocabulary = {w: i for i, w in enumerate(sorted({w for t in cases for w in t.split()} | model.known
                                                    | {"a_b", "a_b_c", "new_york_city"}))}
    sentences = [t.split() for t in cases]
    ids = np.array([vocabulary[w] for s in sentences for w in s], dtype=np.int32)
    out, lengths = model.bind(vocabulary.get).apply_ids(ids, np.array([len(s) for s in sentences]))
    words = sorted(vocabulary, key=vocabulary.get)
    assert " ".join(words[i] for i in out.tolist()) == " ".join(cases.values())
    assert lengths.tolist() == [len(v.split()) for v in cases.values()]


def test_second_pass_builds_trigrams_scored_on_its_own_tokens(lee_corpus):
    model = PhraseModel.learn(lee_corpus, min_count=3, threshold=5.0, passes=2)
    assert len(model.passes) == 2
    first = PhraseModel.learn(lee_corpus, min_count=3, threshold=5.0)
    assert model.passes[0].left == first.passes[0].left
    longer = {t for s in model.transform(lee_corpus) for t in s if t.count("_") >= 2}
    assert len(longer) > 10
    # The second pass is gensim's Phrases on the first pass's output, with joined tokens as atomic words
    # (a different delimiter keeps gensim from re-splitting new_york when it exports).
    joined = [first.apply(s) for s in lee_corpus]
    second = gensim_frozen(joined, "default", 3, 5.0, delimiter="+")
    assert_same_phrases({f"{a}+{b}": s for a, b, s in zip(model.passes[1].left, model.passes[1].right,
                                                            model.passes[1].scores)}, second.phrasegrams, "default")


@pytest.mark.parametrize("scoring,threshold", [("default", 10.0), ("npmi", 0.5)])
def test_pruning_is_gensims_with_one_sentence_per_chunk(lee_corpus, scoring, threshold):
    frozen = FrozenPhrases(Phrases(lee_corpus, min_count=5, threshold=threshold, scoring=scoring,
                                   max_vocab_size=8000))
    model = PhraseModel.learn(lee_corpus, min_count=5, threshold=threshold, scoring=scoring, max_vocab_size=8000,
                              chunk_tokens=1)
    assert model.passes[0].len_vocab <= 8000
    assert_same_phrases(model.phrasegrams(), frozen.phrasegrams, scoring)


def test_pruning_bounds_the_counts_and_keeps_the_frequent_phrases(lee_corpus):
    counts = BigramCounts(max_vocab_size=8000)
    vocab: dict[str, int] = {}
    for k in range(0, len(lee_corpus), 10):
        chunk = lee_corpus[k:k + 10]
        ids = np.array([vocab.setdefault(w, len(vocab)) for s in chunk for w in s], dtype=np.int32)
        before = counts.n_entries()
        counts.add(ids, np.array([len(s) for s in chunk]))
        assert counts.n_entries() <= max(8000, before) + 2 * ids.size  # at most one chunk over the limit
    assert counts.min_reduce > 2
    # npmi does not scale with len_vocab, so the pruned model still finds every frequent phrase
    # (default scores shrink with the pruned len_vocab, in gensim as here).
    full = PhraseModel.learn(lee_corpus, min_count=5, threshold=0.5, scoring="npmi")
    pruned = PhraseModel.learn(lee_corpus, min_count=5, threshold=0.5, scoring="npmi", max_vocab_size=8000,
                               chunk_tokens=2000)
    assert pruned.passes[0].len_vocab <= 8000 < full.passes[0].len_vocab
    bigrams = Counter(p for s in lee_corpus for p in zip(s, s[1:]))
    frequent = {f"{a}_{b}" for a, b in zip(full.passes[0].left, full.passes[0].right) if bigrams[a, b] >= 20}
    assert len(frequent) >= 20
    assert frequent <= set(pruned.phrasegrams())


def test_save_load_round_trip(tmp_path, lee_corpus):
    for model in (PhraseModel.learn(lee_corpus, min_count=3, threshold=5.0, scoring="default", passes=2),
                  PhraseModel.learn(lee_corpus, min_count=3, threshold=0.4, scoring="npmi", delimiter="--"),
                  PhraseModel.from_phrases(["new_york_city", "ice_cream"])):
        model.save(tmp_path / "m.json")
        loaded = PhraseModel.load(tmp_path / "m.json")
        assert (loaded.scoring, loaded.delimiter, loaded.min_count, loaded.threshold, loaded.known) == (
            model.scoring, model.delimiter, model.min_count, model.threshold, model.known)
        assert loaded.phrasegrams() == model.phrasegrams()
        sample = lee_corpus[:20] + [["new", "york", "city", "ice", "cream"]]
        assert [loaded.apply(s) for s in sample] == [model.apply(s) for s in sample]


def test_load_rejects_damaged_or_foreign_files_naming_them(tmp_path):
    good = PhraseModel.from_phrases(["a_b"])
    good.save(tmp_path / "good.json")
    doc = json.loads((tmp_path / "good.json").read_text())
    cases = {
        "pickle.json": pickle.dumps({"format": "fastw2v-phrases"}),
        "text.json": b"hello",
        "list.json": b"[1, 2]",
        "newer.json": json.dumps({**doc, "version": 99}).encode(),
        "lengths.json": json.dumps({**doc, "passes": [{**doc["passes"][0], "right": []}]}).encode(),
        "space.json": json.dumps({**doc, "passes": [{**doc["passes"][0], "left": ["a b"]}]}).encode(),
        "setting.json": json.dumps({**doc, "scoring": "npmi", "threshold": 5.0}).encode(),
        "missing.json": json.dumps({k: v for k, v in doc.items() if k != "passes"}).encode(),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ModelFormatError, match=name):
            PhraseModel.load(tmp_path / name)


@pytest.mark.parametrize("settings,match", [
    (dict(threshold=0.0), "threshold must be > 0"),
    (dict(threshold=-1.0), "threshold must be > 0"),
    (dict(scoring="npmi", threshold=-1.0), r"\(-1, 1\]"),
    (dict(scoring="npmi", threshold=1.5), r"\(-1, 1\]"),
    (dict(min_count=0), "min_count"),
    (dict(scoring="pmi"), "scoring"),
    (dict(delimiter=""), "delimiter"),
    (dict(delimiter=" "), "delimiter"),
    (dict(passes=0), "passes"),
    (dict(max_vocab_size=0), "max_vocab_size"),
])
def test_bad_settings_raise_one_config_error(settings, match):
    with pytest.raises(ConfigError, match=match) as info:
        PhraseModel.learn([["a", "b"]], **settings)
    assert isinstance(info.value, ValueError) and isinstance(info.value, FastW2VError)


def test_a_bigram_scoring_exactly_the_threshold_is_not_joined():
    # gensim keeps a bigram only when its score is strictly greater than the threshold.
    corpus = [["a", "b", "c"], ["a", "b"]]
    # counts a 2, b 2, c 1, "a b" 2, "b c" 1; gensim's len(vocab) is 3 unigrams + 2 bigrams
    at = original_scorer(2, 2, 2, 5, 1, 5)
    assert at == 1.25
    for threshold, joined in ((at, []), (float(np.nextafter(at, 0)), ["a_b"])):
        model = PhraseModel.learn(corpus, min_count=1, threshold=threshold)
        assert sorted(model.phrasegrams()) == joined
        assert sorted(gensim_frozen(corpus, "default", 1, threshold).phrasegrams) == joined
        assert model.apply(["a", "b"]) == (joined or ["a", "b"])


def test_bad_corpora(tmp_path):
    # npmi is at most 1, so threshold 1 is accepted and joins nothing, not even a bigram scoring exactly 1.
    model = PhraseModel.learn([["a", "b"]], min_count=1, scoring="npmi", threshold=1.0)
    assert score_bigrams(np.array([1]), np.array([1]), np.array([1]), 3, 1, 2, "npmi").tolist() == [1.0]
    assert (model.scoring, model.threshold) == ("npmi", 1.0)
    assert model.phrasegrams() == {} == dict(gensim_frozen([["a", "b"]], "npmi", 1, 1.0).phrasegrams)
    (tmp_path / "empty.txt").write_text("\n  \n")
    with pytest.raises(CorpusError, match="empty.txt: the corpus is empty"):
        PhraseModel.learn(tmp_path / "empty.txt")
    with pytest.raises(CorpusError, match="empty"):
        PhraseModel.learn([[], []])
    with pytest.raises(CorpusError, match="delimiter '_' already occurs.*'new_york'"):
        PhraseModel.learn([["in", "new_york"]])
    with pytest.raises(CorpusError, match="one-shot"):
        PhraseModel.learn(iter([["a", "b"]]))


@pytest.fixture()
def lee_file(tmp_path, lee_corpus):
    path = tmp_path / "lee.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in lee_corpus), encoding="utf-8")
    return path


def test_cli_writes_gensims_output_and_a_reusable_model(tmp_path, lee_file, lee_corpus):
    out, saved = tmp_path / "out" / "phrased.txt.gz", tmp_path / "phrases.json"
    result = CliRunner().invoke(main, ["phrases", str(lee_file), "--out", str(out), "--min-count", "3",
                                       "--threshold", "5", "--save-model", str(saved), "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"wrote 300 lines to {out}" in result.output
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    frozen = gensim_frozen(lee_corpus, "default", 3, 5.0)
    assert lines == [" ".join(frozen[s]) for s in lee_corpus]
    assert write_phrased(PhraseModel.load(saved), lee_file, tmp_path / "again.txt") == 300
    assert (tmp_path / "again.txt").read_text(encoding="utf-8").splitlines() == lines
    assert not list(out.parent.glob(".tmp-*"))


def test_cli_passes_and_npmi(tmp_path, lee_file):
    out = tmp_path / "phrased.txt"
    result = CliRunner().invoke(main, ["phrases", str(lee_file), "--out", str(out), "--min-count", "3",
                                       "--scoring", "npmi", "--threshold", "0.3", "--passes", "2",
                                       "--delimiter", "+", "-q"])
    assert result.exit_code == 0, result.output
    assert "pass 2:" in result.output
    assert any(t.count("+") >= 2 for t in out.read_text(encoding="utf-8").split())


@pytest.mark.parametrize("args,message", [
    (["--threshold", "0"], "error: threshold must be > 0"),
    (["--scoring", "npmi", "--threshold", "2"], "error: threshold must be in (-1, 1]"),
    (["--min-count", "0"], "error: min_count"),
    (["--delimiter", "e"], "error: "),
])
def test_cli_bad_input_is_one_error_line(tmp_path, lee_file, args, message):
    result = CliRunner().invoke(main, ["phrases", str(lee_file), "--out", str(tmp_path / "o.txt"), *args])
    assert result.exit_code == 2
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert not (tmp_path / "o.txt").exists()


def test_cli_refuses_to_overwrite_its_input_and_reports_empty_or_missing_files(tmp_path, lee_file):
    before = lee_file.read_bytes()
    result = CliRunner().invoke(main, ["phrases", str(lee_file), "--out", str(lee_file)])
    assert result.exit_code == 2 and "refusing to overwrite" in result.output
    assert lee_file.read_bytes() == before
    (tmp_path / "empty.txt").write_text("")
    for name, message in (("empty.txt", "the corpus is empty"), ("nothing.txt", "no such file")):
        result = CliRunner().invoke(main, ["phrases", str(tmp_path / name), "--out", str(tmp_path / "o.txt")])
        assert result.exit_code == 2 and message in result.output and name in result.output


def test_progress_lines_go_through_the_fastw2v_logger(caplog, lee_corpus, monkeypatch):
    monkeypatch.setattr("fastw2v.progress.Progress.interval", 0.0)
    with caplog.at_level("INFO", logger="fastw2v"):
        list(PhraseModel.learn(lee_corpus, chunk_tokens=5000).transform(lee_corpus))
    lines = [r.getMessage() for r in caplog.records if r.name == "fastw2v.progress"]
    assert any("counting" in m and "words/s" in m for m in lines)
    assert any("applying" in m and "words/s" in m for m in lines)


@pytest.mark.parametrize("delimiter", ["_", "--"])
@pytest.mark.parametrize("messy", [False, True])
def test_written_output_is_gensims_whatever_the_layout(tmp_path, lee_corpus, delimiter, messy):
    """Canonical files are written by patching separators, others token by token: same lines either way."""
    from fastw2v.phrases import learn_and_write

    sep, end = ("  \t", " \r\n\n") if messy else (" ", "\n")
    path = tmp_path / "lee.txt"
    path.write_text("".join(sep.join(s) + end for s in lee_corpus), encoding="utf-8")
    _, lines = learn_and_write(path, tmp_path / "out.txt", min_count=3, threshold=5.0, delimiter=delimiter,
                               chunk_tokens=3000)
    frozen = gensim_frozen(lee_corpus, "default", 3, 5.0, delimiter=delimiter)
    assert lines == 300
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines() == [
        " ".join(frozen[s]) for s in lee_corpus]
