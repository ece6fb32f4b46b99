#!/usr/bin/env python3
"""Holds src/ to the layout rules of issues #10 and #17:

- no import cycle between top-level modules, and every top-level import points to a module in the
  same layer or an earlier one of LAYERS below (the layer order as code);
- src/lib.rs documents exactly these layers, in this order (one `- ` bullet per layer naming its
  modules as [`links`]), so the prose cannot drift from what is checked;
- no import cycle between files: a file's `use` and inline `crate::`/`super::`/`self::` paths are
  resolved to the files that define the modules they name (the longest known module prefix). A
  `mod.rs` (or a file with child modules) owning its children is structure, not a dependency: edges
  from a module to its own descendants are not counted, so a child may use its parent freely;
- no source file over 900 lines and no function over 120 lines (`#[cfg(test)]` code not counted).

Stdlib only. `--self-test` checks the checker on small trees. `--graph` prints the top-level module graph with each module's layer. Exit 1 with every
violation listed.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
MAX_FILE, MAX_FN = 900, 120

# Each layer may use the layers before it (and, without cycles, its own). `main` and `lib` sit on top.
LAYERS = [
    ("leaf rules, pure", ["text", "aws", "github", "claims", "secret", "tags", "exit"]),
    ("leaf I/O: the environment (read once), the platform corner, the reporter", ["env", "platform", "output"]),
    ("rules over the leaves", ["files", "mint", "verify", "policy", "net", "retry", "token_claims"]),
    ("what users write: inputs, trust policies, workflows", ["inputs", "config", "trust", "workflow", "paths", "migrate"]),
    ("I/O at the edges, behind small traits", ["oidc", "sts", "export", "profiles", "iam_api"]),
    ("the error model and decisions over it", ["error", "refusal"]),
    ("the run's preparation", ["plan", "preflight", "runner"]),
    ("the pipeline and the hand-off", ["app", "handoff"]),
    ("the command line and the commands", ["cli", "commands"]),
]


def rust_files():
    for root, _, files in os.walk(SRC):
        for name in sorted(files):
            if name.endswith(".rs"):
                yield os.path.join(root, name)


def module_path(path):
    """`src/trust/forms/hcl/mod.rs` -> ("trust", "forms", "hcl"); lib.rs and main.rs -> ()."""
    parts = os.path.relpath(path, SRC).split(os.sep)
    last = parts[-1][:-3]
    parts = parts[:-1] + ([] if last in ("mod", "lib", "main") else [last])
    return tuple(parts)


def non_test_lines(path):
    """The file's lines up to its `#[cfg(test)]` module (test-only files count zero)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    if os.path.basename(path) in ("tests.rs", "shared_home_tests.rs") or "/tests/" in path:
        return []
    out = []
    for i, line in enumerate(lines):
        if line.startswith("#[cfg(test)]") and i + 1 < len(lines) and lines[i + 1].startswith("mod "):
            if lines[i + 1].rstrip().endswith(";"):
                continue  # `mod tests;` in another file
            break
        out.append(line)
    return out


def code(lines):
    """The lines without comments (a doc link to a module above is not a dependency)."""
    out = []
    for line in lines:
        if line.lstrip().startswith("//"):
            continue
        out.append(re.sub(r"//.*$", "", line) if '"' not in line else line)
    return "\n".join(out)


def expand_use(tree):
    """`a::{b, c::{self, d}}` -> [["a","b"], ["a","c"], ["a","c","d"]]."""
    tree = re.sub(r"\s+", "", tree)
    out = []

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        return parts

    def walk(prefix, s):
        brace = s.find("{")
        if brace == -1:
            segs = [x for x in s.split("::") if x and x not in ("self", "*")]
            out.append(prefix + segs)
            return
        head = [x for x in s[:brace].split("::") if x]
        inner = s[brace + 1 : s.rfind("}")]
        for part in split_top(inner):
            walk(prefix + head, part)

    walk([], tree)
    return out


