"""Training driver: the epoch loop over a schedule, threads, progress and loss.

Python here only moves between batches: each batch is a range of sentences of the
encoded corpus handed to a Numba kernel that releases the GIL, so ``workers``
threads train concurrently (Hogwild) on the shared weight matrices.
"""
from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numba
import numpy as np

from . import kernels
from .config import Word2VecConfig
from .errors import ConfigError, CorpusError, TrainingDivergedError
from .progress import Progress, per_second
from .state import Anchor, EpochResult, Position, Schedule, Tables, Weights
from .token_ids import EncodedCorpus

logger = logging.getLogger(__name__)


# Rows of each matrix a worker keeps private copies of during a batch (see kernels.buffer_rows):
# the top of the Huffman tree and the most frequent words. On Zipfian text these 256 take
# the bulk of the updates (every example passes the root); rows further down are touched
# rarely enough that two cores seldom write them at once.
HOT_ROWS = 256

EpochCallback = Callable[[EpochResult, Position], None]
EpochStartCallback = Callable[[int], None]
BatchCallback = Callable[[Position], None]


BatchTrainer = Callable[[int, int, float, float, int], tuple[float, int]]


def run_epochs(weights: Weights, tables: Tables, corpus: EncodedCorpus, config: Word2VecConfig,
               schedule: Schedule, position: Position, end_epoch: int | None = None,
               anchor: Anchor | None = None, on_epoch_begin: EpochStartCallback | None = None,
               on_epoch_end: EpochCallback | None = None, on_batch_end: BatchCallback | None = None,
               progress_seconds: float | None = None) -> list[EpochResult]:
    """Train from ``position`` up to (not including) ``end_epoch``.

    ``position`` is advanced in place after every batch, so a caller that
    checkpoints it from ``on_batch_end`` can resume exactly where training stopped;
    with ``workers == 1`` the resumed run is bit-identical to an uninterrupted one.
    ``on_epoch_begin`` gets the number (from 1) of each epoch about to train, including a
    resumed one; ``on_epoch_end`` its :class:`EpochResult`. A progress line at most every
    ``progress_seconds`` (default ``Progress.interval``) gives the whole run's share done (words
    of the schedule, including those done before a resume), the epoch's, the learning rate, the
    loss and the ETA.

    Raises
    ------
    TrainingDivergedError
        The loss or the weights became NaN/inf.
    """
    if schedule.total_epochs < 1:
        raise ConfigError(f"epochs={schedule.total_epochs} trains nothing")
    end_epoch = schedule.total_epochs if end_epoch is None else end_epoch
    batches = corpus.batches(config.batch_words)
    offsets = corpus.sentence_offsets
    n_tokens = corpus.n_tokens
    if n_tokens == 0 or not batches:
        return []
    run_batch = batch_trainer(weights, tables, corpus, config, anchor)
    results = []
    first_batch = next((i for i, (a, _) in enumerate(batches) if a >= position.sentence), len(batches))
    done_before = int(offsets[batches[first_batch][0]]) if first_batch < len(batches) else n_tokens
    progress = Progress("whole run", "words", end_epoch * n_tokens, done=position.epoch * n_tokens + done_before,
                        interval=progress_seconds)
    pool = ThreadPoolExecutor(config.workers) if config.workers > 1 else None
    # Bounded look-ahead keeps every thread busy without queuing the whole epoch.
    map_batches = map if pool is None else functools.partial(_ordered_map, pool, ahead=2 * config.workers)
    try:
        while position.epoch < end_epoch:
            epoch = position.epoch
            if on_epoch_begin is not None:
                on_epoch_begin(epoch + 1)
            started = time.perf_counter()
            words = _train_epoch(run_batch, map_batches, batches, corpus, schedule, position, end_epoch, progress,
                                 on_batch_end)
            bad = weights.check_finite()
            if bad is not None:
                raise TrainingDivergedError(f"training diverged in epoch {epoch + 1}: {bad} holds NaN/inf "
                                            f"(learning rate alpha={schedule.alpha} is likely too high)")
            result = EpochResult(epoch=epoch + 1, loss=position.loss / max(position.pairs, 1), pairs=position.pairs,
                                 words=words, seconds=time.perf_counter() - started)
            results.append(result)
            logger.info("epoch %d/%d done: loss %.4f per pair, %d pairs, %.0fk words/s", epoch + 1, end_epoch,
                        result.loss, result.pairs, per_second(words, result.seconds) / 1e3)
            position.epoch, position.sentence, position.loss, position.pairs = epoch + 1, 0, 0.0, 0
            if on_epoch_end is not None:
                on_epoch_end(result, position)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return results


