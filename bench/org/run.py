#!/usr/bin/env python3
"""Organisation-scale benchmark (issue #18 item 5): `oidc-assume audit` next to Checkov and ActionScope.

Generates a tree of N repositories (bench/org/generate.py), then in one run, interleaved, times:

- ours: `oidc-assume audit --format json TREE`, on the whole tree and on each smaller tree a peer
  runs on;
- Checkov: `checkov -d TREE --framework terraform cloudformation json github_actions serverless
  --quiet -o json --skip-download` (the frameworks that hold roles and workflows);
- ActionScope: `actionscope scan REPO -f json --offline`, once per repository, as it is meant to run
  (it reads `REPO/.github/workflows`; on the tree's root it finds no workflow at all).

The peers are slow: Checkov took 14 minutes on 1,000 repositories here (2 shared cores), and
ActionScope starts one Python process per repository. By default each runs on the first 100
repositories (`--checkov-repos`, `--actionscope-repos`; 0 = the whole tree); the generator is
deterministic, so that prefix is exactly those repositories of the whole tree. Ours runs on every
tree a peer runs on, so each ratio compares the same files; a peer's time on the whole tree is
extrapolated by file count, and the output says so. Every process runs under GNU time:
wall time, and peak RSS as the kernel's `ru_maxrss` (the largest single process of the run, not a
sum). Files/s divides the tree's file count (every regular file, `node_modules/` included: the
same denominator for every tool) by the wall time.

Peers come from PyPI into a venv (`--venv`, default target/bench-venv), pinned below; a peer that
cannot be installed or fails on the tree gets a row that says so with the first line of its error,
and the run goes on. `--no-peers` measures ours only (the CI smoke: bench/org.sh --repos 20
--no-peers). Prints a Markdown table on stdout; progress on stderr. Exits 1 when ours fails or
reads no trust policy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

CHECKOV = "checkov==3.3.30"
ACTIONSCOPE = "actionscope==0.5.0"
CHECKOV_FRAMEWORKS = ["terraform", "cloudformation", "json", "github_actions", "serverless"]
OUR_EXITS = {0, 10, 11, 12, 13}  # 10-13: findings (docs/audit.md, "Exit codes")
WALKED = (".json", ".tf", ".yaml", ".yml", ".template")
SKIPPED_DIRS = {"target", "node_modules", ".terraform", ".git"}


def log(msg: str) -> None:
    print(f"org-bench: {msg}", file=sys.stderr, flush=True)


@dataclass
class Sample:
    wall: float
    rss_kb: int
    note: str = ""


@dataclass
class Tool:
    name: str
    repos: int  # the tree it runs on: the first `repos` repositories
    runs: int
    samples: list[Sample] = field(default_factory=list)
    error: str = ""
    version: str = ""
    result: str = ""
    forms: dict[str, int] = field(default_factory=dict)


def timed(cmd: list[str], out: Path, timeout: float, env=None) -> tuple[int, float, int, str]:
    """Runs cmd under GNU time with stdout to `out`: (exit code, wall s, peak RSS KB, stderr)."""
    tfile = out.with_suffix(".time")
    full = ["/usr/bin/time", "-f", "%e %M", "-o", str(tfile), *cmd]
    t0 = time.perf_counter()
    with open(out, "wb") as stdout:
        try:
            p = subprocess.run(full, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return -1, time.perf_counter() - t0, 0, f"timed out after {timeout:.0f} s"
    wall = time.perf_counter() - t0
    rss = 0
    try:
        last = tfile.read_text().strip().splitlines()[-1].split()
        rss = int(last[1])
    except (OSError, IndexError, ValueError):
        pass
    return p.returncode, wall, rss, p.stderr.decode(errors="replace")


def first_error_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if "error" in ln.lower() or "traceback" in ln.lower():
            return ln[:200]
    return (lines[-1] if lines else "no output")[:200]


def count_files(tree: Path) -> tuple[int, int, int]:
    """(every regular file, bytes, files the audit's walk would open by name ending)."""
    files = size = walked = 0
    for dirpath, dirnames, names in os.walk(tree):
        rel_skipped = any(p in SKIPPED_DIRS or (p.startswith(".") and p != ".")
                          for p in Path(dirpath).relative_to(tree).parts)
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, n))
            if not rel_skipped and n.endswith(WALKED):
                walked += 1
    return files, size, walked


