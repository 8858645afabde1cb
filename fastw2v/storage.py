"""Saving and loading a complete model: a directory of ``.npy`` arrays plus a JSON header.

Layout of ``PATH/`` (format version 1)::

    header.json      {"format": "fastw2v-model", "format_version": 1, "config": {...},
                      "schedule": {...}, "position": {...}, "corpus": {...}, "history": [...],
                      "arrays": {name: {"shape": [...], "dtype": "..."}}}
    vocab.json       list of words, index order (descending count)
    counts.npy       int64[n_words]
    w_in.npy, w_out_ns.npy, w_out_hs.npy, in_lr.npy, out_ns_lr.npy, out_hs_lr.npy
    anchor_vectors.npy, anchor_index.npy   (only for anchored fine-tuning)

Everything needed to resume or fine-tune again is there: the tables (subsampling,
noise, Huffman) are rebuilt from the counts. The directory is written under a
temporary name and renamed into place, so a crash leaves the old model or none.
"""
from __future__ import annotations

import dataclasses
import json
import os
import struct
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .atomic import atomic_directory
from .config import Word2VecConfig
from .errors import ConfigError, MissingFileError, ModelFormatError, describe
from .finetune import FinetuneConfig, FinetunePlan
from .training import Anchor, EpochResult, Position, Schedule, Weights
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from .model import Word2Vec

FORMAT = "fastw2v-model"
FORMAT_VERSION = 1
HEADER = "header.json"


def save_model(model: "Word2Vec", path: str | os.PathLike) -> None:
    """Write ``model`` to the directory ``path`` atomically."""
    arrays: dict[str, np.ndarray] = {"counts": model.vocab.counts}
    arrays.update({name: getattr(model.weights, name) for name in Weights.ARRAYS})
    if model.finetune_plan is not None:
        arrays["finetune_corpus_counts"] = model.finetune_plan.corpus_counts
    anchor = None
    if model.anchor is not None:
        arrays["anchor_vectors"] = model.anchor.vectors
        arrays["anchor_index"] = model.anchor.index
        anchor = {"strength": model.anchor.strength}
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": model.config.to_dict(),
        "schedule": dataclasses.asdict(model.schedule),
        "position": dataclasses.asdict(model.position),
        "corpus": {"sources": model.corpus_sources, "shape": model.corpus_shape},
        "anchor": anchor,
        "finetune": None if model.finetune_plan is None else {
            "settings": dataclasses.asdict(model.finetune_plan.settings),
            "n_pretrained": model.finetune_plan.n_pretrained,
            "warmup_done": model.finetune_plan.warmup_done},
        "history": [dataclasses.asdict(r) for r in model.history],
        "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in arrays.items()},
    }
    with atomic_directory(path) as tmp:
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        with open(tmp / "vocab.json", "w", encoding="utf-8") as fh:
            json.dump(model.vocab.words, fh, ensure_ascii=False)
        with open(tmp / HEADER, "w", encoding="utf-8") as fh:
            json.dump(header, fh, indent=1)


