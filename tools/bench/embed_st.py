"""sentence-transformers side of `npm run bench:embed`: embeds the same texts with the same model.

Usage: embed_st.py <model-folder> <texts.json> <threads> <batch sizes, comma-separated>
Prints one JSON object per line: {"batch": b, "seconds": s, "texts": n, "peak_rss_mb": m}.
Run by tools/bench/embed.ts when `import sentence_transformers` works in the chosen interpreter.
"""
import json
import resource
import sys
import time

import torch
from sentence_transformers import SentenceTransformer

folder, texts_file, threads, batches = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(threads)
with open(texts_file, encoding="utf8") as f:
    texts = json.load(f)
model = SentenceTransformer(folder, device="cpu")
model.encode(texts, batch_size=32, normalize_embeddings=True)  # warm-up: one whole pass, as on the mneme side

for batch in (int(b) for b in batches.split(",")):
    start = time.perf_counter()
    with torch.inference_mode():
        vectors = model.encode(texts, batch_size=batch, normalize_embeddings=True, show_progress_bar=False)
    seconds = time.perf_counter() - start
    assert vectors.shape[0] == len(texts)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"batch": batch, "seconds": seconds, "texts": len(texts), "peak_rss_mb": peak}), flush=True)
