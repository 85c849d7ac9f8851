def test_q33_quick(quick_run):
    metrics, out = quick_run("q33_autoencoders")
    mse = {int(k): v for k, v in metrics["mse_by_code_size"].items()}
    knn = {int(k): v for k, v in metrics["knn_accuracy_by_code_size"].items()}
    sizes = sorted(mse)
    # Every code beats predicting the mean image, and a wider code reconstructs better.
    assert all(v < 0.6 * metrics["mse_mean_image_baseline"] for v in mse.values())
    assert mse[sizes[-1]] < mse[sizes[0]]
    # Codes learned without labels still group classes: k-NN far above chance (0.1).
    assert knn[2] > 0.35 and knn[sizes[-1]] > 0.6 and metrics["knn_accuracy_raw_pixels"] > 0.7
    for name in ("codes_2d", "error_vs_code_size", "reconstructions", "training"):
        assert (out / f"{name}.png").is_file()
    assert not list(out.glob("checkpoints/**/*.npz"))  # a finished fit leaves nothing to resume from
