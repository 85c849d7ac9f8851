# %% [markdown]
# # Fast R-CNN: one CNN pass per image, RoI pooling, two heads, one loss
#
# **Q30.** What is the idea of the Fast R-CNN model? What does it predict?
#
# ## Introduction
# R-CNN (Q29) runs the CNN once per proposal. Fast R-CNN (Girshick, 2015) runs it **once per
# image**. The proposals still come from outside (here selective search in OpenCV).
#
# 1. The backbone turns the image into a feature map with stride $2^{\text{pools}}$ (here 4).
# 2. Each proposal, a *region of interest* (RoI), is projected onto the feature map. **RoI
#    pooling** cuts its window into a fixed $P \times P$ grid of cells (here $P = 4$) and keeps
#    the maximum of each cell and channel, so every RoI gives a vector of the same length.
# 3. Shared fully-connected layers feed two heads, for each RoI: a softmax over $K + 1$
#    classes $p = (p_0, \ldots, p_K)$ (class 0 is background), and for every class $k$ four
#    deltas $t^k = (t^k_x, t^k_y, t^k_w, t^k_h)$ that move the proposal's centre (relative to
#    its size) and scale its width and height (as logs), as in R-CNN's box regression.
#
# For a RoI of true class $u$ with target deltas $v$, the multi-task loss is
#
# $$L(p, u, t^u, v) = -\log p_u + \lambda\, [u \ge 1] \sum_{i \in \{x, y, w, h\}} \operatorname{smooth}_{L_1}(t^u_i - v_i),
# \qquad \operatorname{smooth}_{L_1}(d) = \begin{cases} 0.5\, d^2 & |d| < 1 \\ |d| - 0.5 & \text{otherwise,} \end{cases}$$
#
# with $\lambda = 1$. Background RoIs ($u = 0$) add no box loss. The loss is averaged over the
# RoIs of an image and trains everything end to end. Each epoch samples 32 RoIs per image,
# up to a quarter of them positive ($\operatorname{IoU} \ge 0.5$ with a true box) and the rest
# background. At test time each class's refined box is scored by $p_k$, and per-class NMS
# (IoU 0.3) removes duplicates. We train `keras_course.detection.fast_rcnn` on Fashion-MNIST scenes.
#
# > **Errata (notes 1.1.30).** The notes say "Сначала мы применяем к правильному ответу механизм
# > генерации кандидатов" ("first we apply the candidate-generation method to the correct answer").
# > The proposals come from the *image*: selective search knows nothing of the labels. The true
# > boxes are only used in training, to label the sampled RoIs. The notes say the class head
# > predicts "all objects in the picture" ("все объекты, которые есть на картинке"). It predicts
# > *one* class (or background) per RoI. The box head gives 4 numbers *per class* ($4K$ per RoI),
# > and they are a centre shift and log scale factors, not a shift of "each side". The
# > convolutional part does not "train the candidates": they stay fixed, which is why Faster
# > R-CNN replaces them with a learned network.

# %% tags=["parameters"]
quick = False  # True: 250 training scenes and 6 epochs, a minute or two instead of half an hour
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q30_fast_rcnn
n_jobs = 1  # processes for the training scenes' selective search
cache_dir = None  # folder to cache the proposals in (None: compute them every run)

# %% [markdown]
# ## Setup

# %%
import time

import keras
import numpy as np

from keras_course.detection import ROIS_PER_IMAGE, RoIStream
from keras_course.detection.experiment import (
    draw_detections,
    flip_boxes,
    flip_scenes,
    proposal_kwargs,
    scene_splits,
    score_detections,
)
from keras_course.detection.fast_rcnn import FastRCNNLoss, detect, fast_rcnn
from keras_course.detection.proposals import proposal_recall, propose
from keras_course.display import show_key_figures, show_table
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (30,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "map_50": ("mAP@0.5 (VOC, all-point)", ""),
    "proposal_recall_50": ("true boxes with a proposal at IoU >= 0.5", ""),
    "first_loss": ("multi-task loss, first epoch", ""),
    "last_loss": ("multi-task loss, last epoch", ""),
    "coco_map": ("COCO mAP@[.5:.95]", ""),
    "proposal_seconds_per_image": ("selective search, per image", "s"),
    "network_seconds_per_image": ("network + NMS, per image", "s"),
}
quick, seed, out = recipe_parameters("q30_fast_rcnn", quick, seed, out)
set_seed(seed)
NUM_CLASSES = 10

# %% [markdown]
# ## Data: Fashion-MNIST scenes
# Many scenes, few epochs: 3,000 scenes x 30 epochs gave mAP@0.5 0.81, 12,000 x 10 give 0.86.
# Selective search is too slow (about 20 ms a scene) to draw new scenes every epoch as Q31 does.

# %%
n_train, n_test, epochs = (250, 50, 6) if quick else (12000, 500, 10)
(x_train, t_train), (x_test, t_test) = scene_splits(n_train, n_test, seed)
size = x_train.shape[1]
print(f"{n_train} train and {n_test} test scenes of {size}x{size} px, {epochs} epochs")

# %% [markdown]
# ## External proposals: selective search, computed once
# The test images are timed in one process. A true box without a proposal at
# $\operatorname{IoU} \ge 0.5$ can still be found if the box head moves a nearby proposal
# onto it, but the recall is a good guide.

