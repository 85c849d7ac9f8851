# %% [markdown]
# # R-CNN: selective search, a CNN per warped region, linear SVMs, box regression
#
# **Q29.** Describe the idea of the R-CNN model for object detection.
#
# ## Introduction
# R-CNN (Girshick et al., 2014) is a *two-stage* detector: first find candidate boxes that
# may hold an object, then classify each of them. It is built from parts trained one after
# the other:
#
# 1. **Proposals.** Selective search (here OpenCV's `ximgproc`) merges similar neighbouring
#    segments and proposes about 2,000 boxes per image (about 16 on our small scenes, 4 in quick mode). It
#    knows nothing of the classes.
# 2. **Features.** Each proposal is cropped with a little context and *warped* to a fixed
#    size (here $32 \times 32$), then passed **on its own** through a CNN. The CNN is
#    fine-tuned to classify warped proposals into $K$ classes plus background (label of the
#    true box with $\operatorname{IoU} \ge 0.5$, else background). Its penultimate layer is
#    the region's descriptor $\phi(P)$.
# 3. **Classification.** One linear SVM per class scores the descriptors,
#    $s_k(P) = w_k^\top \phi(P) + b_k$ (scikit-learn `LinearSVC`). Positives are the true boxes,
#    negatives are proposals with $\operatorname{IoU} < 0.3$ to every box of the class.
# 4. **Box regression.** One ridge regression per class predicts from $\phi(P)$ how to move
#    proposal $P$ (centre $x, y$, size $w, h$) onto its true box $G$:
#
# $$t_x = \frac{G_x - P_x}{P_w}, \quad t_y = \frac{G_y - P_y}{P_h}, \quad
# t_w = \log \frac{G_w}{P_w}, \quad t_h = \log \frac{G_h}{P_h}.$$
#
# At test time, per-class NMS (IoU 0.3) removes duplicates. We build it on Fashion-MNIST scenes.
# The CNN is small and trained from scratch (the paper fine-tunes an ImageNet-pretrained
# AlexNet). We score it with the mAP of Q28 and time it. Most of its time goes to running the
# CNN once per proposal.
#
# > **Errata (notes 1.1.29).** Among R-CNN's problems the notes list "Сверточная сеть практически
# > не настраивается под данные" ("the convolutional network is practically not tuned to the
# > data"), and they describe taking AlexNet's penultimate layer as it is. R-CNN does fine-tune
# > the ImageNet-pretrained CNN on warped proposals (step 2) before it trains the SVMs. What is
# > true is that the CNN, the SVMs and the regressors are trained apart, not end to end. The
# > notes also leave out the per-class box regression (step 4) and the final NMS.

# %% tags=["parameters"]
quick = False  # True: 200 training scenes and 4 epochs, about a minute instead of many
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q29_rcnn
n_jobs = 1  # processes for the training scenes' selective search
cache_dir = None  # folder to cache the proposals in (None: compute them every run)

# %% [markdown]
# ## Setup

# %%
import time

import keras
import numpy as np

from keras_course.data import make_dataset
from keras_course.detection.experiment import draw_detections, proposal_kwargs, scene_splits, score_detections
from keras_course.detection.proposals import proposal_recall, propose
from keras_course.detection.rcnn import RCNN, label_regions, region_cnn, warp_regions
from keras_course.display import show_key_figures, show_table
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (29,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "map_50": ("mAP@0.5 (VOC, all-point)", ""),
    "proposals_per_image": ("selective-search proposals per test image", ""),
    "proposal_recall_50": ("true boxes with a proposal at IoU >= 0.5", ""),
    "coco_map": ("COCO mAP@[.5:.95]", ""),
    "proposal_seconds_per_image": ("selective search, per image", "s"),
    "network_seconds_per_image": ("CNN on every proposal + SVMs + NMS, per image", "s"),
}
quick, seed, out = recipe_parameters("q29_rcnn", quick, seed, out)
set_seed(seed)
NUM_CLASSES, WARP = 10, 32

# %% [markdown]
# ## Data: Fashion-MNIST scenes
# Train scenes are built from Fashion-MNIST's train split, test scenes from its test split.

# %%
n_train, n_test, epochs = (200, 40, 4) if quick else (3000, 500, 12)
(x_train, t_train), (x_test, t_test) = scene_splits(n_train, n_test, seed)
print(
    f"{n_train} train and {n_test} test scenes of {x_train.shape[1]}x{x_train.shape[2]} px, "
    f"{sum(len(t['labels']) for t in t_test)} true boxes in the test scenes"
)

# %% [markdown]
# ## Step 1: proposals (selective search)
# Computed once per image; the test images are timed in one process. The recall is the share
# of true boxes that some proposal overlaps by $\operatorname{IoU} \ge 0.5$. No later step can
# find an object that has no proposal.

# %%
train_proposals, _ = propose(x_train, n_jobs=n_jobs, cache_dir=cache_dir, **proposal_kwargs(quick))
test_proposals, proposal_seconds = propose(x_test, cache_dir=cache_dir, **proposal_kwargs(quick))
print(
    f"{np.mean([len(p) for p in test_proposals]):.1f} proposals per test image, recall@0.5 "
    f"{proposal_recall(test_proposals, t_test):.3f}, {1000 * proposal_seconds:.1f} ms per image"
)

