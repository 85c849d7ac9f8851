"""# YOLO v1: one network, one pass, a grid of boxes

Answers Q31: how does YOLO detect objects in one step?

## Introduction
YOLO v1 (Redmon et al., 2016) divides the image into an S x S grid. The cell that holds an
object's centre is responsible for it; each cell predicts B boxes ``(x, y, w, h)`` with a
confidence ``Pr(object) * IoU`` and one set of class probabilities ``Pr(class | object)``.
Training is one sum-squared loss: coordinates weighted by ``lambda_coord = 5``, square roots
of w and h so that an error on a small box costs more, and ``lambda_noobj = 0.5`` on the
confidences of the many empty predictors. At test time a box scores ``confidence * Pr(class)``,
and per-class NMS removes the duplicates. We train ``keras_course.detection.yolo_v1`` on
Fashion-MNIST scenes, new ones every epoch (a fixed set of 6,000 was memorised within a few
epochs: mAP@0.5 0.79 against 0.93 with fresh scenes), and evaluate it with our mAP.

Errata: the notes say each box predicts "the probability of the class given an object"; in
YOLO v1 the class probabilities belong to the *cell* (one set shared by its B boxes), the box
only carries the confidence ``Pr(object) * IoU``, so one cell can report only one class.
"""

import keras
import numpy as np

from keras_course.detection.experiment import (DetectionStream, draw_detections, held_out_scenes, score_detections,
                                                timed_detect)
from keras_course.detection.yolo import YoloV1Loss, detect, encode_targets, yolo_v1
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (31,)
GRID, NUM_BOXES, NUM_CLASSES = 8, 2, 10


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q31_yolo")
    set_seed(seed)
    scenes_per_epoch, n_test, epochs = (800, 100, 8) if quick else (12000, 500, 30)
    x_test, t_test = held_out_scenes(n_test, seed)
    size = x_test.shape[1]

    # ## Targets: (S, S, 5B + C) per image
    def encode(targets):
        return np.stack([encode_targets(t["boxes"], t["labels"], size, GRID, NUM_BOXES, NUM_CLASSES) for t in targets])

    y_test = encode(t_test)
    objects = sum(len(t["labels"]) for t in t_test)
    dropped = objects - int(y_test[..., 4].sum())  # two centres in one cell: YOLO v1 keeps one

    # ## Data: fresh scenes every epoch (a fixed set is memorised within a few epochs), half mirrored
    batch_size = 16 if quick else 32  # small batches: more steps
    train = DetectionStream(scenes_per_epoch, batch_size, lambda images, targets: (images, encode(targets)), seed=seed)

    # ## Model and the paper's loss
    model = yolo_v1(x_test.shape[1:], GRID, NUM_BOXES, NUM_CLASSES, base_filters=16 if quick else 32)
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, epochs * len(train), alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=YoloV1Loss(num_boxes=NUM_BOXES))
    history = fit(model, train, epochs, run_dir=checkpoint_dir(out, "yolo"), validation_data=(x_test, y_test),
                  verbose=0 if quick else 2)

    # ## Evaluation: mAP and images per second (forward pass + decoding + NMS)
    run_detector = lambda images: detect(model, images, NUM_BOXES, NUM_CLASSES)  # noqa: E731
    run_detector(x_test[:8])  # warm up the predict function before timing
    detections, images_per_second = timed_detect(run_detector, x_test, repeat=2)
    scores = score_detections(detections, t_test)
    draw_detections(x_test[:8], detections[:8], t_test[:8], out / "detections.png",
                    title="YOLO v1 (red) vs truth (green)")
    plot_history(history, out / "training.png", title="YOLO v1 loss")
    return save_metrics(out, {
        **scores,
        "images_per_second": images_per_second,
        "first_loss": history.history["loss"][0],
        "last_loss": history.history["loss"][-1],
        "val_loss": history.history["val_loss"][-1],
        "objects_dropped_by_grid_fraction": dropped / objects,
        "train_scenes_per_epoch": scenes_per_epoch,
        "epochs": epochs,
        "params": model.count_params(),
    })


# ## Conclusion
# One forward pass gives every box of the image, so YOLO is the fastest of the three detectors
# here; its limits are the grid (one object per cell) and coarse localisation.
if __name__ == "__main__":
    recipe_main(run)
