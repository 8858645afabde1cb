"""Command-line interface: a thin click layer over the library API.

Every command builds the same objects the Python API does; bad input ends with
one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from . import __version__
from .checkpoint import Every
from .cli_options import CONFIG_KEYS, ParsedType, config_from, options_of, training_options, with_options
from .config import FinetuneConfig
from .errors import FastW2VError
from .finetune import RECIPE_TRAINING
from .vectors_io import FORMATS as VECTOR_FORMATS
from .vectors_io import WRITE_DEFAULT, check_writable_words

logger = logging.getLogger("fastw2v")


# Libraries whose INFO records (gensim's "KeyedVectors lifecycle event {...}", smart_open's
# transport notes) would land between the CLI's own lines.
_QUIET_LIBRARIES = ("gensim", "smart_open")


class _StderrHandler(logging.Handler):
    """Writes records to the stderr of the moment (click's, so CliRunner captures them too)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # noqa: BLE001 -- logging must never break the command
            self.handleError(record)


_HANDLER = _StderrHandler()
_HANDLER.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S"))


def _setup_logging(quiet: bool) -> None:
    """Show fastw2v's own lines (INFO, or only warnings with --quiet) and only warnings from other libraries.

    Only the CLI does this: the library never configures logging, so a program using it keeps its own setup.
    """
    root = logging.getLogger()
    if _HANDLER not in root.handlers:
        root.addHandler(_HANDLER)
    logging.getLogger("fastw2v").setLevel(logging.WARNING if quiet else logging.INFO)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(2)


def clean_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures (bad files, bad settings) into one stderr line and exit code 2.

    Errors are caught here, inside the command, because click itself would turn an
    ``EOFError`` (a truncated compressed file) into ``Aborted!`` and exit code 1.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (FastW2VError, OSError) as exc:
            _fail(str(exc))
        except EOFError as exc:  # readers name the file; this is the backstop for one that does not
            _fail(f"unexpected end of input ({exc or 'EOFError'})")
        except MemoryError:
            _fail("out of memory: a size given as an option or read from a file header is too large")
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def _format_option(what: str, name: str = "--format") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` (parameter ``fmt``) of a command reading vectors from ``what``: the registry's formats."""
    pickles = ", ".join(f"'{n}'" for n, f in VECTOR_FORMATS.items() if f.pickle)
    return click.option(name, "fmt", type=click.Choice(["auto", *VECTOR_FORMATS]), default="auto",
                        show_default=True,
                        help=f"Format of {what} when it is a vector file (auto-detected by default; pickles run "
                             f"code when loaded, so they are read only when named: {pickles}).")


def _written_by_name() -> str:
    """How a written file's format follows from its name, from the registry: "word2vec-text for .txt/.vec, else ..."."""
    named = [f"{n} for {'/'.join(f.extensions)}" for n, f in VECTOR_FORMATS.items()
             if f.write is not None and n != WRITE_DEFAULT]
    return f"{', '.join(named)}, else {WRITE_DEFAULT}"


# click >= 8.2 raises this (a UsageError) for a group called without a command; older click prints the help.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", None)


class OneLineErrors(click.Group):
    """The command group, with click's own usage errors (an unknown option, a bad choice, a missing
    argument) printed as the one ``error: ...`` line every other bad input gets, not click's
    three-line usage block."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        # click's standalone mode would print its usage block; run without it and print the one line here.
        # (Without standalone mode, click returns the exit code of --help / --version: the caller exits with it.)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            if _NO_ARGS_IS_HELP is not None and isinstance(exc, _NO_ARGS_IS_HELP):
                exc.show()  # bare `fastw2v`: the help itself, as click prints it
                sys.exit(exc.exit_code)
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(exc.format_message() + hint)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fastw2v")
def main() -> None:
    """fastw2v: train word2vec fast, and fine-tune pre-trained vectors on a domain corpus."""


def checkpoint_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Periodic checkpoint options of `train` and `finetune`."""
    fn = click.option("--checkpoint", type=click.Path(), default=None,
                      help="Checkpoint location (default: OUT.checkpoint; with --resume: the resumed checkpoint).")(fn)
    return click.option("--checkpoint-every", type=ParsedType("N|Nm", Every.parse), default=None,
                        help="Save the full training state every N epochs ('1') or minutes ('30m'). The checkpoint "
                             "is removed once the run has finished and its model is saved; a resumed run keeps "
                             "the interval it was saved with.")(fn)


def vectors_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--vectors FILE`` of `train` and `finetune`."""
    return click.option("--vectors", type=click.Path(), default=None,
                        help=f"Also export the vectors to this file, in the format its name says "
                             f"({_written_by_name()}); .gz compresses.")(fn)


def phrases_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--phrases MODEL``: an input (a saved phrase model), so a plain option, not a configuration field."""
    return click.option("--phrases", "phrases", multiple=True, type=click.Path(exists=True, dir_okay=False),
                        metavar="MODEL",
                        help="Join phrases with this model (from `fastw2v phrases --save-model`) while reading "
                             "CORPUS, as if it had been written phrased first (repeatable: applied in order; "
                             "with --resume give it again).")(fn)


@main.command()
@click.argument("corpus", nargs=-1)
@click.option("--out", required=True, type=click.Path(dir_okay=True), help="Where to save the model (a directory).")
@vectors_option
@click.option("--resume", type=click.Path(), default=None,
              help="Continue the run saved in this checkpoint (CORPUS defaults to the checkpoint's corpus; the "
                   "checkpoints go on at its interval, into it).")
@phrases_option
@checkpoint_options
@training_options()
@clean_errors
def train(corpus: tuple[str, ...], out: str, vectors: str | None, resume: str | None, phrases: tuple[str, ...],
          checkpoint_every: Every | None, checkpoint: str | None, quiet: bool, strict_encoding: bool,
          **options: Any) -> None:
    """Train a model on CORPUS (files or directories, one sentence per line; .gz/.bz2/.xz fine)."""
    from pathlib import Path

    from .errors import MissingFileError
    from .model import Word2Vec, load
    from .phrases import phrase_models
    from .state import AGAIN

    _setup_logging(quiet)
    if resume:
        if not Path(resume).exists():
            raise MissingFileError(f"{resume}: no such checkpoint (a run that finishes removes its checkpoint once "
                                   f"its model is saved)")
        model = load(resume)
        model.strict_encoding = strict_encoding
        model.phrases = phrase_models(phrases)
        sources = list(corpus) or model.corpus_sources
        if not sources:
            raise click.UsageError(f"{resume} does not record its corpus files: give CORPUS")
        checkpoint = _checked_outputs(out, vectors, checkpoint, checkpoint_every, resume, CORPUS=sources,
                                      **{"--phrases": phrases})
        if model.state.next_phase().kind == AGAIN:
            logger.info("%s holds a finished run; saving it to %s", resume, out)
            model.save(out)
            return
        logger.info("resuming %s %s", resume, model.position)
    else:
        if not corpus:
            raise click.UsageError("give at least one CORPUS file (or --resume CHECKPOINT)")
        checkpoint = _checked_outputs(out, vectors, checkpoint, checkpoint_every, None, CORPUS=corpus,
                                      **{"--phrases": phrases})
        model = Word2Vec(config=config_from(options), strict_encoding=strict_encoding, phrases=phrases)
        sources = list(corpus)
        model.build_vocab(sources)
    _train_and_save(model, sources, out, vectors, checkpoint_every, checkpoint, resume)


def _checked_outputs(out: str, vectors: str | None, checkpoint: str | None, checkpoint_every: Every | None,
                     resume: str | None, **inputs: Any) -> str | None:
    """`train`/`finetune`: refuse a run whose output (``--out``, ``--vectors``, ``--checkpoint``) is an input.

    Returns where checkpoints go: ``--checkpoint``, else the resumed checkpoint (updated in place, so
    not an output unless ``--checkpoint`` names another place), else ``OUT.checkpoint`` when
    ``--checkpoint-every`` is given; None for no checkpoints.
    """
    from .atomic import check_outputs, same_file

    if resume is None and checkpoint_every:
        checkpoint = checkpoint or f"{out.rstrip('/')}.checkpoint"
    elif resume is None:
        checkpoint = None
    outputs = {"--out": out, "--vectors": vectors}
    if checkpoint is not None and (resume is None or not same_file(checkpoint, resume)):
        outputs["--checkpoint"] = checkpoint
    check_outputs(outputs, {**inputs, "--resume": resume})
    return checkpoint or resume


def _train_and_save(model, sources: list[str], out: str, vectors: str | None, checkpoint_every: Every | None,
                    checkpoint: str | None, resume: str | None = None) -> None:
    """Train with checkpoints to ``checkpoint`` (when there is an interval: the option's, or a resumed run's);
    on Ctrl-C or divergence say where the last good state is. A finished run's checkpoints (the one
    written, and the ``resume``d one) are removed once its model (and vectors) are saved.
    """
    from .checkpoint import Checkpointer, remove_checkpoint
    from .errors import TrainingDivergedError

    saver = Checkpointer.of(model, checkpoint, checkpoint_every) if checkpoint else None
    try:
        model.train(sources, callbacks=[saver] if saver else (), on_batch_end=saver.on_batch_end if saver else None)
    except (KeyboardInterrupt, TrainingDivergedError) as exc:
        where = (f"; last checkpoint: {saver.last_saved} (continue with: fastw2v train --resume {saver.last_saved} "
                 f"--out {out})") if saver and saver.last_saved else "; no checkpoint was saved"
        what = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
        click.echo(f"error: {what}{where}", err=True)
        sys.exit(130 if isinstance(exc, KeyboardInterrupt) else 2)
    if vectors:  # a refusal must come before the model is saved, so that nothing is left behind
        check_writable_words(vectors, model.wv.index_to_key)
    model.save(out)
    logger.info("saved model to %s", out)
    if vectors:
        model.export(vectors)  # (logs what it wrote)
    for finished in (saver.path if saver else None, resume):
        if finished is not None:
            remove_checkpoint(finished)


@main.command()
@click.argument("model_path", metavar="MODEL")
@click.argument("out")
@click.option("--format", "out_fmt", type=click.Choice([n for n, f in VECTOR_FORMATS.items() if f.write is not None]),
              default=None, help=f"Output format (default: from OUT's name: {_written_by_name()}; a .gz/.bz2 name "
                                 f"is compressed).")
@_format_option("MODEL", "--input-format")
@click.option("--quiet", "-q", is_flag=True, help="No line saying what was written.")
@clean_errors
def export(model_path: str, out: str, out_fmt: str | None, fmt: str, quiet: bool) -> None:
    """Write MODEL's vectors (a saved model or a vector file) to OUT in word2vec format, and say what was written
    (format, words, dimension, path).

    Converts a KeyedVectors pickle once into a file that loads without running code:
    fastw2v export vectors.kv vectors.bin --input-format keyedvectors
    """
    from .atomic import check_outputs
    from .vectors_io import write_vectors

    check_outputs({"OUT": out}, {"MODEL": model_path})
    kv = _load_keyed_vectors(model_path, fmt)
    _setup_logging(quiet)  # after reading (quiet): the one line is write_vectors' own
    write_vectors(out, kv.index_to_key, kv.vectors, format=out_fmt)


@main.command()
@click.argument("model_path", metavar="MODEL")
@click.argument("word")
@click.option("-n", "--topn", type=int, default=10, show_default=True, help="How many neighbours.")
@_format_option("MODEL")
@clean_errors
def similar(model_path: str, word: str, topn: int, fmt: str) -> None:
    """Print the nearest neighbours of WORD in MODEL (a saved model or a vector file)."""
    kv = _load_keyed_vectors(model_path, fmt)
    if word not in kv.key_to_index:
        # A phrase model's tokens join words with "_" (new_york), and most vocabularies are lowercased.
        guesses = dict.fromkeys(g for w in (word, word.lower()) for g in ("_".join(w.split()), w))
        known = [g for g in guesses if g in kv.key_to_index]
        _fail(f"{word!r} is not in the vocabulary of {model_path}" + (f"; did you mean {known[0]!r}?" if known else ""))
    for other, score in kv.most_similar(word, topn=topn):
        click.echo(f"{other}\t{score:.4f}")


def finetune_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The pre-trained file's options and the fine-tuning recipe's (from ``FinetuneConfig``'s fields)."""
    options = [
        _format_option("PRETRAINED"),
        click.option("--limit", type=int, default=None, help="Read only the first N pre-trained vectors."),
        click.option("--base-vocab", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
                     help="PRETRAINED's vocabulary file, 'word count' per line (gensim's fvocab, word2vec.c's "
                          "-save-vocab, GloVe's vocab.txt): its real counts instead of counts estimated from rank."),
        *options_of(FinetuneConfig),
    ]
    return with_options(options, fn)


@main.command()
@click.argument("pretrained")
@click.argument("corpus", nargs=-1, required=True)
@click.option("--out", required=True, type=click.Path(), help="Where to save the fine-tuned model (a directory).")
@vectors_option
@phrases_option
@click.option("--phrases-from-pretrained", is_flag=True,
              help="Join the CORPUS n-grams that are phrase entries of PRETRAINED (heart_attack), after "
                   "--phrases, so those rows train on the domain. Matching is exact: a lowercased corpus "
                   "only meets lowercased entries (GoogleNews's are mostly capitalised: New_York).")
@click.option("--phrase-delimiter", default=None, metavar="TEXT",
              help="The delimiter of PRETRAINED's phrase entries (default: detected; '_' for GoogleNews).")
@checkpoint_options
@finetune_options
@training_options(RECIPE_TRAINING, unset={"vector_size": "(default: the dimension of PRETRAINED)"})
@clean_errors
def finetune(pretrained: str, corpus: tuple[str, ...], out: str, vectors: str | None, phrases: tuple[str, ...],
             phrases_from_pretrained: bool, phrase_delimiter: str | None,
             checkpoint_every: Every | None, checkpoint: str | None, quiet: bool, strict_encoding: bool,
             fmt: str, limit: int | None, base_vocab: str | None, **options: Any) -> None:
    """Fine-tune PRETRAINED vectors (word2vec .bin/.txt, GloVe, fastText .vec, KeyedVectors, or a saved
    fastw2v model) on CORPUS; the vector size comes from PRETRAINED."""
    from .model import Word2Vec

    _setup_logging(quiet)
    checkpoint = _checked_outputs(out, vectors, checkpoint, checkpoint_every, None, PRETRAINED=pretrained,
                                  CORPUS=corpus, **{"--phrases": phrases, "--base-vocab": base_vocab})
    recipe = FinetuneConfig(**{k: options.pop(k) for k in FinetuneConfig.field_names()})
    # Only settings given on the command line: the rest come from the recipe, or from a saved
    # model being fine-tuned again, and the vector size from the pre-trained vectors.
    ctx = click.get_current_context()
    settings = {k: options[k] for k in CONFIG_KEYS
                if k in options and ctx.get_parameter_source(k) == click.core.ParameterSource.COMMANDLINE}
    if phrase_delimiter is not None and not phrases_from_pretrained:
        raise click.UsageError("--phrase-delimiter needs --phrases-from-pretrained")
    model = Word2Vec.from_pretrained(pretrained, finetune=recipe, format=None if fmt == "auto" else fmt,
                                     limit=limit, strict_encoding=strict_encoding, phrases=phrases,
                                     phrases_from_pretrained=phrases_from_pretrained,
                                     phrase_delimiter=phrase_delimiter, base_vocab=base_vocab, **settings)
    model.build_vocab(list(corpus))
    _train_and_save(model, list(corpus), out, vectors, checkpoint_every, checkpoint)


@main.command()
@click.argument("vectors_path", metavar="VECTORS")
@click.option("--similarity", multiple=True, type=click.Path(), help="Word-pair similarity file (repeatable).")
@click.option("--analogies", multiple=True, type=click.Path(), help="Analogy questions file (repeatable).")
@click.option("--tagging", nargs=2, multiple=True, type=click.Path(), metavar="TRAIN TEST",
              help="IOB files: fit a linear tagger on word-vector features of TRAIN, report entity F1 on TEST "
                   "(repeatable).")
@click.option("--restrict-vocab", type=int, default=300000, show_default=True,
              help="Only the N most frequent words are in vocabulary (similarity and analogies).")
@click.option("--multiword", type=click.Choice(["skip", "mean", "phrase"]), default="skip", show_default=True,
              help="Multi-word terms: skip the pair (counted), average the words' vectors, or look the term up "
                   "as one phrase token (heart_attack) and skip it when absent.")
@click.option("--phrase-delimiter", default="_", show_default=True, metavar="TEXT",
              help="Glue of phrase tokens for --multiword phrase.")
@click.option("--method", type=click.Choice(["3cosadd", "3cosmul"]), default="3cosadd", show_default=True,
              help="Analogy scoring.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@_format_option("VECTORS")
@clean_errors
def evaluate(vectors_path: str, similarity: tuple[str, ...], analogies: tuple[str, ...],
             tagging: tuple[tuple[str, str], ...], restrict_vocab: int, multiword: str, phrase_delimiter: str,
             method: str, as_json: bool, fmt: str) -> None:
    """Score VECTORS (a saved model or any vector file) on similarity, analogy and tagging data sets."""
    from .evaluation import evaluate as run_evaluation
    from .evaluation import format_report

    if not similarity and not analogies and not tagging:
        raise click.UsageError("give at least one --similarity, --analogies or --tagging data set")
    kv = _load_keyed_vectors(vectors_path, fmt)
    results = run_evaluation(kv, similarity=similarity, analogies=analogies, tagging=tagging,
                             restrict_vocab=restrict_vocab, multiword=multiword, method=method,
                             phrase_delimiter=phrase_delimiter)
    click.echo(_strict_json(results.to_dict()) if as_json else format_report(results))


@main.command()
@click.argument("before")
@click.argument("after")
@click.option("--words", multiple=True, help="Words to compare (repeatable); default: the --top most frequent.")
@click.option("--top", type=int, default=1000, show_default=True, help="Compare the N most frequent shared words.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a report.")
@_format_option("BEFORE and AFTER")
@clean_errors
def compare(before: str, after: str, words: tuple[str, ...], top: int, as_json: bool, fmt: str) -> None:
    """Drift between two models: cosine old/new and neighbour overlap@10 of the --top shared words, the words
    that moved most (lowest cosine old/new among all shared words whose vectors changed) and the new words
    with their nearest neighbours in AFTER."""
    from .evaluation import compare as run_compare
    from .evaluation import format_report

    result = run_compare(_load_keyed_vectors(before, fmt), _load_keyed_vectors(after, fmt), words=words or None,
                         top=top)
    click.echo(_strict_json(result.to_dict()) if as_json else format_report(result))


@main.command()
@click.option("--workers", type=int, default=None, help="Training threads (default: all cores).")
@click.option("--epochs", type=int, default=None, help="Epochs (default: the library default).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@clean_errors
def demo(workers: int | None, epochs: int | None, quiet: bool) -> None:
    """Fine-tune the shipped GloVe sample on the shipped biomedical sample; print before/after scores."""
    from .demo import run_demo

    _setup_logging(quiet)
    click.echo(run_demo(workers=workers, epochs=epochs))


def _strict_json(value: Any) -> str:
    """JSON that any parser accepts: NaN (an undefined score) becomes null."""
    import json
    import math

    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if hasattr(v, "item"):  # numpy scalar
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v

    return json.dumps(clean(value), indent=1, allow_nan=False)


def _load_keyed_vectors(path: str, fmt: str = "auto"):
    """A saved fastw2v model's or a vector file's vectors as KeyedVectors (``fmt``: the file's format or auto)."""
    from pathlib import Path

    from .model import load
    from .vectors_io import read_vectors, to_keyedvectors

    _setup_logging(quiet=True)  # the commands reading vectors print their result: only warnings besides it
    if Path(path).is_dir():
        return load(path, mmap=True).wv
    words, vectors = read_vectors(path, format=None if fmt == "auto" else fmt)
    return to_keyedvectors(words, vectors)



@main.command()
@click.argument("corpus", nargs=-1, required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the phrased corpus (one sentence per line; .gz: gzip).")
@click.option("--min-count", type=int, default=5, show_default=True, help="gensim's min_count (bigram counts).")
@click.option("--threshold", type=float, default=10.0, show_default=True,
              help="Join a bigram when its score is above this (npmi: in (-1, 1]).")
@click.option("--scoring", type=click.Choice(["default", "npmi"]), default="default", show_default=True,
              help="gensim's original_scorer or npmi_scorer.")
@click.option("--delimiter", default="_", show_default=True, help="Glue between the words of a phrase.")
@click.option("--passes", type=int, default=1, show_default=True,
              help="Each pass joins pairs of the previous pass's output (2: up to 4-word phrases).")
@click.option("--max-vocab-size", type=int, default=40_000_000, show_default=True,
              help="Prune rare unigrams+bigrams past this many while counting (counts become approximate).")
@click.option("--save-model", type=click.Path(dir_okay=False), default=None,
              help="Also save the phrase model (JSON) for reuse.")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors; no progress lines.")
@clean_errors
def phrases(corpus: tuple[str, ...], out: str, min_count: int, threshold: float, scoring: str, delimiter: str,
            passes: int, max_vocab_size: int, save_model: str | None, quiet: bool) -> None:
    """Learn phrases from CORPUS (gensim's scoring) and write it with the phrases joined."""
    from .atomic import check_outputs
    from .phrases import learn_and_write

    _setup_logging(quiet)
    check_outputs({"--out": out, "--save-model": save_model}, {"CORPUS": corpus})
    model, lines = learn_and_write(list(corpus), out, min_count=min_count, threshold=threshold, scoring=scoring,
                                   delimiter=delimiter, passes=passes, max_vocab_size=max_vocab_size,
                                   save_model=save_model)
    counts = ", ".join(f"pass {k + 1}: {len(p.left)}" for k, p in enumerate(model.passes))
    click.echo(f"{sum(len(p.left) for p in model.passes)} phrases ({counts}); wrote {lines} lines to {out}")

if __name__ == "__main__":  # pragma: no cover
    main()
