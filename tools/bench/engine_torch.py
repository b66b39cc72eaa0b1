"""PyTorch side of `npm run bench:engine`: times the same computations in eager PyTorch.

Prints one JSON object per line: {"case": ..., "metric": ..., "ms": ...}. Run by
tools/bench/engine.ts when `import torch` works in the chosen interpreter.
"""
import json
import math
import statistics
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(0)
BUDGET_S = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0


def timed(fn, warmup=3, min_iters=5):
    for _ in range(warmup):
        fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < min_iters or time.perf_counter() - start < BUDGET_S:
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
        if len(samples) >= 2000:
            break
    return statistics.median(samples)


def emit(case, metric, ms):
    print(json.dumps({"case": case, "metric": metric, "ms": ms}), flush=True)


# (a) MLP 784-400-400-10, SGD step on all weights.
mlp = torch.nn.Sequential(torch.nn.Linear(784, 400), torch.nn.ReLU(), torch.nn.Linear(400, 400), torch.nn.ReLU(), torch.nn.Linear(400, 10))
opt = torch.optim.SGD(mlp.parameters(), lr=0.1)
for batch in (10, 128):
    x = torch.rand(batch, 784)
    y = torch.randint(0, 10, (batch,))

    def fwd():
        with torch.no_grad():
            mlp(x)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(mlp(x), y)
        loss.backward()
        opt.step()

    emit(f"mlp-784-400-400-10/batch-{batch}", "forward", timed(fwd))
    emit(f"mlp-784-400-400-10/batch-{batch}", "train_step", timed(step))


class Layer(torch.nn.Module):
    """A post-LayerNorm BERT layer with exact GELU, as mneme's encoder builder writes it."""

    def __init__(self, h, heads, ffn):
        super().__init__()
        self.h, self.heads = h, heads
        self.q, self.k, self.v, self.o = (torch.nn.Linear(h, h) for _ in range(4))
        self.ln1, self.ln2 = torch.nn.LayerNorm(h, eps=1e-12), torch.nn.LayerNorm(h, eps=1e-12)
        self.f1, self.f2 = torch.nn.Linear(h, ffn), torch.nn.Linear(ffn, h)

    def forward(self, x, bias):
        b, s, _ = x.shape
        hd = self.h // self.heads
        split = lambda t: t.view(b, s, self.heads, hd).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + bias, dim=-1)
        ctx = (p @ v).transpose(1, 2).reshape(b, s, self.h)
        a = self.ln1(self.o(ctx) + x)
        return self.ln2(self.f2(torch.nn.functional.gelu(self.f1(a))) + a)


def encoder_case(name, h, layers, heads, ffn, seq=64, batch=16):
    net = torch.nn.ModuleList(Layer(h, heads, ffn) for _ in range(layers))
    for p in net.parameters():
        p.requires_grad_(False)
    mask = torch.ones(batch, seq)
    mask[:, seq * 3 // 4 :] = 0
    bias = (1 - mask)[:, None, None, :] * torch.finfo(torch.float32).min
    emb = torch.randn(batch, seq, h)

    def run(x):
        for layer in net:
            x = layer(x, bias)
        return (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)

    def fwd():
        with torch.no_grad():
            run(emb)

    def grad():
        x = emb.clone().requires_grad_(True)
        run(x).sum().backward()

    emit(name, "forward", timed(fwd))
    emit(name, "input_gradient", timed(grad))


encoder_case("bert-h128-l2-a2-f512/seq-64/batch-16", 128, 2, 2, 512)
encoder_case("minilm-l6-h384/seq-64/batch-16", 384, 6, 12, 1536)
