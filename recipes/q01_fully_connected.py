"""# The fully-connected layer

Answers Q1: what a fully-connected (dense) layer is, how many inputs and outputs it has, and
the formula for its output.

## Introduction
A dense layer with ``n`` inputs and ``m`` outputs is ``m`` linear models side by side:
``z_j = sum_i w_ij x_i + b_j``. Each has ``n`` weights and one bias, so the layer has
``m (n + 1)`` parameters. We check the formula against Keras on the notes' examples, check
our from-scratch ``keras_course.nn.Dense`` against ``keras.layers.Dense``, and train one
dense layer (softmax regression) on real Fashion-MNIST images, drawing its 10 weight
templates.

Errata: the notes write ``z_j = sum_i (w_ij x_i + b_j)``, which adds the bias n times; the
bias sits outside the sum.
"""

import keras
import numpy as np

from keras_course.data import FASHION_MNIST_CLASSES, load_fashion_mnist, make_dataset
from keras_course.nn import Dense, dense_params
from keras_course.plots import image_grid, plot_history
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed

QUESTIONS = (1,)
# The notes' examples: 1000 features -> 2 predictions (height, weight); a 28x28 image -> 1000.
EXAMPLES = ((1000, 2), (784, 1000))


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q01_fully_connected")
    set_seed(seed)

    # ## The parameter formula m (n + 1), checked against Keras
    counts = {}
    for n, m in EXAMPLES:
        keras_layer = keras.layers.Dense(m)
        keras_layer.build((None, n))
        ours = Dense(m)
        ours.build((None, n))
        assert dense_params(n, m) == keras_layer.count_params() == ours.count_params()
        counts[f"params_{n}_to_{m}"] = dense_params(n, m)

    # ## Data: real Fashion-MNIST images, flattened to n = 784 features
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    n_train, n_test, epochs = (3000, 2000, 3) if quick else (60000, 10000, 15)
    x_train = x_train[:n_train].reshape(n_train, -1).astype("float32") / 255.0
    x_test = x_test[:n_test].reshape(n_test, -1).astype("float32") / 255.0
    y_train, y_test = y_train[:n_train], y_test[:n_test]

    # ## Same outputs as keras.layers.Dense given the same weights
    ours = Dense(10)
    reference = keras.layers.Dense(10)
    ours.build((None, 784))
    reference.build((None, 784))
    reference.set_weights(ours.get_weights())
    max_difference = float(np.max(np.abs(ours(x_test[:256]) - reference(x_test[:256]))))

    # ## Model: one dense layer with softmax = multinomial logistic regression
    model = keras.Sequential([keras.Input((784,)), Dense(10, activation="softmax", dtype="float32")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3 if not quick else 3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n_val = n_train // 10
    # make_dataset reshuffles every epoch (fit(shuffle=True) on arrays repeats one order
    # once the TF seed is set).
    train_data = make_dataset(x_train[n_val:], y_train[n_val:], batch_size=64, seed=seed)
    history = fit(model, train_data, epochs, run_dir=checkpoint_dir(out, "softmax_regression"),
                  validation_data=(x_train[:n_val], y_train[:n_val]), verbose=0 if quick else "auto")
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)

    # ## Each output j is a linear model: its weights W[:, j] form a 28x28 template
    templates = model.layers[-1].get_weights()[0].T.reshape(10, 28, 28)
    templates = (templates - templates.min()) / (templates.max() - templates.min())
    image_grid(templates, out / "weight_templates.png", labels=FASHION_MNIST_CLASSES, ncols=5,
               title="W[:, j] of the dense layer, one per class", cmap="RdBu_r")
    plot_history(history, out / "training.png", metrics=("loss", "accuracy"), title="Softmax regression")

    return save_metrics(out, {
        "test_accuracy": test_accuracy,
        "test_loss": test_loss,
        "chance_accuracy": 0.1,
        "max_abs_difference_vs_keras_dense": max_difference,
        **counts,
        "params_model": model.count_params(),
        "train_examples": n_train,
        "epochs": epochs,
    })


# ## Conclusion
# A dense layer with n inputs and m outputs has m (n + 1) parameters (785,000 for a 28x28
# image into 1000 units); one such layer already separates Fashion-MNIST far above chance.
if __name__ == "__main__":
    recipe_main(run)
