"""PyTorch side of `npm run bench:cl`: one whole Split-MNIST online run of naive, ER or ER-MIR.

Usage: cl_mnist_torch.py <protocol.json> <naive|er|mir>. The header (written by cl-mnist.ts) holds
the protocol, the stream order, the labels and where the features and mneme's initial weights sit
in a float32 file, so this run sees the same batches from the same starting point. The strategies
follow mneme's: ER replays 10 random memory samples with every incoming batch (mean incoming loss +
mean replay loss, one SGD step); ER-MIR draws 50 candidates not of the batch's classes once the
memory holds that many, scores them by their loss after a virtual SGD step on the incoming batch
minus before, and replays the 10 highest; both offer each incoming sample to a reservoir of 500.
Prints one JSON line: run_ms (build + learning + final evaluation), cpu_ms (process CPU time of the
same) and acc (mean final accuracy
over the experiences' test sets).
"""
import json
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.func import functional_call

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

header = json.load(open(sys.argv[1]))
strategy = sys.argv[2]
p = header["protocol"]
d = header["inputSize"]
floats = torch.from_numpy(np.fromfile(header["binary"], dtype=np.float32))


def rows(offset, count):
    return floats[offset : offset + count * d].view(count, d)


experiences = [
    {
        "x": rows(e["train"]["offset"], len(e["train"]["labels"])),
        "y": torch.tensor(e["train"]["labels"], dtype=torch.int64),
        "test_x": rows(e["test"]["offset"], len(e["test"]["labels"])),
        "test_y": torch.tensor(e["test"]["labels"], dtype=torch.int64),
    }
    for e in header["experiences"]
]


def initial(name):
    w = header["weights"][name]
    size = int(np.prod(w["shape"]))
    return floats[w["offset"] : w["offset"] + size].view(*w["shape"])


class Reservoir:
    """Reservoir sampling (Vitter's algorithm R) over every offered sample."""

    def __init__(self, capacity, rng):
        self.capacity, self.rng, self.seen = capacity, rng, 0
        self.x = torch.empty(capacity, d)
        self.y = torch.empty(capacity, dtype=torch.int64)
        self.size = 0

    def add(self, x, y):
        for i in range(len(y)):
            if self.size < self.capacity:
                slot = self.size
                self.size += 1
            else:
                slot = self.rng.randrange(self.seen + 1)
            self.seen += 1
            if slot < self.capacity:
                self.x[slot] = x[i]
                self.y[slot] = y[i]

    def sample(self, count, exclude=None):
        held = self.y[: self.size]
        eligible = list(range(self.size)) if exclude is None else (~torch.isin(held, exclude)).nonzero().flatten().tolist()
        chosen = self.rng.sample(eligible, min(count, len(eligible)))
        return self.x[chosen], self.y[chosen], len(eligible)


def run():
    started, cpu_started = time.perf_counter(), time.process_time()
    sizes = [d, *p["hidden"], p["classes"]]
    layers = []
    for i in range(len(sizes) - 1):
        linear = torch.nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            linear.weight.copy_(initial(f"fc{i}.weight").t())
            linear.bias.copy_(initial(f"fc{i}.bias"))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=p["lr"])
    memory = Reservoir(p["memory"], random.Random(header["seed"]))
    batch = p["batch"]

    def step(x, y, rx=None, ry=None):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        if rx is not None and len(ry) > 0:
            loss = loss + F.cross_entropy(model(rx), ry)
        loss.backward()
        opt.step()

    def most_interfered(x, y, cx, cy):
        params = dict(model.named_parameters())
        grads = torch.autograd.grad(F.cross_entropy(model(x), y), list(params.values()))
        with torch.no_grad():
            moved = {n: torch.add(w, g, alpha=-p["lr"]) for (n, w), g in zip(params.items(), grads)}
            before = F.cross_entropy(model(cx), cy, reduction="none")
            after = F.cross_entropy(functional_call(model, moved, (cx,)), cy, reduction="none")
        return (after - before).topk(p["topK"]).indices

    for e in experiences:
        for start in range(0, len(e["y"]), batch):
            x, y = e["x"][start : start + batch], e["y"][start : start + batch]
            if strategy == "naive":
                step(x, y)
            elif strategy == "er":
                rx, ry, _ = memory.sample(p["replay"])
                step(x, y, rx, ry)
            else:
                cx, cy, eligible = memory.sample(p["candidates"], exclude=y.unique())
                if eligible < p["candidates"]:
                    step(x, y)
                else:
                    chosen = most_interfered(x, y, cx, cy)
                    step(x, y, cx[chosen], cy[chosen])
            if strategy != "naive":
                memory.add(x, y)

    acc = 0.0
    with torch.no_grad():
        for e in experiences:
            predicted = torch.cat([model(chunk).argmax(1) for chunk in e["test_x"].split(256)])
            acc += (predicted == e["test_y"]).float().mean().item() / len(experiences)
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000, acc


def warm_up():
    """Runs each operation once on a throwaway model, untimed: the first optimizer step imports
    torch's compiler stack lazily (seconds), which is loading code, not learning, just as mneme's
    module loading happens before its timed run."""
    model = torch.nn.Sequential(torch.nn.Linear(d, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.zeros(2, d), torch.zeros(2, dtype=torch.int64)
    loss = F.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, list(model.parameters()), retain_graph=True)
    functional_call(model, {n: w - g for (n, w), g in zip(model.named_parameters(), grads)}, (x,)).topk(1)
    loss.backward()
    opt.step()


warm_up()
run_ms, cpu_ms, acc = run()
print(json.dumps({"strategy": strategy, "run_ms": run_ms, "cpu_ms": cpu_ms, "acc": acc}))
