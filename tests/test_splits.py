"""The fixed dev / test halves of evaluation sets: stable, disjoint and complete."""
from __future__ import annotations

import hashlib

import pytest

from fastw2v.demo import data_file
from fastw2v.evaluation.readers import read_analogy_questions, read_similarity_pairs
from fastw2v.evaluation.splits import analogy_half, pair_half, similarity_half

UMNSRS = ("umnsrs-sim.txt", "umnsrs-rel.txt")


@pytest.mark.parametrize("name", UMNSRS)
def test_similarity_halves_are_disjoint_and_cover_the_file(name):
    path = data_file(name)
    dev, test = similarity_half(path, "dev"), similarity_half(path, "test")
    every = [(a, b) for a, b, _ in read_similarity_pairs(path)]
    assert not set(dev) & set(test)
    assert sorted(dev + test) == sorted(every)
    assert 0.4 < len(dev) / len(every) < 0.6


def test_similarity_halves_are_fixed_by_the_pair_alone():
    # The half is the parity of the first SHA-256 byte of the lower-cased pair: independent of the
    # process (no salted hash()), of the file and of the other pairs.
    for a, b in [("insulin", "glucose"), ("Heart", "attack"), ("x y", "z")]:
        key = f"{' '.join(a.split()).lower()}\t{' '.join(b.split()).lower()}".encode()
        assert pair_half(a, b) == ("dev" if hashlib.sha256(key).digest()[0] % 2 == 0 else "test")
    assert pair_half("Insulin", "GLUCOSE") == pair_half("insulin", "glucose")
    # pinned: a change of the rule would silently move pairs between the halves
    path = data_file("umnsrs-sim.txt")
    assert (len(similarity_half(path, "dev")), len(similarity_half(path, "test"))) == (278, 288)
    assert (len(similarity_half(data_file("umnsrs-rel.txt"), "dev")),
            len(similarity_half(data_file("umnsrs-rel.txt"), "test"))) == (283, 304)


def test_analogy_halves_are_odd_and_even_sections(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": one\na b c d\n: two\ne f g h\ni j k l\na b c d\n: three\nm n o p\n")
    assert analogy_half(path, "dev") == [("a", "b", "c", "d"), ("m", "n", "o", "p")]
    # a question an odd section asks too stays in dev only
    assert analogy_half(path, "test") == [("e", "f", "g", "h"), ("i", "j", "k", "l")]


def test_analogy_halves_of_the_google_set(shared_data):
    path = shared_data / "eval" / "questions-words.txt"
    dev, test = analogy_half(path, "dev"), analogy_half(path, "test")
    # capital-world (even) repeats 171 questions of capital-common-countries (odd): dev keeps them
    assert (len(dev), len(test)) == (6743, 12801 - 171)
    assert set(dev) | set(test) == {tuple(q[1:]) for q in read_analogy_questions(path)}
    assert not set(dev) & set(test)


def test_a_bad_half_is_refused():
    with pytest.raises(ValueError, match="half='train'"):
        similarity_half(data_file("umnsrs-sim.txt"), "train")
