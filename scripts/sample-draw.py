#!/usr/bin/env python3
"""Repeat a Custodia sample draw outside Custodia (docs/verification.md).

    python3 scripts/sample-draw.py PLAN_LEAF_HASH SIZE ROOT POPULATION_FILE [BEACON_VALUE]

PLAN_LEAF_HASH: the RFC 6962 leaf hash of the sample-plan entry (hex); SIZE and ROOT: the
checkpoint the draw rests on (`custodia sample draw --json` names it); POPULATION_FILE: the
population's item identities, one `manufacturer TAB model TAB serial` per line. Prints the
SHA-256 of the population (to compare with the plan's hash), the seed, and the sample in
draw order. Standard library only.
"""
import hashlib
import sys


def population_bytes(lines):
    ordered = sorted(lines, key=lambda l: l.encode())
    return b"custodia sample population v1\n" + b"".join(l.encode() + b"\n" for l in ordered), ordered


def seed(plan_leaf_hash, size, root, beacon):
    material = f"custodia sample seed v1\n{plan_leaf_hash}\n{size}\n{root}\n{beacon}\n".encode()
    return hashlib.sha256(material).digest()


def positions(n, N, seed_bytes):
    def words():
        block = 0
        while True:
            digest = hashlib.sha256(seed_bytes + block.to_bytes(8, "big")).digest()
            for i in range(0, 32, 8):
                yield int.from_bytes(digest[i:i + 8], "big")
            block += 1
    stream = words()
    order = list(range(N))
    for i in range(n):
        k = N - i
        threshold = (2**64) % k
        w = next(stream)
        while w < threshold:
            w = next(stream)
        j = i + w % k
        order[i], order[j] = order[j], order[i]
    return order[:n]


if __name__ == "__main__":
    leaf, size, root, path = sys.argv[1:5]
    beacon = sys.argv[5] if len(sys.argv) > 5 else ""
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    data, ordered = population_bytes(lines)
    print("population", hashlib.sha256(data).hexdigest(), len(ordered))
    s = seed(leaf, size, root, beacon)
    print("seed", s.hex())
    n = int(sys.argv[6]) if len(sys.argv) > 6 else len(ordered)
    for p in positions(n, len(ordered), s):
        print(ordered[p])
