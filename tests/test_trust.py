"""The trust model: no entry point unpickles a file unless asked for ``keyedvectors`` by name.

The crafted file is a pickle whose unpickling calls ``open(marker, "w")``: if any code path
unpickles it, the marker file exists afterwards.
"""
from __future__ import annotations

import gzip
import json
import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from gensim.models import KeyedVectors

import fastw2v
from fastw2v import Word2Vec
from fastw2v.cli import main
from fastw2v.config import Word2VecConfig
from fastw2v.errors import ModelFormatError, UntrustedFileError, VectorFileError
from fastw2v.finetune import load_pretrained
from fastw2v.vectors_io import read_vectors, write_vectors

WORDS = ["alpha", "beta", "gamma", "delta"]
VECS = np.arange(32, dtype=np.float32).reshape(4, 8) / 7


class _OpensMarker:
    """Unpickles as ``open(path, "w")``: creates the marker file, runs nothing else."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


@pytest.fixture
def crafted(tmp_path):
    """(marker path, crafted pickle files: plain and gzipped)."""
    marker = tmp_path / "marker"
    payload = pickle.dumps(_OpensMarker(marker), protocol=4)
    plain = tmp_path / "vectors.kv"
    plain.write_bytes(payload)
    packed = tmp_path / "vectors.kv.gz"
    packed.write_bytes(gzip.compress(payload))
    return marker, [plain, packed]


def test_the_crafted_file_runs_code_when_unpickled(crafted):
    # The check below would prove nothing if unpickling did not create the marker.
    marker, files = crafted
    with pytest.raises(VectorFileError, match="cannot load as a gensim KeyedVectors file"):
        read_vectors(files[0], format="keyedvectors")
    assert marker.exists()


@pytest.mark.parametrize("call", ["read_vectors", "load_pretrained", "from_pretrained"])
def test_api_auto_detection_never_unpickles(crafted, call):
    marker, files = crafted
    fn = {"read_vectors": read_vectors, "load_pretrained": load_pretrained,
          "from_pretrained": Word2Vec.from_pretrained}[call]
    for path in files:
        with pytest.raises(UntrustedFileError) as info:
            fn(path)
        assert str(path) in str(info.value) and "format='keyedvectors'" in str(info.value)
        assert isinstance(info.value, ValueError)
    assert not marker.exists()


def test_load_never_unpickles(crafted, tmp_path):
    marker, files = crafted
    with pytest.raises(ModelFormatError, match="not a fastw2v model directory"):
        fastw2v.load(files[0])
    # A model directory whose array is an object array (a pickle inside a .npy file).
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    np.save(model_dir / "counts.npy", np.array([_OpensMarker(marker)], dtype=object), allow_pickle=True)
    header = {"format": "fastw2v-model", "format_version": 1, "config": Word2VecConfig().to_dict(),
              "arrays": {"counts": {"shape": [1], "dtype": "object"}}}
    (model_dir / "header.json").write_text(json.dumps(header))
    for mmap in (False, True):
        with pytest.raises(ModelFormatError, match="counts.npy: damaged array"):
            fastw2v.load(model_dir, mmap=mmap)
    assert not marker.exists()


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.bin"
    write_vectors(path, WORDS, VECS)
    sim = tmp_path / "sim.tsv"
    sim.write_text("alpha\tbeta\t1\nbeta\tgamma\t2\ngamma\tdelta\t3\nalpha\tdelta\t4\n")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("alpha beta gamma delta\n" * 20)
    return {"vectors": path, "sim": sim, "corpus": corpus}


def _cli_cases(evil: Path, good: dict, out: Path) -> dict[str, list[str]]:
    return {
        "finetune": ["finetune", str(evil), str(good["corpus"]), "--out", str(out), "--epochs", "1", "--workers", "1",
                     "--min-count", "1", "-q"],
        "evaluate": ["evaluate", str(evil), "--similarity", str(good["sim"])],
        "compare-before": ["compare", str(evil), str(good["vectors"])],
        "compare-after": ["compare", str(good["vectors"]), str(evil)],
        "similar": ["similar", str(evil), "alpha"],
        "export": ["export", str(evil), str(out)],
    }


@pytest.mark.parametrize("command", ["finetune", "evaluate", "compare-before", "compare-after", "similar", "export"])
def test_cli_auto_detection_never_unpickles(crafted, good, tmp_path, command):
    marker, files = crafted
    out = tmp_path / "out"
    for path in files:
        result = CliRunner().invoke(main, _cli_cases(path, good, out)[command])
        assert result.exit_code == 2, (result.output, result.exception)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}: is a pickle"), result.stderr
        assert "--format keyedvectors" in lines[0]
    assert not marker.exists()
    assert not out.exists()


@pytest.fixture
def real_kv(tmp_path):
    kv = KeyedVectors(8)
    kv.add_vectors(WORDS, VECS)
    path = tmp_path / "real.kv"
    kv.save(str(path))
    return path


def test_named_format_loads_a_real_keyedvectors_file_with_a_warning(real_kv, caplog):
    with caplog.at_level(logging.WARNING, logger="fastw2v"):
        words, vectors = read_vectors(real_kv, format="keyedvectors")
    assert words == WORDS
    np.testing.assert_array_equal(vectors, VECS)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "runs code from the file" in warnings[0].getMessage()
    pre = load_pretrained(real_kv, format="keyedvectors")
    assert pre.words == WORDS


def test_cli_named_format_loads_and_export_converts_once(real_kv, good, tmp_path):
    result = CliRunner().invoke(main, ["similar", str(real_kv), "alpha", "--format", "keyedvectors", "-n", "2"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2
    assert "runs code from the file" in result.stderr
    converted = tmp_path / "converted.bin"
    result = CliRunner().invoke(main, ["export", str(real_kv), str(converted), "--input-format", "keyedvectors"])
    assert result.exit_code == 0, result.output
    words, vectors = read_vectors(converted)  # auto-detected: a safe format now
    assert words == WORDS
    np.testing.assert_array_equal(vectors, VECS)