def read_header(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check a saved model's header.

    Raises
    ------
    MissingFileError
        ``path`` does not exist.
    ModelFormatError
        Not a fastw2v model, damaged, or written by a newer format version.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such file or directory")
    header_path = path / HEADER
    if not path.is_dir() or not header_path.is_file():
        raise ModelFormatError(f"{path}: not a fastw2v model directory (no {HEADER})")
    try:
        header = json.loads(header_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:  # [[[... nests past the limit
        raise ModelFormatError(f"{header_path}: damaged header ({describe(exc)})") from None
    except OSError as exc:
        raise ModelFormatError(f"{header_path}: cannot read ({exc.strerror or exc})") from None
    if not isinstance(header, dict):
        raise ModelFormatError(f"{header_path}: not a fastw2v model header (not a JSON object)")
    if header.get("format") != FORMAT:
        raise ModelFormatError(f"{path}: not a fastw2v model (format is {header.get('format')!r})")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFormatError(f"{path}: model format version {version} is newer than this fastw2v "
                               f"supports ({FORMAT_VERSION}); upgrade fastw2v to load it")
    return header


def _load_array(path: Path, name: str, spec: dict[str, Any], mmap: bool) -> np.ndarray:
    file = path / f"{name}.npy"
    if not isinstance(spec, dict) or not isinstance(spec.get("shape"), list) or "dtype" not in spec:
        raise ModelFormatError(f"{path}: damaged header (array entry {name!r} is {spec!r})")
    try:
        # allow_pickle=False: an object array (a pickle) is refused, never loaded.
        array = np.load(file, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: missing {file.name}") from None
    # Truncated or damaged .npy files raise any of these; a MemoryError comes from a header
    # promising an absurd shape.
    except (ValueError, OSError, EOFError, MemoryError, struct.error, zipfile.BadZipFile) as exc:
        raise ModelFormatError(f"{file}: damaged array ({describe(exc)})") from None
    if not isinstance(array, np.ndarray):  # np.load reads a zip (.npz) under any name
        array.close()
        raise ModelFormatError(f"{file}: not a .npy array file")
    if list(array.shape) != list(spec["shape"]) or str(array.dtype) != spec["dtype"]:
        raise ModelFormatError(f"{file}: shape {array.shape} {array.dtype} does not match the header "
                               f"({tuple(spec['shape'])} {spec['dtype']})")
    return array


def load_model(cls: type["Word2Vec"], path: str | os.PathLike, mmap: bool = False) -> "Word2Vec":
    """Load a model written by :func:`save_model`.

    ``mmap=True`` memory-maps the matrices read-only: fast and light for querying,
    but such a model cannot be trained further.
    """
    header = read_header(path)
    path = Path(path)
    try:
        config = Word2VecConfig.from_dict(header["config"])
    except (ConfigError, TypeError, KeyError) as exc:
        raise ModelFormatError(f"{path}: invalid configuration in header ({exc})") from None
    specs = header.get("arrays", {})
    arrays = {name: _load_array(path, name, spec, mmap) for name, spec in specs.items()}
    try:
        with open(path / "vocab.json", encoding="utf-8") as fh:
            words = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"{path}: cannot read vocab.json ({exc})") from None
    try:
        vocab = Vocabulary(words, np.asarray(arrays["counts"]))
        weights = Weights(**{name: arrays[name] for name in Weights.ARRAYS})
    except (KeyError, ValueError) as exc:
        raise ModelFormatError(f"{path}: inconsistent model files ({exc})") from None
    model = cls(config=config)
    model.set_vocabulary(vocab, weights)
    try:
        model.schedule = Schedule(**header["schedule"])
        model.position = Position(**header["position"])
    except (KeyError, TypeError) as exc:
        raise ModelFormatError(f"{path}: invalid training state in header ({type(exc).__name__}: {exc})") from None
    corpus = header.get("corpus") or {}
    model.corpus_sources = list(corpus.get("sources") or [])
    model.corpus_shape = tuple(corpus["shape"]) if corpus.get("shape") else None
    model.history = [EpochResult(**r) for r in header.get("history", [])]
    if header.get("finetune"):
        ft = header["finetune"]
        model.finetune_plan = FinetunePlan(settings=FinetuneConfig(**ft["settings"]),
                                           n_pretrained=int(ft["n_pretrained"]),
                                           # Saved before the plan kept corpus counts: its tables used the totals.
                                           corpus_counts=arrays.get("finetune_corpus_counts", vocab.counts),
                                           warmup_done=bool(ft["warmup_done"]))
    if header.get("anchor"):
        model.anchor = Anchor(vectors=arrays["anchor_vectors"], index=arrays["anchor_index"],
                              strength=float(header["anchor"]["strength"]))
    return model