def repos_of(tree: Path) -> list[Path]:
    return sorted(p for org in tree.iterdir() if org.is_dir() for p in org.iterdir() if p.is_dir())


# --- the three tools ---------------------------------------------------------------------------


def run_ours(tool: Tool, binary: Path, tree: Path, work: Path, timeout: float) -> None:
    out = work / f"ours-{tool.repos}.json"
    code, wall, rss, err = timed([str(binary), "audit", "--format", "json", str(tree)], out, timeout)
    if code not in OUR_EXITS:
        tool.error = f"exit {code}: {first_error_line(err)}"
        return
    doc = json.loads(out.read_text())
    forms: dict[str, int] = {}
    for d in doc["documents"]:
        forms[d["form"]] = forms.get(d["form"], 0) + 1
    s = doc["summary"]
    tool.result = (f"{len(doc['documents'])} roles, {len(doc['findings'])} findings "
                   f"({s['critical']} critical, {s['high']} high, {s['medium']} medium, {s['low']} low)")
    tool.forms = forms
    tool.samples.append(Sample(wall, rss))


def run_checkov(tool: Tool, venv: Path, tree: Path, work: Path, timeout: float) -> None:
    out = work / "checkov.json"
    cmd = [str(venv / "checkov" / "bin" / "checkov"), "-d", str(tree), "--framework", *CHECKOV_FRAMEWORKS,
           "--quiet", "-o", "json", "--skip-download"]
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")  # no download of guideline mappings
    code, wall, rss, err = timed(cmd, out, timeout, env)
    if code not in (0, 1):  # 1: failed checks
        tool.error = f"exit {code}: {first_error_line(err)}"
        return
    try:
        reports = json.loads(out.read_text())
    except json.JSONDecodeError as e:
        tool.error = f"output is not JSON: {e}"
        return
    reports = reports if isinstance(reports, list) else [reports]
    failed = sum(r.get("summary", {}).get("failed", 0) for r in reports)
    resources = sum(r.get("summary", {}).get("resource_count", 0) for r in reports)
    errors = sum(r.get("summary", {}).get("parsing_errors", 0) for r in reports)
    tool.result = f"{resources} resources, {failed} failed checks, {errors} parsing errors"
    tool.samples.append(Sample(wall, rss))


def run_actionscope(tool: Tool, venv: Path, tree: Path, work: Path, timeout: float) -> None:
    exe = str(venv / "actionscope" / "bin" / "actionscope")
    t0 = time.perf_counter()
    peak = findings = oidc = failures = 0
    first_failure = ""
    for repo in repos_of(tree):
        out = work / "actionscope.json"
        left = timeout - (time.perf_counter() - t0)
        if left <= 0:
            tool.error = f"timed out after {timeout:.0f} s"
            return
        code, _, rss, err = timed([exe, "scan", str(repo), "-f", "json", "--offline", "--no-color", "-q"], out, left)
        peak = max(peak, rss)
        if code != 0:
            failures += 1
            first_failure = first_failure or f"{repo.name}: exit {code}: {first_error_line(err)}"
            continue
        try:
            doc = json.loads(out.read_text())
        except json.JSONDecodeError:
            failures += 1
            first_failure = first_failure or f"{repo.name}: output is not JSON"
            continue
        findings += len(doc.get("finding_records", []))
        oidc += len(doc.get("oidc_trust_findings", []))
    wall = time.perf_counter() - t0
    tool.result = f"{findings} findings ({oidc} on OIDC trust), one process per repository"
    if failures:
        tool.result += f"; failed on {failures} repositories (first: {first_failure})"
    tool.samples.append(Sample(wall, peak))


