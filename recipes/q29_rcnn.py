"""# R-CNN: selective search, a CNN per warped region, linear SVMs, box regression

Answers Q29: describe the idea of R-CNN for object detection.

## Introduction
R-CNN (Girshick et al., 2014) is a two-step detector built from three separately trained
parts. (1) Selective search (OpenCV's ``ximgproc``) proposes regions likely to hold an object.
(2) Each region is warped to a fixed size and passed *on its own* through a CNN fine-tuned to
classify regions (K classes + background); its penultimate layer is the region's descriptor.
(3) One linear SVM per class scores the descriptors (scikit-learn ``LinearSVC``) and one ridge
regression per class corrects the box; per-class NMS removes duplicates. We build it on
Fashion-MNIST scenes, evaluate it with our mAP and time it: most of its time goes to running
the CNN once per proposal.

Errata: the notes say the CNN is "practically not tuned to the data"; R-CNN does fine-tune
the (ImageNet-pretrained) CNN on warped proposals before training the SVMs, and adds a
per-class box regression that the notes leave out.
"""

import time

import keras
import numpy as np

from keras_course.detection.experiment import draw_detections, proposal_kwargs, scene_splits, score_detections
from keras_course.detection.proposals import propose, proposal_recall
from keras_course.detection.rcnn import RCNN, label_regions, region_cnn, warp_regions
from keras_course.data import make_dataset
from keras_course.plots import plot_history
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (29,)
NUM_CLASSES, WARP = 10, 32


def run(quick=False, seed=0, out=None, n_jobs=1, cache_dir=None):
    out = prepare_out(out, "q29_rcnn")
    set_seed(seed)
    n_train, n_test, epochs = (200, 40, 4) if quick else (3000, 500, 12)
    (x_train, t_train), (x_test, t_test) = scene_splits(n_train, n_test, seed)

    # ## Step 1: proposals (selective search)
    train_proposals, _ = propose(x_train, n_jobs=n_jobs, cache_dir=cache_dir, **proposal_kwargs(quick))
    test_proposals, proposal_seconds = propose(x_test, cache_dir=cache_dir, **proposal_kwargs(quick))

    # ## Step 2: fine-tune the CNN on warped regions (true boxes + labelled proposals)
    regions, labels = [], []
    for image, t, p in zip(x_train, t_train, train_proposals):
        boxes = np.concatenate([t["boxes"], p])
        regions.append(warp_regions(image, boxes, WARP))
        labels.append(label_regions(boxes, t["boxes"], t["labels"])[0])
    regions, labels = np.concatenate(regions), np.concatenate(labels)
    cnn = region_cnn((WARP, WARP, 1), NUM_CLASSES, base_filters=16 if quick else 32)
    cnn.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    split = int(len(regions) * 0.9)  # the last 10% validate (as Keras's validation_split=0.1)
    history = fit(cnn, make_dataset(regions[:split], labels[:split], 64, seed=seed), epochs,
                  run_dir=checkpoint_dir(out, "region_cnn"), validation_data=(regions[split:], labels[split:]),
                  verbose=0 if quick else 2)

    # ## Step 3: one linear SVM and one box regressor per class on the CNN features
    start = time.perf_counter()
    detector = RCNN(cnn, NUM_CLASSES, WARP).fit(x_train, t_train, train_proposals)
    svm_seconds = time.perf_counter() - start

    # ## Test: every proposal through the CNN on its own
    detector.detect(x_test[:4], test_proposals[:4])  # warm up
    start = time.perf_counter()
    detections = detector.detect(x_test, test_proposals)
    network_seconds = (time.perf_counter() - start) / n_test
    scores = score_detections(detections, t_test)
    draw_detections(x_test[:8], detections[:8], t_test[:8], out / "detections.png", min_score=0.0,
                    title="R-CNN (red, SVM margin > 0) vs truth (green)")
    plot_history(history, out / "training.png", metrics=("loss", "accuracy"), title="Region CNN fine-tuning")
    return save_metrics(out, {
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
    })


# ## Conclusion
# R-CNN works, but it is three models trained apart, and its test time grows with the number
# of proposals: the CNN runs once per region. Fast R-CNN shares one feature map.
if __name__ == "__main__":
    recipe_main(run)
