"""Chapter Q32: identification with the triplet loss.

Triplet losses with "all", batch-hard and semi-hard mining, pairwise distances, class-balanced
P x K batches (``tf.data`` or a ``keras.utils.PyDataset``), verification / retrieval metrics,
an embedding CNN and a siamese pair-classifier baseline; an MLP embedding head for frozen
pretrained features and k-means pseudo-identities that split each training class.
"""

from keras_course.identification.distances import DISTANCES, pairwise_distances
from keras_course.identification.figures import pair_distance_histograms, same_and_different_distances
from keras_course.identification.metrics import recall_at_k, verification_auc
from keras_course.identification.models import (
    PairFeatures,
    embedding_cnn,
    embedding_head,
    pair_classifier,
    pair_score_matrix,
)
from keras_course.identification.pairs import PairBatches, pair_batches
from keras_course.identification.pseudo import pseudo_identities
from keras_course.identification.sampler import ClassBalancedBatches, ClassBalancedSampler, class_balanced_dataset
from keras_course.identification.triplet import MINING, TripletLoss, triplet_loss

__all__ = [
    "DISTANCES",
    "MINING",
    "ClassBalancedBatches",
    "ClassBalancedSampler",
    "PairBatches",
    "PairFeatures",
    "TripletLoss",
    "class_balanced_dataset",
    "embedding_cnn",
    "embedding_head",
    "pair_batches",
    "pair_classifier",
    "pair_distance_histograms",
    "pair_score_matrix",
    "pairwise_distances",
    "pseudo_identities",
    "recall_at_k",
    "same_and_different_distances",
    "triplet_loss",
    "verification_auc",
]
