"""PyTorch side of `npm run bench:engine`: times the same computations in eager PyTorch.

Prints one JSON object per line: {"case": ..., "metric": ..., "ms": ...}. Run by
tools/bench/engine.ts when `import torch` works in the chosen interpreter. When onnxruntime (and
the exporter's dependencies) import too, each encoder is also exported with torch.onnx.export and
timed on ONNX Runtime (optimisation level all, same threads): metric "forward_ort_export", the
practical limit of a forward pass on this machine.
"""
import contextlib
import json
import math
import os
import statistics
import sys
import tempfile
import time
import warnings

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(0)
BUDGET_S = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
# The same case filter as the TypeScript side (comma-separated name prefixes).
ONLY = [c for c in os.environ.get("MNEME_BENCH_CASES", "").split(",") if c]


def wanted(case):
    return not ONLY or any(case.startswith(o) for o in ONLY)


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
    if not wanted(f"mlp-784-400-400-10/batch-{batch}"):
        continue
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
    if not wanted(name):
        return
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

    def run_masked(x, m):
        b = (1 - m)[:, None, None, :] * torch.finfo(torch.float32).min
        for layer in net:
            x = layer(x, b)
        return (x * m[..., None]).sum(1) / m.sum(1, keepdim=True)

    ort_ms = ort_export_forward(run_masked, emb, mask)
    if ort_ms is not None:
        emit(name, "forward_ort_export", ort_ms)


class _Wrapped(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x, mask):
        return self.fn(x, mask)


def ort_export_forward(fn, emb, mask):
    """Median ms of ONNX Runtime running torch.onnx.export's graph of fn(emb, mask), or None."""
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime not importable: no ORT-on-PyTorch-export rows", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        try:
            # The exporter reports progress on stdout, which carries this script's results.
            with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(_Wrapped(fn).eval(), (emb, mask), path, input_names=["x", "mask"], output_names=["pooled"])
        except Exception as error:  # the exporter's optional dependencies may be missing
            print(f"torch.onnx.export failed ({error}): no ORT-on-PyTorch-export rows", file=sys.stderr)
            return None
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        feeds = {"x": emb.numpy(), "mask": mask.numpy()}
        return timed(lambda: session.run(None, feeds))


encoder_case("bert-h128-l2-a2-f512/seq-64/batch-16", 128, 2, 2, 512)
encoder_case("minilm-l6-h384/seq-64/batch-16", 384, 6, 12, 1536)