def file_paths(lines):
    """Every module path a file names: `use` trees and inline `crate::`/`super::`/`self::` paths."""
    text = code(lines)
    paths = []
    for m in re.finditer(r"\b(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", text):
        tree = re.sub(r"\bas\s+\w+", "", m.group(1))
        paths.extend(expand_use(tree))
    for m in re.finditer(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
        paths.append(m.group(1).split("::"))
    return paths


def resolve(current, children, segs, modules):
    """The defining module of a path named in module `current`, or None (std, external crates)."""
    if not segs:
        return None
    if segs[0] == "crate":
        base, rest = (), segs[1:]
    elif segs[0] in ("super", "self"):
        base = current
        rest = list(segs)
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    elif segs[0] in children:
        base, rest = current, segs  # a child module named without `self::`
    else:
        return None
    best = base if base in modules else None
    for i in range(1, len(rest) + 1):
        cand = base + tuple(rest[:i])
        if cand in modules:
            best = cand
        else:
            break
    return best


def resolved(files):
    """Every module a file names, resolved to the file that defines it: {module path: targets}."""
    modules = {module_path(p): p for p in files}
    out = {}
    for path, lines in files.items():
        current = module_path(path)
        children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", "\n".join(lines), re.M))
        targets = {resolve(current, children, segs, modules) for segs in file_paths(lines)}
        out[current] = {t for t in targets if t is not None and t != current}
    return out


def file_cycles(deps):
    """Cycles between files (strongly connected components over resolved module paths); a
    module's own descendants are structure, not a dependency."""
    graph = {m: {t for t in targets if t[: len(m)] != m} for m, targets in deps.items()}
    return [["::".join(m) for m in scc] for scc in cycles(graph)]


def top_level(deps):
    """The top-level module graph, from the same resolution: each file's targets by top module."""
    graph = {}
    for m, targets in deps.items():
        graph.setdefault(m[0], set()).update(t[0] for t in targets if t[0] != m[0])
    return graph


def long_functions(path, lines):
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(?:pub(?:\([^)]*\))? )?(?:async )?(?:const )?fn (\w+)", line)
        if not m:
            continue
        indent = m.group(1)
        for j in range(i, len(lines)):
            if lines[j].startswith(indent + "}") and not lines[j].startswith(indent + "}\""):
                if j - i + 1 > MAX_FN:
                    out.append(f"{os.path.relpath(path, SRC)}:{i + 1}: fn {m.group(2)} is {j - i + 1} lines (max {MAX_FN})")
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

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sccs


def layer_problems(graph):
    layer_of, problems = {}, []
    for i, (_, mods) in enumerate(LAYERS):
        for m in mods:
            if m in layer_of:
                problems.append(f"LAYERS names `{m}` twice")
            layer_of[m] = i
    for m in sorted(set(graph) - set(layer_of)):
        problems.append(f"src/{m}: top-level module in no layer: add it to LAYERS in scripts/check-layout.py and to src/lib.rs")
    for m in sorted(set(layer_of) - set(graph)):
        problems.append(f"LAYERS names `{m}`, which is no top-level module")
    for m in sorted(graph):
        for d in sorted(graph[m]):
            if m in layer_of and d in layer_of and layer_of[d] > layer_of[m]:
                problems.append(
                    f"src/{m} (layer {layer_of[m] + 1}, {LAYERS[layer_of[m]][0]}) uses `{d}` from a later layer "
                    f"({layer_of[d] + 1}, {LAYERS[layer_of[d]][0]})"
                )
    return problems, layer_of


def lib_doc_problems():
    """src/lib.rs lists the layers in order: the bullets under `Layers` name exactly LAYERS' modules."""
    text = open(os.path.join(SRC, "lib.rs"), encoding="utf-8").read()
    doc = [l[3:].strip() if l.startswith("//!") else None for l in text.split("\n")]
    try:
        start = next(i for i, l in enumerate(doc) if l is not None and l.startswith("Layers"))
    except StopIteration:
        return ["src/lib.rs: no `Layers` paragraph in the crate docs (it lists LAYERS of scripts/check-layout.py)"]
    bullets, current = [], None
    for line in doc[start + 1 :]:
        if line is None or line == "":
            break
        if line.startswith("- "):
            current = []
            bullets.append(current)
        if current is not None:
            current.extend(re.findall(r"\[`(?:mod@)?([a-z_]+)`\]", line))
    want = [sorted(mods) for _, mods in LAYERS]
    got = [sorted(set(b)) for b in bullets]
    if got != want:
        return [
            "src/lib.rs: the `Layers` bullets must name, one bullet per layer and in order, the modules of "
            f"LAYERS in scripts/check-layout.py:\n  want {want}\n  got  {got}"
        ]
    return []


