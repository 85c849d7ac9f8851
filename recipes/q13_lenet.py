"""# LeNet: a CNN classifier on Fashion-MNIST

Answers Q13: how a convolutional network for image classification is usually built, and how
it passes from conv layers to fully-connected ones.

## Introduction
Blocks of conv -> nonlinearity -> pooling turn a 28x28 image into a small stack of feature
maps (here 16 maps of 5x5); ``Flatten`` lays them out as one vector of 400 numbers, and
dense layers classify it. We build LeNet-5 from ``keras_course.conv`` (our ``Conv2D`` and
``MaxPool2D``) and ``keras_course.nn.Dense``, trace the shape through every layer, and
train it on real Fashion-MNIST. The d2l book's TensorFlow LeNet (sigmoid, average pooling,
plain SGD) reports 0.726 test accuracy after 10 epochs; with ReLU, max-pooling and Adam the
same 61,706 parameters reach about 0.9. The full run also trains the 1998-style variant
(sigmoid + average pooling, same optimizer) side by side.

Errata: the notes flatten the maps "into one tensor"; it is one vector per image, whose
length (here 5 * 5 * 16 = 400) is fixed by the input size, so a conv -> flatten -> FC net
only accepts the image size it was built for.
"""

import keras
import numpy as np

from keras_course.conv import lenet
from keras_course.data import FASHION_MNIST_CLASSES, load_fashion_mnist, make_dataset
from keras_course.plots import image_grid, plot_history
from keras_course.runner import checkpoint_dir, prepare_out, recipe_main, save_metrics
from keras_course.train import fit, set_seed, standard_callbacks

QUESTIONS = (13,)
D2L_TENSORFLOW_LENET_ACCURACY = 0.726  # d2l.ai, "Convolutional Neural Networks (LeNet)", TF tab, 10 epochs


def train(model, data, epochs, batch_size, quick, seed=0, callbacks=(), run_dir=None):
    (x_train, y_train), (x_test, y_test) = data
    model.compile(optimizer=keras.optimizers.Adam(3e-3 if quick else 1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n_val = len(x_train) // 10  # the first 10% validate, the rest train
    # make_dataset reshuffles every epoch (fit(shuffle=True) on arrays repeats one order
    # once the TF seed is set).
    train_data = make_dataset(x_train[n_val:], y_train[n_val:], batch_size=batch_size, seed=seed)
    history = fit(model, train_data, epochs, run_dir=run_dir, validation_data=(x_train[:n_val], y_train[:n_val]),
                  verbose=0 if quick else 2, callbacks=callbacks)
    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    return history, float(test_loss), float(test_accuracy)


def run(quick=False, seed=0, out=None):
    out = prepare_out(out, "q13_lenet")
    set_seed(seed)

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    n_train, n_test, epochs = (4000, 2000, 2) if quick else (60000, 10000, 20)
    x_train = x_train[:n_train, :, :, None].astype("float32") / 255.0
    x_test = x_test[:n_test, :, :, None].astype("float32") / 255.0
    data = (x_train, y_train[:n_train]), (x_test, y_test[:n_test])

    # ## From conv layers to FC layers: the shape after every layer
    model = lenet()
    shapes = {layer.name: list(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["flatten"] == [400], shapes

    # ## Training (resumes after a kill; full mode keeps the best epoch by validation loss)
    callbacks = [] if quick else standard_callbacks(out / "lenet_run", patience=4)
    history, test_loss, test_accuracy = train(model, data, epochs, 64 if quick else 128, quick, seed,
                                              callbacks, checkpoint_dir(out, "lenet"))
    histories = {"LeNet (ReLU, max-pool)": history}
    metrics = {"test_accuracy": test_accuracy, "test_loss": test_loss}

    if not quick:
        # The 1998 / d2l variant: sigmoid and average pooling, trained the same way.
        set_seed(seed)
        classic = lenet(activation="sigmoid", pooling="avg", name="lenet_classic")
        classic_history, _, classic_accuracy = train(classic, data, epochs, 128, quick, seed,
                                                     standard_callbacks(out / "classic_run", patience=4),
                                                     checkpoint_dir(out, "lenet_classic"))
        histories["LeNet 1998 (sigmoid, avg-pool)"] = classic_history
        metrics["classic_sigmoid_avgpool_test_accuracy"] = classic_accuracy

    # ## What it gets wrong: the most confident mistakes
    probabilities = model.predict(data[1][0], verbose=0)
    predicted = probabilities.argmax(axis=1)
    wrong = np.nonzero(predicted != data[1][1])[0]
    worst = wrong[np.argsort(-probabilities[wrong].max(axis=1))][:16]
    image_grid(data[1][0][worst], out / "confident_mistakes.png",
               labels=[f"{FASHION_MNIST_CLASSES[predicted[i]]}\n(is {FASHION_MNIST_CLASSES[data[1][1][i]]})"
                       for i in worst], ncols=8, title="Most confident mistakes: predicted (true)")
    plot_history(histories, out / "training.png", metrics=("loss", "accuracy"), title="LeNet on Fashion-MNIST")

    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (data[1][1], predicted), 1)
    per_class = confusion.diagonal() / confusion.sum(axis=1).clip(min=1)
    return save_metrics(out, {
        **metrics,
        "chance_accuracy": 0.1,
        "d2l_tensorflow_lenet_accuracy": D2L_TENSORFLOW_LENET_ACCURACY,
        "params": model.count_params(),
        "epochs_run": len(history.history["loss"]),
        "train_examples": n_train,
        "shapes": shapes,
        "per_class_accuracy": {c: float(a) for c, a in zip(FASHION_MNIST_CLASSES, per_class)},
    })


# ## Conclusion
# Two conv -> ReLU -> pool blocks, a flatten to 400 numbers and three dense layers (61,706
# parameters) classify Fashion-MNIST at about 0.9; shirts vs T-shirts/pullovers/coats stay
# the hardest classes.
if __name__ == "__main__":
    recipe_main(run)
