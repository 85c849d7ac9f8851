import keras


def _autodiff_in_float64():
    """The backend's gradients come in float64, except on JAX without jax_enable_x64 (float32)."""
    if keras.backend.backend() != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


def test_q04_q05_quick(quick_run):
    metrics, out = quick_run("q04_q05_backprop")
    # our engine against the backend's autodiff (tf.GradientTape, jax.grad or torch.autograd)
    assert metrics["max_abs_diff_vs_gradient_tape"] < (1e-12 if _autodiff_in_float64() else 1e-5)
    assert metrics["max_abs_diff_path_sum_vs_backprop"] < 1e-12
    assert metrics["dependencies_confirmed_numerically"] is True
    assert metrics["v11_output_depends_on"] == ["p11", "v21", "w11", "w12", "w21", "w22"]
    assert metrics["notes_network_multiplications_backprop"] < metrics["notes_network_multiplications_paths"]
    assert metrics["saving_factor_width8_depth6"] > 1000
    assert metrics["engine_final_loss"] < 0.7 * metrics["engine_first_loss"]  # the engine alone learns
    assert metrics["engine_train_accuracy"] > 0.75  # chance is 0.5
    for name in ("dependencies.png", "backprop_savings.png", "engine_training.png"):
        assert (out / name).is_file()
