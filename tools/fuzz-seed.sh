#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's fixtures. Corpora are
# generated, never committed (fuzz/.gitignore). Idempotent: files are named
# by content hash, so reruns add nothing new.
#
#   graphdef     tests/fixtures/models/*/frozen.pb, the base64 GraphDefs of
#                tests/fixtures/ops/*.jsonl, tests/advisories/*.pb,
#                tests/fixtures/scan/**/*.pb
#   saved_model  every saved_model/ directory under tests/fixtures, packed
#                in the container format of fuzz/src/lib.rs
#   checkpoint   the variables/ index + shard of those SavedModels, packed
#   npy          tests/fixtures/models/*/{inputs,expected}*/*.npy, and an
#                .npz made of them
#   op           a few random inputs (the target builds its graph from them)
#
# Seeds larger than FUZZ_SEED_MAX_BYTES (default 1 MiB) are skipped: they
# slow every execution down for little coverage.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${FUZZ_CORPUS_DIR:-$root/fuzz/corpus}"
max="${FUZZ_SEED_MAX_BYTES:-1048576}"
command -v python3 >/dev/null || { echo "fuzz-seed: python3 is needed" >&2; exit 1; }
mkdir -p "$corpus"/{graphdef,saved_model,checkpoint,npy,op,ipc_frame,rest_predict_json,grpc_predict}
python3 - "$root" "$corpus" "$max" <<'PY'
import base64, glob, hashlib, io, json, os, struct, sys, zipfile
root, corpus, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
counts = {}
def put(target, data):
    if len(data) > limit:
        return
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(corpus, target, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1
def read(path):
    with open(path, "rb") as f:
        return f.read()
def pack(blobs):  # fuzz/src/lib.rs: u32 LE length + bytes, per slot
    return b"".join(struct.pack("<I", len(b)) + b for b in blobs)
fx = os.path.join(root, "tests", "fixtures")
for p in sorted(glob.glob(f"{fx}/models/*/frozen.pb") + glob.glob(f"{root}/tests/advisories/*.pb")
                + glob.glob(f"{fx}/scan/**/*.pb", recursive=True)):
    if not p.endswith("saved_model.pb"):
        put("graphdef", read(p))
for p in sorted(glob.glob(f"{fx}/ops/*.jsonl")):
    with open(p) as f:
        for line in f:
            line = line.strip()
            if line:
                put("graphdef", base64.b64decode(json.loads(line)["graph"]))
for sm in sorted(glob.glob(f"{fx}/**/saved_model/saved_model.pb", recursive=True)):
    d = os.path.dirname(sm)
    idx = os.path.join(d, "variables", "variables.index")
    shard = os.path.join(d, "variables", "variables.data-00000-of-00001")
    files = [read(sm)]
    put("graphdef", files[0])  # a MetaGraph's bytes are a fine mutation base too
    if os.path.exists(idx):
        files.append(read(idx))
        files.append(read(shard) if os.path.exists(shard) else b"")
        put("checkpoint", pack(files[1:]))
    put("saved_model", pack(files))
npys = sorted(glob.glob(f"{fx}/models/*/inputs*/*.npy") + glob.glob(f"{fx}/models/*/expected*/*.npy"))
for p in npys:
    put("npy", read(p))
small = [p for p in npys if os.path.getsize(p) < 64 << 10][:4]
for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for i, p in enumerate(small):
            z.writestr(f"a{i}.npy", read(p))
    put("npy", buf.getvalue())
rnd = __import__("random").Random(1)
for n in (16, 64, 256, 1024):
    for _ in range(8):
        put("op", bytes(rnd.randrange(256) for _ in range(n)))
# REST bodies: both layouts, every leaf kind, and near-misses.
for body in [
    {"instances": [[1, 2, 3, 4], [5, 6, 7, 8.5]]},
    {"inputs": {"x": [[1, 2, 3, 4]], "ids": [1, 2], "mask": [True, False]}},
    {"instances": [{"x": [1, 2, 3, 4], "ids": 3, "mask": True, "h": 0.5, "s_bytes": {"b64": "aGk="}}]},
    {"signature_name": "serving_default", "inputs": [[1e-7, -2, "NaN", "Infinity"]]},
    {"inputs": {"u": 7, "s_bytes": ["a", {"b64": "AA=="}]}},
    {"instances": [[[1]], [[1, 2]]]},
]:
    put("rest_predict_json", json.dumps(body).encode())
# gRPC PredictRequests, encoded by hand (protobuf wire format).
def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])
def field(num, wire, payload):
    key = varint((num << 3) | wire)
    return key + (varint(len(payload)) + payload if wire == 2 else payload)
def tensor(dtype, dims, content=b"", floats=None):
    shape = b"".join(field(2, 2, field(1, 0, varint(d))) for d in dims)
    t = field(1, 0, varint(dtype)) + field(2, 2, shape)
    if content:
        t += field(4, 2, content)
    if floats is not None:
        t += field(5, 2, b"".join(struct.pack("<f", f) for f in floats))
    return t
def predict(name, inputs):
    spec = field(1, 2, field(1, 2, name.encode()))
    body = b"".join(field(2, 2, field(1, 2, k.encode()) + field(2, 2, v)) for k, v in inputs)
    return spec + body + field(3, 2, b"y")
put("grpc_predict", predict("m", [("x", tensor(1, [2, 4], struct.pack("<8f", *range(8))))]))
put("grpc_predict", predict("m", [("x", tensor(1, [3], floats=[1.5])), ("ids", tensor(9, [2], struct.pack("<2q", 1, 2)))]))
put("grpc_predict", predict("m", [("b", tensor(10, [4], b"\x00\x01\x01\x00")), ("h", tensor(19, [1], b"\x00\x3c"))]))
for t in sorted(os.listdir(corpus)):
    total = len(os.listdir(os.path.join(corpus, t)))
    print(f"fuzz-seed: {t:12} {counts.get(t, 0):5} new, {total:6} in corpus")
PY
