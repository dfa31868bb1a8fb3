#!/usr/bin/env bash
# Run third-party reference scanners over the `ward scan` fixtures and record what they say.
#
# Usage: bash tools/run_reference_scanners.sh [FIXTURE_ROOT]   (default tests/fixtures/scan)
#
#  * saved_model_cli scan  -- from the TensorFlow venv (/root/venvs/tf), tag set `serve`.
#                             Only applicable to SavedModel fixtures (it cannot read a bare GraphDef).
#  * modelscan             -- installed by pip into its own venv (/root/venvs/modelscan) together with
#                             tensorflow-cpu (modelscan's SavedModel scanner imports tensorflow and
#                             otherwise only reports a missing-dependency error).  Run on the
#                             saved_model/ directory, or on frozen.pb for GraphDef fixtures.
#
# Each tool's stdout+stderr goes to <fixture>/reference/{saved_model_cli,modelscan}.txt, with the
# command line first and `exit_code: N` last.  Commands run from the fixture directory with
# relative paths so the files do not depend on where the repo is checked out.
set -u

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FIX="${1:-$ROOT/tests/fixtures/scan}"
FIX="$(cd "$FIX" && pwd)"
TF_VENV="${TF_VENV:-/root/venvs/tf}"
MS_VENV="${MS_VENV:-/root/venvs/modelscan}"
MODELSCAN_VERSION="${MODELSCAN_VERSION:-0.8.8}"

# PYTHONHASHSEED: saved_model_cli prints Python sets; pin their order so reruns give identical files.
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES=-1 PYTHONWARNINGS=ignore PYTHONHASHSEED=0 COLUMNS=200

TF_VERSION="$("$TF_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("tensorflow-cpu"))' 2>/dev/null || echo 2.21.0)"

# ---- install modelscan -------------------------------------------------------------------------
MODELSCAN_OK=1
if [ ! -x "$MS_VENV/bin/modelscan" ] || ! "$MS_VENV/bin/python" -c 'import tensorflow' >/dev/null 2>&1; then
  echo "installing modelscan==$MODELSCAN_VERSION + tensorflow-cpu==$TF_VERSION into $MS_VENV" >&2
  if ! { python3 -m venv "$MS_VENV" &&
         "$MS_VENV/bin/pip" install -q "modelscan==$MODELSCAN_VERSION" "tensorflow-cpu==$TF_VERSION"; }; then
    echo "NOTE: modelscan installation FAILED; modelscan.txt files will say so" >&2
    MODELSCAN_OK=0
  fi
fi
MS_VER="$("$MS_VENV/bin/pip" show modelscan 2>/dev/null | awk '/^Version:/{print $2}')"

run_tool() {  # run_tool OUTFILE CMD...
  local out="$1"; shift
  {
    echo "\$ $*"
    "$@" 2>&1
    echo "exit_code: $?"
  } > "$out"
}

for d in "$FIX"/*/; do
  d="${d%/}"; name="$(basename "$d")"
  [ -f "$d/expected.json" ] || continue
  mkdir -p "$d/reference"
  (
    cd "$d"
    if [ -d saved_model ]; then
      run_tool reference/saved_model_cli.txt \
        "$TF_VENV/bin/saved_model_cli" scan --dir saved_model --tag_set serve
      target=saved_model
    else
      printf '%s\n' "not run: saved_model_cli scan only reads SavedModel directories; this fixture is a bare GraphDef (frozen.pb)" \
        "exit_code: n/a" > reference/saved_model_cli.txt
      target=frozen.pb
    fi
    if [ "$MODELSCAN_OK" = 1 ]; then
      run_tool reference/modelscan.txt "$MS_VENV/bin/modelscan" -p "$target"
    else
      printf '%s\n' "not run: pip install modelscan failed" "exit_code: n/a" > reference/modelscan.txt
    fi
    # absolute venv paths in the command line are machine-specific; keep just the tool name
    sed -i "1s#^\\\$ $TF_VENV/bin/#\$ #; 1s#^\\\$ $MS_VENV/bin/#\$ #" reference/*.txt
    # modelscan prints absolute paths; make them relative to the fixture directory
    sed -i "s#$d/##g" reference/*.txt
  )
  printf '%-36s saved_model_cli: %-4s modelscan: %s\n' "$name" \
    "$(tail -n1 "$d/reference/saved_model_cli.txt" | sed 's/exit_code: //')" \
    "$(tail -n1 "$d/reference/modelscan.txt" | sed 's/exit_code: //')"
done
echo "modelscan version: ${MS_VER:-none}; tensorflow: $TF_VERSION"
