"""The training state's own rules: the learning-rate schedule."""
from __future__ import annotations

import pytest

from fastw2v.config import Word2VecConfig
from fastw2v.state import Schedule


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
