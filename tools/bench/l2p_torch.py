"""Eager PyTorch side of `npm run bench:l2p`: one L2P train step on the same batch, same shapes.

Usage: l2p_torch.py <batch.json> <threads> <reps>
batch.json: {"rows": [[token ids]...], "labels": [...], "classes": C, "size": M, "length": L,
             "select": N, "lambda": λ, "hidden": 384, "layers": 6, "heads": 12, "ffn": 1536,
             "vocab": V, "positions": P}
The step is what mneme's l2p strategy runs per batch: select N prompts per row by the highest cosine
between the frozen query feature and the keys, prepend them to the (frozen) token embeddings, run
the frozen encoder, mean-pool and normalise, linear head, cross-entropy + λ·(1 − cos(query, key)),
backward to prompts, keys and head only, and an Adam update. Weights are random: time depends on
shapes, not values. Prints {"metric": "l2p_train_step", "ms": median} and per-rep samples.
"""
import json
import math
import statistics
import sys
import time

import torch

spec = json.load(open(sys.argv[1], encoding="utf8"))
torch.set_num_threads(int(sys.argv[2]))
reps = int(sys.argv[3])
torch.manual_seed(0)
H, LAYERS, HEADS, FFN = spec["hidden"], spec["layers"], spec["heads"], spec["ffn"]
M, L, N, C, LAMBDA = spec["size"], spec["length"], spec["select"], spec["classes"], spec["lambda"]


class Layer(torch.nn.Module):
    """A post-LayerNorm BERT layer with exact GELU (as in tools/bench/engine_torch.py)."""

    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (torch.nn.Linear(H, H) for _ in range(4))
        self.ln1, self.ln2 = torch.nn.LayerNorm(H, eps=1e-12), torch.nn.LayerNorm(H, eps=1e-12)
        self.f1, self.f2 = torch.nn.Linear(H, FFN), torch.nn.Linear(FFN, H)

    def forward(self, x, bias):
        b, s, _ = x.shape
        hd = H // HEADS
        split = lambda t: t.view(b, s, HEADS, hd).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + bias, dim=-1)
        ctx = (p @ v).transpose(1, 2).reshape(b, s, H)
        a = self.ln1(self.o(ctx) + x)
        return self.ln2(self.f2(torch.nn.functional.gelu(self.f1(a))) + a)


word = torch.nn.Embedding(spec["vocab"], H)
position = torch.nn.Embedding(spec["positions"], H)
token_type = torch.nn.Embedding(2, H)
emb_ln = torch.nn.LayerNorm(H, eps=1e-12)
layers = torch.nn.ModuleList(Layer() for _ in range(LAYERS))
for module in (word, position, token_type, emb_ln, layers):
    for p in module.parameters():
        p.requires_grad_(False)

prompts = torch.nn.Parameter(torch.empty(M, L, H).uniform_(-1, 1))
keys = torch.nn.Parameter(torch.empty(M, H).uniform_(-1, 1))
head_w = torch.nn.Parameter(torch.randn(H, C) * 0.02)
head_b = torch.nn.Parameter(torch.zeros(C))
opt = torch.optim.Adam([prompts, keys, head_w, head_b], lr=1e-3)

rows, labels = spec["rows"], torch.tensor(spec["labels"])
batch, t = len(rows), max(len(r) for r in rows)
ids = torch.zeros(batch, t, dtype=torch.long)
mask = torch.zeros(batch, t)
for i, r in enumerate(rows):
    ids[i, : len(r)] = torch.tensor(r)
    mask[i, : len(r)] = 1
query = torch.nn.functional.normalize(torch.randn(batch, H), dim=-1)  # the cached frozen features


def step():
    opt.zero_grad(set_to_none=True)
    with torch.no_grad():
        idx = (query @ torch.nn.functional.normalize(keys, dim=-1).T).topk(N, dim=-1).indices
        pos = torch.arange(t)
        embeds = emb_ln(word(ids) + position(pos)[None] + token_type(torch.zeros_like(ids)))
    x = torch.cat([prompts[idx].reshape(batch, N * L, H), embeds], dim=1)
    full = torch.cat([torch.ones(batch, N * L), mask], dim=1)
    bias = (1 - full)[:, None, None, :] * torch.finfo(torch.float32).min
    for layer in layers:
        x = layer(x, bias)
    pooled = torch.nn.functional.normalize((x * full[..., None]).sum(1) / full.sum(1, keepdim=True), dim=-1)
    loss = torch.nn.functional.cross_entropy(pooled @ head_w + head_b, labels)
    cos = (torch.nn.functional.normalize(keys[idx], dim=-1) * query[:, None, :]).sum(-1)
    loss = loss + LAMBDA * (1 - cos).sum(1).mean()
    loss.backward()
    opt.step()


for _ in range(2):
    step()
samples = []
for _ in range(reps):
    start = time.perf_counter()
    step()
    samples.append((time.perf_counter() - start) * 1000)
print(json.dumps({"metric": "l2p_train_step", "ms": statistics.median(samples), "samples": samples, "tokens": t}), flush=True)
