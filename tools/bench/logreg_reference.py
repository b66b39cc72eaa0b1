"""Logistic-regression reference on mneme's frozen text features: the ceiling `joint` is held to.

Reads the folder written by tools/bench/export-features.ts (features.f32 + meta.json), fits
sklearn's multinomial LogisticRegression (lbfgs) on the train rows for each C of a log grid,
picks the C with the best accuracy on the validation rows (ties -> smaller C, i.e. stronger
regularisation), refits on the train rows with it and reports test accuracy (and the mean
per-class recall). Test rows are never used for the choice.

Usage: python3 tools/bench/logreg_reference.py <features-dir> [--max-iter 1000] [--json out.json]
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

GRID = [0.01, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--json")
    args = parser.parse_args()
    folder = Path(args.folder)
    meta = json.loads((folder / "meta.json").read_text())
    x = np.fromfile(folder / "features.f32", dtype="<f4").reshape(meta["n"], meta["dimension"]).astype(np.float64)
    y = np.asarray(meta["labels"])
    splits = np.asarray(meta["splits"])
    tr, va, te = (splits == s for s in ("train", "validation", "test"))
    if not va.any():
        print("no validation rows: cannot choose C without touching test", file=sys.stderr)
        return 1

    def fit(c: float, rows: np.ndarray) -> LogisticRegression:
        return LogisticRegression(C=c, solver="lbfgs", max_iter=args.max_iter, tol=1e-6).fit(x[rows], y[rows])

    scores = []
    for c in GRID:
        started = time.perf_counter()
        acc = float((fit(c, tr).predict(x[va]) == y[va]).mean())
        scores.append(acc)
        print(f"C={c:g}: validation accuracy {acc:.4f} ({time.perf_counter() - started:.1f} s)", flush=True)
    best = max(range(len(GRID)), key=lambda i: (scores[i], -i))
    c = GRID[best]
    model = fit(c, tr)
    predicted = model.predict(x[te])
    test = float((predicted == y[te]).mean())
    # Mean per-class recall: what ACC over one-class experiences measures.
    balanced = float(balanced_accuracy_score(y[te], predicted))
    result = {
        "name": meta["name"],
        "rows": {"train": int(tr.sum()), "validation": int(va.sum()), "test": int(te.sum())},
        "grid": GRID,
        "validation_accuracy": scores,
        "C": c,
        "l2_mean_loss_equivalent": 1.0 / (c * int(tr.sum())),
        "test_accuracy": test,
        "test_balanced_accuracy": balanced,
    }
    print(json.dumps(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
