#!/usr/bin/env bash
# Create (idempotently) the Python virtualenv used by tools/serve_clients.py:
# TensorFlow Serving's own Python client (`tensorflow_serving.apis`, from the
# PyPI package tensorflow-serving-api), grpcio, grpcio-health-checking, numpy.
#
# tensorflow-serving-api 2.21.0 requires the `tensorflow` distribution (not
# `tensorflow-cpu`); its generated *_pb2 modules import tensorflow.core.* protos.
# We install tensorflow-cpu (same modules, no CUDA wheels) and then
# tensorflow-serving-api with --no-deps so pip does not also pull `tensorflow`.
#
# The venv lives OUTSIDE the repo: ${WARD_SERVE_VENV:-/root/venvs/serving}.
# Only PyPI is needed. Usage:  bash tools/serve_setup_venv.sh
set -euo pipefail

VENV="${WARD_SERVE_VENV:-/root/venvs/serving}"
PYTHON="${PYTHON:-python3}"

# Pinned versions, checked to install together on CPython 3.11 (2026-11-27).
TF_PKG="tensorflow-cpu==2.21.0"
TF_FALLBACK_PKG="tensorflow==2.21.0"
TFS_PKG="tensorflow-serving-api==2.21.0"
PINS=(
    "numpy==2.4.6"
    "grpcio==1.85.3"
    "protobuf==7.36.2"
)
# grpcio-health-checking is versioned with grpcio (1.85.1 is the newest 1.85.x
# on PyPI; its generated code runs on grpcio 1.85.3); optional (the health check
# is skipped if it is missing).
HEALTH_PKG="grpcio-health-checking==1.85.1"

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating venv at $VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
fi

PY="$VENV/bin/python"

if "$PY" - "$TFS_PKG" "${PINS[@]}" <<'PY' 2>/dev/null
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
    echo "serving client packages already installed in $VENV"
else
    "$PY" -m pip install --quiet --upgrade pip
    if ! "$PY" -m pip install --quiet "$TF_PKG" "${PINS[@]}"; then
        echo "tensorflow-cpu unavailable, falling back to $TF_FALLBACK_PKG" >&2
        "$PY" -m pip install --quiet "$TF_FALLBACK_PKG" "${PINS[@]}"
    fi
    "$PY" -m pip install --quiet --no-deps "$TFS_PKG"
fi

if ! "$PY" -c 'import grpc_health.v1.health_pb2' 2>/dev/null; then
    # --no-deps: its protobuf pin may lag; the generated code works with ours.
    "$PY" -m pip install --quiet --no-deps "$HEALTH_PKG" \
        || echo "warning: $HEALTH_PKG not installed; the gRPC health check will be skipped" >&2
fi

TF_CPP_MIN_LOG_LEVEL=2 "$PY" - <<'PY'
import grpc, numpy as np, google.protobuf
import tensorflow as tf
from tensorflow_serving.apis import (predict_pb2, prediction_service_pb2_grpc,
    model_service_pb2_grpc, get_model_metadata_pb2, get_model_status_pb2,
    model_management_pb2)
try:
    import grpc_health.v1.health_pb2  # noqa: F401
    health = "yes"
except ImportError:
    health = "no"
print("tensorflow", tf.__version__, "grpcio", grpc.__version__, "protobuf",
      google.protobuf.__version__, "numpy", np.__version__,
      "tensorflow_serving.apis ok", "grpc_health", health)
PY
echo "venv: $VENV  (python: $PY)"
