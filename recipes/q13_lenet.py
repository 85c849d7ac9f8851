# %% [markdown]
# # LeNet: a CNN classifier on Fashion-MNIST
#
# **Q13.** How are convolutional networks for image classification (or regression) usually
# built? How does the network pass from convolutional layers to fully-connected ones?
#
# ## Introduction
# A classification CNN repeats blocks of convolution $\to$ nonlinearity $\to$ pooling (or
# convolution $\to$ nonlinearity). Each block makes the maps smaller and their number (the
# channels) larger. Then `Flatten` lays the last $H \times W \times C$ maps of each image out as
# one vector of $H W C$ numbers, and a few dense layers turn it into class scores (softmax) or,
# for regression, into the predicted numbers.
#
# LeNet-5 on a $28 \times 28$ image: conv $6@5 \times 5$ ("same" padding) $\to$ pool $2 \times 2$
# $\to$ conv $16@5 \times 5$ $\to$ pool $2 \times 2$ gives 16 maps of $5 \times 5$; flatten gives
# $5 \cdot 5 \cdot 16 = 400$ numbers, then dense layers $400 \to 120 \to 84 \to 10$. A conv layer
# with $C_\text{in}$ input and $C_\text{out}$ output channels and a $k \times k$ kernel has
# $(k^2 C_\text{in} + 1)\, C_\text{out}$ parameters, a dense one $(n_\text{in} + 1)\, n_\text{out}$:
# 61,706 in all, 78% of them in the first dense layer.
#
# We build LeNet-5 from `keras_course.conv` (our `Conv2D` and `MaxPool2D`) and
# `keras_course.nn.Dense`, trace the shape through every layer, and train it on real
# Fashion-MNIST. The d2l book's TensorFlow LeNet (sigmoid, average pooling, plain SGD) reports
# 0.726 test accuracy after 10 epochs; with ReLU, max-pooling and Adam the same 61,706
# parameters reach about 0.9. The full run also trains the 1998-style variant (sigmoid and
# average pooling, same optimizer) side by side.
#
# > **Errata (notes 1.1.13).** The notes say the maps ("n-мерные матрицы") are stretched "в один
# > тензор" (into one tensor). More precisely, flattening gives one *vector* per image (a batch
# > of $N$ images becomes an $N \times 400$ matrix), and its length $H W C$ is fixed by the input
# > size: a conv $\to$ flatten $\to$ dense network only accepts the image size it was built for
# > (global average pooling instead of flatten lifts that limit).

# %% tags=["parameters"]
quick = False  # True: 4,000 training images and 2 epochs, under a minute
seed = 0  # the same seed gives the same figures on CPU
out = None  # output folder; None means runs/q13_lenet

# %% [markdown]
# ## Setup

# %%
import keras
import numpy as np

from keras_course.conv import lenet
from keras_course.data import FASHION_MNIST_CLASSES, load_fashion_mnist, make_dataset
from keras_course.display import show_key_figures, show_table
from keras_course.plots import image_grid, plot_history
from keras_course.runner import checkpoint_dir, recipe_parameters, save_metrics
from keras_course.train import fit, set_seed, standard_callbacks

QUESTIONS = (13,)
KEY_FIGURES = {  # metrics.json key: (what it is, unit)
    "test_accuracy": ("test accuracy, LeNet with ReLU and max-pooling", ""),
    "shapes.flatten": ("length of the flattened vector (5 x 5 x 16)", ""),
    "params": ("parameters of LeNet-5", ""),
    "d2l_tensorflow_lenet_accuracy": ("d2l's sigmoid / average-pooling LeNet, 10 epochs", ""),
    "chance_accuracy": ("chance accuracy (10 classes)", ""),
    "per_class_accuracy.Shirt": ("accuracy on shirts, the hardest class", ""),
}
quick, seed, out = recipe_parameters("q13_lenet", quick, seed, out)
set_seed(seed)
D2L_TENSORFLOW_LENET_ACCURACY = 0.726  # d2l.ai, "Convolutional Neural Networks (LeNet)", TF tab, 10 epochs


def train(model, data, epochs, batch_size, quick, seed=0, callbacks=(), run_dir=None):
    (x_train, y_train), (x_test, y_test) = data
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3 if quick else 1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    n_val = len(x_train) // 10  # the first 10% validate, the rest train
    # make_dataset reshuffles every epoch (fit(shuffle=True) on arrays repeats one order
    # once the TF seed is set).
    train_data = make_dataset(x_train[n_val:], y_train[n_val:], batch_size=batch_size, seed=seed)
    history = fit(
        model,
        train_data,
        epochs,
        run_dir=run_dir,
        validation_data=(x_train[:n_val], y_train[:n_val]),
        verbose=0 if quick else 2,
        callbacks=callbacks,
    )
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    return history, float(test_loss), float(test_accuracy)


# %% [markdown]
# ## Data: Fashion-MNIST
# $28 \times 28$ grey images of 10 kinds of clothes, scaled to $[0, 1]$, with a channel axis
# added: the network takes $(N, 28, 28, 1)$ tensors.