def batch_trainer(weights: Weights, tables: Tables, corpus: EncodedCorpus, config: Word2VecConfig,
                  anchor: Anchor | None) -> BatchTrainer:
    """The function that trains one batch, ``(first, last, lr_start, lr_end, epoch) -> (loss, pairs)``.

    It trains sentences ``first..last-1`` of ``corpus`` with the epoch's learning rates, then
    pulls their anchored rows. Its kernels are compiled (or loaded from the cache) here,
    before any progress clock starts: words/s and ETA count training only.
    """
    dim = weights.w_in.shape[1]
    train = kernels.epoch_kernels(dim)
    network = weights.network(tables)
    architecture = kernels.SkipGram() if config.sg else kernels.Cbow(config.cbow_mean)
    # One worker has no one to contend with: buffering would only cost rounding.
    settings = kernels.Settings(config.window, HOT_ROWS if config.workers > 1 else 0, config.seed)
    token_ids, offsets, n_tokens = corpus.token_ids, corpus.sentence_offsets, int(corpus.n_tokens)

    def say_compiling() -> None:
        # Kernels are compiled per vector size and cached on disk: a new size compiles once more.
        logger.info("compiling training kernels for vector size %d (first run with this vector size only, ~20 s)",
                    dim)

    compile_kernel(train, (token_ids, offsets, 0, 0, network, architecture, tables.keep_prob, settings,
                           kernels.EpochSpan(0.0, 0.0, 0, 0)), say_compiling)
    if anchor is not None:
        compile_kernel(kernels.anchor_pull, (weights.w_in, anchor.vectors, anchor.index, token_ids, offsets[0],
                                             offsets[0], 0.0, anchor.strength), say_compiling)

    def run_batch(first: int, last: int, lr_start: float, lr_end: float, epoch: int) -> tuple[float, int]:
        loss, pairs, _ = train(token_ids, offsets, first, last, network, architecture, tables.keep_prob, settings,
                               kernels.EpochSpan(lr_start, lr_end, n_tokens, epoch))
        if anchor is not None:
            lr = kernels.epoch_rate(lr_start, lr_end, offsets[first], n_tokens)
            kernels.anchor_pull(weights.w_in, anchor.vectors, anchor.index, token_ids, offsets[first],
                                offsets[last], lr, anchor.strength)
        return loss, pairs

    return run_batch


def _train_epoch(run_batch: BatchTrainer, map_batches: Callable, batches: list[tuple[int, int]],
                 corpus: EncodedCorpus, schedule: Schedule, position: Position, end_epoch: int, progress: Progress,
                 on_batch_end: BatchCallback | None) -> int:
    """Train the batches of epoch ``position.epoch`` from ``position.sentence`` on, advancing ``position``
    after each; returns the corpus tokens trained.

    ``map_batches(fn, batches)`` yields ``fn`` of each batch, in order (``map``, or threads).
    """
    epoch = position.epoch
    offsets, n_tokens = corpus.sentence_offsets, corpus.n_tokens
    lr_start, lr_end = schedule.rate(epoch), schedule.rate(epoch + 1)
    todo = [b for b in batches if b[0] >= position.sentence]
    words = 0
    outcomes = map_batches(lambda ab: run_batch(ab[0], ab[1], lr_start, lr_end, epoch), todo)
    for (a, b), (loss, pairs) in zip(todo, outcomes):
        if not math.isfinite(loss):
            raise TrainingDivergedError(
                f"training diverged in epoch {epoch + 1}: the loss became {loss} "
                f"(learning rate alpha={schedule.alpha} is likely too high)")
        position.loss += loss
        position.pairs += pairs
        position.sentence = b
        batch_words = int(offsets[b] - offsets[a])
        words += batch_words
        # advance calls the lambda before it returns, so the loop's b is this batch's (B023).
        progress.advance(batch_words, lambda: (
            f"epoch {epoch + 1}/{end_epoch}: {100.0 * offsets[b] / n_tokens:.1f}% | "  # noqa: B023
            f"lr {kernels.epoch_rate(lr_start, lr_end, offsets[b], n_tokens):.5f} | "  # noqa: B023
            f"loss {position.loss / max(position.pairs, 1):.4f}"))
        if on_batch_end is not None:
            on_batch_end(position)
    return words


