def test_q34_quick(quick_run):
    metrics, out = quick_run("q34_denoising_autoencoders")
    # Denoising raises the PSNR over the noisy input, on Fashion-MNIST and on an unseen photo.
    assert metrics["psnr_gain_dae_mse_db"] > 1.5
    assert metrics["psnr_dae_masking"] > metrics["psnr_masked_input"] + 1.5
    assert metrics["photo_psnr_gain_db"] > 3.0
    first, last = metrics["photo_train_loss_first_last"]
    assert last < 0.5 * first
    for name in ("denoising_grid", "masking_grid", "photo_denoising", "training"):
        assert (out / f"{name}.png").is_file()
    assert not list(out.glob("checkpoints/**/*.npz"))  # a finished fit leaves nothing to resume from
