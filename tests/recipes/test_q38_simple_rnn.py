import keras


def _autodiff_in_float64():
    """The backend's gradients come in float64, except on JAX without jax_enable_x64 (float32)."""
    if keras.backend.backend() != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


def test_q38_quick(quick_run):
    metrics, out = quick_run("q38_simple_rnn")
    assert metrics["max_abs_difference_vs_keras_simple_rnn"] < 1e-5
    # our BPTT against the backend's autodiff (tf.GradientTape, jax.grad or torch.autograd)
    assert metrics["max_abs_difference_bptt_vs_gradient_tape"] < (1e-10 if _autodiff_in_float64() else 1e-5)
    ratios = metrics["gradient_ratio_first_over_last_step"]
    assert ratios["scale_0.5"] < 1e-6 and ratios["scale_3.0"] > 1e3  # vanishing vs exploding
    clipping = metrics["clipping_final_train_loss"]
    assert clipping["clip global norm 1"] < clipping["no clipping"] - 1.0
    # the char model learns: far below the uniform guess over the alphabet
    assert metrics["lm_initial_val_perplexity"] > 0.8 * metrics["char_vocab"]
    assert metrics["lm_val_perplexity"] < 0.4 * metrics["lm_initial_val_perplexity"]
    assert metrics["lm_train_loss"][-1] < metrics["lm_train_loss"][0]
    assert len(metrics["samples"]["0.3"]) == 120
    assert metrics["review_test_accuracy"] > 0.55  # 2 balanced-ish classes (58% fresh)
    for name in ("gradient_norm_vs_time", "gradient_clipping", "char_lm", "review_rnn"):
        assert (out / f"{name}.png").is_file()
    assert (out / "samples.txt").is_file()
