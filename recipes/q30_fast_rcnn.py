"""# Fast R-CNN: one CNN pass per image, RoI pooling, two heads, one loss

Answers Q30: what is the idea of Fast R-CNN, and what does it predict?

## Introduction
R-CNN runs the CNN once per proposal. Fast R-CNN (Girshick, 2015) runs it once per image:
each external proposal (here selective search from OpenCV) is projected onto the last
feature map and RoI-pooled (max over a fixed P x P grid of cells) to a fixed-size vector.
Shared fully-connected layers feed two heads: K + 1 class probabilities (background
included) and, per class, 4 box deltas ``(dx, dy, log dw, log dh)`` that correct the
proposal. The multi-task loss, cross-entropy plus smooth L1 on the deltas of positive RoIs
(IoU >= 0.5 with a true box), trains everything end to end with SGD on RoIs sampled 1 : 3
positive : background. We train ``keras_course.detection.fast_rcnn`` on Fashion-MNIST scenes.

Errata: the notes say the proposals come from applying the proposal method "to the correct
answer"; they come from the *image* (selective search knows nothing of the labels). The class
head predicts one class per RoI (or background), not "all objects in the picture".
"""

import time

import keras
import numpy as np

from keras_course.detection.experiment import (draw_detections, flip_boxes, flip_scenes, proposal_kwargs, scene_splits,
                                                score_detections)
from keras_course.detection.fast_rcnn import FastRCNNLoss, detect, fast_rcnn, sample_rois
from keras_course.detection.proposals import propose, proposal_recall
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (30,)
NUM_CLASSES, ROIS_PER_IMAGE = 10, 32


class RoIStream(keras.utils.PyDataset):
    """Batches ``({"images", "rois"}, roi_targets)`` with the RoIs sampled afresh every epoch.

    Batch ``index`` of epoch ``e`` depends only on ``(seed, e, index)`` (shuffled order and
    ``sample_rois`` draws), so a resumed ``fit`` that replays ``on_epoch_end`` sees the RoIs
    an uninterrupted run saw. Shapes: images (B, H, W, C), rois (B, R, 4), targets (B, R, 5).
    """

    def __init__(self, images, proposals, targets, batch_size, seed):
        super().__init__()  # workers=1: batches are made in order, in the training thread
        self.images, self.proposals, self.targets = images, proposals, targets
        self.batch_size, self.seed, self.epoch = batch_size, seed, 0

    def __len__(self):
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, index):
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.images))
        take = order[index * self.batch_size:(index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        rois, targets = zip(*(sample_rois(self.proposals[i], self.targets[i]["boxes"], self.targets[i]["labels"],
                                          ROIS_PER_IMAGE, rng) for i in take))
        return {"images": self.images[take], "rois": np.stack(rois)}, np.stack(targets)

    def on_epoch_end(self):
        self.epoch += 1  # the next epoch re-samples the RoIs


def run(quick=False, seed=0, out=None, n_jobs=1, cache_dir=None):
    out = prepare_out(out, "q30_fast_rcnn")
    set_seed(seed)
    # Many scenes, few epochs (3,000 scenes x 30 epochs gave mAP@0.5 0.81, 12,000 x 10 give 0.86):
    # selective search is too slow (~20 ms a scene) to draw new scenes every epoch as q31 does.
    n_train, n_test, epochs = (250, 50, 6) if quick else (12000, 500, 10)
    (x_train, t_train), (x_test, t_test) = scene_splits(n_train, n_test, seed)
    size = x_train.shape[1]

    # ## External proposals: selective search, computed once (timed on the test images, 1 process)
    train_proposals, _ = propose(x_train, n_jobs=n_jobs, cache_dir=cache_dir, **proposal_kwargs(quick))
    test_proposals, proposal_seconds = propose(x_test, cache_dir=cache_dir, **proposal_kwargs(quick))
    recall = proposal_recall(test_proposals, t_test)

    # ## The model and its multi-task loss; RoIs re-sampled every epoch
    model = fast_rcnn(x_train.shape[1:], NUM_CLASSES, pool_size=4, pools=2, base_filters=16 if quick else 32,
                      hidden=128 if quick else 256)
    # horizontal flips double the scenes (proposals and boxes mirror with them)
    images, targets = flip_scenes(x_train, t_train)
    proposals = train_proposals + [flip_boxes(p, size) for p in train_proposals]
    stream = RoIStream(images, proposals, targets, 32, seed)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, epochs * len(stream), alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=FastRCNNLoss(NUM_CLASSES))
    history = fit(model, stream, epochs, run_dir=checkpoint_dir(out, "fast_rcnn"), verbose=0 if quick else 2).history

    # ## Evaluation: mAP; speed = selective search + the network and NMS
    detect(model, x_test[:8], test_proposals[:8], NUM_CLASSES)  # warm up
    start = time.perf_counter()
    detections = detect(model, x_test, test_proposals, NUM_CLASSES)
    network_seconds = (time.perf_counter() - start) / n_test
    scores = score_detections(detections, t_test)
    draw_detections(x_test[:8], detections[:8], t_test[:8], out / "detections.png",
                    title="Fast R-CNN (red) vs truth (green)")
    plot_history(history, out / "training.png", title="Fast R-CNN multi-task loss")
    return save_metrics(out, {
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
    })


# ## Conclusion
# Sharing one feature map across all RoIs makes the network part cheap; what is left slow is
# the external proposal step, which Faster R-CNN replaces with a learned network.
if __name__ == "__main__":
    recipe_main(run)