def check():
    """Every problem of the tree under SRC, the top-level graph and each module's layer."""
    problems, files = [], {}
    for path in rust_files():
        lines = non_test_lines(path)
        files[path] = lines
        if len(lines) > MAX_FILE:
            problems.append(f"{os.path.relpath(path, SRC)}: {len(lines)} lines without tests (max {MAX_FILE})")
        problems.extend(long_functions(path, lines))
    # lib.rs and main.rs declare the modules and sit above them all.
    deps = resolved({p: l for p, l in files.items() if module_path(p)})
    graph = top_level(deps)
    for scc in cycles(graph):
        problems.append("import cycle between top-level modules: " + " <-> ".join(scc))
    for scc in file_cycles(deps):
        problems.append("import cycle between files (modules): " + " <-> ".join(scc))
    layered, layer_of = layer_problems(graph)
    problems.extend(layered)
    problems.extend(lib_doc_problems())
    return problems, graph, layer_of, len(deps)


def self_test():
    """The checker finds what it must: a file cycle, a layer violation, a drifted lib.rs, and passes a clean tree."""
    import tempfile

    global SRC, LAYERS
    saved = SRC, LAYERS
    LAYERS = [("low", ["a"]), ("high", ["b"])]
    lib = "//! Layers:\n//! - low: [`a`];\n//! - high: [`b`].\n\npub mod a;\npub mod b;\n"
    cases = [
        ("clean", {"lib.rs": lib, "a/mod.rs": "mod x;\nmod y;\nuse x::X;\n", "a/x.rs": "use super::y::Y;\n",
                   "a/y.rs": "use crate::a::Z;\n", "b.rs": "use crate::a::{self, x::X};\n"}, []),
        ("file cycle", {"lib.rs": lib, "a/mod.rs": "mod x;\nmod y;\n", "a/x.rs": "use super::{y::Y, Z};\n",
                        "a/y.rs": "fn f() { crate::a::x::g() }\n", "b.rs": ""}, ["import cycle between files (modules): a::x <-> a::y"]),
        ("layer", {"lib.rs": lib, "a.rs": "use crate::b::B;\n", "b.rs": ""}, ["src/a (layer 1, low) uses `b` from a later layer (2, high)"]),
        ("lib.rs drift", {"lib.rs": lib.replace("[`b`]", "b"), "a.rs": "", "b.rs": ""}, ["src/lib.rs: the `Layers` bullets"]),
    ]
    failed = 0
    try:
        for name, tree, want in cases:
            with tempfile.TemporaryDirectory() as root:
                for rel, text in tree.items():
                    os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
                    open(os.path.join(root, rel), "w", encoding="utf-8").write(text)
                SRC = root
                got = check()[0]
            ok = len(got) == len(want) and all(g.startswith(w) for g, w in zip(got, want))
            failed += not ok
            print(f"self-test {name}: {'ok' if ok else 'FAILED: ' + repr(got)}", file=sys.stderr)
    finally:
        SRC, LAYERS = saved
    return 1 if failed else 0


def main():
    if "--self-test" in sys.argv:
        return self_test()
    problems, graph, layer_of, nfiles = check()
    if "--graph" in sys.argv:
        for module in sorted(graph, key=lambda m: (layer_of.get(m, 99), m)):
            layer = layer_of.get(module)
            print(f"{'?' if layer is None else layer + 1} {module}: {', '.join(sorted(graph[module])) or '-'}")
    for p in problems:
        print(p, file=sys.stderr)
    print(
        f"check-layout: {len(graph)} top-level modules in {len(LAYERS)} layers, {nfiles} files, {len(problems)} problem(s)",
        file=sys.stderr,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
