"""Read a PyTorch ``.pth`` state dict into NumPy arrays without running pickle code.

``torch.save`` writes a pickle that names classes and functions (``torch._utils.
_rebuild_tensor_v2``, ``torch.FloatStorage``, ``collections.OrderedDict``) and refers to the
raw tensor data by key. Unpickling with ``pickle.load`` would import and call whatever the
file names, so a hostile file could run any code. ``load_torch_state_dict`` uses an
unpickler whose ``find_class`` only knows those few names and maps them to NumPy stand-ins;
anything else raises ``pickle.UnpicklingError``. Torch is not needed.

Both layouts are read: the zip archive of torch >= 1.6 (``<name>/data.pkl`` and one file
per storage in ``<name>/data/``) and the older "legacy" stream (magic number, protocol,
system info, the pickle, the list of storage keys, then each storage as an int64 element
count followed by its raw little-endian bytes).
"""

import collections
import io
import pickle
import zipfile

import numpy as np

from keras_course.checks import check_file

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _TensorRef:
    """A tensor to build once the storages are read: storage key, offset, shape, strides."""

    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)


def _rebuild_tensor(storage, storage_offset, size, stride, *unused):
    # The extra arguments (requires_grad, backward hooks, metadata) do not matter for weights.
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data, *unused):
    return data  # an nn.Parameter is its tensor


class _Storage(str):
    """Stands for ``torch.<Dtype>Storage``: the name of a storage type, nothing else."""


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds only dicts, tensors and storages; any other global is refused."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[module, name]
        if module == "torch" and name in STORAGE_DTYPES:
            return _Storage(name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only torch tensors and dicts are allowed")

    def persistent_load(self, pid):
        # ("storage", storage type, key, location, element count[, view metadata])
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        storage_type, key = pid[1], str(pid[2])
        if not isinstance(storage_type, _Storage):
            raise pickle.UnpicklingError(f"unexpected storage type {storage_type!r}")
        return (key, STORAGE_DTYPES[storage_type], int(pid[4]))


def _materialise(obj, storages):
    """Replace every ``_TensorRef`` in ``obj`` (dicts, lists, tuples) by a NumPy array."""
    if isinstance(obj, _TensorRef):
        key, dtype, _ = obj.storage
        flat = storages[key]
        itemsize = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[obj.offset :], shape=obj.shape, strides=tuple(s * itemsize for s in obj.stride)
        )
        return np.ascontiguousarray(view, dtype=np.dtype(dtype))  # a C-ordered copy in native byte order
    if isinstance(obj, dict):
        return collections.OrderedDict((k, _materialise(v, storages)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v, storages) for v in obj)
    return obj


def _storage_refs(obj, found):
    if isinstance(obj, _TensorRef):
        found[obj.storage[0]] = obj.storage
    elif isinstance(obj, dict):
        for v in obj.values():
            _storage_refs(v, found)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _storage_refs(v, found)
    return found


def _load_zip(path):
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise ValueError(f"{path}: expected one <name>/data.pkl in the archive, found {pickles}")
        prefix = pickles[0][: -len("data.pkl")]
        state = RestrictedUnpickler(io.BytesIO(archive.read(pickles[0]))).load()
        storages = {}
        for key, (_, dtype, count) in _storage_refs(state, {}).items():
            raw = archive.read(f"{prefix}data/{key}")
            storages[key] = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"), count=count)
    return state, storages


def _load_legacy(path):
    with open(path, "rb") as f:
        magic = RestrictedUnpickler(f).load()
        if magic != LEGACY_MAGIC:
            raise ValueError(f"{path} is neither a zip archive nor a legacy torch.save file")
        RestrictedUnpickler(f).load()  # protocol version
        info = RestrictedUnpickler(f).load()
        if not info.get("little_endian", True):
            raise ValueError(f"{path} was saved big-endian; only little-endian files are supported")
        state = RestrictedUnpickler(f).load()
        keys = RestrictedUnpickler(f).load()
        refs = _storage_refs(state, {})
        storages = {}
        for key in keys:
            _, dtype, _ = refs[str(key)]
            count = int(np.frombuffer(f.read(8), "<i8")[0])
            dtype = np.dtype(dtype).newbyteorder("<")
            storages[str(key)] = np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype, count=count)
    return state, storages


def load_torch_state_dict(path):
    """``{name: np.ndarray}`` of a ``torch.save``d state dict, read without executing pickle code.

    Arrays keep PyTorch's layout (conv kernels (out, in, kh, kw), dense (out, in)).
    Raises ``pickle.UnpicklingError`` if the file names anything but tensors and dicts.
    """
    path = check_file("path", path)
    try:
        state, storages = _load_zip(path) if zipfile.is_zipfile(path) else _load_legacy(path)
        return _materialise(state, storages)
    except pickle.UnpicklingError as error:
        if str(error).startswith(("refusing", "unexpected")):
            raise  # a refused global: the message says what the file asked for
        raise ValueError(f"{path}: not a valid torch.save state dict file ({error})") from error
    except (
        EOFError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        ValueError,
        zipfile.BadZipFile,
        OSError,
    ) as error:  # truncated or corrupt: name the file, not the byte that failed
        if isinstance(error, ValueError) and str(error).startswith(str(path)):
            raise
        raise ValueError(f"{path}: not a valid torch.save state dict file ({error!r})") from error