def peer_versions(venv: Path, install: bool) -> dict[str, str]:
    """{tool: version or 'error: …'}; installs the pinned versions when asked, each into its own
    venv under `venv` (ActionScope pulls a python-hcl2 that breaks Checkov's imports)."""
    found = {}
    for spec, exe in ((CHECKOV, "checkov"), (ACTIONSCOPE, "actionscope")):
        own = venv / exe
        path = own / "bin" / exe
        if not path.exists() and install:
            if not (own / "bin" / "pip").exists():
                subprocess.run([sys.executable, "-m", "venv", str(own)], check=True)
            log(f"pip install {spec} into {own}")
            p = subprocess.run([str(own / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", spec],
                               capture_output=True, text=True)
            if p.returncode:
                found[exe] = f"error: pip install {spec}: {first_error_line(p.stderr)}"
                continue
        if not path.exists():
            found[exe] = f"error: {path} missing (run without --no-install)"
            continue
        p = subprocess.run([str(path), "--version"], capture_output=True, text=True)
        found[exe] = (p.stdout.strip().split()[-1] if p.returncode == 0 and p.stdout.strip()
                      else f"error: {first_error_line(p.stderr)}")
    return found


# --- report ------------------------------------------------------------------------------------


def git_commit() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", "src", "Cargo.lock"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (src modified)" if dirty else "")
    except OSError:
        return "unknown"


def cpu_model() -> str:
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def fmt_rss(kb: int) -> str:
    return f"{kb / 1024:.0f} MB" if kb >= 10240 else f"{kb / 1024:.1f} MB"


def ratio_text(r: float) -> str:
    return f"{r:.1f}×" if r < 10 else f"{r:,.0f}×"


def duration(s: float) -> str:
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min"


def report(tools: list[Tool], trees: dict[int, dict], versions: dict[str, str], args) -> str:
    def med(t: Tool) -> float:
        return statistics.median(s.wall for s in t.samples)

    def checkov_on(n: int) -> tuple[float, str] | None:
        """Checkov's time on tree n: measured there, else extrapolated by file count."""
        runs = [t for t in tools if t.name == "Checkov" and t.samples and not t.error]
        if not runs:
            return None
        same = [t for t in runs if t.repos == n]
        if same:
            return med(same[0]), ""
        ck = runs[0]
        return med(ck) * trees[n]["files"] / trees[ck.repos]["files"], " (Checkov extrapolated: a lower bound)"

    lines = [
        f"Organisation-scale audit, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"{os.cpu_count()} cores ({cpu_model()}), shared with other work: compare rows of one run, not across runs.",
        "; ".join([f"oidc-assume at {git_commit()}", *(f"{k} {v}" for k, v in versions.items()), f"seed {args.seed}"]) + ".",
        "",
    ]
    for n, t in sorted(trees.items(), reverse=True):
        lines.append(f"- **{n} repositories**: {t['files']:,} files ({t['bytes'] / 1e6:.0f} MB), "
                     f"{t['walked']:,} with the name endings the audit opens outside skipped directories")
    lines += ["",
              "| tool | tree | runs | wall time (median) | files/s (tree's files) | peak RSS | Checkov's time ÷ this | result |",
              "|---|---|---|---|---|---|---|---|"]
    for t in tools:
        tree = trees[t.repos]
        label = f"{t.name} {t.version}".strip()
        where = f"{t.repos} repos"
        if t.error or not t.samples:
            lines.append(f"| {label} | {where} | {len(t.samples)} | – | – | – | – | **failed**: {t.error or 'did not run'} |")
            continue
        m = med(t)
        ck = checkov_on(t.repos)
        ratio = "–" if ck is None else ("1×" if t.name == "Checkov" else ratio_text(ck[0] / m) + ck[1])
        lines.append(f"| {label} | {where} | {len(t.samples)} | {m:.2f} s | {tree['files'] / m:,.0f} | "
                     f"{fmt_rss(max(s.rss_kb for s in t.samples))} | {ratio} | {t.result} |")
    full = max(trees)
    for t in tools:
        if t.name != "oidc-assume" and t.samples and not t.error and t.repos != full:
            est = med(t) * trees[full]["files"] / trees[t.repos]["files"]
            # Linear in files: fair for ActionScope (a process per repository), a lower bound
            # for Checkov, whose time grew 22x from 100 to 1,000 repositories here.
            bound = ", a lower bound: its time grows faster than the tree" if t.name == "Checkov" else ""
            lines.append(f"\n{t.name} on the {full} repositories, extrapolated linearly by file count from {t.repos}: "
                         f"about {duration(est)} (not measured{bound}).")
    ours = [t for t in tools if t.name == "oidc-assume" and t.repos == full and t.forms]
    if ours:
        lines.append("\nRoles read by form (ours, whole tree): " + ", ".join(f"{k} {v}" for k, v in sorted(ours[0].forms.items())))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="Usually run through bench/org.sh, which builds the release binary.")
    ap.add_argument("--bin", type=Path, required=True, help="the oidc-assume binary to measure")
    ap.add_argument("--repos", type=int, default=1000, help="repositories in the tree (default 1000)")
    ap.add_argument("--checkov-repos", type=int, default=100,
                    help="repositories Checkov runs on (the first ones of the tree; default 100; 0 = all: 14 min per 1,000 here)")
    ap.add_argument("--actionscope-repos", type=int, default=100,
                    help="repositories ActionScope runs on, one process each (default 100: about 0.7 s per repository here; 0 = all)")
    ap.add_argument("--runs", type=int, default=5, help="runs of ours per tree (default 5)")
    ap.add_argument("--peer-runs", type=int, default=1, help="runs of each peer (default 1)")
    ap.add_argument("--peer-timeout", type=float, default=1800, help="seconds a peer's run may take (default 1800)")
    ap.add_argument("--no-peers", action="store_true", help="ours only: no venv, no install (the CI smoke)")
    ap.add_argument("--no-install", action="store_true", help="do not pip install missing peers")
    ap.add_argument("--venv", type=Path, default=ROOT / "target" / "bench-venv",
                    help="where the peers are installed (default target/bench-venv)")
    ap.add_argument("--seed", type=int, default=18, help="the generator's seed (default 18)")
    ap.add_argument("--tree", type=Path, help="generate into this directory and keep it (default: a temporary one)")
    args = ap.parse_args()
    if not args.bin.exists():
        ap.error(f"{args.bin} does not exist")
    prefix = lambda n: args.repos if n <= 0 else min(n, args.repos)  # noqa: E731
    peers = [] if args.no_peers else [("Checkov", "checkov", prefix(args.checkov_repos)),
                                      ("ActionScope", "actionscope", prefix(args.actionscope_repos))]

    base = Path(tempfile.mkdtemp(prefix="org-bench-")) if args.tree is None else args.tree
    work = Path(tempfile.mkdtemp(prefix="org-bench-out-"))
    try:
        trees: dict[int, dict] = {}
        paths: dict[int, Path] = {}
        for n in sorted({args.repos, *(n for _, _, n in peers)}, reverse=True):
            path = paths[n] = base / f"repos-{n}"
            if path.exists() and any(path.iterdir()):
                log(f"reusing {path} (delete it to regenerate)")
            else:
                log(f"generating {n} repositories into {path}")
                generate.generate(path, n, args.seed)
            files, size, walked = count_files(path)
            trees[n] = {"files": files, "bytes": size, "walked": walked}

        # Ours on every tree a peer runs on, for the ratio on the same files.
        tools = [Tool("oidc-assume", n, args.runs) for n in sorted(trees)]
        versions: dict[str, str] = {}
        if peers:
            versions = peer_versions(args.venv, not args.no_install)
            for name, exe, n in peers:
                t = Tool(name, n, args.peer_runs, version=versions[exe])
                if versions[exe].startswith("error"):
                    t.error, t.version = versions[exe][len("error: "):], ""
                tools.append(t)

        # Interleaved: round r runs each tool that still needs a run, so load on the shared
        # machine falls on all of them alike.
        for r in range(max(t.runs for t in tools)):
            for t in tools:
                if t.error or r >= t.runs:
                    continue
                log(f"round {r + 1}: {t.name} on {t.repos} repositories")
                if t.name == "oidc-assume":
                    run_ours(t, args.bin, paths[t.repos], work, 600)
                elif t.name == "Checkov":
                    run_checkov(t, args.venv, paths[t.repos], work, args.peer_timeout)
                else:
                    run_actionscope(t, args.venv, paths[t.repos], work, args.peer_timeout)
                if t.samples and not t.error:
                    log(f"  {t.samples[-1].wall:.2f} s, {fmt_rss(t.samples[-1].rss_kb)}")
                elif t.error:
                    log(f"  failed: {t.error}")
        print(report(tools, trees, versions, args))
        ours = [t for t in tools if t.name == "oidc-assume"]
        if any(t.error for t in ours) or not all(t.forms for t in ours):
            log("error: oidc-assume failed or read no trust policy on the tree")
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.tree is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
