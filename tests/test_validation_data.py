"""Issue #20 for keras_course.text, keras_course.data, train, plots and display: bad input
raises a clear error naming the argument (or the file), never a silent wrong answer."""

import gzip
import json
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow as tf
from gensim.models import KeyedVectors
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_course.backend as backend
import keras_course.data as data
import keras_course.display as display
import keras_course.plots as plots
import keras_course.text as text
import keras_course.train as train
from keras_course.data.images import _read_idx
from keras_course.text.vocab import _check_sentences

RNG = np.random.default_rng(0)
VOCAB = text.Vocab(["the", "cat", "sat"], [3, 2, 1])
KV = KeyedVectors(4)
KV.add_vectors(["the", "cat", "sat"], np.eye(3, 4, dtype=np.float32))
IMAGES = np.full((1, 8, 8, 1), 0.5, np.float32)
UINT8 = np.full((1, 8, 8, 1), 200, np.uint8)
TARGET = {"boxes": np.array([[1.0, 1, 5, 5]]), "labels": np.array([0])}
TWO_BOXES_ONE_LABEL = [{"boxes": np.array([[1.0, 1, 5, 5], [2, 2, 6, 6]]), "labels": np.array([0])}]
FIG = plt.figure()


def _tiny_model():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


MODEL = _tiny_model()
DATASET = tf.data.Dataset.from_tensor_slices((np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32))).batch(2)

