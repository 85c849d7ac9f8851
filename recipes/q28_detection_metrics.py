# %% [markdown]
# # Object detection: IoU, NMS, TP / FP / FN, precision-recall, AP and mAP
#
# **Q28.** What is the task of object detection? What are the object and the answer? Which
# ways of measuring the quality of a solution do you know?
#
# ## Introduction
# A detector finds the objects of given classes in an image and puts a box around each. The
# *object* is an image; the *answer* is a list of boxes $(x_1, y_1, x_2, y_2)$, each with a
# class $k$ and a confidence $s$ (that the box holds an object and that it is of class $k$),
# sorted by confidence. Two boxes $A$ and $B$ are compared by their intersection over union,
#
# $$\operatorname{IoU}(A, B) = \frac{|A \cap B|}{|A \cup B|} = \frac{|A \cap B|}{|A| + |B| - |A \cap B|} \in [0, 1].$$
#
# A detector proposes many overlapping boxes for one object. Greedy **non-maximum
# suppression** (NMS) with a threshold $\tau$ (here 0.5) keeps one of them:
#
# 1. Sort the boxes by confidence, highest first: the list $L$.
# 2. Move the first box $b$ of $L$ to the output.
# 3. Delete from $L$ every box $c$ with $\operatorname{IoU}(b, c) > \tau$.
# 4. Repeat steps 2-3 until $L$ is empty.
#
# **Scoring, one class at a time.** Go through the detections of class $k$ (all images pooled)
# by decreasing confidence. A detection is a true positive (TP) if the true box of class $k$ it
# overlaps most has $\operatorname{IoU} > t$ (usually $t = 0.5$) and no earlier detection claimed
# it; otherwise it is a false positive (FP). The true boxes left unclaimed are false negatives
# (FN). After the $n$ most confident detections,
#
# $$P_n = \frac{\mathrm{TP}_n}{\mathrm{TP}_n + \mathrm{FP}_n} = \frac{\mathrm{TP}_n}{n}, \qquad
# R_n = \frac{\mathrm{TP}_n}{\mathrm{TP}_n + \mathrm{FN}_n} = \frac{\mathrm{TP}_n}{G},$$
#
# with $G$ the number of true boxes of class $k$. The points $(R_n, P_n)$ form the
# precision-recall curve. The average precision (AP) is the area under its envelope
# $P_{\text{interp}}(r) = \max_{n : R_n \ge r} P_n$ (0 beyond the largest recall):
#
# $$\mathrm{AP}_{\text{all-point}} = \sum_{n} (R_n - R_{n-1})\, P_{\text{interp}}(R_n), \quad R_0 = 0, \qquad
# \mathrm{AP}_{11} = \frac{1}{11} \sum_{r \in \{0, 0.1, \ldots, 1\}} P_{\text{interp}}(r).$$
#
# All-point is PASCAL VOC since 2010, 11-point is VOC 2007; COCO samples 101 recalls
# $0, 0.01, \ldots, 1$. The mean over the $K$ classes is the mAP, and COCO's mAP also averages
# over ten IoU thresholds:
#
# $$\mathrm{mAP}@t = \frac{1}{K} \sum_{k=1}^{K} \mathrm{AP}_k(t), \qquad
# \mathrm{mAP}_{\text{COCO}} = \frac{1}{10} \sum_{t \in \{0.5, 0.55, \ldots, 0.95\}} \mathrm{mAP}@t.$$
#
# We use a simulated detector on Fashion-MNIST scenes: noisy copies of the true boxes, some
# with the wrong class, plus random boxes. It lets us show each step. Our evaluator
# (`keras_course.detection`) is checked against pycocotools, and our NMS against another
# library's (TensorFlow's, else torchvision's, whichever is installed).
#
# > **Errata (notes 1.1.28).** The notes label detections as: "1. $IoU > 0.5$: TP, the class is
# > right; 2. $0.5 \geq IoU$: FP; 3. $IoU > 0.5$: FN, if we got the class wrong" ("FN это если мы
# > неправильно определили класс"). A detection with the wrong class is a **FP** (of the class it
# > claims). A FN is a *true box* that no detection of its class claimed; it is not a detection
# > at all. A second detection of an already claimed box is also a FP, even with IoU 0.9. The notes
# > also stop at IoU and the labels. The usual answer to "how is quality measured" is
# > precision, recall, AP and mAP, given above. And the notes' "Maximum Suppression" is
# > *non*-maximum suppression, repeated until no box is left.

