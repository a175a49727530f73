#!/usr/bin/env python3
"""Exact hypergeometric figures, in rational arithmetic, for Custodia's sampling tests.

Prints, for each case, the exact upper confidence bound on the number of items with a
finding in a population of N after x were found in a sample of n (the largest M with
P(X <= x) > 1 - C), and the smallest sample that reveals at least one of M items with
probability >= C (the smallest n with P(X = 0) <= 1 - C). Independent of the Swift code:
standard library only (fractions, math.comb).

    python3 scripts/hypergeometric-table.py
"""
from fractions import Fraction
from math import comb


def cdf(x, N, M, n):
    return Fraction(sum(comb(M, k) * comb(N - M, n - k) for k in range(0, x + 1)), comb(N, n))


def upper_bound(N, n, x, C):
    alpha = 1 - C
    M = x
    while M < N - n + x and cdf(x, N, M + 1, n) > alpha:
        M += 1
    return M


def sample_size(N, M, C):
    alpha = 1 - C
    for n in range(1, N + 1):
        if Fraction(comb(N - M, n), comb(N, n)) <= alpha:
            return n
    return N


BOUNDS = [(5000, 300, 0, "0.95"), (5000, 300, 1, "0.95"), (5000, 300, 2, "0.95"), (5000, 300, 0, "0.99"),
          (1000, 50, 0, "0.9"), (1000, 50, 3, "0.95"), (250000, 600, 0, "0.95"), (250000, 600, 2, "0.95"),
          (120, 120, 0, "0.95"), (120, 119, 0, "0.95"), (40, 10, 10, "0.95")]
SIZES = [(5000, 50, "0.95"), (5000, 10, "0.99"), (250000, 500, "0.95"), (1000, 1, "0.95"), (100, 100, "0.95"),
         (30, 3, "0.9")]

if __name__ == "__main__":
    for N, n, x, c in BOUNDS:
        print(f"bound N={N} n={n} x={x} C={c}: {upper_bound(N, n, x, Fraction(c))}")
    for N, M, c in SIZES:
        print(f"size N={N} M={M} C={c}: {sample_size(N, M, Fraction(c))}")