# %%
(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
n_train, n_test, epochs = (4000, 2000, 2) if quick else (60000, 10000, 20)
x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
x_test = x_test[:n_test, :, :, None].astype("float32") / 255.0
data = (x_train, y_train[:n_train]), (x_test, y_test[:n_test])
print(f"train {x_train.shape}, test {x_test.shape}, {epochs} epochs")

# %% [markdown]
# ## From conv layers to FC layers: the shape after every layer
# The spatial size falls $28 \to 14 \to 10 \to 5$ while the channels grow $1 \to 6 \to 16$;
# `Flatten` turns the $5 \times 5 \times 16$ maps into 400 numbers, and from there on every
# layer is dense.

# %%
model = lenet()
shapes = {layer.name: list(layer.output.shape[1:]) for layer in model.layers}
assert shapes["flatten"] == [400], shapes
show_table(
    [
        {"layer": layer.name, "output shape": shapes[layer.name], "parameters": layer.count_params()}
        for layer in model.layers
    ],
    title=f"LeNet-5, {model.count_params():,} parameters",
)

# %% [markdown]
# ## Training
# Adam on the cross-entropy; the first 10% of the training images validate. A full run keeps
# the best epoch by validation loss, and a killed run resumes from its last checkpoint.

# %%
callbacks = [] if quick else standard_callbacks(out / "lenet_run", patience=4)
history, test_loss, test_accuracy = train(
    model, data, epochs, 64 if quick else 128, quick, seed, callbacks, checkpoint_dir(out, "lenet")
)
histories = {"LeNet (ReLU, max-pool)": history}
accuracies = {"test_accuracy": test_accuracy, "test_loss": test_loss}
print(
    f"after {len(history.history['loss'])} epochs: test accuracy {test_accuracy:.3f}, test loss {test_loss:.3f} "
    f"(d2l's LeNet: {D2L_TENSORFLOW_LENET_ACCURACY})"
)

# %% [markdown]
# ## The 1998 variant: sigmoid and average pooling (full run only)
# The same architecture with the original sigmoid activations and average pooling, trained the
# same way, then both learning curves.

# %%
if not quick:
    set_seed(seed)
    classic = lenet(activation="sigmoid", pooling="avg", name="lenet_classic")
    classic_history, _, classic_accuracy = train(
        classic,
        data,
        epochs,
        128,
        quick,
        seed,
        standard_callbacks(out / "classic_run", patience=4),
        checkpoint_dir(out, "lenet_classic"),
    )
    histories["LeNet 1998 (sigmoid, avg-pool)"] = classic_history
    accuracies["classic_sigmoid_avgpool_test_accuracy"] = classic_accuracy
plot_history(
    histories,
    out / "training.png",
    metrics=("loss", "accuracy"),
    title="LeNet on Fashion-MNIST",
    caption="Training (solid) and validation (dashed) loss and accuracy per epoch; the full run adds "
    "the 1998 sigmoid / average-pooling LeNet for comparison.",
)
show_table(
    [
        {"network": name, "epochs": len(h.history["loss"]), "last validation accuracy": h.history["val_accuracy"][-1]}
        for name, h in histories.items()
    ],
    title="Runs" + (" (quick mode: the 1998 variant is skipped)" if quick else ""),
)

# %% [markdown]
# ## What it gets wrong: the most confident mistakes
# The 16 test images the network misclassifies with the highest softmax probability, and the
# accuracy per class (the diagonal of the confusion matrix divided by the row sums).

# %%
probabilities = model.predict(data[1][0], verbose=0)
predicted = probabilities.argmax(axis=1)
wrong = np.nonzero(predicted != data[1][1])[0]
worst = wrong[np.argsort(-probabilities[wrong].max(axis=1))][:16]
image_grid(
    data[1][0][worst],
    out / "confident_mistakes.png",
    labels=[f"{FASHION_MNIST_CLASSES[predicted[i]]}\n(is {FASHION_MNIST_CLASSES[data[1][1][i]]})" for i in worst],
    ncols=8,
    title="Most confident mistakes: predicted (true)",
    caption="The test images LeNet gets wrong with the highest confidence (predicted class above the "
    "true one): the mix-ups are between classes of similar outline, such as trousers and dresses, "
    "or sneakers, sandals and ankle boots.",
)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (data[1][1], predicted), 1)
per_class = confusion.diagonal() / confusion.sum(axis=1).clip(min=1)
show_table(
    [
        {"class": c, "test images": int(confusion[i].sum()), "accuracy": float(a)}
        for i, (c, a) in enumerate(zip(FASHION_MNIST_CLASSES, per_class, strict=True))
    ],
    title="Accuracy per class",
)

# %% [markdown]
# ## Results

# %%
metrics = save_metrics(
    out,
    {
        **accuracies,
        "chance_accuracy": 0.1,
        "d2l_tensorflow_lenet_accuracy": D2L_TENSORFLOW_LENET_ACCURACY,
        "params": model.count_params(),
        "epochs_run": len(history.history["loss"]),
        "train_examples": n_train,
        "shapes": shapes,
        "per_class_accuracy": {c: float(a) for c, a in zip(FASHION_MNIST_CLASSES, per_class, strict=True)},
    },
)
show_key_figures(metrics, KEY_FIGURES)

# %% [markdown]
# ## Conclusion
# Two conv $\to$ ReLU $\to$ pool blocks, a flatten to 400 numbers and three dense layers (61,706
# parameters) classify Fashion-MNIST at about 0.9 in a full run; quick mode, on 4,000 images
# for 2 epochs, already gets well above chance. Shirts against T-shirts, pullovers and coats
# stay the hardest classes.
#
# **Try a variation.** In the shapes cell, build `lenet(input_shape=(32, 32, 1))` and drop the
# `assert`: the flattened vector grows to $6 \cdot 6 \cdot 16 = 576$ numbers and the first dense
# layer to 69,240 parameters. The sizes of the dense layers depend on the image size, so the
# network has to be rebuilt (and retrained) for every input size.
