"""Per-epoch evaluation during training: a callback that scores data sets after every epoch."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .checks import check_method, check_multiword, check_restrict_vocab
from .readers import PathLike
from .results import EpochEvaluation
from .suite import Datasets


class EvaluationCallback:
    """Evaluate the model at the end of every epoch, log the scores and keep a history.

    The data set files are read (and checked) when the callback is created, so a bad
    file fails before training starts.

    Parameters
    ----------
    similarity, analogies : path or iterable of paths
        Data set files (see :func:`evaluate`).
    restrict_vocab : int or None
        Vocabulary restriction for both kinds (the 30000 most frequent words by default,
        which keeps analogies fast).
    multiword : {"skip", "mean"}
    case_insensitive : bool
    method : {"3cosadd", "3cosmul"}

    Attributes
    ----------
    history : list of EpochEvaluation
        One entry per call: ``epoch`` (counted from 1, as the log counts), ``loss`` and ``report``
        (an :class:`EvaluationReport` as returned by :func:`evaluate`).

    Examples
    --------
    >>> cb = EvaluationCallback(similarity=["wordsim353.tsv"], analogies=["questions-words.txt"])
    >>> model = Word2Vec(corpus, callbacks=[cb])
    >>> [h.report.similarity["wordsim353.tsv"].spearman for h in cb.history]
    """

    def __init__(self, similarity: PathLike | Iterable[PathLike] = (), analogies: PathLike | Iterable[PathLike] = (),
                 restrict_vocab: int | None = 30000, multiword: str = "skip", case_insensitive: bool = True,
                 method: str = "3cosadd") -> None:
        self.multiword = check_multiword(multiword)
        self.method = check_method(method)
        self.datasets = Datasets(similarity, analogies)
        self.restrict_vocab = check_restrict_vocab(restrict_vocab)
        self.case_insensitive = case_insensitive
        self.history: list[EpochEvaluation] = []

    def __call__(self, model: Any, epoch: int, loss: float) -> None:
        """Evaluate ``model.wv`` and append an :class:`EpochEvaluation` to the history."""
        report = self.datasets.run(model.wv, self.restrict_vocab, self.multiword, self.case_insensitive,
                                   self.method, log_prefix=f"epoch {epoch}: ")
        self.history.append(EpochEvaluation(epoch=epoch, loss=loss, report=report))
