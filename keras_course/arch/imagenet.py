"""A few ImageNet-1k class indices, for checking pretrained models offline.

The full list of 1000 names is a download (``keras.applications.imagenet_utils``), so we
keep only the classes our tests and recipes name. Each index and WordNet id was checked
against the standard ``imagenet_class_index.json`` that Keras and torchvision use.
"""

from keras_course.checks import check_int

# index -> (WordNet id, name)
IMAGENET_CLASSES = {
    281: ("n02123045", "tabby"),
    282: ("n02123159", "tiger_cat"),
    283: ("n02123394", "Persian_cat"),
    284: ("n02123597", "Siamese_cat"),
    285: ("n02124075", "Egyptian_cat"),
    504: ("n03063599", "coffee_mug"),
    505: ("n03063689", "coffeepot"),
    967: ("n07920052", "espresso"),
    968: ("n07930864", "cup"),
}
CAT_CLASSES = frozenset({281, 282, 283, 284, 285})
CUP_CLASSES = frozenset({504, 967, 968})


def imagenet_class_name(index):
    """The class name of ``index`` if we keep it, else ``"class <index>"``."""
    index = check_int("index", index, minimum=0, maximum=999)
    return IMAGENET_CLASSES[index][1] if index in IMAGENET_CLASSES else f"class {index}"
