"""Training callbacks: gensim's ``CallbackAny2Vec``-style objects and plain functions, run as one list."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

#: A plain function ``cb(model, epoch, loss)`` run after each epoch, or an object with any of :data:`HOOKS`.
Callback = Callable[[Any, int, float], None] | object

#: The methods gensim calls on a ``CallbackAny2Vec``, each with the model as its one argument.
HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class Callbacks:
    """Callbacks called where gensim calls them during a ``train()`` call.

    An object with any of gensim's hooks (``on_train_begin(model)``, ``on_epoch_begin(model)``,
    ``on_epoch_end(model)``, ``on_train_end(model)``; duck-typed, so gensim's ``CallbackAny2Vec``
    subclasses work without fastw2v importing gensim) has those called. Any other callable is
    called ``cb(model, epoch, loss)`` after each epoch, with ``epoch`` counted from 1 as in the log
    (:class:`~fastw2v.state.EpochResult`) and ``loss`` the epoch's mean loss per trained pair.

    Raises
    ------
    TypeError
        A callback is neither callable nor has any of the hooks.
    """

    def __init__(self, callbacks: Iterable[Callback]) -> None:
        self.items = list(callbacks)
        for cb in self.items:
            if not callable(cb) and not any(hasattr(cb, hook) for hook in HOOKS):
                raise TypeError(f"callback {cb!r} is neither callable (cb(model, epoch, loss)) nor has any of "
                                f"gensim's methods {', '.join(HOOKS)}")

    def _hook(self, name: str, model: Any) -> None:
        for cb in self.items:
            method = getattr(cb, name, None)
            if method is not None:
                method(model)

    def train_begin(self, model: Any) -> None:
        self._hook("on_train_begin", model)

    def epoch_begin(self, model: Any) -> None:
        self._hook("on_epoch_begin", model)

    def epoch_end(self, model: Any, epoch: int, loss: float) -> None:
        for cb in self.items:
            if any(hasattr(cb, hook) for hook in HOOKS):
                if hasattr(cb, "on_epoch_end"):
                    cb.on_epoch_end(model)
            else:  # no hook: __init__ checked that it is callable
                cast(Callable[[Any, int, float], None], cb)(model, epoch, loss)

    def train_end(self, model: Any) -> None:
        self._hook("on_train_end", model)
