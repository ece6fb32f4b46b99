#!/usr/bin/env python3
"""Holds src/ to the layout rules of issue #10: no import cycle between top-level modules, no
source file over 900 lines and no function over 120 lines (`#[cfg(test)]` code not counted).

Stdlib only. Prints the module graph's layers with --graph. Exit 1 with every violation listed.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
MAX_FILE, MAX_FN = 900, 120


def rust_files():
    for root, _, files in os.walk(SRC):
        for name in sorted(files):
            if name.endswith(".rs"):
                yield os.path.join(root, name)


def top_module(path):
    rel = os.path.relpath(path, SRC)
    first = rel.split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def non_test_lines(path):
    """The file's lines up to its `#[cfg(test)]` module (test-only files count zero)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    if os.path.basename(path) == "tests.rs":
        return []
    out = []
    for i, line in enumerate(lines):
        if line.startswith("#[cfg(test)]") and i + 1 < len(lines) and lines[i + 1].startswith("mod "):
            if lines[i + 1].rstrip().endswith(";"):
                continue  # `mod tests;` in another file
            break
        out.append(line)
    return out


def imports(lines):
    # Code only: a doc link to a module above is not a dependency.
    text = "\n".join(l for l in lines if not l.lstrip().startswith("//"))
    found = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text))
    for group in re.findall(r"\bcrate::\{([^}]*)\}", text):
        found.update(re.findall(r"(?:^|,)\s*([a-z_][a-z0-9_]*)", group))
    return found


def long_functions(path, lines):
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(?:pub(?:\([^)]*\))? )?(?:async )?(?:const )?fn (\w+)", line)
        if not m:
            continue
        indent = m.group(1)
        for j in range(i, len(lines)):
            if lines[j].startswith(indent + "}") and not lines[j].startswith(indent + "}\"") :
                if j - i + 1 > MAX_FN:
                    out.append(f"{os.path.relpath(path, SRC)}:{i + 1}: fn {m.group(2)} is {j - i + 1} lines (max {MAX_FN})")
                break
            if j > i and lines[j].rstrip().endswith(";") and j == i and "{" not in line:
                break
    return out


def cycles(graph):
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(sorted(scc))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sccs


def main():
    problems, graph = [], {}
    for path in rust_files():
        module = top_module(path)
        lines = non_test_lines(path)
        if len(lines) > MAX_FILE:
            problems.append(f"{os.path.relpath(path, SRC)}: {len(lines)} lines without tests (max {MAX_FILE})")
        problems.extend(long_functions(path, lines))
        if module in ("main", "lib"):
            continue
        deps = {d for d in imports(lines) if d != module}
        graph.setdefault(module, set()).update(deps)
    for scc in cycles(graph):
        problems.append("import cycle between top-level modules: " + " <-> ".join(scc))
    if "--graph" in sys.argv:
        for module in sorted(graph):
            print(f"{module}: {', '.join(sorted(graph[module])) or '-'}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"check-layout: {len(graph)} modules, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
