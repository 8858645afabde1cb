"""End-to-end fuzzing of the CLI with damaged inputs, in-process through click's CliRunner.

Random and mutated corpora (plain and ``.gz``), vector files (text, binary, GloVe; truncated,
bit-flipped, with bytes inserted or deleted) and similarity/analogy files go through
``train``, ``finetune`` and ``evaluate``. The only outcomes allowed:

* exit code 0, or
* exit code 2 with exactly one ``error: ...`` line on stderr, nothing on stdout and no
  output left behind (the output paths absent, no temporary file in the directory);

never a traceback, ``Aborted!`` or another exit code, and the inputs are never changed.

Kernels are compiled for vector size 8 only (the size the other tests share): vector
files keep their first line (the header, or GloVe's first row, which fixes the
dimension) intact when they feed ``finetune``; ``evaluate`` trains nothing, so there
anything may be damaged. Runs are derandomized so every CI run tries the same examples.
"""
from __future__ import annotations

import gzip
import hashlib
import struct
import tempfile
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastw2v.cli import main

DIM = 8
TINY = ["--epochs", "1", "--workers", "1", "--min-count", "1", "-q"]
# Words with multi-byte UTF-8, so byte-level damage also splits characters.
WORDS = ["alpha", "beta", "gamma", "delta", "épée", "naïve", "日本", "x1", "the", "of"]


def fuzz(examples: int):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


# ---------------------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------------------

@st.composite
def mutated(draw, data: bytes, keep: int = 0) -> bytes:
    """``data`` unchanged, truncated, bit-flipped, or with bytes inserted or deleted after ``keep`` bytes."""
    # Half the inputs stay intact, so the commands also run to the end on valid data.
    kind = draw(st.sampled_from(["none"] * 4 + ["truncate", "flip", "insert", "delete"]))
    if kind == "none" or len(data) <= keep:
        return data
    if kind == "truncate":
        return data[:draw(st.integers(keep, len(data) - 1))]
    if kind == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            out[draw(st.integers(keep, len(out) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    at = draw(st.integers(keep, len(data) - 1))
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data[:at] + data[draw(st.integers(at + 1, min(len(data), at + 16))):]


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


sentences = st.lists(st.lists(st.sampled_from(WORDS), max_size=12), min_size=1, max_size=25).map(
    lambda lines: "".join(" ".join(line) + "\n" for line in lines).encode())


@st.composite
def corpus_file(draw) -> tuple[str, bytes]:
    text = draw(st.one_of(sentences, sentences, st.binary(max_size=200)))
    if draw(st.booleans()):
        return "corpus.txt.gz", draw(mutated(_gzip(text)))
    return "corpus.txt", draw(mutated(text))


@st.composite
def vector_file(draw, dims=st.just(DIM), keep_first_line: bool = True) -> tuple[str, bytes]:
    """A word2vec text/binary or GloVe file, then damaged (its first line kept when asked)."""
    dim = draw(dims)
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6, unique=True))
    values = np.array(draw(st.lists(st.floats(-2, 2, width=32), min_size=dim * len(words),
                                    max_size=dim * len(words))), dtype=np.float32).reshape(len(words), dim)
    fmt = draw(st.sampled_from(["text", "bin", "glove"]))
    header = f"{len(words)} {dim}\n".encode() if fmt != "glove" else b""
    if fmt == "bin":
        body = b"".join(w.encode() + b" " + struct.pack(f"<{dim}f", *row) + b"\n" for w, row in zip(words, values))
    else:
        body = "".join(f"{w} {' '.join(repr(float(x)) for x in row)}\n" for w, row in zip(words, values)).encode()
    data = header + body
    keep = data.index(b"\n") + 1 if keep_first_line and fmt != "bin" else len(header) if keep_first_line else 0
    if draw(st.booleans()):
        # Damaged compressed data is always reported before training (CRC or end-of-stream).
        return f"vectors.{fmt}.gz", draw(mutated(_gzip(data)))
    return f"vectors.{fmt}", draw(mutated(data, keep))


@st.composite
def similarity_file(draw) -> bytes:
    rows = draw(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS),
                                   st.floats(-10, 10, allow_nan=False)), max_size=8))
    text = "".join(f"{a}\t{b}\t{score}\n" for a, b, score in rows).encode()
    return draw(mutated(draw(st.one_of(st.just(text), st.binary(max_size=80)))))


@st.composite
def analogy_file(draw) -> bytes:
    rows = draw(st.lists(st.lists(st.sampled_from(WORDS), min_size=4, max_size=4), max_size=6))
    text = (": section\n" + "".join(" ".join(r) + "\n" for r in rows)).encode()
    return draw(mutated(text))


# ---------------------------------------------------------------------------------------------------------
# the outcome check
# ---------------------------------------------------------------------------------------------------------

def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_checked(workdir: Path, args: list, inputs: list[Path], outputs: list[Path]):
    """Invoke the CLI and assert one of the allowed outcomes (see the module docstring)."""
    before = {p: _digest(p) for p in inputs}
    listing = set(workdir.iterdir())
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: show it
    assert result.exit_code in (0, 2), (result.exit_code, result.output)
    assert "Traceback" not in result.output and "Aborted" not in result.output, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if result.exit_code == 2:
        assert len(errors) == 1, result.stderr
        assert result.stdout == "", result.stdout
        left = set(workdir.iterdir()) - listing
        assert not left, f"left behind: {sorted(p.name for p in left)}"
        assert not any(p.exists() for p in outputs)
    else:
        assert not errors, result.stderr
    for p in inputs:
        assert _digest(p) == before[p], f"input {p.name} changed"
    return result


def _write(workdir: Path, name: str, data: bytes) -> Path:
    path = workdir / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------------------
# the fuzzers
# ---------------------------------------------------------------------------------------------------------

@fuzz(200)
@given(corpus=corpus_file())
def test_fuzz_train(corpus):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        path = _write(d, *corpus)
        out, vectors = d / "model", d / "vectors.bin"
        run_checked(d, ["train", path, "--out", out, "--vectors", vectors, "--vector-size", DIM, *TINY],
                    inputs=[path], outputs=[out, vectors])


@fuzz(150)
@given(pretrained=vector_file(), corpus=corpus_file())
def test_fuzz_finetune(pretrained, corpus):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        pre, path = _write(d, *pretrained), _write(d, *corpus)
        out, vectors = d / "model", d / "out.bin"
        run_checked(d, ["finetune", pre, path, "--out", out, "--vectors", vectors, *TINY],
                    inputs=[pre, path], outputs=[out, vectors])


@fuzz(250)
@given(vectors=vector_file(dims=st.integers(1, 12), keep_first_line=False), similarity=similarity_file(),
       analogies=st.one_of(st.none(), analogy_file()), as_json=st.booleans())
def test_fuzz_evaluate(vectors, similarity, analogies, as_json):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        vec, sim = _write(d, *vectors), _write(d, "sim.tsv", similarity)
        inputs = [vec, sim]
        args = ["evaluate", vec, "--similarity", sim, *(["--json"] if as_json else [])]
        if analogies is not None:
            inputs.append(_write(d, "questions.txt", analogies))
            args += ["--analogies", inputs[-1]]
        run_checked(d, args, inputs=inputs, outputs=[])