# Corrupt and truncated files, each of which must be named in the error.
TMP = Path(tempfile.mkdtemp(prefix="validation_data_"))
(TMP / "coco_cut.json").write_text('{"images": [{"id": 1, "file_na')
(TMP / "coco_bad_id.json").write_text(
    json.dumps(
        {
            "images": [{"id": 1, "file_name": "a.png"}],
            "categories": [{"id": 1, "name": "a"}],
            "annotations": [{"image_id": 7, "category_id": 1, "bbox": [0, 0, 1, 1]}],
        }
    )
)
(TMP / "voc" / "Annotations").mkdir(parents=True)
(TMP / "voc" / "Annotations" / "cut_voc.xml").write_text("<annotation><filename>a.png</filename><obj")
(TMP / "ckpt").mkdir()
(TMP / "ckpt" / "epoch-0001.npz").write_bytes(b"PK\x03\x04 half a checkpoint")
(TMP / "hist").mkdir()
(TMP / "hist" / "history.jsonl").write_text('{"loss": 0.5}\n')
(TMP / "owner").mkdir()
(TMP / "owner" / "model.json").write_text('{"model": "Seq')
(TMP / "imgs").mkdir()
(TMP / "masks").mkdir()
(TMP / "imgs" / "broken_png.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
(TMP / "masks" / "broken_png.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
(TMP / "past").mkdir()
train.save_checkpoint(MODEL, TMP / "past", 3, {"loss": 1.0})

E = ValueError
T = TypeError
CASES = [
    # ---------------------------------------------------------------- text.vocab
    (text.Vocab, ("ab", [1, 1]), {}, T, "words"),
    (text.Vocab, (["a", "b"], [1]), {}, E, "counts"),
    (text.Vocab, (["a", "a"], [1, 1]), {}, E, "words"),
    (text.Vocab, (["a"], [1.5]), {}, T, "counts"),
    (text.Vocab, (["a"], [-1]), {}, E, "counts"),
    (VOCAB.encode, ("the cat",), {}, T, "tokens"),
    (VOCAB.encode, ([1, 2],), {}, T, "tokens"),
    (text.build_vocab, ("the cat",), {}, T, "sentences"),
    (text.build_vocab, (["the cat"],), {}, T, "sentences[0]"),
    (text.build_vocab, ([["a", 1]],), {}, T, "sentences[0]"),
    (text.build_vocab, ([["a"]],), {"min_count": 0}, E, "min_count"),
    (text.build_vocab, ([["a"]],), {"min_count": -1}, E, "min_count"),
    (text.build_vocab, ([["a"]],), {"min_count": 1.5}, T, "min_count"),
    (text.build_vocab, ([["a"]],), {"min_count": 1, "max_size": 0}, E, "max_size"),
    (text.encode_corpus, ([["a"]], "vocab"), {}, T, "vocab"),
    (text.encode_corpus, (["the cat"], VOCAB), {}, T, "sentences[0]"),
    (text.encode_corpus, ("the cat", VOCAB), {}, T, "sentences"),
    (text.subsample_probability, ([0.5, np.nan],), {}, E, "freqs"),
    (text.subsample_probability, ([0.0, 0.5],), {}, E, "freqs"),
    (text.subsample_probability, ([[0.5]],), {}, E, "freqs"),
    (text.subsample_probability, ([0.5],), {"t": 0}, E, "t"),
    (text.subsample_probability, ([0.5],), {"t": np.nan}, E, "t"),
    (text.subsample_probability, ([0.5],), {"t": "1e-3"}, T, "t"),
    (text.subsample_probability, ([0.5],), {"rule": "gensim"}, E, "rule"),
    (text.subsample, ([0.5], [0], [0.1], RNG), {}, T, "ids"),
    (text.subsample, ([0, 1], [0], [0.1, 0.2], RNG), {}, E, "sentence_ids"),
    (text.subsample, ([0, 5], [0, 0], [0.1, 0.2], RNG), {}, E, "ids"),
    (text.subsample, ([0], [0], [np.nan], RNG), {}, E, "discard"),
    (text.subsample, ([0], [0], [0.1], 0), {}, T, "rng"),
    (text.noise_distribution, ([],), {}, E, "counts"),
    (text.noise_distribution, ([-1, 2],), {}, E, "counts"),
    (text.noise_distribution, ([0, 0],), {}, E, "counts"),
    (text.noise_distribution, ([1, 2],), {"power": np.nan}, E, "power"),
    (text.noise_table, ([],), {}, E, "noise"),
    (text.noise_table, ([-0.1, 1.1],), {}, E, "noise"),
    (text.noise_table, ([0.5, 0.5],), {"table_size": 0}, E, "table_size"),
    (text.noise_table, ([0.5, 0.5],), {"table_size": 1.5}, T, "table_size"),
    (text.sample_negatives, ([0.5, 0.5], (2, 3), None), {}, T, "rng"),
    (text.sample_negatives, ([0.5, 0.5], (-1, 3), RNG), {}, E, "shape"),
    (text.sample_negatives, ([0.5, 0.5], "3", RNG), {}, T, "shape"),
    (text.sample_negatives, ([0.5, 0.5], (2,), RNG), {"table": np.array([0.5])}, T, "table"),
    (text.skipgram_pairs, ([0, 1, 2], 0, RNG), {}, E, "window"),
    (text.skipgram_pairs, ([0, 1, 2], -2, RNG), {}, E, "window"),
    (text.skipgram_pairs, ([0, 1, 2], 2.0, RNG), {}, T, "window"),
    (text.skipgram_pairs, ([[0, 1]], 2, RNG), {}, E, "ids"),
    (text.skipgram_pairs, ([-1, 1], 2, RNG), {}, E, "ids"),
    (text.skipgram_pairs, ([0, 1], 2, 1), {}, T, "rng"),
    (text.skipgram_pairs, ([0, 1], 2, RNG), {"sentence_ids": [0]}, E, "sentence_ids"),
    (text.cbow_examples, ([0, 1, 2], 0, RNG), {}, E, "window"),
    (text.cbow_examples, ([0, 1, 2], 2, RNG), {"pad": 0}, E, "pad"),
    (text.cbow_examples, ([0.0, 1.0], 2, RNG), {}, T, "ids"),
    (text.cbow_examples, ([0, 1], 2, "rng"), {}, T, "rng"),
    (text.encode_padded, ([["the"]], VOCAB, 0), {}, E, "max_len"),
    (text.encode_padded, ([["the"]], VOCAB, 5), {"min_len": 0}, E, "min_len"),
    (text.encode_padded, ([["the"]], "vocab", 5), {}, T, "vocab"),
    (text.encode_padded, ("the cat", VOCAB, 5), {}, T, "token_lists"),
    (text.encode_padded, (["the cat"], VOCAB, 5), {}, T, "token_lists[0]"),
    # ---------------------------------------------------------------- text.fasttext
    (text.char_ngrams, ("",), {}, T, "word"),
    (text.char_ngrams, (3,), {}, T, "word"),
    (text.char_ngrams, ("where", 0, 3), {}, E, "n_min"),
    (text.char_ngrams, ("where", 4, 3), {}, E, "n_max"),
    (text.char_ngrams, ("where", 1.5, 3), {}, T, "n_min"),
    (text.fnv1a_hash, (3,), {}, T, "text"),
    (text.fnv1a_hash, (b"where",), {}, T, "text"),
    (text.ngram_hashes, ("where",), {"buckets": 0}, E, "buckets"),
    (text.ngram_hashes, (None,), {}, T, "word"),
    (text.subword_table, ("where",), {}, T, "words"),
    (text.subword_table, ([],), {}, E, "words"),
    (text.subword_table, (["where"],), {"buckets": 0}, E, "buckets"),
    (text.subword_table, (["where"],), {"n_min": 0}, E, "n_min"),
    (text.FastTextSkipGram, ([0, 1], 10), {}, E, "subwords"),
    (text.FastTextSkipGram, ([[0.5]], 10), {}, T, "subwords"),
    (text.FastTextSkipGram, ([[0, 99]], 10), {}, E, "subwords"),
    (text.FastTextSkipGram, ([[0]], 0), {}, E, "buckets"),
    (text.FastTextSkipGram, ([[0]], 10, 0), {}, E, "vector_size"),
    (text.FastTextSkipGram, ([[0]], 10, 4), {"seed": -1}, E, "seed"),
    (text.FastTextVectors, ("ab", np.zeros((12, 3)), 3, 6, 10), {}, T, "words"),
    (text.FastTextVectors, (["a", "b"], np.zeros((5, 3)), 3, 6, 10), {}, E, "token_vectors"),
    (text.FastTextVectors, (["a", "b"], np.full((12, 3), np.nan), 3, 6, 10), {}, E, "token_vectors"),
    (text.FastTextVectors, (["a", "b"], np.zeros((12, 3)), 3, 6, 0), {}, E, "buckets"),
    (text.FastTextVectors, (["a", "b"], np.zeros((12, 3)), 0, 6, 10), {}, E, "n_min"),
    (text.train_fasttext, ("the cat sat",), {}, T, "sentences"),
    (text.train_fasttext, ([["a"]],), {"window": 0}, E, "window"),
    (text.train_fasttext, ([["a"]],), {"negative": 0}, E, "negative"),
    (text.train_fasttext, ([["a"]],), {"epochs": 0}, E, "epochs"),
    (text.train_fasttext, ([["a"]],), {"batch_size": -1}, E, "batch_size"),
    (text.train_fasttext, ([["a"]],), {"vector_size": 0}, E, "vector_size"),
    (text.train_fasttext, ([["a"]],), {"alpha": np.nan}, E, "alpha"),
    (text.train_fasttext, ([["a"]],), {"min_alpha": 0.5}, E, "min_alpha"),
    (text.train_fasttext, ([["a"]],), {"seed": -1}, E, "seed"),
    (text.train_fasttext, ([["a"]],), {"buckets": 0}, E, "buckets"),
    # ---------------------------------------------------------------- text.word2vec
    (text.NegativeSamplingLoss, (), {"reduction": "avg"}, E, "reduction"),
    (text.NegativeSamplingLoss, (), {"name": 3}, T, "name"),
    (text.SkipGramNegativeSampling, (0,), {}, E, "vocab_size"),
    (text.SkipGramNegativeSampling, (2.5,), {}, T, "vocab_size"),
    (text.SkipGramNegativeSampling, (10, -1), {}, E, "vector_size"),
    (text.SkipGramNegativeSampling, (10, 4), {"seed": -1}, E, "seed"),
    (text.CBOWNegativeSampling, (0,), {}, E, "vocab_size"),
    (text.CBOWNegativeSampling, (10, 0), {}, E, "vector_size"),
    (text.SkipGramSoftmax, (0,), {}, E, "vocab_size"),
    (text.SkipGramSoftmax, (10, 4), {"seed": 1.5}, T, "seed"),
    (text.to_keyed_vectors, (["a", "a"], np.zeros((2, 3))), {}, E, "'a'"),
    (text.to_keyed_vectors, ("ab", np.zeros((2, 3))), {}, T, "words"),
    (text.to_keyed_vectors, (["a"], np.zeros(3)), {}, E, "vectors"),
    (text.to_keyed_vectors, (["a"], [[np.nan, 1.0]]), {}, E, "vectors"),
    (text.train_word2vec, ("the cat",), {}, T, "sentences"),
    (text.train_word2vec, ([["a"]],), {"sg": 2}, E, "sg"),
    (text.train_word2vec, ([["a"]],), {"window": 0}, E, "window"),
    (text.train_word2vec, ([["a"]],), {"negative": 0}, E, "negative"),
    (text.train_word2vec, ([["a"]],), {"min_count": -1}, E, "min_count"),
    (text.train_word2vec, ([["a"]],), {"epochs": 0}, E, "epochs"),
    (text.train_word2vec, ([["a"]],), {"batch_size": 0}, E, "batch_size"),
    (text.train_word2vec, ([["a"]],), {"vector_size": 0}, E, "vector_size"),
    (text.train_word2vec, ([["a"]],), {"alpha": np.nan}, E, "alpha"),
    (text.train_word2vec, ([["a"]],), {"sample": np.nan}, E, "sample"),
    (text.train_word2vec, ([["a"]],), {"steps_per_execution": 0}, E, "steps_per_execution"),
    (text.train_word2vec, ([["a"]],), {"seed": -1}, E, "seed"),
    (text.train_word2vec, ([["a"]],), {"verbose": 3}, E, "verbose"),
    (text.train_word2vec, ([["a"]],), {"return_model": "yes"}, T, "return_model"),
    (text.train_word2vec, ([["a"]],), {"ns_exponent": np.inf}, E, "ns_exponent"),
    (text.train_word2vec, ([["a"]],), {"jit_compile": "yes"}, T, "jit_compile"),
    # ---------------------------------------------------------------- text.evaluate, text_cnn
    (text.evaluate_embeddings, ("kv",), {}, T, "kv"),
    (text.evaluate_embeddings, (KV,), {"analogies": "no"}, T, "analogies"),
    (text.evaluate_embeddings, (KV,), {"restrict_vocab": 0}, E, "restrict_vocab"),
    (text.plot_word_maps, ({}, ["the"], TMP / "m.png"), {}, T, "vectors"),
    (text.plot_word_maps, ({"m": KV}, "the cat", TMP / "m.png"), {}, T, "words"),
    (text.plot_word_maps, ({"m": "kv"}, ["the", "cat"], TMP / "m.png"), {}, T, "kv"),
    (text.plot_word_maps, ({"m": KV}, ["the", "dog"], TMP / "m.png"), {}, E, "words"),
    (text.pretrained_matrix, ("the cat", KV, RNG), {}, T, "words"),
    (text.pretrained_matrix, (["the"], None, RNG), {}, T, "kv"),
    (text.pretrained_matrix, (["the"], KV, 0), {}, T, "rng"),
    (text.pretrained_matrix, (["the"], KV, RNG), {"scale": np.nan}, E, "scale"),
    (text.text_cnn, (10,), {"variant": "dynamic"}, E, "variant"),
    (text.text_cnn, (0,), {"variant": "rand"}, E, "vocab_size"),
    (text.text_cnn, (10,), {"variant": "rand", "embedding_dim": 0}, E, "embedding_dim"),
    (text.text_cnn, (10,), {"variant": "rand", "num_filters": 0}, E, "num_filters"),
    (text.text_cnn, (10,), {"variant": "rand", "num_classes": 0}, E, "num_classes"),
    (text.text_cnn, (10,), {"variant": "rand", "filter_sizes": 3}, T, "filter_sizes"),
    (text.text_cnn, (10,), {"variant": "rand", "filter_sizes": (0,)}, E, "filter_sizes[0]"),
    (text.text_cnn, (10,), {"variant": "rand", "filter_sizes": ()}, E, "filter_sizes"),
    (text.text_cnn, (10,), {"variant": "rand", "dropout": 1.0}, E, "dropout"),
    (text.text_cnn, (10,), {"variant": "rand", "dropout": np.nan}, E, "dropout"),
    (text.text_cnn, (10,), {"variant": "rand", "max_norm": -1.0}, E, "max_norm"),
    (text.text_cnn, (10, 4), {"variant": "static"}, E, "embeddings"),
    (text.text_cnn, (10, 4), {"variant": "static", "embeddings": np.zeros((9, 4))}, E, "embeddings"),
    # ---------------------------------------------------------------- data: scenes
    (data.compose_scene, (UINT8[..., 0], [0], 32, RNG), {}, T, "divide by 255"),
    (data.compose_scene, (np.full((1, 8, 8), 200.0), [0], 32, RNG), {}, E, "items[0]"),
    (data.compose_scene, (IMAGES[..., 0], [0, 1], 32, RNG), {}, E, "labels"),
    (data.compose_scene, (IMAGES, [0], 32, RNG), {}, E, "items"),
    (data.compose_scene, (IMAGES[..., 0], [0], 0, RNG), {}, E, "size"),
    (data.compose_scene, (IMAGES[..., 0], [0], 32, 0), {}, T, "rng"),
    (data.compose_scene, (IMAGES[..., 0], [0], 32, RNG), {"max_objects": 0}, E, "max_objects"),
    (data.compose_scene, (IMAGES[..., 0], [0], 32, RNG), {"scale_range": (0, 1)}, E, "scale_range"),
    (data.detection_scenes, (0,), {}, E, "n"),
    (data.detection_scenes, (1.5,), {}, T, "n"),
    (data.detection_scenes, (2,), {"size": 4}, E, "size"),
    (data.detection_scenes, (2,), {"max_objects": 0}, E, "max_objects"),
    (data.detection_scenes, (2,), {"seed": -1}, E, "seed"),
    (data.detection_scenes, (2,), {"split": "val"}, E, "split"),
    (data.detection_scenes, (2,), {"min_visible": np.nan}, E, "min_visible"),
    (data.detection_scenes, (2,), {"scale_range": "ab"}, E, "scale_range"),
    (data.segmentation_scenes, (0,), {}, E, "n"),
    (data.segmentation_scenes, (2,), {"size": 7}, E, "size"),
    (data.segmentation_scenes, (2,), {"seed": -1}, E, "seed"),
    (data.segmentation_scenes, (2,), {"min_objects": -1}, E, "min_objects"),
    (data.segmentation_scenes, (2,), {"split": "val"}, E, "split"),
    (data.EpochStream, (0, 2), {}, E, "n"),
    (data.EpochStream, (4, 0), {}, E, "batch_size"),
    (data.EpochStream, (4, 2), {"seed": -1}, E, "seed"),
    (data.EpochStream, (4, 2), {"seed": 2**40}, E, "seed"),
    (data.SceneStream, (4, 0), {}, E, "batch_size"),
    (data.SceneStream, (4, 2), {"split": "val"}, E, "split"),
    (data.SceneStream, (4, 2), {"mask_dtype": "float32"}, E, "mask_dtype"),
    (data.SceneStream, (4, 2), {"mask_dtype": object()}, T, "mask_dtype"),
    (data.SceneStream, (4, 2), {"size": 4}, E, "size"),
    (data.save_segmentation_folder, (UINT8, np.zeros((1, 8, 8), int), TMP / "i", TMP / "m"), {}, T, "divide by 255"),
    (data.save_segmentation_folder, (IMAGES, np.zeros((1, 8, 8)), TMP / "i", TMP / "m"), {}, T, "masks"),
    (data.save_segmentation_folder, (IMAGES, np.zeros((1, 7, 8), int), TMP / "i", TMP / "m"), {}, E, "masks"),
    (data.save_segmentation_folder, (IMAGES, np.full((1, 8, 8), 300), TMP / "i", TMP / "m"), {}, E, "masks"),
    (
        data.save_segmentation_folder,
        (IMAGES, np.zeros((1, 8, 8), int), TMP / "i", TMP / "m"),
        {"prefix": 3},
        T,
        "prefix",
    ),
    (data.load_segmentation_folder, (TMP / "imgs", TMP / "masks"), {"channels": 2}, E, "channels"),
    (data.load_segmentation_folder, (TMP / "imgs", TMP / "masks"), {"size": (0, 4)}, E, "size[0]"),
    (data.load_segmentation_folder, (TMP / "imgs", TMP / "masks"), {"size": 5}, T, "size"),
    (data.load_segmentation_folder, (TMP / "nothing", TMP / "masks"), {}, FileNotFoundError, "images_dir"),
    (data.load_segmentation_folder, (None, TMP / "masks"), {}, T, "images_dir"),
    (data.load_segmentation_folder, (TMP / "imgs", TMP / "masks"), {}, E, "broken_png.png"),
    # ---------------------------------------------------------------- data: detection files
    (data.save_voc, (TMP / "v", UINT8, [TARGET], ("a",)), {}, T, "divide by 255"),
    (data.save_voc, (TMP / "v", IMAGES, TWO_BOXES_ONE_LABEL, ("a",)), {}, E, "labels"),
    (data.save_voc, (TMP / "v", IMAGES, [{"boxes": [[1, 1, 5, 5]], "labels": [3]}], ("a",)), {}, E, "labels"),
    (data.save_voc, (TMP / "v", IMAGES, [{"boxes": [[5, 1, 1, 5]], "labels": [0]}], ("a",)), {}, E, "boxes"),
    (data.save_voc, (TMP / "v", IMAGES, [TARGET], "a"), {}, T, "class_names"),
    (data.save_voc, (TMP / "v", IMAGES, TARGET, ("a",)), {}, T, "targets"),
    (data.save_voc, (TMP / "v", IMAGES, [TARGET, TARGET], ("a",)), {}, E, "targets"),
    (data.save_voc, (None, IMAGES, [TARGET], ("a",)), {}, T, "folder"),
    (data.load_voc, (TMP / "voc",), {"channels": 2}, E, "channels"),
    (data.load_voc, (TMP / "voc",), {}, E, "cut_voc.xml"),
    (data.load_voc, (None,), {}, T, "folder"),
    (data.load_voc, (TMP / "voc",), {"class_names": "ab"}, T, "class_names"),
    (data.to_coco, ([TARGET], ("a",), (8, 8)), {"scores": True}, E, "scores"),
    (data.to_coco, ([TARGET], ("a",), (8, 8)), {"scores": "yes"}, T, "scores"),
    (data.to_coco, ([TARGET], ("a",), 8), {}, T, "image_size"),
    (data.to_coco, ([TARGET], ("a",), (0, 8)), {}, E, "image_size[0]"),
    (data.to_coco, (TWO_BOXES_ONE_LABEL, ("a",), (8, 8)), {}, E, "labels"),
    (data.to_coco, ([TARGET], ("a",), (8, 8)), {"file_names": ["a.png", "b.png"]}, E, "file_names"),
    (data.save_coco, (TMP / "c.json", [TARGET], ("a",), (8, 8)), {"images": UINT8, "images_dir": TMP}, T, "images"),
    (data.save_coco, (TMP / "c.json", [{"boxes": [[5, 1, 1, 5]], "labels": [0]}], ("a",), (8, 8)), {}, E, "boxes"),
    (data.save_coco, (None, [TARGET], ("a",), (8, 8)), {}, T, "path"),
    (data.save_coco, (TMP / "c.json", [TARGET], ("a",), (8, -1)), {}, E, "image_size[1]"),
    (data.load_coco, (TMP / "missing.json",), {}, E, "path"),
    (data.load_coco, (TMP / "coco_cut.json",), {}, E, "coco_cut.json"),
    (data.load_coco, (TMP / "coco_bad_id.json",), {}, E, "coco_bad_id.json"),
    (data.load_coco, (TMP / "coco_bad_id.json",), {"channels": 2}, E, "channels"),
    # ---------------------------------------------------------------- data: loaders, pipeline
    (data.evaluation_file, ("wordsim",), {}, E, "name"),
    (data.load_fashion_mnist, (), {"download": "yes"}, T, "download"),
    (data.load_photo, ("dog",), {}, E, "name"),
    (data.load_rotten_tomatoes, (), {"seed": -1}, E, "seed"),
    (data.load_rotten_tomatoes, (), {"test_fraction": 1.0}, E, "test_fraction"),
    (data.load_rotten_tomatoes, (), {"test_fraction": np.nan}, E, "test_fraction"),
    (data.load_rotten_tomatoes, (), {"test_fraction": "0.1"}, T, "test_fraction"),
    (data.load_word2vec_corpus, (1,), {}, E, "max_sentence_length"),
    (data.load_word2vec_corpus, ("5",), {}, T, "max_sentence_length"),
    (data.tokenize, (3,), {}, T, "text"),
    (data.tokenize, (["a"],), {}, T, "text"),
    (data.make_dataset, ("abc",), {}, T, "x"),
    (data.make_dataset, ([],), {}, E, "x"),
    (data.make_dataset, (np.zeros((4, 2)), np.zeros(3)), {}, E, "y"),
    (data.make_dataset, (np.zeros((4, 2)),), {"batch_size": 0}, E, "batch_size"),
    (data.make_dataset, (np.zeros((4, 2)),), {"batch_size": -1}, E, "batch_size"),
    (data.make_dataset, (np.zeros((4, 2)),), {"batch_size": 2.0}, T, "batch_size"),
    (data.make_dataset, (np.zeros((4, 2)),), {"shuffle": "yes"}, T, "shuffle"),
    (data.make_dataset, (np.zeros((4, 2)),), {"seed": -1}, E, "seed"),
    (data.make_dataset, (np.zeros((4, 2)),), {"seed": 1.5}, T, "seed"),
    (data.make_dataset, (np.zeros((4, 2)),), {"pipeline": "torch"}, E, "pipeline"),
    (data.ArrayBatches, ("abc",), {}, T, "x"),
    (data.ArrayBatches, (np.zeros((4, 2)),), {"batch_size": 0}, E, "batch_size"),
    (data.ArrayBatches, (np.zeros((4, 2)), np.zeros(3)), {}, E, "y"),
    (data.ArrayBatches, (np.zeros((4, 2)),), {"augment": 3}, T, "augment"),
    (data.make_dataset, (np.zeros((4, 2)),), {"augment": 3}, T, "augment"),
    # ---------------------------------------------------------------- train
    (train.set_seed, (-1,), {}, E, "seed"),
    (train.set_seed, (1.5,), {}, T, "seed"),
    (train.set_seed, (2**40,), {}, E, "seed"),
    (train.standard_callbacks, (TMP / "cb",), {"patience": 0}, E, "patience"),
    (train.standard_callbacks, (TMP / "cb",), {"monitor": 3}, T, "monitor"),
    (train.standard_callbacks, (None,), {}, T, "run_dir"),
    (train.get_strategy, ("tpu",), {}, E, "name"),
    (train.training_context, ("tpu",), {}, E, "strategy"),
    (train.training_context, (), {"mixed_precision": "yes"}, T, "mixed_precision"),
    (train.fit_distributed, (MODEL, DATASET, 0), {}, E, "epochs"),
    (train.fit_distributed, (MODEL, DATASET, 2), {"initial_epoch": 3}, E, "initial_epoch"),
    (train.fit_distributed, (MODEL, DATASET, 2), {"steps_per_epoch": 0}, E, "steps_per_epoch"),
    (train.fit_distributed, (MODEL, DATASET, 2), {"stop_on_nan": 1}, T, "stop_on_nan"),
    (train.fit_distributed, (MODEL, DATASET, 2), {"validate": 3}, T, "validate"),
    (train.fit_distributed, ("model", DATASET, 2), {}, T, "model"),
    (train.fit_distributed, (MODEL, np.zeros((4, 2)), 2), {}, T, "dataset"),
    (train.EpochTimer, (), {"key": ""}, E, "key"),
    (train.save_checkpoint, (MODEL, TMP / "s", 1, {}), {"keep": -1}, E, "keep"),
    (train.save_checkpoint, (MODEL, TMP / "s", 1, {}), {"keep": 0}, E, "keep"),
    (train.save_checkpoint, (MODEL, TMP / "s", 1, {}), {"keep": None}, T, "keep"),
    (train.save_checkpoint, (MODEL, TMP / "s", 0, {}), {}, E, "epoch"),
    (train.save_checkpoint, (MODEL, TMP / "s", 1, [0.5]), {}, T, "logs"),
    (train.save_checkpoint, (MODEL, None, 1, {}), {}, T, "run_dir"),
    (train.restore_checkpoint, (MODEL, TMP / "ckpt"), {}, E, "epoch-0001.npz"),
    (train.restore_checkpoint, (MODEL, 3), {}, T, "run_dir"),
    (train.remove_checkpoints, (None,), {}, T, "run_dir"),
    (train.replay_epochs, (DATASET, -1), {}, E, "epochs"),
    (train.replay_epochs, (np.zeros(3), 1), {}, T, "data"),
    (train.replay_epochs, (DATASET, 1), {"steps_per_epoch": 0}, E, "steps_per_epoch"),
    (train.EpochCheckpoint, (TMP / "e",), {"keep": 0}, E, "keep"),
    (train.EpochCheckpoint, (None,), {}, T, "run_dir"),
    (train.fit, (MODEL, DATASET, 0), {}, E, "epochs"),
    (train.fit, (MODEL, np.zeros((4, 2)), 1), {}, T, "data"),
    (train.fit, ("model", DATASET, 1), {}, T, "model"),
    (train.fit, (MODEL, DATASET, 1), {"steps_per_epoch": 0}, E, "steps_per_epoch"),
    (train.fit, (MODEL, DATASET, 1), {"verbose": 5}, E, "verbose"),
    (train.fit, (MODEL, DATASET, 1), {"callbacks": keras.callbacks.History()}, T, "callbacks"),
    (train.fit, (MODEL, DATASET, 1), {"stop_on_nan": "yes"}, T, "stop_on_nan"),
    (train.fit, (MODEL, DATASET, 1), {"run_dir": 3}, T, "run_dir"),
    (train.fit, (MODEL, DATASET, 2), {"run_dir": TMP / "past"}, E, "run_dir"),
    (train.fit, (MODEL, DATASET, 1), {"run_dir": TMP / "owner"}, E, "model.json"),
    (train.read_history, (TMP / "hist",), {}, E, "history.jsonl"),
    (train.read_history, (TMP / "hist",), {"last_epoch": -1}, E, "last_epoch"),
    (train.read_history, (None,), {}, T, "run_dir"),
    # ---------------------------------------------------------------- plots, display
    (plots.save_figure, ("fig", TMP / "f.png"), {}, T, "fig"),
    (plots.save_figure, (FIG, TMP / "f.jpg"), {}, E, "path"),
    (plots.plot_history, ({"loss": [1, 2]}, TMP / "h.png"), {"metrics": "loss"}, T, "metrics"),
    (plots.plot_history, ({"loss": [1, 2]}, TMP / "h.png"), {"metrics": ("accuracy",)}, E, "metrics"),
    (plots.plot_history, ({"loss": [1, 2]}, TMP / "h.png"), {"metrics": ()}, E, "metrics"),
    (plots.plot_history, ({"run": [1, 2]}, TMP / "h.png"), {}, T, "histories"),
    (plots.plot_history, ({"loss": [1, 2]}, 3), {}, T, "path"),
    (plots.image_grid, (np.full((2, 8, 8, 3), 200, np.uint8), TMP / "g.png"), {}, T, "divide by 255"),
    (plots.image_grid, (np.zeros((8, 8)), TMP / "g.png"), {}, E, "images"),
    (plots.image_grid, (np.zeros((2, 8, 8, 5)), TMP / "g.png"), {}, E, "images"),
    (plots.image_grid, (np.zeros((2, 8, 8)), TMP / "g.png"), {"ncols": 0}, E, "ncols"),
    (plots.image_grid, (np.zeros((2, 8, 8)), TMP / "g.png"), {"labels": "ab"}, T, "labels"),
    (plots.image_grid, (np.zeros((2, 8, 8)), TMP / "g.png"), {"labels": ["a"]}, E, "labels"),
    (display.markdown_table, ({"a": 1},), {}, T, "rows"),
    (display.markdown_table, ([],), {}, E, "rows"),
    (display.markdown_table, ([[1, 2]],), {}, E, "columns"),
    (display.markdown_table, ([[1, 2]],), {"columns": "ab"}, T, "columns"),
    (display.markdown_table, ([[1, 2]],), {"columns": ["a"]}, E, "rows[0]"),
    (display.show_table, ({"a": 1},), {}, T, "rows"),
    (display.show_table, ([{"a": 1}],), {"columns": "a"}, T, "columns"),
    (display.show_table, ([{"a": 1}],), {"title": 3}, T, "title"),
    (display.lookup, ([1], "a"), {}, T, "metrics"),
    (display.lookup, ({}, 3), {}, T, "key"),
    (display.lookup, ({"a": {}}, "a.b"), {}, KeyError, "a.b"),
    (display.show_key_figures, ({}, {}), {}, T, "key_figures"),
    (display.show_key_figures, ({"a": 1}, {"a": "label"}), {}, E, "key_figures"),
    (display.show_figure, (3,), {}, T, "path"),
    (display.show_figure, (TMP / "x.png",), {"caption": ""}, E, "caption"),
    # ---------------------------------------------------------------- backend
    (backend.data_pipeline, ("grain",), {}, E, "pipeline"),
    (backend.steps_per_execution, (0,), {}, E, "steps_per_execution"),
    (backend.steps_per_execution, (2.0,), {}, T, "steps_per_execution"),
    (backend.gradients, (3, [np.ones(2)]), {}, T, "fn"),
    (backend.gradients, (keras.ops.sum, "abc"), {}, T, "arrays"),
    (backend.gradients, (keras.ops.sum, []), {}, T, "arrays"),
    (backend.gradients, (keras.ops.sum, [np.array([np.nan])]), {}, E, "arrays[0]"),
    (backend.gradients, (keras.ops.sum, [np.array(["a"])]), {}, T, "arrays[0]"),
    (backend.gradients, (lambda x: x, [np.ones(3)]), {}, E, "fn"),  # not a scalar
    (backend.value_and_gradient, (3, np.ones(2)), {}, T, "fn"),
    (backend.value_and_gradient, (keras.ops.square, np.array([np.inf])), {}, E, "x"),
]

EXEMPT = {
    "keras_course.backend.BackendError": "an exception class: any message is fine",
    "keras_course.backend.name": "takes no argument",
    "keras_course.backend.tensorflow_installed": "takes no argument",
    "keras_course.backend.op_determinism_enabled": "takes no argument",
    "keras_course.backend.gpu_available": "takes no argument",
    "keras_course.backend.is_tf_dataset": "answers for any value; there is no invalid one",
    "keras_course.backend.require_tensorflow": "its arguments are message text; on TensorFlow it does nothing, "
    "elsewhere it raises BackendError by design (tests/backends/test_data_backends.py)",
    "keras_course.data.load_digits": "takes no argument",
    "keras_course.data.load_hamlet": "takes no argument (the file is sha256-checked)",
    "keras_course.data.load_mnist_5k": "takes no argument (the file is sha256-checked)",
    "keras_course.data.load_rotten_tomatoes_plots": "takes no argument (the file is sha256-checked)",
    "keras_course.display.in_notebook": "takes no argument",
    "keras_course.display.format_value": "formats any value; there is no invalid one",
    "keras_course.train.TrainingDiverged": "an exception class: any message is fine",
    "keras_course.train.StopOnNaN": "takes no argument",
    "keras_course.train.check_tf_config": "takes no argument: it checks TF_CONFIG (bad values: tests/test_cli.py)",
}


def _call(fn, args, kwargs):
    result = fn(*args, **kwargs)
    if hasattr(result, "__enter__"):  # a context manager checks its arguments on entry
        with result:
            pass


@pytest.mark.parametrize(
    "fn, args, kwargs, error, name",
    CASES,
    ids=[f"{getattr(c[0], '__qualname__', c[0])}-{i}" for i, c in enumerate(CASES)],
)
def test_bad_input_names_the_argument(fn, args, kwargs, error, name):
    with pytest.raises(error) as info:
        _call(fn, args, kwargs)
    assert name in str(info.value)


# ---------------------------------------------------------------- regressions: silent bugs
def test_a_str_is_refused_where_tokens_are_expected():
    # before: "the cat" was looked up character by character, giving the ids of "t", "h", ...
    with pytest.raises(TypeError, match="split it first"):
        VOCAB.encode("the cat")
    np.testing.assert_array_equal(VOCAB.encode(["the", "cat", "dog"]), [0, 1])
    with pytest.raises(TypeError, match="words"):
        text.subword_table("where")  # before: one row per letter
    with pytest.raises(TypeError, match="words"):
        text.pretrained_matrix("cat", KV, RNG)  # before: one row per letter
    with pytest.raises(TypeError, match=r"sentences\[0\]"):
        text.encode_corpus(["the cat"], VOCAB)


def test_to_keyed_vectors_refuses_a_repeated_word():
    # before: 2 vectors in, 1 key out, the other vector silently dropped
    with pytest.raises(ValueError, match="'cat' more than once"):
        text.to_keyed_vectors(["cat", "dog", "cat"], np.zeros((3, 2)))
    assert len(text.to_keyed_vectors(["cat", "dog"], np.zeros((2, 2)))) == 2


def test_a_generator_of_sentences_is_read_once():
    # train_word2vec reads the sentences twice (vocabulary, then ids): a generator was empty the 2nd time
    sentences = _check_sentences(s for s in [["a", "b"], ["b"]])
    assert sentences == [["a", "b"], ["b"]]


def test_uint8_images_are_refused_not_clipped(tmp_path):
    # before: 200 / 255 became 1.0 (white) in the written PNGs and the composed scenes
    for call in (
        lambda: data.save_segmentation_folder(UINT8, np.zeros((1, 8, 8), int), tmp_path / "i", tmp_path / "m"),
        lambda: data.save_voc(tmp_path / "v", UINT8, [TARGET], ("a",)),
        lambda: data.compose_scene(UINT8[..., 0], [0], 32, np.random.default_rng(0)),
    ):
        with pytest.raises(TypeError, match="divide by 255"):
            call()
    assert not any(tmp_path.rglob("*.png"))
    stems = data.save_segmentation_folder(IMAGES, np.zeros((1, 8, 8), int), tmp_path / "i", tmp_path / "m")
    images, _, _ = data.load_segmentation_folder(tmp_path / "i", tmp_path / "m")
    assert stems == ["scene00000"] and abs(images.max() - 0.5) < 1 / 255


def test_save_voc_refuses_more_boxes_than_labels(tmp_path):
    # before: zip() wrote 1 box of the 2
    with pytest.raises(ValueError, match="must have the same length"):
        data.save_voc(tmp_path, IMAGES, TWO_BOXES_ONE_LABEL, ("a",))
    data.save_voc(tmp_path, IMAGES, [TARGET], ("a",))
    _, targets, _ = data.load_voc(tmp_path, ("a",))
    np.testing.assert_array_equal(targets[0]["boxes"], TARGET["boxes"])


def test_save_checkpoint_keep_must_be_at_least_one(tmp_path):
    # before: keep=-1 deleted the oldest checkpoint, which is the one just written when it is alone
    with pytest.raises(ValueError, match="keep"):
        train.save_checkpoint(MODEL, tmp_path, 1, {"loss": 1.0}, keep=-1)
    assert not list(tmp_path.glob("epoch-*.npz"))
    for epoch in (1, 2, 3):
        train.save_checkpoint(MODEL, tmp_path, epoch, {"loss": 1.0}, keep=1)
    assert [p.name for p in tmp_path.glob("epoch-*.npz")] == ["epoch-0003.npz"]


def test_fit_refuses_a_run_dir_past_the_epochs_asked(tmp_path):
    # before: restored epoch 3, trained nothing and returned a 2-epoch history without a word
    model = _tiny_model()
    train.save_checkpoint(model, tmp_path, 3, {"loss": 1.0})
    (tmp_path / "history.jsonl").write_text("".join(json.dumps({"epoch": e, "loss": 1.0}) + "\n" for e in (1, 2, 3)))
    fresh = _tiny_model()
    before = [w.copy() for w in fresh.get_weights()]
    with pytest.raises(ValueError, match=r"run_dir .* epoch 3, past the epochs=2 .*remove_checkpoints") as info:
        train.fit(fresh, DATASET, 2, run_dir=tmp_path)
    assert str(tmp_path) in str(info.value)
    assert (tmp_path / "epoch-0003.npz").is_file()  # nothing restored, nothing removed
    for a, b in zip(fresh.get_weights(), before, strict=True):  # nor trained
        np.testing.assert_array_equal(a, b)
    history = train.fit(model, DATASET, 3, run_dir=tmp_path)  # the finished run: its 3 epochs, nothing trained
    assert history.history["loss"] == [1.0, 1.0, 1.0]


def test_truncated_files_name_the_file(tmp_path):
    # a Fashion-MNIST IDX file cut short
    good = tmp_path / "labels-idx1-ubyte.gz"
    with gzip.open(good, "wb") as f:
        f.write((2049).to_bytes(4, "big") + (5).to_bytes(4, "big") + bytes(range(5)))
    np.testing.assert_array_equal(_read_idx(good, 8), range(5))
    cut = tmp_path / "cut-idx1-ubyte.gz"
    cut.write_bytes(good.read_bytes()[:-6])
    with pytest.raises(ValueError, match=r"cut-idx1-ubyte\.gz"):
        _read_idx(cut, 8)
    # a checkpoint cut short by a full disk
    train.save_checkpoint(MODEL, tmp_path / "run", 1, {"loss": 1.0})
    path = tmp_path / "run" / "epoch-0001.npz"
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"epoch-0001\.npz: not a valid checkpoint"):
        train.restore_checkpoint(_tiny_model(), tmp_path / "run")
    # COCO JSON and VOC XML cut short
    data.save_coco(tmp_path / "ann.json", [TARGET], ("a",), (8, 8))
    (tmp_path / "cut.json").write_text((tmp_path / "ann.json").read_text()[:30])
    with pytest.raises(ValueError, match=r"cut\.json: not a valid COCO"):
        data.load_coco(tmp_path / "cut.json")
    data.save_voc(tmp_path / "voc", IMAGES, [TARGET], ("a",))
    xml = tmp_path / "voc" / "Annotations" / "scene00000.xml"
    xml.write_text(xml.read_text()[:50])
    with pytest.raises(ValueError, match=r"scene00000\.xml: not a valid VOC"):
        data.load_voc(tmp_path / "voc")


def test_read_history_still_skips_a_line_cut_by_a_kill(tmp_path):
    (tmp_path / "history.jsonl").write_text('{"epoch": 1, "loss": 0.5}\n{"epo')
    assert train.read_history(tmp_path) == {"loss": [0.5]}
    (tmp_path / "history.jsonl").write_bytes(b"\x00\x01 not json at all")
    with pytest.raises(ValueError, match=r"history\.jsonl"):
        train.read_history(tmp_path)


def test_plot_and_table_refuse_a_str_where_a_list_is_expected(tmp_path):
    with pytest.raises(TypeError, match="metrics"):
        plots.plot_history({"loss": [1.0, 0.5]}, tmp_path / "h.png", metrics="loss")  # before: panels l, o, s, s
    with pytest.raises(TypeError, match="columns"):
        display.markdown_table([{"ab": 1}], columns="ab")  # before: columns "a" and "b", both empty
    assert plots.plot_history({"loss": [1.0, 0.5]}, tmp_path / "h.png").is_file()


# ---------------------------------------------------------------- properties
@settings(max_examples=15, deadline=None)
@given(st.integers(max_value=0))
def test_skipgram_refuses_every_window_below_one(window):
    with pytest.raises(ValueError, match="window"):
        text.skipgram_pairs(np.arange(5), window, np.random.default_rng(0))


@settings(max_examples=15, deadline=None)
@given(st.text(min_size=1))
def test_encode_refuses_any_str(sentence):
    with pytest.raises(TypeError, match="tokens"):
        VOCAB.encode(sentence)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -1e-3]))
def test_word2vec_refuses_every_bad_learning_rate(alpha):
    with pytest.raises(ValueError, match="alpha"):
        text.train_word2vec([["a", "b"]], alpha=alpha)


@settings(max_examples=15, deadline=None)
@given(st.integers(max_value=0))
def test_make_dataset_refuses_every_batch_size_below_one(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        data.make_dataset(np.zeros((4, 2)), batch_size=batch_size)


@settings(max_examples=15, deadline=None)
@given(st.integers(max_value=0))
def test_save_checkpoint_refuses_every_keep_below_one(keep):
    with pytest.raises(ValueError, match="keep"):
        train.save_checkpoint(MODEL, TMP / "prop", 1, {}, keep=keep)
