"""Fine-tuning pre-trained vectors (or a saved fastw2v model) on a domain corpus.

Functions from inputs to a :class:`~fastw2v.state.TrainingState`; none of them sees a model.

A word2vec/GloVe/fastText vector file holds input vectors only: no output layer
and no counts. Fine-tuning therefore

1. builds the **vocabulary union**: pre-trained words (all, those seen in the
   corpus, or those seen plus the N most frequent) followed by new corpus words
   that pass ``min_count``. Negative sampling, subsampling and the Huffman tree
   use the domain corpus's counts, so pre-trained words the corpus never uses keep
   their vectors untouched and are never drawn as negatives; a saved fastw2v
   model's counts are added to the corpus's in the model's totals (as gensim's
   ``build_vocab(update=True)`` does), which ``pretrained_lr="auto"`` uses;
2. initialises **new words** as a fresh model's (small uniform), optionally rescaled
   to the pre-trained vectors' norms;
3. starts the **output layer** at zero (word2vec's default) and can **warm it up**
   for ``warmup_epochs`` with pre-trained input rows frozen. Output rows exist only
   for the words that can train: those the corpus uses, and those a saved base model
   trained before (carried over exactly); a GoogleNews word the corpus never uses
   lives in the input matrix alone (``state.Weights.out_rows``). Training runs on
   those words alone (``training.TrainablePart``);
4. trains with **per-row learning-rate multipliers** (``freeze``,
   ``pretrained_lr``, ``output_lr``) and an optional **anchor**: an L2 pull of
   every pre-trained row toward its original vector, uniform or weighted per word
   (``anchor_weights="frequency"``: ``anchor * (1 - rate)``).

The per-word **rates** come from ``preserve`` (:func:`preserve_rates`):
``p_d / (p_d + tau * p_b)`` from the domain corpus's counts and the base's
(:mod:`fastw2v.base_counts`): a saved fastw2v model's real counts, or for a vector
file Zipf counts estimated from rank and ``base_tokens``. One rule decides a
pre-trained row's main-phase learning-rate multiplier: a numeric ``pretrained_lr``
is used as it is; ``pretrained_lr="auto"`` (the default) uses the rates. The default
``preserve="high"`` counts every raw occurrence alike, ``n_d / (n_d + n_b)``;
``preserve="auto"`` is the v1 default ("high" for a saved model, "low", rate 1, for a
vector file).

The default ``method="aligned"`` (chosen by the fine-tuning study's pre-registered rule,
``benchmarks/results/finetune_rule.md``) replaces steps 3-4 by a domain-only model rotated
onto the base and mixed with it per word (:func:`domain_state`, :func:`combine_aligned`);
``method="continue"`` runs them.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from . import memory
from .alignment import anchor_pairs, combine, procrustes, rotate_into
from .base_counts import anchor_weights, estimate_base_counts, evidence_rates, frequency_rates, preserve_weight
from .config import AUTO, FinetuneConfig, Word2VecConfig
from .corpus import EncodedCorpus
from .errors import ConfigError, CorpusError
from .phrases import PhraseModel
from .progress import Progress
from .state import Anchor, FinetunePlan, TrainingState, Weights, uniform_rows
from .storage import load_state
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__name__)

# Word2vec settings of the default fine-tuning recipe (benchmarks/finetune_study.py); explicit
# settings override them.
RECIPE_TRAINING: dict[str, Any] = {"sg": True}  # epochs: word2vec's 5, as the domain-only model


@dataclass
class Pretrained:
    """What a fine-tuning starts from: vectors, and for a saved fastw2v model its whole state."""

    words: list[str]
    vectors: np.ndarray               # float32[n, dim]; owned, may be resized in place
    counts: np.ndarray | None = None  # int64[n] (saved models only)
    w_out_ns: np.ndarray | None = None  # float32[len(out_rows), dim]: the saved model's trained output rows
    out_rows: np.ndarray | None = None  # int32: the word of each row of w_out_ns, increasing
    config: Word2VecConfig | None = None
    source: str = "<vectors>"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])


def load_pretrained(source: "str | os.PathLike | KeyedVectors", format: str | None = None,
                    limit: int | None = None) -> Pretrained:
    """Read pre-trained vectors: a vector file (any supported format), a saved model directory, or KeyedVectors."""
    from .vectors_io import read_vectors

    if hasattr(source, "index_to_key") and hasattr(source, "vectors"):
        n = len(source.index_to_key) if limit is None else min(limit, len(source.index_to_key))
        # The caller keeps its own object, so this is a (necessary) copy.
        return Pretrained(list(source.index_to_key[:n]), np.array(source.vectors[:n], dtype=np.float32),
                          source="<KeyedVectors>")
    path = Path(source)
    if path.is_dir():
        # The input matrix is read into memory once (and cut to `limit` in place); the other
        # arrays are mapped and only the rows kept are copied.
        state = load_state(path, mmap=set(Weights.ARRAYS) - {"w_in"})
        n = len(state.vocab) if limit is None else min(limit, len(state.vocab))
        w = state.weights
        out_rows = w_out = None
        if w.w_out_ns.shape[0]:
            out_rows = _trained_output_rows(w)
            out_rows = out_rows[out_rows < n]
            w_out = w.w_out_ns[w.output_row(out_rows)]
        vectors = w.w_in
        if n < vectors.shape[0]:
            vectors = _grow_rows(vectors, np.arange(n), 0)
        return Pretrained(state.vocab.words[:n], vectors, counts=np.array(state.vocab.counts[:n]),
                          w_out_ns=w_out, out_rows=out_rows, config=state.config, source=str(path))
    words, vectors = read_vectors(path, format=format, limit=limit)
    return Pretrained(words, vectors, source=str(path))


def _trained_output_rows(weights: Weights) -> np.ndarray:
    """Words with an output row worth keeping, increasing.

    A model saved before output rows were compact (format 1) has one per word, zero for
    the words its corpus never used: a zero row is what a new one starts as, so only
    the others are carried.
    """
    if weights.out_rows is not None:
        return np.asarray(weights.out_rows, dtype=np.int32)
    w_out = weights.w_out_ns
    step = 65536
    used = np.concatenate([w_out[a:a + step].any(axis=1) for a in range(0, w_out.shape[0], step)])
    return np.flatnonzero(used).astype(np.int32)


def config_for(pre: Pretrained, settings: dict[str, Any]) -> Word2VecConfig:
    """The word2vec settings of a fine-tuning: explicit ``settings`` over a saved model's own or the recipe's.

    The pre-trained dimension wins; a different explicit ``vector_size`` is an error.
    """
    size = settings.get("vector_size")
    if size is not None and size != pre.dim:
        raise ConfigError(f"vector_size={size} conflicts with the pre-trained vectors of {pre.source} "
                          f"(dimension {pre.dim}); leave vector_size unset")
    settings = {**settings, "vector_size": pre.dim}
    if pre.config is not None:  # a saved model keeps its own architecture unless told otherwise
        return pre.config.replace(**settings)
    return Word2VecConfig(**{**RECIPE_TRAINING, **settings})


def _grow_rows(array: np.ndarray, keep: np.ndarray, n_extra: int) -> np.ndarray:
    """``concat(array[keep], zeros(n_extra))`` reusing ``array``'s memory.

    Rows are compacted in place (``keep`` is increasing, so a row only ever moves
    up); the buffer is then shrunk in place, or, to grow, moved into the larger
    matrix block by block with each block's pages handed back to the system as it
    goes (NumPy's ``resize`` copies when it grows): a 3.6 GB GoogleNews matrix never
    exists twice.
    """
    n_keep = keep.shape[0]
    if not np.array_equal(keep, np.arange(n_keep)):  # (a prefix, as a `limit` cut, needs no moves)
        step = 65536
        ticker = Progress("vocabulary union: compacting the pre-trained rows", "rows", n_keep)
        for start in range(0, n_keep, step):
            chunk = keep[start:start + step]
            array[start:start + chunk.shape[0]] = array[chunk]
            ticker.advance(chunk.shape[0])
    new_shape = (n_keep + n_extra,) + array.shape[1:]
    owned = array.flags.owndata and array.flags.c_contiguous
    if owned and n_extra == 0:
        array.resize(new_shape, refcheck=False)
        return array
    out = memory.empty(new_shape, dtype=array.dtype)
    step = max(1, (8 << 20) // max(array[:1].nbytes, 1))  # 8 MB in flight: both copies of a block
    ticker = Progress("vocabulary union: moving the pre-trained rows", "rows", n_keep)
    for start in range(0, n_keep, step):
        end = min(start + step, n_keep)
        out[start:end] = array[start:end]
        if owned:
            memory.release(array[start:end])
        ticker.advance(end - start)
    out[n_keep:] = 0
    return out


def union_vocabulary(pre: Pretrained, corpus_counts: dict[str, int], min_count: int,
                     keep: str | int) -> tuple[Vocabulary, np.ndarray, int]:
    """Pre-trained words to keep, then new corpus words passing ``min_count`` by descending count.

    Returns
    -------
    vocab : Vocabulary
        Counts are the corpus counts plus, for a saved fastw2v model, its own counts.
    corpus_counts : int64[n_words]
        The corpus counts alone.
    kept : int64[n_kept]
        Indices of the kept pre-trained rows, increasing.
    n_kept : int
        The first ``n_kept`` words of ``vocab`` are pre-trained.
    """
    seen = np.fromiter((w in corpus_counts for w in pre.words), dtype=bool, count=len(pre.words))
    if keep == "all":
        mask = np.ones(len(pre.words), dtype=bool)
    else:
        mask = seen.copy()
        if isinstance(keep, int):
            mask[:keep] = True
    kept = np.flatnonzero(mask)
    words = list(pre.words) if kept.shape[0] == len(pre.words) else [pre.words[i] for i in kept]
    # The vocabulary's own index doubles as the membership test for new words (no 3M-word set):
    # every corpus word that is pre-trained is seen, hence kept, hence in ``index``.
    index = {w: i for i, w in enumerate(words)}
    new = sorted(((w, c) for w, c in corpus_counts.items() if c >= min_count and w not in index),
                 key=lambda wc: -wc[1])
    counts = np.fromiter((corpus_counts.get(w, 0) for w in words), dtype=np.int64, count=len(words))
    corpus = np.concatenate([counts, np.array([c for _, c in new], dtype=np.int64)])
    totals = corpus.copy()
    if pre.counts is not None:
        totals[:len(kept)] += pre.counts[kept]
    for w, _ in new:
        index[w] = len(words)
        words.append(w)
    vocab = Vocabulary(words, totals, index)
    logger.info("vocabulary union: %d pre-trained words kept (%d seen in the corpus) + %d new corpus words",
                len(kept), int(seen[kept].sum()), len(new))
    return vocab, corpus, kept, len(kept)


def new_word_rows(n: int, pretrained: np.ndarray, how: str, seed: int) -> np.ndarray:
    """Initial vectors of ``n`` new words: a fresh model's (:func:`~fastw2v.state.uniform_rows`), optionally
    rescaled to pre-trained norms."""
    rng = np.random.default_rng([seed, 7])
    rows = uniform_rows(n, pretrained.shape[1], rng)
    if how == "scaled" and n and pretrained.shape[0]:
        sample = pretrained[rng.integers(0, pretrained.shape[0], size=min(pretrained.shape[0], 10000))]
        norms = np.linalg.norm(sample, axis=1)
        target = rng.choice(norms, size=n)
        rows *= (target / np.maximum(np.linalg.norm(rows, axis=1), 1e-12))[:, None].astype(np.float32)
    return rows


def base_evidence(pre: Pretrained, settings: FinetuneConfig,
                  kept: np.ndarray) -> tuple[np.ndarray | None, float | None, bool]:
    """Base-corpus counts of the kept pre-trained rows, the base's size in tokens, and whether they are real.

    A saved fastw2v model has real counts (``base_tokens`` is their sum). A vector file's
    counts are estimated from rank (:func:`~fastw2v.base_counts.estimate_base_counts`), and
    only when ``preserve`` needs them (with "low" every rate is 1).
    """
    if pre.counts is not None:
        if settings.base_tokens is not None:
            raise ConfigError(f"base_tokens={settings.base_tokens!r} applies to vector files only: {pre.source} "
                              f"is a saved fastw2v model, whose real counts are used")
        return pre.counts[kept].astype(np.float64), float(pre.counts.sum()), True
    if settings.preserve == AUTO or _rate_one(settings.preserve):
        return None, None, False
    est = estimate_base_counts(pre.source, len(pre.words), pre.dim, settings.base_tokens)
    logger.info("base counts of %s estimated from rank (Zipf), %.3g base tokens (%s)", pre.source, est.tokens,
                est.how)
    return est.counts[kept], est.tokens, False


def prepare(pre: Pretrained, settings: FinetuneConfig, config: Word2VecConfig,
            corpus_counts: dict[str, int]) -> TrainingState:
    """The state a fine-tuning starts from: union vocabulary, weights, anchor, plan and warm-up rates.

    ``pre.vectors`` becomes the input matrix (resized in place, not copied).
    """
    vocab, counts, kept, n_pre = union_vocabulary(pre, corpus_counts, config.min_count, settings.keep_pretrained)
    if counts.sum() == 0:
        raise CorpusError(f"no word of the corpus is in the vocabulary (min_count={config.min_count})")
    n = len(vocab)
    # Output rows: the words the corpus uses, and those a saved base model trained before.
    carried = np.full(n, -1, dtype=np.int64)  # row of pre.w_out_ns of each word, -1 for none
    if pre.out_rows is not None:
        row_of_pre = np.full(len(pre.words), -1, dtype=np.int64)
        row_of_pre[pre.out_rows] = np.arange(pre.out_rows.shape[0])
        carried[:n_pre] = row_of_pre[kept]
    trainable = (counts > 0) | (carried >= 0)
    out_rows = None if trainable.all() else np.flatnonzero(trainable).astype(np.int32)
    base_counts, base_tokens, base_real = base_evidence(pre, settings, kept)
    plan = FinetunePlan(settings=settings, n_pretrained=n_pre, corpus_counts=counts,
                        warmup_done=settings.warmup_epochs == 0 or settings.method == "aligned",
                        base_counts=base_counts, base_tokens=base_tokens, base_real=base_real)
    _log_preserve(plan)
    anchor = None
    if settings.anchor > 0:
        # The one extra copy anchoring needs: the original rows of the words that can move (the corpus's).
        used = np.flatnonzero(counts[:n_pre] > 0)
        index = np.full(n, -1, dtype=np.int32)
        index[used] = np.arange(used.shape[0], dtype=np.int32)
        if settings.anchor_weights == "frequency":
            if _rate_one(plan.preserve):
                logger.warning("anchor_weights='frequency' with preserve=%r (rate 1 for every word) anchors no "
                               "row: set preserve to balanced, high or a number > 0", settings.preserve)
            strength = anchor_weights(settings.anchor, preserve_rates(plan, used))
        else:
            strength = np.full(used.shape[0], settings.anchor, dtype=np.float64)
        anchor = Anchor(vectors=np.ascontiguousarray(pre.vectors[kept[used]]), index=index, strength=strength)
    w_in = _grow_rows(pre.vectors, kept, n - n_pre)
    w_in[n_pre:] = new_word_rows(n - n_pre, w_in[:n_pre], settings.new_word_init, config.seed)
    weights = Weights.initial(n, config, w_in=w_in, out_rows=out_rows)
    if pre.w_out_ns is not None and weights.w_out_ns.shape[0]:
        has = np.flatnonzero(carried >= 0)
        weights.w_out_ns[weights.output_row(has)] = pre.w_out_ns[carried[has]]
    state = TrainingState(config=config, anchor=anchor)
    state.set_vocabulary(vocab, weights)
    state.finetune_plan = plan
    set_phase_rates(state, warmup=not plan.warmup_done)
    return state


def set_phase_rates(state: TrainingState, warmup: bool) -> None:
    """Set the per-row learning-rate multipliers of the warm-up or the main phase in ``state.weights``."""
    plan = state.finetune_plan
    s = plan.settings
    w = state.weights
    n_pre = plan.n_pretrained
    if warmup:
        w.in_lr[:n_pre] = 0.0
    else:
        w.in_lr[:n_pre] = 0.0 if s.freeze == "pretrained" else pretrained_rates(plan)
    w.in_lr[n_pre:] = 0.0 if s.freeze == "new" else 1.0
    w.out_ns_lr[:] = s.output_lr
    w.out_hs_lr[:] = s.output_lr


def _rate_one(preserve: str | float) -> bool:
    """``preserve`` gives every word rate 1 (tau 0: the domain decides), so no base counts are needed."""
    return preserve in ("low", 0, 0.0)


def _log_preserve(plan: FinetunePlan) -> None:
    """Say what ``preserve`` means for this pair of corpora: its ``tau`` read as a frequency ratio."""
    if plan.base_counts is None or _rate_one(plan.preserve):
        return
    tau = preserve_weight(plan.preserve, float(plan.corpus_counts.sum()), plan.base_tokens)
    logger.info("preserve=%s: tau %.3g; a shared word is half the domain's where the domain uses it %.3g times as "
                "often per token as the base (%.3g base tokens); a smaller --preserve number lets more of the "
                "domain in", plan.preserve, tau, tau, plan.base_tokens)


def preserve_rates(plan: FinetunePlan, rows: np.ndarray | None = None) -> np.ndarray:
    """float64[n_pretrained]: the rates of ``plan.preserve`` (see ``FinetuneConfig.preserve``).

    Rows the corpus never uses get 1 (they never train as inputs). ``rows``: only those
    pre-trained rows' rates (at GoogleNews scale the temporaries of all 3M cost ~0.1 GB).
    """
    n_pre = plan.n_pretrained
    rows = slice(0, n_pre) if rows is None else rows
    preserve = plan.preserve
    n_d = plan.corpus_counts[:n_pre][rows]
    if _rate_one(preserve):
        return np.ones(len(n_d))
    n_b = plan.base_counts[rows]
    if preserve == "high":
        # tau = N_b / N_d reduces to n_d / (n_d + n_b): computed so, without rounding through the corpus sizes.
        return evidence_rates(n_d, n_b)
    return frequency_rates(n_d, float(plan.corpus_counts.sum()), n_b, plan.base_tokens, preserve)


def pretrained_rates(plan: FinetunePlan) -> np.ndarray | float:
    """Main-phase learning-rate multipliers of the pre-trained rows: a numeric ``pretrained_lr``, else the rates."""
    if plan.settings.pretrained_lr != AUTO:
        return plan.settings.pretrained_lr
    return preserve_rates(plan).astype(np.float32)


def hs_words(state: TrainingState) -> int:
    """Leaves of the Huffman tree the fine-tuning trains with: the words with output rows, or for
    ``method="aligned"`` the domain-only model's vocabulary."""
    if state.finetune_plan.settings.method == "aligned":
        return len(domain_vocabulary(state))
    return state.weights.n_out


def domain_vocabulary(state: TrainingState) -> Vocabulary:
    """``method="aligned"``'s domain-only vocabulary: the corpus words passing ``min_count`` (and
    ``max_final_vocab``), as ``Word2Vec(corpus)`` would keep them."""
    plan, config, union = state.finetune_plan, state.config, state.vocab
    used = np.flatnonzero(plan.corpus_counts > 0)  # (not a loop over a 3M-word union)
    counts = {union.words[i]: int(plan.corpus_counts[i]) for i in used.tolist()}
    return Vocabulary.from_counts(counts, config.min_count, config.max_final_vocab)


def domain_state(state: TrainingState, corpus: EncodedCorpus) -> tuple[TrainingState, EncodedCorpus]:
    """``method="aligned"``'s domain-only model, untrained, and the corpus in its token ids.

    Its vocabulary is :func:`domain_vocabulary`, its configuration and seed the fine-tuning's:
    the model ``Word2Vec(corpus)`` would train.
    """
    config, union = state.config, state.vocab
    vocab = domain_vocabulary(state)
    if len(vocab) == 0:
        raise CorpusError(f"no word of the corpus occurs min_count={config.min_count} times")
    to_domain = np.full(len(union), -1, dtype=np.int32)
    to_domain[np.fromiter((union.index[w] for w in vocab.words), dtype=np.int64, count=len(vocab))] = \
        np.arange(len(vocab), dtype=np.int32)
    ids = to_domain[corpus.token_ids]
    keep = ids >= 0
    # kept[t]: tokens kept up to and including t; a sentence starting at s starts at kept[s - 1].
    kept = np.cumsum(keep, dtype=np.int32 if keep.shape[0] < 2**31 else np.int64)
    starts = corpus.sentence_offsets
    offsets = np.where(starts > 0, kept[np.maximum(starts, 1) - 1], 0).astype(np.int64)
    del kept
    encoded = EncodedCorpus(np.ascontiguousarray(ids[keep]), offsets, corpus.raw_tokens, corpus.split_lines)
    domain = TrainingState(config=config)
    domain.set_vocabulary(vocab, Weights.initial(len(vocab), config))
    return domain, encoded


def combine_aligned(state: TrainingState, domain: TrainingState) -> None:
    """Install in ``state`` the trained ``domain`` model rotated onto the base and mixed with it per word.

    Input rows: :func:`fastw2v.alignment.combine` with ``rho`` the ``preserve`` rates (the
    rotation fitted by Procrustes over up to ``alignment.ANCHOR_WORDS`` shared frequent
    words); pre-trained words the domain model lacks keep their vectors exactly. Output
    rows (negative sampling): the domain model's, rotated alike (dot products with the
    rotated inputs are the domain model's), for every word it has; the others keep theirs
    (a saved model's, else zero). Hierarchical-softmax rows keep theirs: the union's
    Huffman tree is not the domain model's. The result trains on as a normal model.
    """
    plan, weights, vocab = state.finetune_plan, state.weights, state.vocab
    n_pre = plan.n_pretrained
    d_words, d_in = domain.vocab.words, domain.weights.w_in
    # Every domain word is in the union (base words first, then the corpus's new words).
    rows = np.fromiter((vocab.index[w] for w in d_words), dtype=np.int64, count=len(d_words))
    in_base, in_domain = anchor_pairs(rows, n_pre)
    if in_base.shape[0] == 0:
        raise CorpusError("method='aligned' needs words shared by the base and the domain corpus; there are none")
    rotation = procrustes(d_in[in_domain], weights.w_in[in_base])
    shared = rows < n_pre
    rho = np.ones(len(rows))
    rho[shared] = preserve_rates(plan, rows[shared])
    combine(weights.w_in, n_pre, rows, d_in, rho, rotation)
    if weights.w_out_ns.shape[0] and domain.weights.w_out_ns.shape[0]:
        # Every domain word is used by the corpus, so it has an output row in the union.
        rotate_into(weights.w_out_ns, weights.output_row(rows), domain.weights.w_out_ns, rotation)
    plan.aligned_done = True
    set_phase_rates(state, warmup=False)


PHRASE_DELIMITERS = ("_", "-", "|", "+", "~", "/")


def pretrained_phrases(words: Sequence[str], delimiter: str | None = None) -> PhraseModel | None:
    """A model joining the corpus n-grams that are phrase entries of the pre-trained vocabulary ``words``.

    ``delimiter`` None: the one of :data:`PHRASE_DELIMITERS` that most multi-part entries
    use (``_`` for GoogleNews); None when no entry has one.
    """
    if delimiter is None:
        uses = {d: sum(1 for w in words if d in w.strip(d)) for d in PHRASE_DELIMITERS}
        delimiter = max(PHRASE_DELIMITERS, key=lambda d: uses[d])  # ties: the earlier, so "_"
        if not uses[delimiter]:
            logger.info("pre-trained vocabulary: no phrase entries (no word contains one of %s)",
                        " ".join(PHRASE_DELIMITERS))
            return None
    model = PhraseModel.from_phrases((w for w in words if delimiter in w), delimiter)
    logger.info("pre-trained vocabulary: %d phrase entries joined by %r", len(model.known or ()), delimiter)
    return model
