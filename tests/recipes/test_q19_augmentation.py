def test_q19_quick(quick_run):
    m, out = quick_run("q19_augmentation")
    # Quick runs are too short for augmentation to pay off; both must learn well above chance.
    assert m["no_augmentation_test_accuracy"] > 0.5 and m["augmentation_test_accuracy"] > 0.35
    assert m["no_augmentation_train_accuracy"] > m["augmentation_train_accuracy"] - 0.05
    for name in ("photo_chelsea.png", "fashion_mnist_augmented.png", "cnn_with_without_augmentation.png"):
        assert (out / name).is_file()
