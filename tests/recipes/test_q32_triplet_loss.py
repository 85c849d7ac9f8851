def test_q32_quick(quick_run):
    metrics, out = quick_run("q32_triplet_loss")
    assert metrics["triplet_loss_last_epoch"] < 0.8 * metrics["triplet_loss_first_epoch"]
    # Verification of unseen classes beats chance (AUC 0.5) and retrieval beats chance (1/3).
    assert metrics["unseen_auc_triplet"] > 0.65
    assert metrics["unseen_recall_at_1_triplet"] > 0.7
    assert metrics["seen_test_auc_triplet"] > 0.8
    assert metrics["pair_accuracy_last_epoch"] > 0.6  # same/different, chance 0.5
    # A frozen ImageNet trunk + triplet MLP heads trained on classes 0-6 (7 classes, or 70
    # k-means pseudo-identities): unseen classes verified well above chance.
    assert metrics["unseen_auc_pretrained_triplet_head"] > 0.7
    assert metrics["unseen_auc_pretrained_pseudo_head"] > 0.7
    assert metrics["pseudo_head_loss_last_epoch"] < 0.9 * metrics["pseudo_head_loss_first_epoch"]
    # Unseen faces: the embedding verifies identities better than their pixels do.
    assert metrics["face_verification_auc"] > metrics["face_verification_auc_raw_pixels"] + 0.03
    for name in ("embedding_pca", "pretrained_embedding_pca", "unseen_pair_distances", "face_queries", "training"):
        assert (out / f"{name}.png").is_file()