# %% tags=["parameters"]
quick = False  # True: 60 scenes instead of 1,000, seconds instead of a minute
seed = 0  # the same seed gives the same figures
out = None  # output folder; None means runs/q28_detection_metrics

# %% [markdown]
# ## Setup

# %%
import numpy as np

from keras_course.data.detection_scenes import DETECTION_CLASSES
from keras_course.detection import average_precision, coco_map, evaluate_detections, iou, match, nms
from keras_course.detection.experiment import draw_detections, scene_splits
from keras_course.detection.references import nms_reference, pycocotools_map, reference_nms
from keras_course.detection.simulated import simulated_detections
from keras_course.display import show_key_figures, show_table
from keras_course.plots import plt, save_figure
from keras_course.runner import recipe_parameters, save_metrics
from keras_course.train import set_seed

QUESTIONS = (28,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "map_50_nms": ("mAP@0.5 after NMS", ""),
    "counts_at_50.raw.fp": ("false positives at IoU 0.5, without NMS", ""),
    "counts_at_50.nms.fp": ("false positives at IoU 0.5, after NMS", ""),
    "map_50_raw": ("mAP@0.5 without NMS", ""),
    "ap_first_class.all-point": ("AP@0.5 of the first class, all-point", ""),
    "ap_first_class.11-point": ("AP@0.5 of the first class, 11-point", ""),
    "coco_map": ("COCO mAP@[.5:.95], ours", ""),
    "pycocotools_map": ("COCO mAP@[.5:.95], pycocotools", ""),
}
quick, seed, out = recipe_parameters("q28_detection_metrics", quick, seed, out)
set_seed(seed)


def after_nms(detections, iou_threshold=0.5):
    """Class-agnostic NMS per image (our ``nms``)."""
    kept = []
    for d in detections:
        keep = nms(d["boxes"], d["scores"], iou_threshold)
        kept.append({k: v[keep] for k, v in d.items()})
    return kept


# %% [markdown]
# ## Data: Fashion-MNIST scenes
# Each 64 x 64 scene holds up to 3 garments with their true boxes and classes. Only the test
# split is used: nothing is trained here.

# %%
rng = np.random.default_rng(seed)
n_images = 60 if quick else 1000
_, (images, targets) = scene_splits(1, n_images, seed)
size = images.shape[1]
print(
    f"{n_images} scenes of {size}x{size} px, {sum(len(t['labels']) for t in targets)} true boxes, "
    f"{len(DETECTION_CLASSES)} classes"
)

# %% [markdown]
# ## IoU on the notes' formula
# Four pairs of boxes. Shifting a $10 \times 10$ box by half its width gives
# $\operatorname{IoU} = 50 / 150 = 1/3$: much less than the "half overlap" it looks like.

# %%
examples = {
    "same": ([0, 0, 10, 10], [0, 0, 10, 10]),
    "half_shifted": ([0, 0, 10, 10], [5, 0, 15, 10]),
    "inside_quarter": ([0, 0, 10, 10], [0, 0, 5, 5]),
    "disjoint": ([0, 0, 10, 10], [20, 20, 30, 30]),
}
iou_examples = {name: float(iou([a], [b])[0, 0]) for name, (a, b) in examples.items()}
show_table(
    [{"pair": name, "box A": str(a), "box B": str(b), "IoU": iou_examples[name]} for name, (a, b) in examples.items()],
    title="IoU of four pairs of boxes (x1, y1, x2, y2)",
)

