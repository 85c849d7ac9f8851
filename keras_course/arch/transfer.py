"""Q23: transfer learning: a pretrained backbone, a new head, freezing and fine-tuning.

The recipe of the course notes, in three functions:

1. ``build_transfer_model``: take a network trained on a big data set (ImageNet), drop its
   classifier, put a new head with the right number of outputs on top, freeze the rest;
2. train the head only: a linear model on the backbone's features;
3. ``unfreeze`` the top blocks and train on at a much lower learning rate, so the
   pretrained features move a little toward the new task without being wiped out by the
   large gradients of a random head. ``two_phase_fine_tune`` runs 2 and 3.

Batch norm layers stay in inference mode throughout: the backbone is called with
``training=False``, so its moving statistics (from ImageNet) are used and never updated
by small, unrepresentative batches; ``unfreeze`` also keeps their gamma/beta frozen unless
told otherwise.
"""

from pathlib import Path

import keras
from keras import layers

from keras_course.arch._common import check_bool, check_dropout, check_input_shape, check_positive_int
from keras_course.checks import check_choice, check_file, check_int, check_real, check_same_length, describe
from keras_course.data.pipeline import make_dataset
from keras_course.train import fit, remove_checkpoints

HEADS = ("linear", "mlp")
BACKBONE_NAME = "backbone"


