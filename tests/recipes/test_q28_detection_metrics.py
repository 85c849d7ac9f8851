from keras_course.detection.references import nms_reference


def test_q28_quick(quick_run):
    metrics, out = quick_run("q28_detection_metrics")
    assert metrics["iou_examples"] == {"same": 1.0, "half_shifted": 1 / 3, "inside_quarter": 0.25, "disjoint": 0.0}
    # against TensorFlow's NMS, else torchvision's; None where neither is installed
    assert metrics["nms_identical_to_tensorflow"] is (None if nms_reference() is None else True)
    assert abs(metrics["coco_map"] - metrics["pycocotools_map"]) < 1e-6
    assert abs(metrics["coco_ap_50"] - metrics["pycocotools_ap_50"]) < 1e-6
    # NMS removes duplicates: far fewer FPs, higher mAP
    assert metrics["counts_at_50"]["nms"]["fp"] < metrics["counts_at_50"]["raw"]["fp"]
    assert metrics["map_50_nms"] > metrics["map_50_raw"] + 0.05
    assert metrics["coco_map"] < metrics["map_50_nms"]
    by_t = list(metrics["map_by_iou_threshold"].values())
    assert by_t[0] > by_t[-1]
    for name in ("before_nms", "after_nms", "pr_curve", "map_vs_iou"):
        assert (out / f"{name}.png").is_file()
