#!/usr/bin/env bash
# Create (idempotently) the Python virtualenv used to generate the TensorFlow
# model fixtures in tests/fixtures/models (see tools/gen_fixtures.py).
#
# The venv lives OUTSIDE the repo: ${WARD_TF_VENV:-/root/venvs/tf}.
# Only PyPI is needed. Usage:  bash tools/setup_tf_venv.sh
set -euo pipefail

VENV="${WARD_TF_VENV:-/root/venvs/tf}"
PYTHON="${PYTHON:-python3}"

# Exact versions the committed fixtures were generated with.
TF_PKG="tensorflow-cpu==2.21.0"
TF_FALLBACK_PKG="tensorflow==2.21.0"
NUMPY_PKG="numpy==2.4.6"
# tf.keras in TF 2.21 is Keras 3 (installed as a tensorflow dependency); pin it too.
KERAS_PKG="keras==3.15.1"

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating venv at $VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
fi

PY="$VENV/bin/python"

if "$PY" - <<'PY' 2>/dev/null
import importlib.metadata as md, sys
try:
    v = md.version("tensorflow-cpu")
except md.PackageNotFoundError:
    v = md.version("tensorflow")
ok = v == "2.21.0" and md.version("numpy") == "2.4.6" and md.version("keras") == "3.15.1"
sys.exit(0 if ok else 1)
PY
then
    echo "TensorFlow already installed in $VENV"
else
    "$PY" -m pip install --quiet --upgrade pip
    if ! "$PY" -m pip install --quiet "$TF_PKG" "$NUMPY_PKG" "$KERAS_PKG"; then
        echo "tensorflow-cpu unavailable, falling back to $TF_FALLBACK_PKG" >&2
        "$PY" -m pip install --quiet "$TF_FALLBACK_PKG" "$NUMPY_PKG" "$KERAS_PKG"
    fi
fi

TF_CPP_MIN_LOG_LEVEL=2 "$PY" -c 'import tensorflow as tf, numpy as np; print("tensorflow", tf.__version__, "numpy", np.__version__)'
echo "venv: $VENV  (python: $PY)"
