"""The training state's own rules: the learning-rate schedule, weights that fit the vocabulary, resuming."""
from __future__ import annotations

import numpy as np
import pytest

from fastw2v.config import Word2VecConfig
from fastw2v.errors import ConfigError, ModelStateError
from fastw2v.state import Position, Schedule, TrainingState, Weights
from fastw2v.vocabulary import Vocabulary


def test_the_rate_decays_linearly_from_alpha_to_min_alpha_over_the_run():
    schedule = Schedule(alpha=0.025, min_alpha=0.0005, total_epochs=4)
    # progress in epochs: 0.025 - 0.0245 * progress / 4, held at min_alpha past the end
    expected = {0: 0.025, 1: 0.018875, 2: 0.01275, 3.5: 0.0035625, 4: 0.0005, 6: 0.0005}
    assert [schedule.rate(p) for p in expected] == pytest.approx(list(expected.values()), rel=1e-12)
    assert Schedule(alpha=0.025, min_alpha=0.0005, total_epochs=0).rate(0) == 0.025


def test_a_schedule_of_a_config_takes_its_rates_and_epochs():
    config = Word2VecConfig(alpha=0.05, min_alpha=0.001, epochs=3)
    assert Schedule.of(config) == Schedule(0.05, 0.001, 3)
    assert Schedule.of(config, epochs=7) == Schedule(0.05, 0.001, 7)
    assert Schedule.of(config).rate(1.5) == pytest.approx(0.0255, rel=1e-12)


def test_weights_that_do_not_fit_the_vocabulary_are_a_model_state_error():
    config = Word2VecConfig(vector_size=4, negative=5, hs=False)
    state = TrainingState(config=config)
    vocab = Vocabulary(["a", "b", "c"], np.array([3, 2, 1]))
    with pytest.raises(ModelStateError, match="w_in has 2 rows for 3 words"):
        state.set_vocabulary(vocab, Weights.initial(2, config))
    hs_weights = Weights.initial(3, Word2VecConfig(vector_size=4, negative=0, hs=True))
    with pytest.raises(ModelStateError, match="output layers are"):
        state.set_vocabulary(vocab, hs_weights)
    state.set_vocabulary(vocab, Weights.initial(3, config))
    assert state.vocab is vocab


def test_resuming_with_other_epochs_is_a_config_error():
    config = Word2VecConfig(vector_size=4, epochs=3)
    state = TrainingState(config=config, position=Position(epoch=1, sentence=5))
    with pytest.raises(ConfigError, match="part-way through a 3-epoch run"):
        state.next_phase(epochs=5)
    assert state.next_phase(epochs=3).start == Position(epoch=1, sentence=5)
