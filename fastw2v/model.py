"""The ``Word2Vec`` model: the public class that composes a training state and runs its phases.

The class validates arguments, holds one :class:`~fastw2v.state.TrainingState` and
delegates: counting to ``vocabulary``, reading to ``corpus``, building a fine-tuning
state to ``finetune``, the resume decision to ``TrainingState.next_phase``, the
epoch loop to ``training``, files to ``storage`` and ``vectors_io``.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import textwrap
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from . import finetune as ft
from .callbacks import Callback, Callbacks
from .config import FinetuneConfig, Word2VecConfig
from .corpus import CorpusLike, TextCorpus, as_sentences, name_some
from .errors import ConfigError, CorpusError, ModelStateError
from .finetune import Pretrained
from .heads import lacking, min_words
from .phrases import PhrasesLike, phrase_models
from .state import (
    ALIGN,
    BLEND,
    MAIN,
    WARMUP,
    EpochResult,
    Phase,
    Position,
    Tables,
    TrainingState,
    Weights,
    check_memory,
    required,
)
from .storage import load_state, save_state
from .token_ids import EncodedCorpus, ScannedCorpus
from .training import TrainablePart, run_epochs
from .vocabulary import Vocabulary, count_words

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

logger = logging.getLogger(__name__)
_Documented = TypeVar("_Documented", bound="type | Callable[..., Any]")


def _state_attribute(name: str) -> property:
    """A model attribute that is the state's (kept so ``model.vocab``, ``model.weights``... read as before)."""
    def get(self: Word2Vec) -> Any:
        return getattr(self.state, name)

    def put(self: Word2Vec, value: Any) -> None:
        setattr(self.state, name, value)
        self._wv = None  # it may show what was just replaced

    return property(get, put, doc=f"``state.{name}`` (see :class:`~fastw2v.state.TrainingState`).")


def _settings_doc(marker: str, config: type) -> Callable[[_Documented], _Documented]:
    """Put in the docstring, at the line holding ``marker``, a numpydoc entry per field of the configuration
    dataclass ``config`` from the field's help text: the API documents what the CLI shows, from one place."""
    def document(obj: _Documented) -> _Documented:
        doc = obj.__doc__ or ""
        at = doc.index(marker)
        indent = doc[doc.rindex("\n", 0, at) + 1:at]
        entries = []
        for f in dataclasses.fields(config):
            if f.default_factory is not dataclasses.MISSING:
                made = (f.default_factory.__doc__ or "").strip().rstrip(".")
                default = f"default: {made[:1].lower()}{made[1:]}"
            else:
                default = f"default {f.default!r}"
            kind = "{" + ", ".join(map(repr, f.metadata["choices"])) + "}" if "choices" in f.metadata else f.type
            text = f.metadata.get("help") or f.metadata["doc"]
            entries.append(f"{indent}{f.name} : {kind}, {default}\n" + textwrap.fill(
                text, 100, initial_indent=indent + "    ", subsequent_indent=indent + "    "))
        obj.__doc__ = doc[:at] + "\n".join(entries).lstrip() + doc[at + len(marker):]
        return obj

    return document