# %% [markdown]
# ## Step 2: fine-tune the CNN on warped regions
# The true boxes and the labelled proposals of every training scene, warped to
# $32 \times 32$. The labels are class + 1 for a region with $\operatorname{IoU} \ge 0.5$ to a
# true box, 0 (background) otherwise. The CNN minimises the cross-entropy over these $K + 1$ classes.

# %%
regions, labels = [], []
for image, t, p in zip(x_train, t_train, train_proposals, strict=True):
    boxes = np.concatenate([t["boxes"], p])
    regions.append(warp_regions(image, boxes, WARP))
    labels.append(label_regions(boxes, t["boxes"], t["labels"])[0])
regions, labels = np.concatenate(regions), np.concatenate(labels)
print(f"{len(regions)} warped regions of {WARP}x{WARP} px, {np.mean(labels == 0):.1%} background")

# %%
cnn = region_cnn((WARP, WARP, 1), NUM_CLASSES, base_filters=16 if quick else 32)
cnn.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
split = int(len(regions) * 0.9)  # the last 10% validate (as Keras's validation_split=0.1)
history = fit(
    cnn,
    make_dataset(regions[:split], labels[:split], 64, seed=seed),
    epochs,
    run_dir=checkpoint_dir(out, "region_cnn"),
    validation_data=(regions[split:], labels[split:]),
    verbose=0 if quick else 2,
)
plot_history(
    history,
    out / "training.png",
    metrics=("loss", "accuracy"),
    title="Region CNN fine-tuning",
    caption="The region CNN's cross-entropy and accuracy on its warped regions, per epoch: training "
    "(solid) and the held-out last 10% of the regions (dashed).",
)
print(
    f"region CNN: loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}, "
    f"validation accuracy {history.history['val_accuracy'][-1]:.3f}"
)

# %% [markdown]
# ## Step 3: one linear SVM and one box regressor per class on the CNN features
# The CNN is now frozen. Its 128 penultimate activations describe each region, and
# scikit-learn fits $K$ SVMs and $K$ ridge regressions on them.

# %%
start = time.perf_counter()
detector = RCNN(cnn, NUM_CLASSES, WARP).fit(x_train, t_train, train_proposals)
svm_seconds = time.perf_counter() - start
print(f"{len(detector.svms)} SVMs and {len(detector.regressors)} box regressors trained in {svm_seconds:.1f} s")

# %% [markdown]
# ## Test: every proposal through the CNN on its own
# A warm-up call first, so that the timing leaves out building the prediction function. A box
# is reported when its SVM margin $s_k(P)$ is positive.

# %%
detector.detect(x_test[:4], test_proposals[:4])  # warm up
start = time.perf_counter()
detections = detector.detect(x_test, test_proposals)
network_seconds = (time.perf_counter() - start) / n_test
scores = score_detections(detections, t_test)
draw_detections(
    x_test[:8],
    detections[:8],
    t_test[:8],
    out / "detections.png",
    min_score=0.0,
    title="R-CNN (red, SVM margin > 0) vs truth (green)",
    caption="R-CNN's detections with a positive SVM margin (red) against the true boxes (green, "
    "dashed) on test scenes: most garments are found, some with the wrong class or box.",
)
show_table([{"class": name, "AP@0.5": ap} for name, ap in scores["ap_50_per_class"].items()], title="AP@0.5 per class")
print(
    f"mAP@0.5 {scores['map_50']:.3f}, COCO mAP {scores['coco_map']:.3f}, class-agnostic AP@0.5 "
    f"{scores['ap_50_class_agnostic']:.3f}; {1000 * network_seconds:.1f} ms per image for the CNN and SVMs"
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        **scores,
        "seconds_per_image": proposal_seconds + network_seconds,
        "images_per_second": 1.0 / (proposal_seconds + network_seconds),
        "proposal_seconds_per_image": proposal_seconds,
        "network_seconds_per_image": network_seconds,
        "proposals_per_image": float(np.mean([len(p) for p in test_proposals])),
        "proposal_recall_50": proposal_recall(test_proposals, t_test),
        "region_accuracy": history.history["val_accuracy"][-1],
        "region_background_fraction": float(np.mean(labels == 0)),
        "first_loss": history.history["loss"][0],
        "last_loss": history.history["loss"][-1],
        "svm_training_seconds": svm_seconds,
        "train_scenes": n_train,
        "epochs": epochs,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# R-CNN works: a full run (3,000 scenes, 12 epochs) reaches mAP@0.5 0.82. But it is three
# models trained apart, and its test time grows with the number of proposals, since the CNN
# runs once per region: 88 images per second at 16 proposals, 22 at 256. Fast R-CNN (Q30)
# runs the CNN once per image and shares its feature map between the regions.
#
# **Try a variation.** Set `WARP = 16` in the Setup cell: the warped regions lose detail, and
# both the region CNN's accuracy and the mAP fall, while the CNN gets faster. Or replace
# `proposal_kwargs(quick)` with `{"mode": "fast"}` in quick mode: more proposals, higher
# recall, and a slower network step.
