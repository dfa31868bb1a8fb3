#!/usr/bin/env bash
# Create (idempotently) the Python virtualenv used by tools/bench_compare.py:
# TensorFlow (same version as the fixture venv, tools/setup_tf_venv.sh),
# onnxruntime, tf2onnx (SavedModel -> ONNX), numpy and threadpoolctl (to check
# which BLAS kernel numpy's sgemm peak measurement uses).
#
# The venv lives OUTSIDE the repo: ${WARD_BENCH_VENV:-/root/venvs/bench}.
# Only PyPI is needed. Usage:  bash tools/setup_bench_venv.sh
set -euo pipefail

VENV="${WARD_BENCH_VENV:-/root/venvs/bench}"
PYTHON="${PYTHON:-python3}"

# Pinned versions, all checked to install together on CPython 3.11 (2026-11-27).
# tf2onnx 1.17.0 only asks protobuf>=3.20, so it coexists with TF 2.21's protobuf.
TF_PKG="tensorflow-cpu==2.21.0"
TF_FALLBACK_PKG="tensorflow==2.21.0"
PINS=(
    "numpy==2.4.6"
    "keras==3.15.1"
    "onnxruntime==1.32.0"
    "onnx==1.23.2"
    "tf2onnx==1.17.0"
    "threadpoolctl==3.8.0"
)

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating venv at $VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
fi

PY="$VENV/bin/python"

if "$PY" - "${PINS[@]}" <<'PY' 2>/dev/null
import importlib.metadata as md, sys
try:
    v = md.version("tensorflow-cpu")
except md.PackageNotFoundError:
    v = md.version("tensorflow")
ok = v == "2.21.0"
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    ok = ok and md.version(name) == want
sys.exit(0 if ok else 1)
PY
then
    echo "bench packages already installed in $VENV"
else
    "$PY" -m pip install --quiet --upgrade pip
    if ! "$PY" -m pip install --quiet "$TF_PKG" "${PINS[@]}"; then
        echo "tensorflow-cpu unavailable, falling back to $TF_FALLBACK_PKG" >&2
        "$PY" -m pip install --quiet "$TF_FALLBACK_PKG" "${PINS[@]}"
    fi
fi

TF_CPP_MIN_LOG_LEVEL=2 "$PY" - <<'PY'
import numpy as np, onnxruntime as ort, tensorflow as tf, tf2onnx, threadpoolctl
print("tensorflow", tf.__version__, "numpy", np.__version__, "onnxruntime", ort.__version__,
      "tf2onnx", tf2onnx.__version__, "threadpoolctl", threadpoolctl.__version__)
PY
echo "venv: $VENV  (python: $PY)"
