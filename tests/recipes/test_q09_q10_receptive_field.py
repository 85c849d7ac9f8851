def test_q09_q10_quick(quick_run):
    metrics, out = quick_run("q09_q10_receptive_field")
    assert metrics["notes_example_field"] == 7 and metrics["notes_example_jump"] == 4
    assert metrics["notes_example_measured"] == [7, 7]
    assert metrics["notes_formula_sizes"] == [3, 7]
    assert metrics["formula_and_gradient_agree_on_designs"] is True
    assert metrics["growth_after_3_layers"] == {
        "3x conv 3x3": 7,
        "3x conv 3x3 stride 2": 15,
        "3x conv 3x3 dilation 2": 13,
        "(conv 3x3 + pool 2) x 3": 22,
    }
    assert metrics["lenet_field"] == metrics["lenet_field_measured"] == 16
    assert metrics["vgg16_field"] == 212 and metrics["vgg16_jump"] == 32
    assert metrics["resnet50_stem_field"] == metrics["resnet50_stem_field_measured"] == 11
    for name in ("notes_example_field.png", "field_growth.png", "receptive_fields.md"):
        assert (out / name).is_file()