@dataclass
class TrainablePart:
    """The words with output rows as a sub-problem of their own, renumbered ``0..n_out-1``.

    A fine-tuning of a GoogleNews-sized model trains ~50k of its 3M words: the kernels
    index every matrix by word id, so the part that trains gets compact ids (those of
    ``weights.out_rows``) and its own input matrix, gathered from the full one and
    scattered back by :meth:`scatter` (a copy of ~50k rows, no kernel change). The
    output matrices and their rates are already by output row and are shared.

    Attributes
    ----------
    rows : int32[n_out]
        Word id of each compact id.
    weights : Weights
        Gathered ``w_in`` and ``in_lr``; the heads' layers are the full state's.
    corpus : EncodedCorpus
        The corpus in compact ids.
    anchor : Anchor or None
        The anchor with its index by compact id (its vectors are shared).
    """

    rows: np.ndarray
    weights: Weights
    corpus: EncodedCorpus
    anchor: Anchor | None

    @classmethod
    def of(cls, weights: Weights, corpus: EncodedCorpus, anchor: Anchor | None) -> TrainablePart | None:
        """The trainable part of ``weights`` for ``corpus``, or None when every word has an output row."""
        rows = weights.out_rows
        if rows is None:
            return None
        compact_of = np.full(weights.w_in.shape[0], -1, dtype=np.int32)  # int32 lookup: 4 bytes a token
        compact_of[rows] = np.arange(rows.shape[0], dtype=np.int32)
        compact = compact_of[corpus.token_ids]
        if (compact < 0).any():
            missing = np.unique(corpus.token_ids[compact < 0])
            raise CorpusError(f"{missing.size} word(s) of this corpus have no output row: this model was "
                              f"fine-tuned on another corpus; fine-tune it on this one "
                              f"(Word2Vec.from_pretrained(model_dir) / fastw2v finetune MODEL_DIR ...)")
        part = replace(weights, w_in=np.ascontiguousarray(weights.w_in[rows]), in_lr=weights.in_lr[rows],
                       out_rows=None)
        return cls(rows=rows, weights=part, corpus=replace(corpus, token_ids=compact),
                   anchor=None if anchor is None else replace(anchor, index=anchor.index[rows]))

    def scatter(self, weights: Weights) -> None:
        """Write the trained input rows back into the full ``weights.w_in``."""
        weights.w_in[self.rows] = self.weights.w_in


def _ordered_map(pool: ThreadPoolExecutor, fn, items: list, ahead: int):
    """Like ``pool.map`` but with at most ``ahead`` items submitted and not yet consumed."""
    pending = []
    it = iter(items)
    for item in it:
        pending.append(pool.submit(fn, item))
        if len(pending) >= ahead:
            break
    for item in it:
        yield pending.pop(0).result()
        pending.append(pool.submit(fn, item))
    while pending:
        yield pending.pop(0).result()


def compile_kernel(kernel, args: tuple, on_compile=None) -> None:
    """Compile ``kernel`` for the types of ``args`` now, without running it.

    Loads the machine code from Numba's on-disk cache when it is there; otherwise calls
    ``on_compile()`` first (to tell the user why the next seconds pass) and compiles.
    Doing this before training keeps compilation out of the time a progress line measures.
    """
    signature = tuple(numba.typeof(a) for a in args)
    if signature in kernel.overloads:
        return
    # Dispatcher.compile looks in the cache too; asking first is what tells a cold cache apart.
    # (``_cache`` is Numba-internal: without it the notice is shown on every first compile.)
    cache = getattr(kernel, "_cache", None)
    cached = cache is not None and cache.load_overload(signature, kernel.targetctx) is not None
    if not cached and on_compile is not None:
        on_compile()
    kernel.compile(signature)