# %%
train_proposals, _ = propose(x_train, n_jobs=n_jobs, cache_dir=cache_dir, **proposal_kwargs(quick))
test_proposals, proposal_seconds = propose(x_test, cache_dir=cache_dir, **proposal_kwargs(quick))
recall = proposal_recall(test_proposals, t_test)
print(
    f"{np.mean([len(p) for p in test_proposals]):.1f} proposals per test image, recall@0.5 {recall:.3f}, "
    f"{1000 * proposal_seconds:.1f} ms per image"
)

# %% [markdown]
# ## The model, and RoIs re-sampled every epoch
# The output of one RoI is $(K + 1) + 4K = 51$ numbers: the class probabilities, then the
# deltas of classes 1 to $K$. Horizontal flips double the training scenes, with their
# proposals and boxes mirrored. `RoIStream` draws each batch's RoIs from $(\text{seed},
# \text{epoch}, \text{batch})$ alone, so a resumed run sees the same RoIs.

# %%
model = fast_rcnn(
    x_train.shape[1:], NUM_CLASSES, pool_size=4, pools=2, base_filters=16 if quick else 32, hidden=128 if quick else 256
)
images, targets = flip_scenes(x_train, t_train)
proposals = train_proposals + [flip_boxes(p, size) for p in train_proposals]
stream = RoIStream(images, proposals, targets, 32, seed)
first_batch = stream[0][1][..., 0]  # the RoI labels of epoch 0's first batch: -1 padding, 0 background
print(
    f"{model.count_params():,} parameters; output per image {model.output_shape[1:]} "
    f"(RoIs, (K + 1) + 4K); {len(stream)} batches per epoch"
)
print(
    f"first batch: {first_batch.shape[0]} images x {ROIS_PER_IMAGE} RoIs, {np.mean(first_batch >= 1):.1%} "
    f"positive, {np.mean(first_batch == 0):.1%} background, {np.mean(first_batch < 0):.1%} padding"
)

# %% [markdown]
# ## Training: the multi-task loss, end to end
# Adam with a cosine-decayed learning rate. One loss trains the backbone, the shared layers
# and both heads at once.

# %%
schedule = keras.optimizers.schedules.CosineDecay(1e-3, epochs * len(stream), alpha=0.02)
model.compile(optimizer=keras.optimizers.Adam(schedule), loss=FastRCNNLoss(NUM_CLASSES))
history = fit(model, stream, epochs, run_dir=checkpoint_dir(out, "fast_rcnn"), verbose=0 if quick else 2).history
plot_history(
    history,
    out / "training.png",
    title="Fast R-CNN multi-task loss",
    caption="The multi-task loss (cross-entropy over K + 1 classes plus smooth L1 on the positive "
    "RoIs' deltas) per epoch, on RoIs sampled afresh each epoch.",
)
print(f"loss {history['loss'][0]:.3f} -> {history['loss'][-1]:.3f}")

# %% [markdown]
# ## Evaluation: mAP, and the speed of selective search + the network and NMS
# A warm-up call first, so that the timing leaves out building the prediction function.

# %%
detect(model, x_test[:8], test_proposals[:8], NUM_CLASSES)  # warm up
start = time.perf_counter()
detections = detect(model, x_test, test_proposals, NUM_CLASSES)
network_seconds = (time.perf_counter() - start) / n_test
scores = score_detections(detections, t_test)
draw_detections(
    x_test[:8],
    detections[:8],
    t_test[:8],
    out / "detections.png",
    title="Fast R-CNN (red) vs truth (green)",
    caption="Fast R-CNN's detections with score >= 0.3 (red) against the true boxes (green, dashed) "
    "on test scenes; each red box is a proposal moved by the box head of its class.",
)
show_table([{"class": name, "AP@0.5": ap} for name, ap in scores["ap_50_per_class"].items()], title="AP@0.5 per class")
print(
    f"mAP@0.5 {scores['map_50']:.3f}, COCO mAP {scores['coco_map']:.3f}, class-agnostic AP@0.5 "
    f"{scores['ap_50_class_agnostic']:.3f}; {1000 * network_seconds:.1f} ms per image for the network and NMS"
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        **scores,
        "images_per_second": 1.0 / (proposal_seconds + network_seconds),
        "proposal_seconds_per_image": proposal_seconds,
        "network_seconds_per_image": network_seconds,
        "proposals_per_image": float(np.mean([len(p) for p in test_proposals])),
        "proposal_recall_50": recall,
        "first_loss": history["loss"][0],
        "last_loss": history["loss"][-1],
        "train_scenes": n_train,
        "epochs": epochs,
        "params": model.count_params(),
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Sharing one feature map between all RoIs makes the network part cheap: its time grows
# much less with the number of proposals than R-CNN's (4x against 9x from 16 to 256 proposals).
# A full run reaches mAP@0.5 0.86. What is left slow is the external proposal step, which
# Faster R-CNN replaces with a learned region proposal network.
#
# **Try a variation.** Pass `pool_size=2` to `fast_rcnn` in the model cell: a coarser RoI grid
# loses where inside the box the garment sits, and localisation (COCO mAP) suffers first. Or
# pass `box_weight=0.0` to `FastRCNNLoss`: the box head is no longer trained, the boxes stay
# where selective search put them, and the mAP at strict IoU thresholds drops.
