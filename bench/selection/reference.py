"""Reference k-center greedy implementations for bench/selection (run.ts starts this script).

Reads N x D float64 rows (raw little-endian, row-major) and picks k rows farthest-first, first pick row 0,
ties to the lowest index, with each of:
  numpy-direct  the straightforward float64 pass per pick: d(i) = sqrt(sum_t (x_it - c_t)^2), then
                min(d, dmin) and argmax (np.argmax returns the lowest index of the maximum); rows are
                processed in blocks of 4096 so no N x D temporary is made.
  numpy-blas    the same with the BLAS form: d(i)^2 = |x_i|^2 - 2 x_i.c + |c|^2 (one matrix-vector
                product per pick, norms cached); faster, but cancellation can change near-tied picks.
  lightly-mundig  Lightly's engine (DIVERSITY strategy, strength 1) on float32 rows, if installed.
Writes JSON: {method: {"seconds": [...], "picks": [...]}} to --out.
"""
import argparse
import importlib.util
import json
import time

import numpy as np

BLOCK = 4096


def numpy_direct(x: np.ndarray, k: int) -> list[int]:
    n = x.shape[0]
    dmin = np.full(n, np.inf)
    taken = np.zeros(n, dtype=bool)
    picks = [0]
    for _ in range(k - 1):
        c = x[picks[-1]]
        taken[picks[-1]] = True
        for a in range(0, n, BLOCK):
            diff = x[a : a + BLOCK] - c
            np.minimum(dmin[a : a + BLOCK], np.sqrt(np.einsum("ij,ij->i", diff, diff)), out=dmin[a : a + BLOCK])
        picks.append(int(np.argmax(np.where(taken, -1.0, dmin))))
    return picks


def numpy_blas(x: np.ndarray, k: int) -> list[int]:
    n = x.shape[0]
    sq = np.einsum("ij,ij->i", x, x)
    d2min = np.full(n, np.inf)
    taken = np.zeros(n, dtype=bool)
    picks = [0]
    for _ in range(k - 1):
        p = picks[-1]
        taken[p] = True
        np.minimum(d2min, sq - 2.0 * (x @ x[p]) + sq[p], out=d2min)
        picks.append(int(np.argmax(np.where(taken, -1.0, d2min))))
    return picks


def mundig_select(x32: np.ndarray, k: int) -> list[int]:
    import lightly_mundig

    selection = lightly_mundig.Selection()
    selection.add_diversifying_strategy(x32, 1.0)
    return [int(i) for i in selection.run_selection([], x32.shape[0], k)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--dim", type=int, required=True)
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--methods", default="numpy-direct,numpy-blas,lightly-mundig")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    x = np.fromfile(args.file, dtype="<f8").reshape(args.n, args.dim)
    results: dict[str, dict] = {}
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - {"numpy-direct", "numpy-blas", "lightly-mundig"}
    if unknown:
        parser.error(f"unknown method(s): {', '.join(sorted(unknown))}")
    for method in methods:
        if method == "lightly-mundig":
            if importlib.util.find_spec("lightly_mundig") is None:
                results[method] = {"error": "not installed (pip install lightly-mundig)"}
                continue
            data, run = x.astype(np.float32), mundig_select
        else:
            data, run = x, numpy_direct if method == "numpy-direct" else numpy_blas
        seconds, picks = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            picks = run(data, args.k)
            seconds.append(time.perf_counter() - start)
        results[method] = {"seconds": seconds, "picks": picks}
    with open(args.out, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
