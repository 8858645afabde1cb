"""Saving and loading a complete training state: a directory of ``.npy`` arrays plus a JSON header.

Layout of ``PATH/`` (format version 2)::

    header.json      {"format": "fastw2v-model", "format_version": 2, "config": {...},
                      "schedule": {...}, "position": {...}, "corpus": {...}, "history": [...],
                      "history_epochs_from": 1, "checkpoint": {"every": "30m" or "2" or null},
                      "arrays": {name: {"shape": [...], "dtype": "..."}}}
    vocab.json       list of words, index order (descending count)
    counts.npy       int64[n_words]
    w_in.npy, in_lr.npy                      one row per word
    w_out_ns.npy, out_ns_lr.npy              one row per output row (n_out)
    w_out_hs.npy, out_hs_lr.npy              one row per inner Huffman node (n_out - 1)
    out_rows.npy     int32[n_out]: the word of each output row (only when some words have none)
    anchor_vectors.npy, anchor_index.npy, anchor_strength.npy   (only for anchored fine-tuning;
                     models saved before per-row strengths have the header's scalar "strength")
    finetune_corpus_counts.npy, finetune_base_counts.npy      (fine-tuning; base counts when known)
    finetune_base_rows.npy    (method="blend" before its blend: the base vectors of the words the corpus uses)

Versions: format 2 adds ``out_rows.npy``: a fine-tuned model stores output rows only for the
words that can train (see ``state.Weights.out_rows``), not 3M zero rows for a GoogleNews
base. A model without ``out_rows`` (every word has an output row) is written as format 1,
the same layout, so older fastw2v reads it; format 1 models load unchanged. The history's
epochs count from 1 (``history_epochs_from``); a header without that key numbered them from 0
and is read shifted.

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
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from . import memory
from .atomic import atomic_directory
from .config import FinetuneConfig, Word2VecConfig
from .errors import ConfigError, MissingFileError, ModelFormatError, describe
from .heads import HEADS, heads_of
from .kernels import Layer
from .progress import Progress
from .state import (
    Anchor,
    EpochResult,
    FinetunePlan,
    Position,
    Schedule,
    TrainingState,
    Weights,
    required,
)
from .vocabulary import Vocabulary

FORMAT = "fastw2v-model"
FORMAT_VERSION = 2
COMPACT_OUTPUT_VERSION = 2  # the first version with out_rows.npy
HEADER = "header.json"


def save_state(state: TrainingState, path: str | os.PathLike) -> None:
    """Write ``state`` (which must have a vocabulary) to the directory ``path`` atomically."""
    vocab, weights = required(state.vocab, "vocabulary"), required(state.weights, "weights")
    arrays: dict[str, np.ndarray] = {"counts": vocab.counts}
    arrays.update(weight_arrays(weights))
    if weights.out_rows is not None:
        arrays["out_rows"] = weights.out_rows
    plan = state.finetune_plan
    if plan is not None:
        arrays["finetune_corpus_counts"] = plan.corpus_counts
        if plan.base_counts is not None:
            arrays["finetune_base_counts"] = plan.base_counts
        if plan.base_rows is not None:
            arrays["finetune_base_rows"] = plan.base_rows
    anchor = None
    if state.anchor is not None:
        arrays["anchor_vectors"] = state.anchor.vectors
        arrays["anchor_index"] = state.anchor.index
        arrays["anchor_strength"] = state.anchor.strength
        anchor = {"per_row": True}
    header = {
        "format": FORMAT,
        "format_version": COMPACT_OUTPUT_VERSION if "out_rows" in arrays else 1,
        "config": state.config.to_dict(),
        "schedule": dataclasses.asdict(required(state.schedule, "schedule")),
        "position": dataclasses.asdict(state.position),
        "corpus": {"sources": state.corpus_sources, "shape": state.corpus_shape},
        "anchor": anchor,
        "finetune": None if plan is None else {
            "settings": plan.settings.to_dict(),
            "n_pretrained": plan.n_pretrained,
            "warmup_done": plan.warmup_done,
            "base_tokens": plan.base_tokens,
            "base_real": plan.base_real,
            "aligned_done": plan.aligned_done,
            "blend_done": plan.blend_done},
        "history": [dataclasses.asdict(r) for r in state.history],
        "history_epochs_from": 1,
        "checkpoint": {"every": state.checkpoint_every},
        "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in arrays.items()},
    }
    ticker = Progress(f"saving {path}", "MB", sum(a.nbytes for a in arrays.values()) >> 20)
    with atomic_directory(path) as tmp:
        for name, array in arrays.items():
            _write_npy(tmp / f"{name}.npy", array, ticker)
        with open(tmp / "vocab.json", "w", encoding="utf-8") as fh:
            json.dump(vocab.words, fh, ensure_ascii=False)
        with open(tmp / HEADER, "w", encoding="utf-8") as fh:
            json.dump(header, fh, indent=1)


def weight_array_names() -> list[str]:
    """Names of the weight arrays a saved model holds (``w_in``, ``in_lr`` and each head's two)."""
    return ["w_in", *(head.matrix_name for head in HEADS.values()), "in_lr",
            *(head.rates_name for head in HEADS.values())]


def weight_arrays(weights: Weights) -> dict[str, np.ndarray]:
    """The weight arrays a saved model holds, by name; a head the model does not train has no rows."""
    dim = weights.w_in.shape[1]
    arrays = {"w_in": weights.w_in, "in_lr": weights.in_lr}
    for head in HEADS.values():
        layer = weights.heads.get(head.name)
        arrays[head.matrix_name] = np.zeros((0, dim), np.float32) if layer is None else layer.w
        arrays[head.rates_name] = np.zeros(0, np.float32) if layer is None else layer.lr
    return {name: arrays[name] for name in weight_array_names()}


def _weights(arrays: dict[str, np.ndarray], config: Word2VecConfig) -> Weights:
    """The weights of a loaded model: the heads ``config`` trains (the others' arrays have no rows)."""
    heads = {head.name: Layer(arrays[head.matrix_name], arrays[head.rates_name]) for head in heads_of(config)}
    return Weights(w_in=arrays["w_in"], in_lr=arrays["in_lr"], heads=heads, out_rows=arrays.get("out_rows"))


def _write_npy(path: Path, array: np.ndarray, ticker: Progress) -> None:
    """What ``np.save`` writes, in blocks of rows: a multi-GB matrix reports progress and is never copied."""
    array = np.ascontiguousarray(array)
    fmt = np.lib.format
    with open(path, "wb") as fh:
        fmt.write_array_header_1_0(fh, fmt.header_data_from_array_1_0(array))
        flat = array.reshape(array.shape[0], int(np.prod(array.shape[1:])))
        step = max(1, (64 << 20) // max(flat[:1].nbytes, 1))
        for start, stop in memory.blocks(flat.shape[0], step):
            block = flat[start:stop]
            # numpy's stubs give ndarray the buffer protocol on Python >= 3.12 only.
            fh.write(memoryview(block).cast("B"))  # type: ignore[arg-type]
            ticker.advance(block.nbytes >> 20)


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
        array = None if mmap else _read_owned(file)
        if array is None:
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


def _read_owned(file: Path) -> np.ndarray | None:
    """A plain C-order ``.npy`` read straight into an array that owns its memory, else None.

    ``np.load`` returns an array that does not own its buffer, which ``finetune``
    could then not resize in place: a GoogleNews-sized base would be copied. Anything
    else (Fortran order, objects, not a ``.npy``) is left to ``np.load`` and its checks.
    """
    fmt = np.lib.format
    with open(file, "rb") as fh:
        if fh.read(6) != fmt.MAGIC_PREFIX:
            return None
        fh.seek(0)
        version = fmt.read_magic(fh)
        if version not in ((1, 0), (2, 0)):
            return None
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = read_header(fh)
        if fortran or dtype.hasobject:
            return None
        array = memory.empty(shape, dtype=dtype)
        # numpy's stubs give ndarray the buffer protocol on Python >= 3.12 only.
        if array.nbytes and fh.readinto(array.reshape(-1).view(np.uint8)) != array.nbytes:  # type: ignore[arg-type]
            raise ValueError(f"file ends before its {array.nbytes} bytes of data")
    return array


def load_state(path: str | os.PathLike, mmap: bool | Collection[str] = False) -> TrainingState:
    """Load a state written by :func:`save_state`.

    ``mmap=True`` memory-maps the matrices read-only: fast and light for querying,
    but such a state cannot be trained further. A collection of array names maps those
    only (``finetune.load_pretrained`` reads ``w_in`` and maps the rest).
    """
    header = read_header(path)
    path = Path(path)
    try:
        config = Word2VecConfig.from_dict(header["config"])
    except (ConfigError, TypeError, KeyError) as exc:
        raise ModelFormatError(f"{path}: invalid configuration in header ({exc})") from None
    specs = header.get("arrays", {})
    mapped = (lambda name: mmap) if isinstance(mmap, bool) else (lambda name: name in mmap)
    arrays = {name: _load_array(path, name, spec, mapped(name)) for name, spec in specs.items()}
    try:
        with open(path / "vocab.json", encoding="utf-8") as fh:
            words = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"{path}: cannot read vocab.json ({exc})") from None
    state = TrainingState(config=config)
    try:
        vocab = Vocabulary(words, np.asarray(arrays["counts"]))
        state.set_vocabulary(vocab, _weights(arrays, config))
    except (KeyError, ValueError) as exc:
        raise ModelFormatError(f"{path}: inconsistent model files ({exc})") from None
    try:
        state.schedule = Schedule(**header["schedule"])
        state.position = Position(**header["position"])
    except (KeyError, TypeError) as exc:
        raise ModelFormatError(f"{path}: invalid training state in header ({type(exc).__name__}: {exc})") from None
    corpus = header.get("corpus") or {}
    state.corpus_sources = list(corpus.get("sources") or [])
    state.corpus_shape = tuple(corpus["shape"]) if corpus.get("shape") else None
    state.history = [EpochResult(**r) for r in header.get("history", [])]
    if header.get("history_epochs_from") is None:  # written when epochs were numbered from 0
        for result in state.history:
            result.epoch += 1
    state.checkpoint_every = (header.get("checkpoint") or {}).get("every")
    if header.get("finetune"):
        state.finetune_plan = _load_plan(header["finetune"], arrays, vocab)
    if header.get("anchor"):
        vectors = arrays["anchor_vectors"]
        strength = arrays.get("anchor_strength")
        if strength is None:  # saved before per-row strengths: one scalar for every row
            strength = np.full(vectors.shape[0], float(header["anchor"]["strength"]), dtype=np.float64)
        elif strength.shape != (vectors.shape[0],) or strength.dtype != np.float64:
            raise ModelFormatError(f"{path}: anchor_strength.npy holds {strength.shape} {strength.dtype}, "
                                   f"not float64[{vectors.shape[0]}]")
        state.anchor = Anchor(vectors=vectors, index=arrays["anchor_index"], strength=strength)
    return state


#: Fine-tuning settings a saved plan may lack, with the value that describes what such a model's run did
#: (today's defaults differ: a plan without ``method`` trained its pre-trained rows, it never aligned).
_UNSAVED_SETTINGS = {"method": "continue", "preserve": "auto"}


def _load_plan(ft: dict[str, Any], arrays: dict[str, np.ndarray], vocab: Vocabulary) -> FinetunePlan:
    n_pre = int(ft["n_pretrained"])
    # Saved before the plan kept corpus counts: its tables used the totals.
    corpus = arrays.get("finetune_corpus_counts", vocab.counts)
    base = arrays.get("finetune_base_counts")
    real = ft.get("base_real")
    if real is None:
        # Saved before the plan kept base counts: a saved base model's counts were added to the totals.
        derived = (vocab.counts[:n_pre] - corpus[:n_pre]).astype(np.float64)
        real = bool(derived.any())
        if real:
            base = derived
    settings = FinetuneConfig.from_dict({**_UNSAVED_SETTINGS, **ft["settings"]})
    return FinetunePlan(settings=settings, n_pretrained=n_pre,
                        corpus_counts=corpus, warmup_done=bool(ft["warmup_done"]), base_counts=base,
                        base_tokens=ft.get("base_tokens", None if base is None else float(base.sum())),
                        base_real=bool(real), aligned_done=bool(ft.get("aligned_done", False)),
                        base_rows=arrays.get("finetune_base_rows"), blend_done=bool(ft.get("blend_done", False)))
