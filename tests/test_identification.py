"""Triplet losses, distances, sampler and metrics against direct NumPy / scikit-learn references."""

import itertools

import keras
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KNeighborsClassifier

from keras_course.identification import (
    ClassBalancedSampler,
    PairFeatures,
    TripletLoss,
    class_balanced_dataset,
    embedding_cnn,
    embedding_head,
    pair_classifier,
    pair_score_matrix,
    pairwise_distances,
    pseudo_identities,
    recall_at_k,
    triplet_loss,
    verification_auc,
)


def np_distance(u, v, distance):
    if distance == "cosine":
        return 1.0 - u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    squared = float(np.sum((u - v) ** 2))
    return squared if distance == "squared" else np.sqrt(squared)


def reference_triplet_loss(labels, emb, margin, mining, distance):
    """A direct loop over anchors, positives and negatives (TF Addons' semantics for semi-hard)."""
    n = len(labels)
    d = np.array([[0.0 if i == j else np_distance(emb[i], emb[j], distance) for j in range(n)] for i in range(n)])
    if mining == "all":
        terms = [
            max(d[a, p] - d[a, q] + margin, 0.0)
            for a, p, q in itertools.product(range(n), repeat=3)
            if a != p and labels[a] == labels[p] and labels[q] != labels[a]
        ]
        return np.mean(terms) if terms else 0.0
    if mining == "hard":
        terms = []
        for a in range(n):
            pos = [d[a, p] for p in range(n) if p != a and labels[p] == labels[a]]
            neg = [d[a, q] for q in range(n) if labels[q] != labels[a]]
            if pos and neg:
                terms.append(max(max(pos) - min(neg) + margin, 0.0))
        return np.mean(terms) if terms else 0.0
    total, count = 0.0, 0
    for a in range(n):
        neg = [d[a, q] for q in range(n) if labels[q] != labels[a]]
        for p in range(n):
            if p == a or labels[p] != labels[a]:
                continue
            farther = [x for x in neg if x > d[a, p]]
            # No farther negative: the farthest one; no negative at all: TF Addons' 0.
            negative = min(farther) if farther else (max(neg) if neg else 0.0)
            total += max(d[a, p] - negative + margin, 0.0)
            count += 1
    return total / count if count else 0.0


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=14)
    emb = rng.normal(size=(14, 5)).astype("float32")
    emb[:, 0] += labels  # some structure, so all of easy, semi-hard and hard triplets occur
    return labels, emb


@pytest.mark.parametrize("distance", ["euclidean", "squared", "cosine"])
def test_pairwise_distances_match_scipy(batch, distance):
    from scipy.spatial.distance import cdist

    _, emb = batch
    metric = {"euclidean": "euclidean", "squared": "sqeuclidean", "cosine": "cosine"}[distance]
    ours = keras.ops.convert_to_numpy(pairwise_distances(emb, distance))
    expected = cdist(emb.astype(np.float64), emb.astype(np.float64), metric=metric)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(ours, expected, atol=2e-5, rtol=1e-4)
    assert np.all(np.diag(ours) == 0.0)