def build_transfer_model(
    backbone,
    num_classes,
    head="linear",
    freeze=True,
    dropout=0.2,
    input_shape=None,
    input_scale=1.0,
    hidden_units=256,
    feature_layers=(),
    name="transfer",
):
    """A new classifier on top of ``backbone``.

    Args:
        backbone: a ``keras.Model`` without its top: it outputs feature maps
            (batch, h, w, c), which get global average pooling, or features (batch, c).
        num_classes: outputs of the new softmax layer.
        head: "linear" (dropout + softmax layer: logistic regression on the features) or
            "mlp" (dense ``hidden_units`` + ReLU, dropout, softmax layer).
        freeze: make the backbone non-trainable (``unfreeze`` undoes it from a layer on).
        dropout: rate before the softmax layer.
        input_shape: shape of the images the model will get, if not the backbone's, e.g.
            (28, 28, 1): they are resized to the backbone's input size (bilinear) and
            grey images are repeated to 3 channels.
        input_scale: multiplies the inputs first, e.g. 255 for images in [0, 1] fed to a
            backbone that expects [0, 255] (``efficientnet_lite0``, ``vgg16_hed``).
        hidden_units: width of the "mlp" head.
        feature_layers: names of inner backbone layers whose outputs are also pooled and
            fed to the head, next to the backbone's own output (multi-level features). Use
            them when the new images are far from the backbone's: the deepest features
            are the most specific to the original task, mid-level ones (textures, parts)
            transfer further (Yosinski et al. 2014). Shapes: the head gets
            (batch, sum of the layers' channels + the output's channels).

    The backbone becomes the layer named "backbone", called with ``training=False``.
    """
    if not isinstance(backbone, keras.Model):
        raise TypeError(f"backbone must be a keras.Model, got {type(backbone).__name__}")
    check_positive_int("num_classes", num_classes)
    check_choice("head", head, HEADS)
    check_bool("freeze", freeze)
    check_dropout(dropout)
    input_scale = check_real("input_scale", input_scale, minimum=0.0, low_open=True)
    check_positive_int("hidden_units", hidden_units)
    if len(backbone.outputs) != 1 or len(backbone.outputs[0].shape) not in (2, 4):
        raise ValueError("backbone must have one output, feature maps (batch, h, w, c) or features (batch, c)")
    if (
        isinstance(feature_layers, str)
        or not hasattr(feature_layers, "__iter__")
        or not all(isinstance(n, str) for n in feature_layers)
    ):
        raise TypeError(f"feature_layers must be a sequence of layer names, got {feature_layers!r}")
    names = {layer.name for layer in backbone.layers}
    for n in feature_layers:
        if n not in names:
            raise ValueError(f"feature_layers: {n!r} is not a layer of {backbone.name}")
        if len(backbone.get_layer(n).output.shape) not in (2, 4):
            raise ValueError(f"feature_layers: {n!r} must output (batch, h, w, c) or (batch, c)")
    target = tuple(backbone.inputs[0].shape[1:])
    input_shape = check_input_shape(input_shape) if input_shape is not None else target
    if len(input_shape) != 3 or input_shape[-1] not in (1, 3):
        raise ValueError(f"input_shape must be (height, width, 1 or 3), got {input_shape}")

    if feature_layers:
        # The same layers (and weights), with the inner outputs tapped as well.
        taps = [backbone.get_layer(n).output for n in feature_layers]
        backbone = keras.Model(backbone.input, taps + list(backbone.outputs), name=BACKBONE_NAME)
    backbone.name = BACKBONE_NAME
    backbone.trainable = not freeze
    inputs = keras.Input(input_shape, name="image")
    x = inputs
    if input_scale != 1.0:
        x = layers.Rescaling(float(input_scale), name="input_scale")(x)
    if input_shape[:2] != target[:2] and None not in target[:2]:
        x = layers.Resizing(*target[:2], interpolation="bilinear", name="resize")(x)
    if input_shape[-1] == 1 and target[-1] == 3:
        x = layers.Concatenate(name="grey_to_rgb")([x, x, x])
    x = backbone(x, training=False)
    if feature_layers:
        pooled = [
            layers.GlobalAveragePooling2D(name=f"avg_pool_{n}")(f) if len(f.shape) == 4 else f
            for n, f in zip(feature_layers, x[:-1], strict=True)
        ]
        x = x[-1]
    if len(x.shape) == 4:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if feature_layers:
        x = layers.Concatenate(name="multi_level_features")(pooled + [x])
    if head == "mlp":
        x = layers.Dense(hidden_units, activation="relu", name="head_hidden")(x)
    x = layers.Dropout(dropout, name="head_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="head")(x)
    return keras.Model(inputs, outputs, name=name)


HEAD_LAYERS = ("head_hidden", "head_dropout", "head")


def split_transfer_model(model):
    """``(features, head)``: two models sharing ``model``'s layers.

    ``features`` maps images to the pooled backbone features, ``head`` maps features to
    class probabilities. Training ``head`` on precomputed features trains ``model``'s head:
    the same weights, far cheaper while the backbone is frozen (it is deterministic then,
    in inference mode, as long as the images are not augmented).
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model from build_transfer_model, got {describe(model)}")
    names = [layer.name for layer in model.layers]
    head_names = [n for n in HEAD_LAYERS if n in names]
    if "head" not in head_names:
        raise ValueError(f"model must come from build_transfer_model (no 'head' layer in {model.name})")
    first = model.get_layer(head_names[0])
    # model.input: one tensor, not a list of one (called on a tensor, that model would warn)
    features = keras.Model(model.input, first.input, name=f"{model.name}_features")
    inputs = keras.Input(tuple(first.input.shape[1:]), name="features")
    x = inputs
    for n in head_names:
        x = model.get_layer(n)(x)
    return features, keras.Model(inputs, x, name=f"{model.name}_head")


def _backbone_of(model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {describe(model)}")
    names = [layer.name for layer in model.layers]
    return model.get_layer(BACKBONE_NAME) if BACKBONE_NAME in names else model


def unfreeze(model, from_layer, keep_batchnorm_frozen=True):
    """Make the backbone trainable from ``from_layer`` on; everything before stays frozen.

    Args:
        model: a model from ``build_transfer_model`` (or a backbone itself).
        from_layer: a layer name of the backbone, or an index into ``backbone.layers``
            (negative counts from the end; 0 unfreezes everything).
        keep_batchnorm_frozen: leave batch-norm layers non-trainable (their gamma and
            beta too; their statistics are frozen anyway by ``training=False``).

    Returns the number of trainable weight tensors of the backbone. Recompile the model
    afterwards: ``trainable`` changes take effect at ``compile``.
    """
    check_bool("keep_batchnorm_frozen", keep_batchnorm_frozen)
    backbone = _backbone_of(model)
    names = [layer.name for layer in backbone.layers]
    if isinstance(from_layer, str):
        if from_layer not in names:
            raise ValueError(f"from_layer {from_layer!r} is not a layer of {backbone.name}")
        start = names.index(from_layer)
    elif isinstance(from_layer, int) and not isinstance(from_layer, bool) and -len(names) <= from_layer < len(names):
        start = from_layer % len(names)
    else:
        raise ValueError(
            f"from_layer must be a layer name or an index in [-{len(names)}, {len(names)}), got {from_layer!r}"
        )
    backbone.trainable = True
    for i, layer in enumerate(backbone.layers):
        is_bn = isinstance(layer, layers.BatchNormalization)
        layer.trainable = i >= start and not (is_bn and keep_batchnorm_frozen)
    return len(backbone.trainable_weights)


def two_phase_fine_tune(
    model,
    x,
    y,
    from_layer,
    validation_data=None,
    head_epochs=5,
    fine_tune_epochs=5,
    head_learning_rate=1e-3,
    fine_tune_learning_rate=1e-4,
    batch_size=32,
    loss="sparse_categorical_crossentropy",
    metrics=("accuracy",),
    precompute_features=False,
    cosine_decay=False,
    seed=0,
    verbose=0,
    run_dir=None,
):
    """Phase 1: train the new head on the frozen backbone. Phase 2: ``unfreeze`` from
    ``from_layer`` and go on training at a ``fine_tune_learning_rate`` (~10x lower).

    Args:
        model: from ``build_transfer_model(..., freeze=True)``.
        x, y: training data (arrays); ``validation_data`` as for ``fit``.
        from_layer: where ``unfreeze`` starts (name or index into the backbone's layers).
        head_epochs, fine_tune_epochs: epochs of each phase (0 skips the second; its
            epochs are counted from 1 again).
        precompute_features: run phase 1 on the frozen backbone's features, computed once
            (``split_transfer_model``) instead of every epoch: same result without
            augmentation, many times faster.
        cosine_decay: let each phase's learning rate fall to 0 along a cosine over its
            epochs (steadier last epochs when a small data set makes every step noisy).
        seed: the training examples are reshuffled every epoch in an order fixed by ``seed``
            (``keras_course.data.make_dataset``).
        run_dir: None, or a folder for ``keras_course.train.fit``'s checkpoints, one
            sub-folder per phase (``head``, ``fine_tune``). Run again with the same arguments
            after a kill, it resumes where it stopped: the head's checkpoints are kept until
            the second phase ends, so a kill in phase 2 does not redo phase 1.

    Returns ``{"head": History, "fine_tune": History, "history": merged logs}``.
    """
    _backbone_of(model)
    check_positive_int("head_epochs", head_epochs)
    check_int("fine_tune_epochs", fine_tune_epochs, minimum=0)  # 0 skips phase 2
    head_learning_rate = check_real("head_learning_rate", head_learning_rate, minimum=0.0, low_open=True)
    check_real("fine_tune_learning_rate", fine_tune_learning_rate, minimum=0.0, low_open=True)
    batch_size = check_positive_int("batch_size", batch_size)
    check_same_length(x=x, y=y)
    if len(x) == 0:
        raise ValueError(f"x must hold at least one example, got {describe(x)}")
    if not fine_tune_learning_rate <= head_learning_rate:
        raise ValueError(
            f"fine_tune_learning_rate must be in (0, head_learning_rate={head_learning_rate}], "
            f"got {fine_tune_learning_rate!r}"
        )
    check_bool("precompute_features", precompute_features)
    check_bool("cosine_decay", cosine_decay)
    check_int("seed", seed, minimum=0)
    steps_per_epoch = -(-len(x) // batch_size)

    def adam(learning_rate, epochs):
        if cosine_decay:
            learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, epochs * steps_per_epoch)
        return keras.optimizers.Adam(learning_rate)

    def phase_dir(name):
        return None if run_dir is None else Path(run_dir) / name

    keep_head = fine_tune_epochs > 0  # phase 1's checkpoints: what a kill in phase 2 resumes from
    _backbone_of(model).trainable = False
    if precompute_features:
        features, head = split_transfer_model(model)
        val = None
        if validation_data is not None:
            val = (features.predict(validation_data[0], batch_size=128, verbose=0), validation_data[1])
        head.compile(optimizer=adam(head_learning_rate, head_epochs), loss=loss, metrics=list(metrics))
        train_features = features.predict(x, batch_size=128, verbose=0)
        first = fit(
            head,
            make_dataset(train_features, y, batch_size, seed=seed),
            head_epochs,
            run_dir=phase_dir("head"),
            validation_data=val,
            verbose=verbose,
            keep_checkpoints=keep_head,
        )
    else:
        model.compile(optimizer=adam(head_learning_rate, head_epochs), loss=loss, metrics=list(metrics))
        first = fit(
            model,
            make_dataset(x, y, batch_size, seed=seed),
            head_epochs,
            run_dir=phase_dir("head"),
            validation_data=validation_data,
            verbose=verbose,
            keep_checkpoints=keep_head,
        )
    if fine_tune_epochs == 0:
        if run_dir is not None:
            remove_checkpoints(run_dir)  # the emptied folder (and out/checkpoints, if emptied)
        return {"head": first, "fine_tune": None, "history": dict(first.history)}
    unfreeze(model, from_layer)
    model.compile(optimizer=adam(fine_tune_learning_rate, fine_tune_epochs), loss=loss, metrics=list(metrics))
    second = fit(
        model,
        make_dataset(x, y, batch_size, seed=seed + 1),
        fine_tune_epochs,
        run_dir=phase_dir("fine_tune"),
        validation_data=validation_data,
        verbose=verbose,
    )
    if run_dir is not None:
        remove_checkpoints(phase_dir("head"))
        remove_checkpoints(run_dir)  # the emptied folder (and out/checkpoints, if emptied)
    merged = {k: list(first.history[k]) + list(second.history.get(k, [])) for k in first.history}
    return {"head": first, "fine_tune": second, "history": merged}


def application_backbone(name, weights, input_shape=None, pooling=None, **kwargs):
    """A ``keras.applications`` model without its top, loaded from a local weights file.

    ``weights`` is a path (``keras.applications`` would download "imagenet"; offline it
    fails) or None. E.g. ``application_backbone("MobileNetV2", "mobilenet_v2_notop.h5",
    input_shape=(96, 96, 3))``. Mind each family's preprocessing: EfficientNet and
    ConvNeXt take [0, 255] RGB, ResNet50 and VGG want ``keras.applications.<family>
    .preprocess_input``.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a keras.applications model name such as 'MobileNetV2', got {describe(name)}")
    builder = getattr(keras.applications, name, None)
    if builder is None or not callable(builder) or name[0].islower():
        raise ValueError(f"name must be a keras.applications model such as 'MobileNetV2', got {name!r}")
    if weights == "imagenet":
        raise ValueError("weights='imagenet' downloads; pass the path of a local weights file (or None)")
    if weights is not None:
        weights = check_file("weights", weights, suffixes=(".h5", ".keras"))
    check_choice("pooling", pooling, (None, "avg", "max"))
    return builder(
        weights=None if weights is None else str(weights),
        include_top=False,
        input_shape=input_shape,
        pooling=pooling,
        **kwargs,
    )
