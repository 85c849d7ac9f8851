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