def test_euclidean_gradient_is_finite_for_identical_embeddings():
    from keras_course.backend import gradients

    _, (grad,) = gradients(
        lambda emb: triplet_loss(np.array([0, 0, 1, 1]), emb, mining="hard"), [np.ones((4, 3), "float32")]
    )
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("mining", ["all", "hard", "semi-hard"])
@pytest.mark.parametrize("distance", ["euclidean", "squared", "cosine"])
def test_triplet_loss_matches_numpy_loop(batch, mining, distance):
    labels, emb = batch
    for margin in (0.2, 1.0):
        ours = float(triplet_loss(labels, emb, margin=margin, mining=mining, distance=distance))
        expected = reference_triplet_loss(labels, emb.astype(np.float64), margin, mining, distance)
        assert ours == pytest.approx(expected, rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("mining", ["all", "hard", "semi-hard"])
def test_degenerate_batches(mining):
    emb = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    # All different labels: no positive pair, the loss is 0 (TF Addons would give NaN).
    assert float(triplet_loss(np.arange(4), emb, mining=mining)) == 0.0
    # One label: no negatives. "all"/"hard" have no triplet (0); semi-hard keeps TF Addons' fallback.
    one = float(triplet_loss(np.zeros(4, int), emb, margin=0.5, mining=mining))
    assert one == pytest.approx(
        reference_triplet_loss(np.zeros(4, int), emb.astype(float), 0.5, mining, "euclidean"), rel=1e-5
    )


def test_semi_hard_picks_the_closest_farther_negative():
    # Anchor 0 at the origin, positive at 1, negatives at 0.5, 1.2 and 3 on a line.
    emb = np.array([[0.0], [1.0], [0.5], [1.2], [3.0]], dtype="float32")
    labels = np.array([0, 0, 1, 2, 3])  # only 0 and 1 form a positive pair
    loss = float(triplet_loss(labels, emb, margin=0.5, mining="semi-hard"))
    expected = reference_triplet_loss(labels, emb.astype(float), 0.5, "semi-hard", "euclidean")
    assert loss == pytest.approx(expected, rel=1e-6)
    # The (0, 1) term uses the negative at 1.2: [1 - 1.2 + 0.5]_+ = 0.3 (not 0.5, not 3).
    # The (1, 0) term: d = 1, negatives at 0.5, 0.2, 2 -> 2: [1 - 2 + 0.5]_+ = 0; mean 0.15.
    assert loss == pytest.approx(0.15, rel=1e-5)


def test_triplet_loss_class_and_round_trip(tmp_path, batch):
    labels, emb = batch
    loss = TripletLoss(margin=0.3, mining="semi-hard", distance="squared")
    assert float(loss(labels, emb)) == pytest.approx(float(triplet_loss(labels, emb, 0.3, "semi-hard", "squared")))
    restored = TripletLoss.from_config(loss.get_config())
    assert (restored.margin, restored.mining, restored.distance) == (0.3, "semi-hard", "squared")

    model = embedding_cnn((12, 12, 1), embedding_dim=8, width=4)
    model.compile(optimizer="adam", loss=loss)
    x = np.random.default_rng(0).random((8, 12, 12, 1)).astype("float32")
    path = tmp_path / "embedding.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert isinstance(loaded.loss, TripletLoss) and loaded.loss.mining == "semi-hard"
    np.testing.assert_allclose(np.linalg.norm(model.predict(x, verbose=0), axis=1), 1.0, atol=1e-5)


def test_triplet_training_separates_classes():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 16)
    x = rng.normal(size=(64, 6)).astype("float32") + 2.0 * np.eye(6, dtype="float32")[labels]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4), keras.layers.UnitNormalization()])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=TripletLoss(mining="semi-hard"))
    before = verification_auc(model.predict(x, verbose=0), labels)
    history = model.fit(x, labels, batch_size=64, epochs=30, verbose=0)
    after = verification_auc(model.predict(x, verbose=0), labels)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert after > before + 0.1


def test_pair_classifier_round_trip_and_scores(tmp_path):
    trunk = embedding_cnn((12, 12, 1), embedding_dim=8, width=4)
    model = pair_classifier(trunk, hidden=8)
    rng = np.random.default_rng(0)
    a, b = rng.random((2, 5, 12, 12, 1)).astype("float32")
    path = tmp_path / "pair.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict([a, b], verbose=0), model.predict([a, b], verbose=0), atol=1e-6)
    np.testing.assert_allclose(model.predict([a, b], verbose=0), model.predict([b, a], verbose=0), atol=1e-6)
    emb = trunk.predict(a, verbose=0)
    scores = pair_score_matrix(model, emb, batch_rows=2)
    direct = model.predict([np.repeat(a, 5, 0), np.tile(a, (5, 1, 1, 1))], verbose=0).reshape(5, 5)
    np.testing.assert_allclose(scores, direct, atol=1e-5)
    layer = PairFeatures.from_config(PairFeatures().get_config())
    assert layer.compute_output_shape([(None, 8), (None, 8)]) == (None, 16)


def test_embedding_head_standardises_projects_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(3.0, 2.0, size=(6, 10)).astype("float32")
    mean, variance = features.mean(0), features.var(0)
    model = embedding_head(10, embedding_dim=4, hidden=8, dropout=0.1, mean=mean, variance=variance)
    out = model.predict(features, verbose=0)
    assert out.shape == (6, 4)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    # NumPy transcription: standardise, ReLU layer, projection, L2 normalisation (dropout off).
    w1, b1 = model.get_layer("hidden").get_weights()
    w2, b2 = model.get_layer("projection").get_weights()
    z = np.maximum((features - mean) / np.sqrt(variance) @ w1 + b1, 0) @ w2 + b2
    np.testing.assert_allclose(out, z / np.linalg.norm(z, axis=1, keepdims=True), atol=1e-4)
    path = tmp_path / "head.keras"
    model.save(path)
    np.testing.assert_allclose(keras.saving.load_model(path).predict(features, verbose=0), out, atol=1e-6)
    linear = embedding_head(10, embedding_dim=3, hidden=0, dropout=0.0)
    assert [layer.name for layer in linear.layers[1:]] == ["projection", "l2_normalize"]


