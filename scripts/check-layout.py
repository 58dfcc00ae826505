#!/usr/bin/env python3
"""Checks the layout rules of the tree: no Rust source file over 500 lines
(src/, crates/, tests/, benches/), and no import cycle between the modules of
the gateway library, read from the `crate::` and `super::` paths of each file
(test modules excluded). Prints each violation; exits 1 when there is one."""
import os
import re
import sys

MAX_LINES = 500
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
problems = []

for top in ("src", "crates", "tests", "benches"):
    for d, _, files in os.walk(top):
        if "/target" in d or "node_modules" in d:
            continue
        for f in files:
            if f.endswith(".rs"):
                path = os.path.join(d, f)
                with open(path, encoding="utf-8") as fh:
                    n = sum(1 for _ in fh)
                if n > MAX_LINES:
                    problems.append(f"{path}: {n} lines (at most {MAX_LINES})")



def modules(root="src"):
    """Module path (a tuple) -> its source without the `#[cfg(test)]` tail."""
    found = {}
    for d, _, files in os.walk(root):
        for f in files:
            if not f.endswith(".rs") or f in ("main.rs", "tests.rs") or f.endswith("_tests.rs"):
                continue
            parts = os.path.join(d, f)[len(root) + 1 : -3].split("/")
            if parts[-1] == "mod":
                parts = parts[:-1]
            if parts == ["lib"]:
                parts = []
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                text = fh.read()
            cut = text.find("#[cfg(test)]")
            found[tuple(parts)] = text if cut < 0 else text[:cut]
    return found


def imports(mods):
    """Module -> the modules its `crate::` and `super::` paths name."""
    def resolve(path):
        for n in range(len(path), 0, -1):
            if tuple(path[:n]) in mods:
                return tuple(path[:n])
        return None

    edges = {}
    for m, text in mods.items():
        named = []
        for hit in re.finditer(r"\bcrate::((?:\w+::)*\w+)", text):
            named.append(hit.group(1).split("::"))
        for hit in re.finditer(r"\b((?:super::)+)((?:\w+::)*\w+)", text):
            base = list(m[: len(m) - hit.group(1).count("super")])
            named.append(base + hit.group(2).split("::"))
        # Grouped imports: `use super::{a, b::C};`
        for hit in re.finditer(r"\b(crate|(?:super::)*super)::\{([^;]*)\}", text):
            head = hit.group(1)
            base = [] if head == "crate" else list(m[: len(m) - head.count("super")])
            for item in hit.group(2).split(","):
                item = item.split("::{")[0].strip()
                if item:
                    named.append(base + item.split("::"))
        edges[m] = {r for r in map(resolve, named) if r is not None and r != m}
    return edges


def cycles(nodes, adj):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in adj.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in nodes:
        if v not in index:
            visit(v)
    return out


mods = modules()
edges = imports(mods)
# Siblings under each parent module: an edge a -> b when anything inside a names
# anything inside b.
for parent in sorted({m[:-1] for m in mods if m}):
    depth = len(parent)
    inside = [m for m in mods if len(m) > depth and m[:depth] == parent]
    adj = {}
    for m in inside:
        for o in edges[m]:
            if len(o) > depth and o[:depth] == parent and o[depth] != m[depth]:
                adj.setdefault(m[depth], set()).add(o[depth])
    for comp in cycles(sorted({m[depth] for m in inside}), adj):
        where = "::".join(parent) or "crate"
        problems.append(f"import cycle under {where}: {', '.join(comp)}")

for p in problems:
    print(p)
if problems:
    sys.exit(1)
print(f"layout: no file over {MAX_LINES} lines, no import cycle")
