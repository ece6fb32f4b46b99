#!/usr/bin/env python3
"""Where one run of oidc-assume spends its time, against the benchmark's local servers.

    python3 bench/profile.py [--bin target/release/oidc-assume] [--delay-ms 50]

(after bench/run.sh has built the binaries). Standard library only; uses strace if installed.

1. strace -f of one local run: files opened (CA certificates, ~/.aws, anything else), connect()
   targets (which service, any IMDS 169.254.169.254 probe), threads started, fsync calls, and the
   longest gaps between consecutive syscalls (CPU work: what happens before the first request).
2. One run with every response delayed: the servers' trace (accept/request/respond per connection)
   as a timeline from the spawn, to see what waits for what on the critical path.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402


def strace_run(args, servers, runner):
    strace = shutil.which("strace")
    if not strace:
        print("strace not installed: skipping the syscall profile")
        return
    log = Path(runner.workdir) / "strace.txt"
    env = bench.base_env(servers.info, runner.workdir)
    runner.run(
        [str(args.bin)], env, True, wrapper=[strace, "-f", "-ttt", "-s", "96", "-o", str(log)]
    )
    lines = log.read_text().splitlines()
    ports = {
        int(re.search(r":(\d+)", servers.info[k]).group(1)): name
        for k, name in (
            ("request_url", "token"),
            ("issuer", "issuer"),
            ("sts_endpoint", "sts"),
        )
    }
    opened = Counter()
    certs = 0
    connects = []
    threads = 0
    fsyncs = 0
    calls = Counter()
    stamps = []
    for line in lines:
        m = re.match(r"(\d+)\s+(\d+\.\d+)\s+(\w+)\(", line)
        if not m:
            continue
        t, call = float(m.group(2)), m.group(3)
        stamps.append((t, line))
        calls[call] += 1
        if call in ("openat", "open", "statx", "newfstatat", "access", "stat"):
            path = re.search(r'"([^"]*)"', line)
            if path:
                p = path.group(1)
                if p.startswith("/etc/ssl/certs"):
                    certs += call == "openat"
                elif p and (call == "openat" or "ENOENT" not in line):
                    opened[(call, p, "ENOENT" in line)] += 1
        elif call == "connect":
            port = re.search(r"sin_port=htons\((\d+)\)", line)
            addr = re.search(r'inet_addr\("([^"]+)"\)', line)
            target = f"{addr.group(1) if addr else '?'}:{port.group(1) if port else '?'}"
            name = ports.get(int(port.group(1)), "OTHER") if port else "?"
            connects.append((t, name, target))
        elif call in ("clone", "clone3"):
            threads += 1
        elif call in ("fsync", "fdatasync"):
            fsyncs += 1
    start, end = stamps[0][0], stamps[-1][0]
    print(f"## syscalls of one local run ({len(stamps)} calls, {1000 * (end - start):.1f} ms under strace)")
    print(f"- threads started (clone/clone3): {threads}")
    print(f"- files opened under /etc/ssl/certs (CA roots): {certs}")
    print(f"- fsync/fdatasync: {fsyncs}")
    print(f"- connections: {len(connects)}")
    for t, name, target in connects:
        print(f"  - +{1000 * (t - start):6.1f} ms  {name:6s} {target}")
    imds = [c for c in connects if c[2].startswith("169.254.")]
    print(f"- IMDS (169.254.169.254) connects: {len(imds)}")
    home = [k for k in opened if "/.aws" in k[1]]
    print(f"- ~/.aws accesses: {len(home)} {[k[1] for k in home]}")
    print("- other paths opened or stat'ed (not /etc/ssl/certs, not shared libraries):")
    for (call, path, missing), n in sorted(opened.items()):
        if path.startswith(("/lib", "/usr/lib", "/etc/ld.so")):
            continue
        print(f"  - {call} {path}{' (missing)' if missing else ''}{f' ×{n}' if n > 1 else ''}")
    big = [line for _, line in stamps if re.search(r"\b(mmap|mremap)\(.*\b(\d{7,})\b", line)]
    print(f"- large (≥ 1 MB) mmap/mremap calls: {len(big)}")
    print("- most frequent syscalls: " + ", ".join(f"{c} {n}" for c, n in calls.most_common(8)))
    gaps = sorted(
        ((b[0] - a[0], a[1], b[1]) for a, b in zip(stamps, stamps[1:])), reverse=True
    )[:5]
    print("- longest gaps between syscalls (CPU work in between):")
    for gap, before, after in gaps:
        print(f"  - {1000 * gap:6.1f} ms after `{before.split(None, 2)[2][:70]}`")
        print(f"    {'':9s} before `{after.split(None, 2)[2][:70]}`")
    print()


def timeline(args, runner):
    trace = Path(runner.workdir) / "trace.txt"
    with open(trace, "w") as sink, bench.Servers(args.servers, args.delay_ms, sink) as servers:
        env = bench.base_env(servers.info, runner.workdir)
        runner.run([str(args.bin)], env, True)  # warm the page cache
        time.sleep(0.1)
        t0 = time.time()
        wall, _ = runner.run([str(args.bin)], env, True)
        t1 = time.time()
        time.sleep(0.1)
    print(f"## timeline with {args.delay_ms} ms per request (wall {1000 * wall:.1f} ms)")
    print("ms after spawn, service, connection, event:")
    for line in trace.read_text().splitlines():
        parts = line.split()
        if not parts[0].isdigit() or len(parts) < 3:
            continue
        t = int(parts[0]) / 1e6
        if t0 <= t <= t1:
            print(f"  {1000 * (t - t0):7.1f}  {' '.join(parts[1:])}")
    print(f"  {1000 * (t1 - t0):7.1f}  exit")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", type=Path, default=bench.ROOT / "target/release/oidc-assume")
    parser.add_argument(
        "--servers", type=Path, default=bench.ROOT / "target/release/examples/bench_servers"
    )
    parser.add_argument("--delay-ms", type=int, default=50)
    args = parser.parse_args()
    args.bin, args.servers = args.bin.resolve(), args.servers.resolve()
    with tempfile.TemporaryDirectory(prefix="oidc-assume-profile-") as workdir:
        runner = bench.Runner(workdir)
        with bench.Servers(args.servers, 0) as servers:
            strace_run(args, servers, runner)
        timeline(args, runner)


if __name__ == "__main__":
    main()