def test_pseudo_identities_split_each_class_by_kmeans():
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    labels = np.repeat([3, 7], 40)
    # Two well separated blobs inside each class: k-means with 2 clusters must find them.
    blobs = np.tile(np.repeat([0.0, 10.0], 20), 2)
    features = rng.normal(size=(80, 5)) + blobs[:, None] + 50.0 * (labels == 7)[:, None]
    ids = pseudo_identities(features, labels, per_class=2, n_components=3, seed=0)
    assert ids.dtype == np.int64 and set(ids[labels == 3]) == {0, 1} and set(ids[labels == 7]) == {2, 3}
    for c in (3, 7):  # the clusters are the blobs
        for half in (slice(0, 20), slice(20, 40)):
            assert len(set(ids[labels == c][half])) == 1
    # The same as standardising, PCA and k-means by hand.
    z = (features - features.mean(0)) / (features.std(0) + 1e-8)
    z = PCA(3, random_state=0).fit_transform(z)
    expected = KMeans(2, random_state=0, n_init=3).fit_predict(z[labels == 3])
    np.testing.assert_array_equal(ids[labels == 3], expected)
    # A class with fewer rows than per_class gets one identity per row.
    few = pseudo_identities(features[:3], np.array([0, 0, 1]), per_class=5)
    assert len(set(few)) == 3


def test_sampler_batches_are_class_balanced():
    labels = np.repeat(np.arange(5), [10, 3, 8, 8, 20])
    sampler = ClassBalancedSampler(labels, classes_per_batch=3, samples_per_class=4, seed=0)
    seen = set()
    for _ in range(30):
        batch = sampler.next_batch()
        groups = labels[batch].reshape(3, 4)
        assert np.all(groups == groups[:, :1]) and len(set(groups[:, 0])) == 3
        seen.update(batch.tolist())
    assert seen == set(range(len(labels)))  # every example is drawn
    again = ClassBalancedSampler(labels, 3, 4, seed=0)
    np.testing.assert_array_equal(again.next_batch(), ClassBalancedSampler(labels, 3, 4, seed=0).next_batch())

    x = np.arange(len(labels) * 2).reshape(-1, 2)
    xb, yb = next(iter(class_balanced_dataset(x, labels, 3, 4, seed=1)))
    assert xb.shape == (12, 2) and yb.shape == (12,)
    np.testing.assert_array_equal(labels[np.asarray(xb)[:, 0] // 2], np.asarray(yb))
    # the tf.data stream is the sampler's: same seed, same index batches
    expected = ClassBalancedSampler(labels, 3, 4, seed=1).next_batch()
    np.testing.assert_array_equal(np.asarray(xb)[:, 0] // 2, expected)


def test_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=40)
    emb = rng.normal(size=(40, 4)) + labels[:, None]
    dist = np.linalg.norm(emb[:, None] - emb[None], axis=-1)
    i, j = np.triu_indices(40, 1)
    assert verification_auc(emb, labels) == pytest.approx(roc_auc_score(labels[i] == labels[j], -dist[i, j]))
    assert verification_auc(dist, labels, distance="precomputed") == pytest.approx(verification_auc(emb, labels))
    # recall@1 is leave-one-out 1-NN accuracy.
    loo = np.mean(
        [
            KNeighborsClassifier(1).fit(np.delete(emb, n, 0), np.delete(labels, n)).predict(emb[n : n + 1])[0]
            == labels[n]
            for n in range(40)
        ]
    )
    assert recall_at_k(emb, labels, 1) == pytest.approx(loo)
    recalls = [recall_at_k(emb, labels, k) for k in (1, 2, 5, 10)]
    assert recalls == sorted(recalls) and recalls[-1] <= 1.0


def test_bad_inputs_raise_clear_errors(batch):
    labels, emb = batch
    with pytest.raises(ValueError, match="mining"):
        triplet_loss(labels, emb, mining="easy")
    with pytest.raises(ValueError, match="distance"):
        triplet_loss(labels, emb, distance="manhattan")
    with pytest.raises(ValueError, match="margin"):
        TripletLoss(margin=-1)
    with pytest.raises(ValueError, match="embeddings"):
        triplet_loss(labels, emb[:, :, None])
    with pytest.raises(ValueError, match="same batch size"):
        triplet_loss(labels[:5], emb)
    with pytest.raises(ValueError, match="classes_per_batch"):
        ClassBalancedSampler(labels, classes_per_batch=9, samples_per_class=2)
    with pytest.raises(ValueError, match="samples_per_class"):
        ClassBalancedSampler(labels, classes_per_batch=2, samples_per_class=1)
    with pytest.raises(ValueError, match="k must"):
        recall_at_k(emb, labels, k=0)
    with pytest.raises(ValueError, match="both same-label"):
        verification_auc(emb, np.arange(len(emb)))
    with pytest.raises(TypeError, match="embedding_model"):
        pair_classifier("cnn")
    with pytest.raises(ValueError, match="per_class"):
        pseudo_identities(emb, labels, per_class=0)
    with pytest.raises(ValueError, match="labels must have the same length"):
        pseudo_identities(emb, labels[:3], per_class=2)
    with pytest.raises(ValueError, match="mean and variance"):
        embedding_head(4, mean=np.zeros(4))
    with pytest.raises(ValueError, match="hidden"):
        embedding_head(4, hidden=-1)
