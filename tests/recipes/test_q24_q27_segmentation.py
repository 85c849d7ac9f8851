import keras
import pytest


def test_q24_q27_quick(quick_run):
    metrics, out = quick_run("q24_q27_segmentation")
    # Q25-Q26: our loss and Jaccard index agree with Keras and scikit-learn.
    assert metrics["loss_max_abs_difference_vs_keras"] < 1e-5
    assert metrics["jaccard_max_abs_difference_vs_sklearn"] < 1e-9
    for name in ("unet", "fcn"):
        assert metrics[f"{name}_last_loss"] < 0.8 * metrics[f"{name}_first_loss"]  # both learn
        assert len(metrics[name]["jaccard_per_class"]) == metrics["num_classes"] == 11
        assert metrics[name]["streaming_mean_iou"] == pytest.approx(metrics[name]["mean_iou"], abs=1e-5)
    # Predicting background everywhere scores background_share and a mean IoU of share / 11.
    assert metrics["unet_pixel_accuracy"] > metrics["background_share"] + 0.03
    assert metrics["unet_mean_iou"] > 2 * metrics["background_share"] / 11
    # Q27: the skips show first at the contours.
    assert metrics["unet_boundary_iou"] > metrics["fcn_boundary_iou"] + 0.03
    for png in ("overlays.png", "jaccard_per_class.png", "training.png"):
        assert (out / png).is_file()
    assert not list(out.glob("checkpoints/**/*.npz"))  # a finished fit leaves nothing to resume from


def test_q24_q27_rerun_after_a_crash_in_the_fcn_keeps_the_finished_unet(
    quick_run, batch_counter, tmp_path, monkeypatch
):
    """Killed while the FCN trains, the run keeps the U-Net's last checkpoint; the same command
    again trains only the FCN and reports the figures of a run that was never interrupted."""
    import keras_course.train
    from keras_course import runner

    reference, _ = quick_run("q24_q27_segmentation")
    recipe = runner.load_recipe("q24_q27_segmentation")
    real_fit = keras_course.train.fit  # the recipe's setup cell imports fit from here when it runs

    unet_epoch_seconds = []

    def killed_at_the_fcn(model, *args, **kwargs):
        if model.name == "fcn":
            raise KeyboardInterrupt
        history = real_fit(model, *args, **kwargs)
        unet_epoch_seconds.extend(history.history["epoch_seconds"])
        return history

    monkeypatch.setattr(keras_course.train, "fit", killed_at_the_fcn)
    keras.backend.clear_session()
    with pytest.raises(KeyboardInterrupt):
        recipe.run(quick=True, seed=0, out=tmp_path)
    epochs = reference["setting_epochs"]
    assert (tmp_path / "checkpoints" / "u-net" / f"epoch-{epochs:04d}.npz").is_file()

    counters = {}

    def counted(model, *args, callbacks=(), **kwargs):
        counters[model.name] = batch_counter()
        return real_fit(model, *args, callbacks=[*callbacks, counters[model.name]], **kwargs)

    monkeypatch.setattr(keras_course.train, "fit", counted)
    keras.backend.clear_session()
    metrics = recipe.run(quick=True, seed=0, out=tmp_path)
    assert counters["unet"].trained == 0 and counters["fcn"].trained > 0
    for key in (
        "unet_mean_iou",
        "fcn_mean_iou",
        "unet_boundary_iou",
        "fcn_boundary_iou",
        "unet_last_loss",
        "fcn_last_loss",
    ):
        assert metrics[key] == pytest.approx(reference[key], abs=1e-6), key
    # the U-Net's training time comes from its checkpointed epoch logs, not from this process
    assert len(unet_epoch_seconds) == epochs
    assert metrics["unet_train_seconds"] == pytest.approx(sum(unet_epoch_seconds), rel=1e-6)
    assert not (tmp_path / "checkpoints").exists()  # the finished run leaves nothing to resume from