@_settings_doc("{settings}", Word2VecConfig)
class Word2Vec:
    """Word2vec (skip-gram or CBOW, negative sampling and/or hierarchical softmax).

    Parameters mirror gensim's ``Word2Vec``. Progress is logged through :mod:`logging` (logger
    ``"fastw2v"``, INFO), as gensim does: ``logging.basicConfig(level=logging.INFO)`` shows it.

    Parameters
    ----------
    sentences : corpus, optional
        An iterable of token lists, a path, or a list of paths (files or directories;
        ``.gz``/``.bz2`` read transparently); when given, the vocabulary is built and the
        model trained right away.
    corpus_file : path or list of paths, optional
        gensim's name for a corpus of files (``sentences`` takes them too).
    callbacks : sequence
        Run in every ``train()`` call: gensim ``CallbackAny2Vec``-style objects or functions
        ``cb(model, epoch, loss)`` (see :class:`~fastw2v.callbacks.Callbacks`).
    config : Word2VecConfig, optional
        Every setting at once, instead of the keywords below.
    strict_encoding : bool
        Fail on a corpus line that is not valid UTF-8 instead of replacing its bytes.
    phrases : PhraseModel, path or sequence of them, optional
        Phrase models (:class:`~fastw2v.phrases.PhraseModel` or saved ones' paths) applied, in
        order, while the corpus is scanned, so the model trains on phrase tokens (``new_york``)
        with no phrased copy of the text.
    {settings}

    Examples
    --------
    >>> m = Word2Vec(vector_size=100, window=5, min_count=5, sg=True, negative=5, epochs=5)
    >>> m.build_vocab(corpus); m.train(corpus)
    >>> m.wv.most_similar("king")
    """

    config = _state_attribute("config")
    vocab = _state_attribute("vocab")
    weights = _state_attribute("weights")
    anchor = _state_attribute("anchor")
    schedule = _state_attribute("schedule")
    position = _state_attribute("position")
    finetune_plan = _state_attribute("finetune_plan")
    corpus_sources = _state_attribute("corpus_sources")
    corpus_shape = _state_attribute("corpus_shape")
    history = _state_attribute("history")
    checkpoint_every = _state_attribute("checkpoint_every")

    def __init__(self, sentences: CorpusLike | None = None, *, corpus_file: str | Sequence[str] | None = None,
                 callbacks: Sequence[Callback] = (), config: Word2VecConfig | None = None,
                 strict_encoding: bool = False, phrases: PhrasesLike = None, **settings: Any) -> None:
        if config is not None and settings:
            raise TypeError("pass either config= or individual settings, not both")
        self._wv: KeyedVectors | None = None  # what ``wv`` returns until the vectors change
        self.state = TrainingState(config if config is not None else Word2VecConfig(**settings))
        self.callbacks = Callbacks(callbacks).items  # checked now: a bad callback fails before any training
        self.strict_encoding = strict_encoding
        # Phrase models (or saved models' paths) applied in order whenever a corpus is scanned.
        self.phrases = phrase_models(phrases)
        self._pending_finetune: tuple[Pretrained, FinetuneConfig] | None = None
        self._scanned: tuple[tuple, ScannedCorpus] | None = None  # (file fingerprint, scan) kept for train()
        self._training: TrainablePart | None = None  # while a compact part trains (see _run_phase)
        if sentences is not None and corpus_file is not None:
            raise TypeError("pass sentences or corpus_file, not both")
        source = sentences if sentences is not None else corpus_file
        if source is not None:
            self.build_vocab(source)
            self.train(source)

    @classmethod
    @_settings_doc("{recipe}", FinetuneConfig)
    def from_pretrained(cls, pretrained: str | os.PathLike | KeyedVectors, sentences: CorpusLike | None = None,
                        *, finetune: FinetuneConfig | None = None, format: str | None = None,
                        limit: int | None = None, callbacks: Sequence[Callback] = (),
                        strict_encoding: bool = False, phrases: PhrasesLike = None,
                        phrases_from_pretrained: bool = False, phrase_delimiter: str | None = None,
                        base_vocab: str | os.PathLike | None = None, **settings: Any) -> Word2Vec:
        """A model that fine-tunes pre-trained vectors on a domain corpus.

        Parameters
        ----------
        pretrained : path or KeyedVectors
            A word2vec binary/text, GloVe or fastText ``.vec`` file (format auto-detected,
            ``format=`` overrides), a gensim ``KeyedVectors`` file or object, or a saved
            fastw2v model directory (whose output layer, counts and settings are kept).
        sentences : corpus, optional
            When given, the vocabulary is built and the model trained right away.
        finetune : FinetuneConfig, optional
            The fine-tuning recipe (default ``FinetuneConfig()``). Its fields may also be
            given as keyword arguments (``anchor=0.1``), which override ``finetune``'s.
        format, limit
            Vector file format (a name of :data:`fastw2v.vectors_io.FORMATS`; default: detected) and the
            number of leading vectors to read.
        base_vocab : path, optional
            The vector file's vocabulary file (``word count`` lines: gensim's ``fvocab``,
            word2vec.c's ``-save-vocab``, GloVe's ``vocab.txt``): real base counts instead of
            counts estimated from rank.
        phrases : PhraseModel, path or sequence of them, optional
            Phrase models applied while scanning the corpus (as for ``Word2Vec``).
        phrases_from_pretrained : bool
            Also join the corpus n-grams that are phrase entries of the pre-trained vocabulary
            (``heart_attack``), after ``phrases``, so those rows train on the domain.
        phrase_delimiter : str, optional
            The pre-trained entries' delimiter (default: detected, see ``finetune.pretrained_phrases``).
        {recipe}
        **settings
            Word2vec settings as for ``Word2Vec``; ``vector_size`` comes from the vectors, and
            unset ones follow the fine-tuning recipe (``finetune.RECIPE_TRAINING``: skip-gram).

        Examples
        --------
        >>> m = Word2Vec.from_pretrained("GoogleNews-vectors-negative300.bin.gz", limit=500_000, sg=True)
        >>> m.build_vocab("medical.txt.gz"); m.train("medical.txt.gz"); m.export("medical-vectors.bin")
        """
        recipe = {k: settings.pop(k) for k in FinetuneConfig.field_names() if k in settings}
        plan = dataclasses.replace(finetune or FinetuneConfig(), **recipe)
        ft.check_vector_size(pretrained, settings.get("vector_size"), format)
        pre = ft.load_pretrained(pretrained, format=format, limit=limit, vocab=base_vocab)
        known = ft.pretrained_phrases(pre.words, phrase_delimiter) if phrases_from_pretrained else None
        model = cls(config=ft.config_for(pre, settings), callbacks=callbacks, strict_encoding=strict_encoding,
                    phrases=phrase_models(phrases) + ([known] if known is not None else []))
        model._pending_finetune = (pre, plan)
        if sentences is not None:
            model.build_vocab(sentences)
            model.train(sentences)
        return model

    # -- vocabulary --------------------------------------------------------------------------------------
    def build_vocab(self, sentences: CorpusLike) -> Word2Vec:
        """Scan the corpus, keep words with ``count >= min_count`` and initialise the weights.

        For a model made by :meth:`from_pretrained`, the vocabulary is the union of the
        pre-trained words and the new corpus words.

        Raises
        ------
        CorpusError
            The corpus is empty or no word reaches ``min_count``.
        """
        source = as_sentences(sentences, self.strict_encoding)
        counts, n_tokens, n_sentences = self._count_words(source)
        where = _describe(source)
        if n_tokens == 0:
            raise CorpusError(f"{where}: corpus is empty (no tokens)")
        if self._pending_finetune is not None:
            pre, settings = self._pending_finetune
            state = ft.prepare(pre, settings, self.config, counts)
            # (Counting a method's output words may build its domain-only vocabulary: only when a head needs it.)
            if min_words(self.config) > 1:
                leaves = ft.output_words(state)
                head = lacking(self.config, leaves)
                if head is not None:
                    raise CorpusError(f"{where}: {head.title or head.name} needs at least {head.min_words} words the corpus "
                                      f"trains ({leaves} here, method={settings.method!r})")
            self.state = state
            self._pending_finetune = None  # the pre-trained rows now live in the state's weights
            return self
        vocab = Vocabulary.from_counts(counts, self.config.min_count, self.config.max_final_vocab)
        if len(vocab) == 0:
            raise CorpusError(f"{where}: no word occurs min_count={self.config.min_count} times "
                              f"({len(counts)} distinct words in {n_tokens} tokens)")
        head = lacking(self.config, len(vocab))
        if head is not None:
            raise CorpusError(f"{where}: {head.title or head.name} needs at least {head.min_words} words in the vocabulary")
        logger.info("vocabulary: %d words (of %d distinct, min_count=%d) from %d tokens in %d sentences",
                    len(vocab), len(counts), self.config.min_count, n_tokens, n_sentences)
        self.set_vocabulary(vocab, Weights.initial(len(vocab), self.config))
        return self

    def _count_words(self, source: Iterable[list[str]]) -> tuple[dict[str, int], int, int]:
        """Word counts, tokens and sentences of the corpus.

        A file corpus's scan is kept as provisional token ids, so that ``train`` on the
        same unchanged files encodes it without reading the text again.
        """
        self._scanned = None
        self._check_memory(np.zeros(0, dtype=np.int64))
        if self.config.max_vocab_size is not None:  # word2vec.c pruning bounds memory: keep nothing else
            if self.phrases:
                raise ConfigError("phrases cannot be combined with max_vocab_size (its pruned count does not "
                                  "keep the token ids phrases are joined on); drop one of them")
            return count_words(source, self.config.max_vocab_size)
        scanned = ScannedCorpus(source, phrases=self.phrases, on_chunk=self._check_memory)
        fingerprint = source.fingerprint() if isinstance(source, TextCorpus) else None
        if fingerprint is not None:
            self._scanned = (fingerprint, scanned)
        return scanned.word_counts(), scanned.n_tokens, scanned.n_sentences

    def _check_memory(self, counts: np.ndarray) -> None:
        """Refuse a vector size the machine's memory cannot hold for the words that already reach
        ``min_count`` (they are in the vocabulary whatever follows): a huge ``vector_size`` fails
        within the first chunk of the scan, not after it."""
        c = self.config
        n = int(np.count_nonzero(counts >= c.min_count))
        n = min(n, c.max_final_vocab) if c.max_final_vocab is not None else n
        check_memory(max(n, min_words(c)), c, at_least=True)

    def set_vocabulary(self, vocab: Vocabulary, weights: Weights) -> None:
        """Install a vocabulary and matching weights (see ``TrainingState.set_vocabulary``)."""
        self.state.set_vocabulary(vocab, weights)
        self._wv = None

    @property
    def state(self) -> TrainingState:
        """Everything the model is (see :class:`~fastw2v.state.TrainingState`)."""
        return self._state

    @state.setter
    def state(self, state: TrainingState) -> None:
        self._state = state
        self._wv = None

    @property
    def tables(self) -> Tables:
        """Subsampling, noise and Huffman tables, rebuilt from the counts when needed."""
        self._require_vocab()
        return self.state.tables

    # -- training ----------------------------------------------------------------------------------------
    def encode(self, sentences: CorpusLike) -> EncodedCorpus:
        """The corpus as token ids under this model's vocabulary (read once, reused every epoch)."""
        self._require_vocab()
        source = as_sentences(sentences, self.strict_encoding)
        kept, self._scanned = self._scanned, None
        if kept is not None and isinstance(source, TextCorpus) and kept[0] == source.fingerprint():
            scanned = kept[1]
        else:
            scanned = ScannedCorpus(source, phrases=self.phrases)
        encoded = scanned.encode(self.vocab.index, self.config.max_sentence_length)
        if encoded.n_tokens == 0:
            raise CorpusError(f"{_describe(source)}: no token of the corpus is in the vocabulary")
        return encoded

    def train(self, sentences: CorpusLike | EncodedCorpus | None = None, *, epochs: int | None = None,
              callbacks: Sequence[Callback] = (), on_batch_end: Callable[[Position], None] | None = None,
              progress_seconds: float | None = None) -> list[EpochResult]:
        """Train on ``sentences`` (or an already encoded corpus).

        A run interrupted part-way (a loaded checkpoint) continues where it stopped with
        the same learning-rate schedule; otherwise a new schedule of ``epochs``
        (default ``config.epochs``) epochs decays from ``alpha`` to ``min_alpha``. A
        fine-tuning model first runs its pending warm-up epochs.

        Parameters
        ----------
        sentences : corpus or EncodedCorpus, optional
            Default: the files the model was last trained on (``corpus_sources``, saved with it), so
            ``load("x.checkpoint").train()`` resumes a checkpoint on its own corpus.
        epochs : int, optional
            Epochs of a new schedule (a resumed one keeps its own).
        callbacks : sequence
            Run with the model's own (``Word2Vec(callbacks=...)``): gensim ``CallbackAny2Vec``-style
            objects, or functions ``cb(model, epoch, loss)`` after each epoch (see
            :class:`~fastw2v.callbacks.Callbacks`).
        on_batch_end : callable, optional
            ``on_batch_end(position)`` after every batch (``checkpoint.Checkpointer.on_batch_end``).
        progress_seconds : float, optional
            Interval of the INFO progress lines logged to ``logging.getLogger("fastw2v")`` (default
            ``progress.Progress.interval``, 5 s).

        Returns
        -------
        list of EpochResult
            Per-epoch mean loss per trained pair, pairs, words and seconds; ``epoch`` counts from 1.

        Raises
        ------
        CorpusError
            No ``sentences`` and no recorded corpus files, or a corpus unlike the resumed run's.
        """
        self._require_vocab()
        if not self.weights.w_in.flags.writeable:
            raise ModelStateError("this model was loaded with mmap=True (read-only); load it without mmap to train it")
        encoded = self._training_corpus(sentences)
        shape = (encoded.n_tokens, encoded.n_sentences)
        hooks = Callbacks([*self.callbacks, *callbacks])

        def batch_done(position: Position) -> None:
            self._wv = None  # the batch moved the vectors it shows
            if on_batch_end is not None:
                on_batch_end(position)

        hooks.train_begin(self)
        results: list[EpochResult] = []
        try:
            while True:
                phase = self.state.next_phase(epochs, shape)
                if phase.name == ALIGN:
                    results += self._run_aligned(phase, encoded, shape, hooks, progress_seconds)
                    break
                if phase.name == BLEND:
                    ft.combine_blend(self.state)
                    break
                self._enter(phase, shape)
                results += self._run_phase(encoded, hooks, batch_done, progress_seconds)
                # After the warm-up, next_phase starts the main phase; after a blending fine-tuning's main phase,
                # its blend.
                if phase.name == MAIN and not (self.finetune_plan is not None and self.finetune_plan.blend_pending):
                    break
        finally:
            self._wv = None  # trained, combined, or stopped part-way: the vectors changed
        hooks.train_end(self)
        return results

    def _training_corpus(self, sentences: CorpusLike | EncodedCorpus | None) -> EncodedCorpus:
        """``sentences`` encoded (default: the recorded corpus files); a file corpus's paths are recorded."""
        if sentences is None:
            if not self.corpus_sources:
                raise CorpusError("no corpus given, and this model records no corpus files to train on (it was "
                                  "trained on an in-memory corpus, or never): pass sentences")
            sentences = self.corpus_sources
        if isinstance(sentences, EncodedCorpus):
            return sentences
        source = as_sentences(sentences, self.strict_encoding)
        if isinstance(source, TextCorpus):
            self.corpus_sources = list(source.paths)  # saved, so `fastw2v train --resume` can find it
        return self.encode(source)

    def _enter(self, phase: Phase, shape: tuple[int, int]) -> None:
        """Install ``phase``'s schedule, position and (fine-tuning) learning-rate multipliers."""
        state = self.state
        plan = state.finetune_plan
        if plan is not None:
            if phase.name == WARMUP:
                logger.info("warm-up: %d epoch(s) training the output layer and new words, pre-trained rows "
                            "frozen", plan.settings.warmup_epochs)
            plan.warmup_done = phase.name != WARMUP
            ft.set_phase_rates(state, warmup=phase.name == WARMUP)
        state.schedule, state.position, state.corpus_shape = phase.schedule, phase.start, shape

    def _run_aligned(self, phase: Phase, encoded: EncodedCorpus, shape: tuple[int, int],
                     callbacks: Callbacks, progress_seconds: float | None) -> list[EpochResult]:
        """``method="aligned"``: train the domain-only model for ``phase``'s schedule, then combine it in.

        One step: nothing of the union state changes until the combination, so a checkpoint
        is not taken during it and an interrupted run starts it again. Afterwards the state
        holds a finished run of that schedule (training it again starts a new one).
        """
        state = self.state
        # Nothing else trains a fine-tuning state before its combination, so any history is that of an
        # interrupted attempt (a checkpoint taken during this step): the step starts again, and so do its epochs.
        state.history.clear()
        domain, corpus = ft.domain_state(state, encoded)
        logger.info("aligned: training a domain-only model (%d words, %d epochs), then rotating it onto the base",
                    len(required(domain.vocab, "vocabulary")), phase.schedule.total_epochs)
        results = run_epochs(required(domain.weights, "weights"), domain.tables, corpus, state.config, phase.schedule,
                             domain.position,
                             on_epoch_begin=lambda epoch: callbacks.epoch_begin(self),
                             on_epoch_end=self._epoch_done(callbacks), progress_seconds=progress_seconds)
        ft.combine_aligned(state, domain)
        state.schedule, state.corpus_shape = phase.schedule, shape
        state.position = Position(epoch=phase.schedule.total_epochs)
        return results

    def _run_phase(self, encoded: EncodedCorpus, callbacks: Callbacks,
                   on_batch_end: Callable[[Position], None] | None,
                   progress_seconds: float | None) -> list[EpochResult]:
        """Run the installed schedule from the installed position to its end.

        When only some words have output rows (a fine-tuning), their compact part trains
        and is written back at every epoch's end, before a save and at the end.
        """
        state = self.state
        full = required(state.weights, "weights")
        part = TrainablePart.of(full, encoded, state.anchor)
        weights, corpus, anchor = (full, encoded, state.anchor) if part is None else (
            part.weights, part.corpus, part.anchor)
        schedule = required(state.schedule, "schedule")
        self._training = part
        try:
            return run_epochs(weights, state.tables, corpus, state.config, schedule, state.position,
                              anchor=anchor, on_epoch_begin=lambda epoch: callbacks.epoch_begin(self),
                              on_epoch_end=self._epoch_done(callbacks), on_batch_end=on_batch_end,
                              progress_seconds=progress_seconds)
        finally:
            self._sync()
            self._training = None

    def _sync(self) -> None:
        """Bring ``weights.w_in`` up to date with the part being trained, if any."""
        if self._training is not None:
            self._training.scatter(required(self.state.weights, "weights"))

    def _epoch_done(self, callbacks: Callbacks) -> Callable[[EpochResult, Position], None]:
        """What runs after each epoch: the result joins the history, then the callbacks."""
        def epoch_done(result: EpochResult, position: Position) -> None:
            self._sync()  # the full input matrix is what callbacks and checkpoints read
            self.state.history.append(result)
            callbacks.epoch_end(self, result.epoch, result.loss)

        return epoch_done

    # -- results -----------------------------------------------------------------------------------------
    @property
    def wv(self) -> KeyedVectors:
        """The input vectors as a gensim ``KeyedVectors``, most frequent word first, with counts.

        One object, kept until the vectors change (``train``, ``build_vocab``, a new ``state``,
        ``vocab`` or ``weights``; its word index and norms are built once per change). A trained
        model's ``wv`` shares memory with the model. A fine-tuned model lists its words by their
        domain plus (real or estimated) base counts, as a word2vec file does
        (``finetune.frequency_order``), so its ``wv`` is a copy in that order.
        """
        from .vectors_io import to_keyedvectors

        self._require_vocab()
        if self._wv is None:
            self._sync()
            shown = ft.frequency_order(self.state)
            if shown is None:
                self._wv = to_keyedvectors(self.vocab.words, self.weights.w_in, self.vocab.counts)
            else:
                order, counts = shown
                words = self.vocab.words
                self._wv = to_keyedvectors([words[i] for i in order], self.weights.w_in[order], counts)
        return self._wv

    def export(self, path: str | os.PathLike, binary: bool | None = None, *, format: str | None = None) -> None:
        """Write the input vectors in word2vec binary or text format, atomically, in ``wv``'s order.

        ``format`` (a writable format of :data:`fastw2v.vectors_io.FORMATS`) or gensim's ``binary``
        flag chooses the format; by default the name does: ``.txt``/``.vec`` (also compressed,
        ``.txt.gz``) are text, anything else binary. A ``.gz``/``.bz2`` name is compressed.
        """
        from .vectors_io import write_vectors

        self._require_vocab()
        self._sync()
        shown = ft.frequency_order(self.state)
        words = self.vocab.words
        if shown is None:
            write_vectors(path, words, self.weights.w_in, binary=binary, format=format)
        else:
            write_vectors(path, [words[i] for i in shown[0]], self.weights.w_in, binary=binary, order=shown[0],
                          format=format)

    def check_finite(self) -> str | None:
        """Name of the first weight matrix holding NaN/inf (up to date with a fine-tuning's trained part), or None."""
        self._sync()
        return self.weights.check_finite()

    def save(self, path: str | os.PathLike) -> None:
        """Save the complete training state (see :mod:`fastw2v.storage` for the format)."""
        self._require_vocab()
        self._sync()
        save_state(self.state, path)

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: bool = False) -> Word2Vec:
        """Load a model saved by :meth:`save`; ``mmap=True`` maps the matrices read-only."""
        state = load_state(path, mmap=mmap)
        model = cls(config=state.config)
        model.state = state
        return model

    def _require_vocab(self) -> None:
        if self.vocab is None or self.weights is None:
            raise ModelStateError("the model has no vocabulary yet: call build_vocab() first")

    def __repr__(self) -> str:
        n = 0 if self.vocab is None else len(self.vocab)
        c = self.config
        return (f"Word2Vec(vocab={n}, vector_size={c.vector_size}, sg={c.sg}, hs={c.hs}, "
                f"negative={c.negative}, window={c.window})")


def load(path: str | os.PathLike, mmap: bool = False) -> Word2Vec:
    """Load a saved fastw2v model."""
    return Word2Vec.load(path, mmap=mmap)


def _describe(source: Iterable[list[str]]) -> str:
    return name_some(source.paths) if isinstance(source, TextCorpus) else "corpus"
