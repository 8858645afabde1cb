"""Single-worker training is a fixed function of its inputs: SHA-256 of the trained matrices, per mode.

Seven output-layer/architecture combinations and two fine-tuning recipes train small seeded
models (a 2,000-line cut of the shipped biomedical sample, the shipped GloVe sample) with one
worker and compare a hash of every weight matrix with one recorded from a known-good build. Any
change to the order of updates, the random stream, the tables or the arithmetic changes a hash;
a refactoring of the kernels must not.

The kernels use ``fastmath`` reassociation, so the last bits depend on the vector width LLVM
targets: hashes are recorded per host CPU (and Numba version) and the test skips, saying how
to record them, on another machine. ``python tests/test_golden_hashes.py`` prints the current
hashes in the layout of :data:`GOLDEN`.
"""
from __future__ import annotations

import gzip
import hashlib
import itertools
import tempfile
from pathlib import Path

import llvmlite.binding
import numba
import numpy as np
import pytest

import fastw2v
from conftest import CONTINUE

DATA = Path(fastw2v.__file__).parent / "data"
SMALL = dict(vector_size=16, window=4, min_count=3, sample=1e-3, epochs=2, workers=1, seed=5)
MODES = {
    "sg-ns": dict(sg=True, hs=False, negative=5),
    "sg-hs": dict(sg=True, hs=True, negative=0),
    "sg-ns-hs": dict(sg=True, hs=True, negative=3),
    "cbow-ns": dict(sg=False, hs=False, negative=5, cbow_mean=True),
    "cbow-sum-ns": dict(sg=False, hs=False, negative=5, cbow_mean=False),
    "cbow-hs": dict(sg=False, hs=True, negative=0),
    "cbow-ns-hs": dict(sg=False, hs=True, negative=3),
}
FINETUNES = {
    "finetune-continue": dict(CONTINUE, anchor=0.5, warmup_epochs=1),
    "finetune-aligned": dict(method="aligned", warmup_epochs=1),
}
MATRICES = ("w_in", "w_out_ns", "w_out_hs")

#: {(host CPU, Numba version): {run: sha256 of the matrices}}
GOLDEN = {
    ("znver4", "0.68.1"): {
        "sg-ns": "ed4a8b22924e00bd47d2a9633172bfa1041fc382318de65e188bfc56a1c5e39f",
        "sg-hs": "2b14c1d2be2dbce6a375583db32a2a0c6b02130eb673e3dcb396a0699724e213",
        "sg-ns-hs": "8ba297396d734e09be3458373720346ba710d97c6a20fdb0e8c592c23113786f",
        "cbow-ns": "6e8f6546b0e2f117b616c58d3d4002ed1967f8b9609c5fd8cf29abacf775d388",
        "cbow-sum-ns": "26ee96b9150a12567f2d3ae9343e9bb68687f3916ea4d60dcf5ac7248832b701",
        "cbow-hs": "0a3e4e68925eb4d945bc13893c3f2346da05e837aaea32537953a3365b34869c",
        "cbow-ns-hs": "093c1460a1866d0df7ef6a2fefc44a37d0999f69567742eadfa9071bcec065d9",
        "finetune-continue": "fc032ea68cfe607c255f6cad582ca651657f9d918119cc75f4381b6835ef1c21",
        "finetune-aligned": "41fe5d136bd5ecfed12acd86cc440836bf5597da456116151d2aa137eaced8e8",
    },
}


def _sentences() -> list[list[str]]:
    with gzip.open(DATA / "biomed.sample.txt.gz", "rt", encoding="utf-8") as fh:
        return [line.split() for line in itertools.islice(fh, 2000)]


def _digest(model) -> str:
    """Hash of the matrices as a saved model holds them (a disabled output layer has no rows)."""
    h = hashlib.sha256()
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "m")
        for name in MATRICES:
            matrix = np.load(Path(tmp) / "m" / f"{name}.npy")
            h.update(f"{name}{matrix.shape}{matrix.dtype}".encode())
            h.update(matrix.tobytes())
    return h.hexdigest()


def _train(run: str) -> str:
    sentences = _sentences()
    if run in MODES:
        return _digest(fastw2v.Word2Vec(sentences, **SMALL, **MODES[run]))
    model = fastw2v.Word2Vec.from_pretrained(DATA / "glove-sample-50d.bin.gz", sentences, min_count=3, epochs=1,
                                             base_tokens=1e6, workers=1, seed=5, **FINETUNES[run])
    return _digest(model)


def _machine() -> tuple[str, str]:
    return llvmlite.binding.get_host_cpu_name(), numba.__version__


@pytest.mark.parametrize("run", [*MODES, *FINETUNES])
def test_single_worker_weights_match_recorded_hash(run):
    recorded = GOLDEN.get(_machine())
    if recorded is None:
        pytest.skip(f"no hashes recorded for {_machine()}: run `python tests/test_golden_hashes.py` on a known-good "
                    f"build and add its output to GOLDEN")
    assert _train(run) == recorded[run]


if __name__ == "__main__":
    cpu, version = _machine()
    print(f'    ("{cpu}", "{version}"): {{')
    for name in [*MODES, *FINETUNES]:
        print(f'        "{name}": "{_train(name)}",')
    print("    },")
