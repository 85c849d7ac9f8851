"""sgd_char_rnn: a NumPy character RNN trained by our BPTT, with and without gradient clipping."""

import numpy as np
import pytest

from keras_course.rnn.clipping import sgd_char_rnn

IDS = np.random.default_rng(0).integers(0, 6, 400)  # a 6-character "text"


def test_losses_and_norms_per_step_and_repeatable():
    losses, norms = sgd_char_rnn(IDS, 6, 12, seq_len=10, stride=5, units=8, batch_size=4)
    assert losses.shape == norms.shape == (12,)
    assert np.isfinite(norms).all() and (norms > 0).all()
    assert losses[0] == pytest.approx(np.log(6), abs=0.5)  # an untrained model is near the uniform guess
    again = sgd_char_rnn(IDS, 6, 12, seq_len=10, stride=5, units=8, batch_size=4)
    np.testing.assert_array_equal(losses, again[0])
    np.testing.assert_array_equal(norms, again[1])


def test_clipping_only_changes_the_run_once_a_norm_exceeds_it():
    kwargs = dict(seq_len=10, stride=5, units=8, batch_size=4, lr=1.0)
    free_losses, free_norms = sgd_char_rnn(IDS, 6, 10, **kwargs)
    loose = sgd_char_rnn(IDS, 6, 10, max_norm=float(free_norms.max()) * 2, **kwargs)
    np.testing.assert_array_equal(loose[0], free_losses)  # never active: the same run
    tight = sgd_char_rnn(IDS, 6, 10, max_norm=float(free_norms[0]) / 10, **kwargs)
    assert tight[0][0] == free_losses[0] and tight[1][0] == free_norms[0]  # the first step is measured before it
    assert not np.array_equal(tight[0][1:], free_losses[1:])


def test_exploding_start_is_tamed_by_clipping():
    text = np.tile(np.arange(6), 100)  # a periodic text: easy to learn
    kwargs = dict(seq_len=12, stride=3, units=16, batch_size=8, recurrent_scale=2.0, lr=1.0)
    clipped_losses, _ = sgd_char_rnn(text, 6, 60, max_norm=1.0, **kwargs)
    assert np.nanmean(clipped_losses[-10:]) < 0.7 * clipped_losses[0]


def test_ids_outside_the_alphabet_are_refused():
    with pytest.raises(ValueError, match="ids must be in"):
        sgd_char_rnn(IDS, 5, 3)