# %% [markdown]
# ## NMS removes duplicates: raw detections vs after NMS
# `simulated_detections` reports 3 jittered boxes for 9 in 10 true boxes (`copies=3`,
# `miss=0.1`), a random class for 1 copy in 10 (`wrong_class=0.1`), plus on average 2 random
# boxes per image (`extra=2`). NMS with $\tau = 0.5$ removes the near-copies of each kept box;
# boxes that overlap it less stay.

# %%
raw = simulated_detections(targets, rng, len(DETECTION_CLASSES))
kept = after_nms(raw)
captions = {
    "before_nms": "Raw detections (red) and true boxes (green, dashed): most objects carry several "
    "overlapping boxes, some with the wrong class, and a few boxes cover nothing.",
    "after_nms": "The same scenes after NMS at IoU 0.5: the stacks of near-identical boxes are gone. Badly "
    "placed copies and random boxes, which overlap a better box by less than 0.5, remain.",
}
for name, detections, title in (("before_nms", raw, "before NMS"), ("after_nms", kept, "after NMS (0.5)")):
    draw_detections(images[:4], detections[:4], targets[:4], out / f"{name}.png", title, 0.0, caption=captions[name])
print(
    f"boxes per image: {np.mean([len(d['boxes']) for d in raw]):.2f} raw, "
    f"{np.mean([len(d['boxes']) for d in kept]):.2f} after NMS (true boxes: "
    f"{np.mean([len(t['labels']) for t in targets]):.2f})"
)

# %% [markdown]
# ## TP / FP / FN at IoU 0.5
# Per image and class, then summed over the images. Each duplicate is a FP, so NMS should
# cut the FPs sharply. It costs a few TPs: our NMS ignores the classes, so a higher-scored copy
# with the wrong class can suppress the copy with the right one.

# %%
counts = {}
for which, detections in (("raw", raw), ("nms", kept)):
    c = {"tp": 0, "fp": 0, "fn": 0}
    for d, t in zip(detections, targets, strict=True):
        for label in range(len(DETECTION_CLASSES)):
            mine, theirs = d["labels"] == label, t["labels"] == label
            if mine.any() or theirs.any():
                m = match(d["boxes"][mine], d["scores"][mine], t["boxes"][theirs], 0.5)
                c["tp"], c["fp"], c["fn"] = c["tp"] + m["num_tp"], c["fp"] + m["num_fp"], c["fn"] + m["num_fn"]
    counts[which] = c
show_table(
    [
        {
            "detections": which,
            "TP": c["tp"],
            "FP": c["fp"],
            "FN": c["fn"],
            "precision": c["tp"] / (c["tp"] + c["fp"]),
            "recall": c["tp"] / (c["tp"] + c["fn"]),
        }
        for which, c in counts.items()
    ],
    title="Counts at IoU 0.5, all detections kept",
)

# %% [markdown]
# ## Precision-recall curve and AP three ways
# For the first class: the curve $(R_n, P_n)$, its envelope $P_{\text{interp}}$, and the AP
# computed as the exact area (all-point), from 11 recall points and from 101.

# %%
result = evaluate_detections(kept, targets)
label = int(result["classes"][0])
recall, precision = result["curves"][(0.5, label)]
ap = {method: average_precision(recall, precision, method) for method in ("all-point", "11-point", "101-point")}
fig, ax = plt.subplots(figsize=(5, 4))
ax.plot(recall, precision, ".-", lw=0.8, ms=2, label="precision")
ax.plot(recall, np.maximum.accumulate(precision[::-1])[::-1], "r-", lw=1.5, label="envelope (AP = area)")
ax.set(
    xlabel="recall",
    ylabel="precision",
    ylim=(0, 1.05),
    title=f"{DETECTION_CLASSES[label]}: AP@0.5 = {ap['all-point']:.3f}",
)
ax.legend()
save_figure(
    fig,
    out / "pr_curve.png",
    caption="Precision against recall as detections are added by decreasing confidence: each FP "
    "drops the precision, each TP moves right. AP is the area under the red envelope.",
)
show_table(
    [{"method": method, "AP@0.5": value} for method, value in ap.items()],
    title=f"AP@0.5 of class {DETECTION_CLASSES[label]!r}, after NMS",
)

