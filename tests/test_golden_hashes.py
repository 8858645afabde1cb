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
        "sg-ns": "2d4fe5bcba65bc4ce868f4510d5c1732ed08f3e0bd0c2f072880098137da7dbf",
        "sg-hs": "0c011a9b7c233309652728a8b0893fcb527f21f784e072f105a2dd5a510add90",
        "sg-ns-hs": "b1000d8bc6f4a6252ed8fda42f011056d1dd76ea525bc15e9c459a5e757f57a0",
        "cbow-ns": "580b5c21a0deb54adb07ed7b380021a722e9a8e4ca565302acccce2636665660",
        "cbow-sum-ns": "e251938c821b06fbac61c915168ca07bec6cd2403667cdfef9f4b1013cb869e7",
        "cbow-hs": "c4c87c8a2b5bb781989b4907e6894466da0f8d547463ff77f8cc977e7f1dc825",
        "cbow-ns-hs": "d71823f7e76be2a9422647b7e08b7f7e635f2263f38306b69c84d1d13d93e32c",
        "finetune-continue": "69c1dec3722387942701e791b0eaebb6e6541a236dcce8ad15eb40f35a9dd18e",
        "finetune-aligned": "e207c88e1e3cb46ad56be837a35a6866dff892330a294f20a339dfdf789aaf03",
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
