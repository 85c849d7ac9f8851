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
Fashion-MNIST scenes and evaluate it with our mAP.

Errata: the notes say each box predicts "the probability of the class given an object"; in
YOLO v1 the class probabilities belong to the *cell* (one set shared by its B boxes), the box
only carries the confidence ``Pr(object) * IoU``, so one cell can report only one class.
"""

import keras
import numpy as np

from keras_course.data import make_dataset
from keras_course.detection.experiment import (draw_detections, flip_scenes, scene_splits, score_detections,
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
    n_train, n_test, epochs = (400, 100, 8) if quick else (6000, 500, 30)
    (x_train, t_train), (x_test, t_test) = scene_splits(n_train, n_test, seed)
    size = x_train.shape[1]

    # ## Targets: (S, S, 5B + C) per image
    def encode(targets):
        return np.stack([encode_targets(t["boxes"], t["labels"], size, GRID, NUM_BOXES, NUM_CLASSES) for t in targets])

    y_train, y_test = encode(t_train), encode(t_test)
    objects = sum(len(t["labels"]) for t in t_train)
    dropped = objects - int(y_train[..., 4].sum())  # two centres in one cell: YOLO v1 keeps one

    # ## Model and the paper's loss
    model = yolo_v1(x_train.shape[1:], GRID, NUM_BOXES, NUM_CLASSES, base_filters=16 if quick else 32)
    batch_size = 16 if quick else 32  # small batches: more steps on few scenes
    steps = epochs * int(np.ceil(2 * n_train / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.02)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=YoloV1Loss(num_boxes=NUM_BOXES))
    # horizontal flips double the data; the targets are encoded from the mirrored boxes
    x_fit, t_fit = flip_scenes(x_train, t_train)
    y_fit = encode(t_fit)
    history = fit(model, make_dataset(x_fit, y_fit, batch_size, seed=seed), epochs, run_dir=checkpoint_dir(out, "yolo"),
                  validation_data=(x_test, y_test), verbose=0 if quick else 2)

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
        "train_scenes": n_train,
        "epochs": epochs,
        "params": model.count_params(),
    })


# ## Conclusion
# One forward pass gives every box of the image, so YOLO is the fastest of the three detectors
# here; its limits are the grid (one object per cell) and coarse localisation.
if __name__ == "__main__":
    recipe_main(run)