# %% [markdown]
# ## mAP: without and with NMS, and at stricter IoU thresholds
# A stricter $t$ asks for better-placed boxes, so the mAP falls with $t$. COCO's mAP is the
# mean of the ten values $t = 0.5, 0.55, \ldots, 0.95$.

# %%
maps = {f"map_50_{which}": evaluate_detections(d, targets)["map"] for which, d in (("raw", raw), ("nms", kept))}
thresholds = np.round(np.arange(0.5, 0.96, 0.05), 2)
by_threshold = [evaluate_detections(kept, targets, (t,))["map"] for t in thresholds]
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(thresholds, by_threshold, "o-")
ax.set(xlabel="IoU threshold", ylabel="mAP", title="Stricter overlap, lower mAP (COCO averages these)")
save_figure(
    fig,
    out / "map_vs_iou.png",
    caption="mAP after NMS against the IoU threshold a TP needs: it falls slowly up to about 0.75, "
    "then collapses, since few jittered boxes overlap their object by 0.9 or more.",
)
show_table(
    [{"IoU threshold t": t, "mAP@t (after NMS)": m} for t, m in zip(thresholds, by_threshold, strict=True)],
    title="mAP against the IoU threshold",
)
print(f"mAP@0.5: {maps['map_50_raw']:.3f} without NMS, {maps['map_50_nms']:.3f} after NMS")

# %% [markdown]
# ## Our evaluator against pycocotools, our NMS against another library's
# COCO's own evaluator (`COCOeval`) on the same detections, and the same raw boxes through
# `reference_nms`: TensorFlow's `tf.image.non_max_suppression` (which takes boxes as
# $(y_1, x_1, y_2, x_2)$) when TensorFlow is installed, with any Keras backend, else
# torchvision's `nms`. Without either, or without pycocotools, that check is left out (None).

# %%
ours_coco, ours_50 = coco_map(kept, targets), coco_map(kept, targets, iou_thresholds=[0.5])
theirs = pycocotools_map(kept, targets, DETECTION_CLASSES, size) or (None, None)
show_table(
    [
        {"figure": "COCO mAP@[.5:.95]", "ours": ours_coco, "pycocotools": theirs[0]},
        {"figure": "COCO AP@0.5 (101-point)", "ours": ours_50, "pycocotools": theirs[1]},
    ],
    title="Our COCO evaluation against pycocotools",
)
library = nms_reference()
nms_same = None
if library is None:
    print("reference NMS not installed (neither TensorFlow nor torchvision): the NMS check is left out")
else:
    nms_same = all(
        np.array_equal(nms(d["boxes"], d["scores"], 0.5), reference_nms(d["boxes"], d["scores"])) for d in raw
    )
    print(f"our NMS keeps the same boxes as {library}'s on every image:", nms_same)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        "iou_examples": iou_examples,
        "counts_at_50": counts,
        "ap_first_class": ap,
        **maps,
        "map_by_iou_threshold": dict(zip(map(str, thresholds), by_threshold, strict=True)),
        "coco_map": ours_coco,
        "coco_ap_50": ours_50,
        "pycocotools_map": theirs[0],
        "pycocotools_ap_50": theirs[1],
        "nms_identical_to_tensorflow": nms_same,  # the name of records made when TensorFlow was the reference
        "images": n_images,
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Without NMS every duplicate is a FP, so precision drops; after NMS the same detector's
# mAP@0.5 rises (0.655 to 0.769 on the 1,000 scenes of a full run). AP depends on how the
# curve is summarised: 11 points give a coarser value that can differ from the exact area by
# several points.
# COCO's mAP, averaged over stricter IoU thresholds, is much lower than mAP@0.5. Our
# evaluator gives pycocotools' figures exactly.
#
# **Try a variation.** Call `after_nms(raw, iou_threshold=0.3)` or `0.7` in the NMS cell. A low
# threshold also removes correct boxes of objects that touch; a high one leaves more
# duplicates (more FPs). Or pass `wrong_class=0.3` to `simulated_detections`: the FPs grow, and the
# FNs grow only where every copy of a true box got a wrong class.
