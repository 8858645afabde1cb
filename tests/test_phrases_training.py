"""Phrases in training: --phrases MODEL while scanning, pre-trained phrase entries, --multiword phrase."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

from fastw2v import Word2Vec, load
from fastw2v.cli import main
from fastw2v.corpus import TextCorpus
from fastw2v.errors import ConfigError, ModelFormatError
from fastw2v.evaluation import evaluate, evaluate_similarity
from fastw2v.finetune import pretrained_phrases
from fastw2v.phrases import PhraseModel
from fastw2v.token_ids import ScannedCorpus
from fastw2v.vectors_io import write_vectors

SMALL = ["--vector-size", "16", "--min-count", "2", "--epochs", "1", "--workers", "1", "--seed", "3", "-q"]


def run(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def phrased_lee(lee_path, tmp_path_factory):
    """The Lee corpus, its phrase model and the corpus written phrased by `fastw2v phrases`."""
    d = tmp_path_factory.mktemp("phrased")
    result = run("phrases", lee_path, "--out", d / "phrased.txt", "--save-model", d / "model.json",
                 "--min-count", "3", "--threshold", "5", "-q")
    assert result.exit_code == 0, result.output
    return {"dir": d, "model": d / "model.json", "phrased": d / "phrased.txt"}


def test_train_with_phrases_is_training_on_the_phrased_file(lee_path, phrased_lee):
    d = phrased_lee["dir"]
    assert run("train", phrased_lee["phrased"], "--out", d / "from-file", *SMALL).exit_code == 0
    result = run("train", lee_path, "--phrases", phrased_lee["model"], "--out", d / "on-the-fly", *SMALL)
    assert result.exit_code == 0, result.output
    a, b = load(d / "from-file"), load(d / "on-the-fly")
    assert sum("_" in w for w in a.vocab.words) > 20  # phrase tokens made it into the vocabulary
    assert a.vocab.words == b.vocab.words
    np.testing.assert_array_equal(a.vocab.counts, b.vocab.counts)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)  # the same encoded corpus, workers=1


def test_train_with_phrases_logs_how_many_phrases_it_joined(lee_path, phrased_lee):
    result = run("train", lee_path, "--phrases", phrased_lee["model"], "--out", phrased_lee["dir"] / "logged",
                 *SMALL[:-1])
    assert result.exit_code == 0, result.output
    found = re.search(r"phrases: joined (\d+) phrase occurrences while reading \((\d+) distinct phrase tokens of the "
                      r"(\d+) the phrase models know occur\)", result.stderr)
    assert found, result.stderr
    known = PhraseModel.load(phrased_lee["model"]).phrasegrams()
    phrased = Counter(t for t in phrased_lee["phrased"].read_text(encoding="utf-8").split() if t in known)
    raw = Counter(t for t in Path(lee_path).read_text(encoding="utf-8").split() if t in known)
    assert int(found.group(1)) == sum(phrased.values()) - sum(raw.values()) > 100
    assert (int(found.group(2)), int(found.group(3))) == (len(phrased), len(known))


def test_scan_with_phrases_counts_and_orders_like_the_phrased_text(lee_path, phrased_lee):
    model = PhraseModel.load(phrased_lee["model"])
    joined = ScannedCorpus(TextCorpus(lee_path), phrases=[model], chunk_tokens=1000)
    plain = ScannedCorpus(TextCorpus(phrased_lee["phrased"]), chunk_tokens=1000)
    assert list(joined.word_counts().items()) == list(plain.word_counts().items())  # counts and first appearance
    assert (joined.n_tokens, joined.n_sentences) == (plain.n_tokens, plain.n_sentences)


def test_api_phrases_from_a_path_or_model_and_errors(lee_corpus, phrased_lee):
    model = PhraseModel.load(phrased_lee["model"])
    a = Word2Vec(lee_corpus, vector_size=8, min_count=2, epochs=1, workers=1, phrases=phrased_lee["model"])
    b = Word2Vec([model.apply(s) for s in lee_corpus], vector_size=8, min_count=2, epochs=1, workers=1)
    assert a.vocab.words == b.vocab.words
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    with pytest.raises(ConfigError, match="max_vocab_size"):
        Word2Vec(vector_size=8, max_vocab_size=1000, phrases=model).build_vocab(lee_corpus)
    (phrased_lee["dir"] / "junk.json").write_text("[1, 2]")
    with pytest.raises(ModelFormatError, match="junk.json: not a fastw2v phrase model"):
        Word2Vec(phrases=phrased_lee["dir"] / "junk.json")


def test_pretrained_phrase_delimiter_is_detected():
    assert pretrained_phrases(["a", "new_york", "heart_attack", "well-known"]).delimiter == "_"
    assert pretrained_phrases(["a", "new-york", "heart-attack", "x_y"]).delimiter == "-"
    assert pretrained_phrases(["a", "b", "_leading"]) is None  # an edge delimiter is not a phrase
    assert pretrained_phrases(["new-york", "a_b"], delimiter="_").known == {"a_b"}


@pytest.fixture()
def domain(tmp_path):
    """Pre-trained vectors with phrase entries, and a corpus where some of them occur as plain words."""
    rng = np.random.default_rng(5)
    words = ["heart", "attack", "blood", "pressure", "heart_attack", "blood_pressure", "new_york", "patient",
             "the", "a", "of", "myocardial", "infarction"]
    vectors = rng.normal(0, 0.3, (len(words), 8)).astype(np.float32)
    write_vectors(tmp_path / "pre.bin", words, vectors, binary=True)
    lines = ["the patient had a heart attack", "blood pressure of the patient", "a myocardial infarction",
             "heart attack and blood pressure", "myocardial infarction of a patient"] * 40
    (tmp_path / "corpus.txt").write_text("\n".join(lines) + "\n")
    learned = PhraseModel.from_phrases(["myocardial_infarction"])
    learned.save(tmp_path / "learned.json")
    return {"dir": tmp_path, "words": words, "vectors": vectors}


FT = ["--epochs", "1", "--min-count", "2", "--workers", "1", "--sample", "0", "-q"]


def test_finetune_phrases_from_pretrained_trains_the_phrase_rows(domain):
    d = domain["dir"]
    result = run("finetune", d / "pre.bin", d / "corpus.txt", "--phrases-from-pretrained", "--out", d / "ft",
                 "--phrases", d / "learned.json", *FT)
    assert result.exit_code == 0, result.output
    model = load(d / "ft")
    before = dict(zip(domain["words"], domain["vectors"]))
    for phrase in ("heart_attack", "blood_pressure"):  # in the corpus as two words: now trained
        assert model.vocab.counts[model.vocab.index[phrase]] == 80
        assert not np.array_equal(model.wv[phrase], before[phrase])
    np.testing.assert_array_equal(model.wv["new_york"], before["new_york"])  # absent from the corpus
    assert "myocardial_infarction" in model.vocab.index  # the learned model applied too
    assert "heart" not in model.vocab.index or model.vocab.counts[model.vocab.index["heart"]] == 0

    plain = run("finetune", d / "pre.bin", d / "corpus.txt", "--out", d / "plain", *FT)
    assert plain.exit_code == 0, plain.output
    np.testing.assert_array_equal(load(d / "plain").wv["heart_attack"], before["heart_attack"])


def test_finetune_phrase_options_errors(domain):
    d = domain["dir"]
    result = run("finetune", d / "pre.bin", d / "corpus.txt", "--phrase-delimiter", "-", "--out", d / "x", *FT)
    assert result.exit_code == 2 and "--phrase-delimiter needs --phrases-from-pretrained" in result.output
    result = run("finetune", d / "pre.bin", d / "corpus.txt", "--phrases", d / "missing.json", "--out", d / "x", *FT)
    assert result.exit_code == 2 and "missing.json" in result.output
    (d / "bad.json").write_text("{}")
    result = run("train", d / "corpus.txt", "--phrases", d / "bad.json", "--out", d / "x", *FT)
    assert result.exit_code == 2 and "error: " in result.output and "bad.json" in result.output
    assert "Traceback" not in result.output
    empty = d / "empty.txt"
    empty.write_text("\n\n")
    result = run("train", empty, "--phrases", d / "learned.json", "--out", d / "x", *FT)
    assert result.exit_code == 2 and "empty" in result.output


def test_multiword_phrase_looks_the_phrase_token_up(domain):
    d = domain["dir"]
    pairs = d / "pairs.txt"
    pairs.write_text("heart attack\tmyocardial infarction\t3.0\nblood pressure\tpatient\t1.0\n"
                     "heart\tpatient\t2.0\nnew york\tthe\t0.5\n")
    kv = KeyedVectors.load_word2vec_format(str(d / "pre.bin"), binary=True)
    skip = evaluate_similarity(kv, pairs)
    phrase = evaluate_similarity(kv, pairs, multiword="phrase")
    assert (skip.pairs, skip.multiword_pairs) == (1, 3)
    # myocardial_infarction is no entry: that pair falls back to skipping
    assert (phrase.pairs, phrase.multiword_pairs, phrase.multiword_used) == (3, 1, 2)
    assert evaluate(kv, similarity=[pairs], multiword="phrase").similarity["pairs.txt"].pairs == 3
    dashed = KeyedVectors(8)
    dashed.add_vectors([w.replace("_", "-") for w in domain["words"]], domain["vectors"])
    assert evaluate_similarity(dashed, pairs, multiword="phrase", phrase_delimiter="-").pairs == 3
    result = run("evaluate", d / "pre.bin", "--similarity", pairs, "--multiword", "phrase", "--json")
    assert result.exit_code == 0, result.output
    assert '"pairs": 3' in result.output
