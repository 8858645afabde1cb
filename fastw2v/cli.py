"""Command-line interface: a thin click layer over the library API.

Every command builds the same objects the Python API does; bad input ends with
one line on stderr and exit code 2, never a traceback.
"""
from __future__ import annotations

import functools
import logging
import sys
from typing import Any, Callable

import click

from . import __version__
from .config import Word2VecConfig, default_workers
from .errors import FastW2VError

logger = logging.getLogger("fastw2v")


def _setup_logging(quiet: bool) -> None:
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S")


def clean_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures (bad files, bad settings) into one stderr line and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (FastW2VError, OSError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def training_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The word2vec settings shared by `train` and `finetune`; names mirror the API."""
    d = Word2VecConfig(workers=1)
    options = [
        click.option("--sg/--cbow", default=d.sg, show_default=True, help="Skip-gram or CBOW."),
        click.option("--hs/--no-hs", default=d.hs, show_default=True, help="Hierarchical softmax output layer."),
        click.option("--negative", type=int, default=d.negative, show_default=True,
                     help="Negative samples per example (0: none)."),
        click.option("--vector-size", type=int, default=d.vector_size, show_default=True,
                     help="Dimensionality of the vectors."),
        click.option("--window", type=int, default=d.window, show_default=True,
                     help="Maximum distance between centre and context word."),
        click.option("--min-count", type=int, default=d.min_count, show_default=True,
                     help="Ignore words with fewer occurrences."),
        click.option("--max-vocab-size", type=int, default=None,
                     help="Prune rare words during the scan to keep at most about this many (like word2vec.c)."),
        click.option("--max-final-vocab", type=int, default=None,
                     help="Raise min-count until the vocabulary has at most this many words."),
        click.option("--sample", type=float, default=d.sample, show_default=True,
                     help="Downsampling threshold for frequent words (0: off)."),
        click.option("--ns-exponent", type=float, default=d.ns_exponent, show_default=True,
                     help="Exponent of the noise distribution (count ** exponent)."),
        click.option("--cbow-mean/--cbow-sum", default=d.cbow_mean, show_default=True,
                     help="CBOW hidden layer: mean or sum of the context vectors."),
        click.option("--epochs", type=int, default=d.epochs, show_default=True, help="Passes over the corpus."),
        click.option("--alpha", type=float, default=d.alpha, show_default=True, help="Initial learning rate."),
        click.option("--min-alpha", type=float, default=d.min_alpha, show_default=True,
                     help="Final learning rate (linear decay)."),
        click.option("--workers", type=int, default=default_workers(), show_default=True,
                     help="Training threads."),
        click.option("--seed", type=int, default=d.seed, show_default=True,
                     help="Random seed; with --workers 1 runs are bit-identical."),
        click.option("--max-sentence-length", type=int, default=d.max_sentence_length, show_default=True,
                     help="Longer lines are split into pieces of this many tokens (never truncated)."),
        click.option("--strict-encoding", is_flag=True,
                     help="Fail on invalid UTF-8 instead of replacing the bytes and counting the lines."),
        click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors; no progress lines."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


CONFIG_KEYS = ("sg", "hs", "negative", "vector_size", "window", "min_count", "max_vocab_size", "max_final_vocab",
               "sample", "ns_exponent", "cbow_mean", "epochs", "alpha", "min_alpha", "workers", "seed",
               "max_sentence_length")


def config_from(options: dict[str, Any], **overrides: Any) -> Word2VecConfig:
    """Build the validated configuration from CLI options."""
    values = {k: options[k] for k in CONFIG_KEYS if k in options}
    values.update(overrides)
    return Word2VecConfig(**values)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fastw2v")
def main() -> None:
    """fastw2v: train word2vec fast, and fine-tune pre-trained vectors on a domain corpus."""


@main.command()
@click.argument("corpus", nargs=-1, required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=True), help="Where to save the model (a directory).")
@click.option("--vectors", type=click.Path(), default=None,
              help="Also export the vectors in word2vec binary format to this file.")
@training_options
@clean_errors
def train(corpus: tuple[str, ...], out: str, vectors: str | None, quiet: bool, strict_encoding: bool,
          **options: Any) -> None:
    """Train a model on CORPUS (files or directories, one sentence per line; .gz/.bz2 fine)."""
    from .model import Word2Vec

    _setup_logging(quiet)
    model = Word2Vec(config=config_from(options), strict_encoding=strict_encoding)
    model.build_vocab(list(corpus))
    model.train(list(corpus))
    model.save(out)
    logger.info("saved model to %s", out)
    if vectors:
        model.export(vectors)
        logger.info("wrote vectors to %s", vectors)


@main.command()
@click.argument("model_path", metavar="MODEL")
@click.argument("out")
@click.option("--format", "fmt", type=click.Choice(["word2vec-bin", "word2vec-text"]), default="word2vec-bin",
              show_default=True, help="Output format (a .gz name is compressed).")
@clean_errors
def export(model_path: str, out: str, fmt: str) -> None:
    """Write a saved MODEL's vectors to OUT in word2vec format."""
    from .model import load

    load(model_path, mmap=True).export(out, binary=fmt == "word2vec-bin")


@main.command()
@click.argument("model_path", metavar="MODEL")
@click.argument("word")
@click.option("-n", "--topn", type=int, default=10, show_default=True, help="How many neighbours.")
@clean_errors
def similar(model_path: str, word: str, topn: int) -> None:
    """Print the nearest neighbours of WORD in MODEL (a saved model or a vector file)."""
    kv = _load_keyed_vectors(model_path)
    if word not in kv.key_to_index:
        raise click.UsageError(f"{word!r} is not in the vocabulary of {model_path}")
    for other, score in kv.most_similar(word, topn=topn):
        click.echo(f"{other}\t{score:.4f}")


def _load_keyed_vectors(path: str):
    """A saved fastw2v model's or a vector file's vectors as KeyedVectors."""
    from pathlib import Path

    from .model import load
    from .vectors_io import read_vectors, to_keyedvectors

    if Path(path).is_dir():
        return load(path, mmap=True).wv
    words, vectors = read_vectors(path)
    return to_keyedvectors(words, vectors)


if __name__ == "__main__":  # pragma: no cover
    main()
