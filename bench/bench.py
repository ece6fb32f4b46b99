#!/usr/bin/env python3
"""End-to-end benchmark of the oidc-assume release binary against local servers, next to the floor.

Started by bench/run.sh (which builds the binaries first). Standard library only.

For each scenario (local servers with no delay; every response held --delay-ms) it starts
target/release/examples/bench_servers, then runs the action binary and the floor
(examples/floor.rs: bare std::net round trips) alternately, each run as a fresh process with a
fresh GITHUB_ENV/GITHUB_OUTPUT/GITHUB_STEP_SUMMARY in its own temp dir, directly (no shell: the
runner's INPUT_ROLE-TO-ASSUME-style names do not survive /bin/sh). Wall time is measured from
just before the spawn to the child's exit. Peak RSS comes from separate runs under GNU time
(`/usr/bin/time -f %M`): a child spawned by Python inherits Python's own RSS (~14 MB) as its
high-water mark at exec, so wait4's ru_maxrss would measure Python, not the child; time(1) is a
small C program whose fork adds under 1 MB. Every run must exit 0 and export credentials, or the
benchmark stops.

With --container IMAGE a third client runs the same binary in the action's image as GitHub's
runner does (`docker run --rm --network host`, inputs as `-e NAME`, the runner files on a mount,
`--workdir /github/workspace`), so the table shows what the container costs on top of the bare
process, side by side on the same servers. Its RSS is not measured (the docker client's would be
reported, not the action's).
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROLE = "arn:aws:iam::123456789012:role/octo-deploy"
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")

# Targets (issue #5).
TARGET_LOCAL_DELTA_MS = 3.0  # ours within 3 ms of the floor, local servers
TARGET_DELAY_HOPS = 2  # with D ms per request: total <= 2*D + slack
TARGET_DELAY_SLACK_MS = 15.0
TARGET_RSS_MB = 10.0
TARGET_NATIVE_OF_CAC = 0.35  # native step's median ≤ 35% of configure-aws-credentials' (issue #12)


def die(message):
    print(f"\nbench: FAILED: {message}", file=sys.stderr)
    sys.exit(2)


def action_defaults():
    """The declared defaults of action.yml's inputs, as the runner passes them (INPUT_<NAME>)."""
    defaults = {}
    section = None
    current = None
    for line in (ROOT / "action.yml").read_text().splitlines():
        if re.match(r"^\S", line):
            section = line.split(":")[0]
            continue
        if section != "inputs":
            continue
        m = re.match(r"^  ([A-Za-z0-9_-]+):\s*$", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"^    default:\s*(.*)$", line)
        if m and current:
            value = m.group(1).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            if "${{" not in value:  # runner expressions (the internal inputs) are not passed
                defaults[current] = value
    return defaults


class Servers:
    """bench_servers as a child; stops when we close its stdin."""

    def __init__(self, exe, delay_ms, trace_file=None):
        args = [str(exe), "--delay-ms", str(delay_ms)]
        if trace_file is not None:
            args.append("--trace")
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=trace_file if trace_file is not None else subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line:
            die(f"{exe} did not start (exit {self.proc.wait()})")
        self.info = json.loads(line)

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def base_env(info, home):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": info["request_url"],
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": info["request_token"],
    }
    for name, value in action_defaults().items():
        env[f"INPUT_{name.upper()}"] = value
    env.update(
        {
            "INPUT_ROLE-TO-ASSUME": ROLE,
            "INPUT_AWS-REGION": "eu-central-1",
            "INPUT_ISSUER": info["issuer"],
            "INPUT_STS-ENDPOINT": info["sts_endpoint"],
            # A simple claim policy, as a real workflow would have (it is evaluated on every run).
            "INPUT_ALLOWED-REPOSITORIES": "octo-org/octo-repo",
            "INPUT_ALLOWED-REFS": "refs/heads/main",
        }
    )
    return env


class Runner:
    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.count = 0

    def prepare(self, env):
        """A fresh run directory with empty runner files; returns (dir, env)."""
        self.count += 1
        run_dir = self.workdir / f"run{self.count}"
        run_dir.mkdir()
        files = {}
        for var, name in (
            ("GITHUB_ENV", "github_env"),
            ("GITHUB_OUTPUT", "github_output"),
            ("GITHUB_STEP_SUMMARY", "step_summary"),
        ):
            path = run_dir / name
            path.write_bytes(b"")
            files[var] = str(path)
        env = dict(env)
        env.update(files)
        return run_dir, env

    def run(self, argv, env, check_outputs, wrapper=None, rss=False):
        """One run; returns (wall seconds, peak RSS KiB or None). Aborts on any failure.

        With rss=True the run goes through GNU time for its peak RSS (its wall time then
        includes time's own fork and exec, so it is not used). A callable argv gets the run
        directory and environment and returns the command and the environment to run it with."""
        run_dir, env = self.prepare(env)
        host_env = env
        if callable(argv):
            argv, env = argv(run_dir, env)
        out_path, err_path = run_dir / "stdout", run_dir / "stderr"
        rss_path = run_dir / "rss"
        if rss and GNU_TIME:
            wrapper = [GNU_TIME, "-f", "%M", "-o", str(rss_path)] + (wrapper or [])
        full = (wrapper or []) + argv
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(
                full, env=env, cwd=run_dir, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        env_file = Path(host_env["GITHUB_ENV"]).read_text()
        output_file = Path(host_env["GITHUB_OUTPUT"]).read_text()
        problem = None
        if proc.returncode != 0:
            problem = f"exit code {proc.returncode}"
        elif "AWS_ACCESS_KEY_ID" not in env_file:
            problem = "GITHUB_ENV has no AWS_ACCESS_KEY_ID"
        elif check_outputs and "authenticated-arn" not in output_file:
            problem = "GITHUB_OUTPUT has no authenticated-arn"
        if problem:
            die(
                f"run of {' '.join(full)} failed: {problem}\n"
                f"--- stdout\n{out_path.read_text(errors='replace')}"
                f"--- stderr\n{err_path.read_text(errors='replace')}"
                f"--- GITHUB_ENV\n{env_file}--- GITHUB_OUTPUT\n{output_file}"
            )
        peak = None
        if rss:
            peak = int(rss_path.read_text().split()[-1]) if GNU_TIME else usage.ru_maxrss
        shutil.rmtree(run_dir)
        return wall, peak


def container_argv(image):
    """The command that runs the image the way the runner runs a container action: every
    variable as `-e NAME` (the value from the docker client's environment, so hyphenated input
    names survive), the run directory mounted as the workspace, host paths translated."""
    docker = shutil.which("docker")
    if not docker:
        die("--container needs the docker client")

    def argv(run_dir, env):
        inside = {}
        for name, value in env.items():
            if value == str(run_dir) or value.startswith(f"{run_dir}/"):
                value = "/github/workspace" + value[len(str(run_dir)) :]
            inside[name] = value
        inside["HOME"] = "/github/home"
        cmd = [docker, "run", "--rm", "--network", "host", "--workdir", "/github/workspace"]
        cmd += ["-v", f"{run_dir}:/github/workspace"]
        for name in inside:
            cmd += ["-e", name]
        cmd.append(image)
        client = dict(inside)
        if "DOCKER_HOST" in os.environ:
            client["DOCKER_HOST"] = os.environ["DOCKER_HOST"]
        return cmd, client

    return argv


def image_size(image):
    out = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", image],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        die(f"no image {image}: {out.stderr.strip()} (scripts/build-image.sh {image} builds it)")
    return int(out.stdout.strip())


def summarize(samples, rss_samples):
    walls = sorted(w * 1000 for w, _ in samples)
    rss = sorted(r / 1024 for _, r in rss_samples) or [float("nan")]
    if len(walls) >= 2:
        deciles = statistics.quantiles(walls, n=10, method="inclusive")
        p10, p90 = deciles[0], deciles[8]
    else:
        p10 = p90 = walls[0]
    return {
        "runs": len(walls),
        "median": statistics.median(walls),
        "p10": p10,
        "p90": p90,
        "min": walls[0],
        "max": walls[-1],
        "rss_runs": len(rss_samples),
        "rss_median": statistics.median(rss),
        "rss_max": rss[-1],
    }


def scenario(args, delay_ms, runs, runner, label):
    """Runs ours and the floor alternately against one server instance."""
    with Servers(args.servers, delay_ms) as servers:
        env = base_env(servers.info, runner.workdir)
        env.update(args.env)
        clients = {
            "oidc-assume": ([str(args.bin)], True),
            "floor": ([str(args.floor)], False),
        }
        if args.container:
            clients["container"] = (container_argv(args.container), True)
        for _ in range(args.warmup):
            for argv, check in clients.values():
                runner.run(argv, env, check)
        samples = {name: [] for name in clients}
        rss = {name: [] for name in clients}
        for i in range(runs):
            # Alternate the order so neither client always runs right after the other.
            order = list(clients.items())
            if i % 2:
                order.reverse()
            for name, (argv, check) in order:
                samples[name].append(runner.run(argv, env, check))
            if not args.quiet and (i + 1) % max(1, runs // 10) == 0:
                print(f"  {label}: {i + 1}/{runs}", file=sys.stderr)
        for _ in range(min(args.rss_runs, runs)):
            for name, (argv, check) in clients.items():
                if name != "container":
                    rss[name].append(runner.run(argv, env, check, rss=True))
        return {name: summarize(samples[name], rss[name]) for name in clients}


def machine():
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs{', ' + cpu if cpu else ''}, Linux {platform.release()}"


def git_describe():
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        if not rev:
            return "not a git checkout"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def fmt(ms):
    return f"{ms:.1f}"


def report(args, local, delayed):
    d = args.delay_ms
    ours_l, floor_l = local["oidc-assume"], local["floor"]
    ours_d, floor_d = delayed["oidc-assume"], delayed["floor"]
    delta = ours_l["median"] - floor_l["median"]
    bound = TARGET_DELAY_HOPS * d + TARGET_DELAY_SLACK_MS
    rss = max(ours_l["rss_max"], ours_d["rss_max"])
    checks = [
        (
            f"local servers: median within {TARGET_LOCAL_DELTA_MS:g} ms of the floor",
            delta <= TARGET_LOCAL_DELTA_MS,
            f"{delta:+.1f} ms",
        ),
        (
            f"{d} ms per request: median ≤ {TARGET_DELAY_HOPS}×{d} + {TARGET_DELAY_SLACK_MS:g} ms",
            ours_d["median"] <= bound,
            f"{fmt(ours_d['median'])} ms",
        ),
        (f"peak RSS ≤ {TARGET_RSS_MB:g} MB (max of all RSS runs)", rss <= TARGET_RSS_MB, f"{rss:.1f} MB"),
    ]

    def hops(s):
        return s["median"] / d

    def network_hops(delayed_s, local_s):
        return (delayed_s["median"] - local_s["median"]) / d

    lines = []
    extra = "".join(f"; {k}={v}" for k, v in args.env.items())
    lines.append(f"### oidc-assume benchmark ({git_describe()}; {machine()}{extra})")
    lines.append("")
    lines.append("| ratio | oidc-assume | floor | ours ÷ floor |")
    lines.append("|---|---:|---:|---:|")
    lines.append(
        f"| wall time, local servers (median) | {fmt(ours_l['median'])} ms | "
        f"{fmt(floor_l['median'])} ms | **{ours_l['median'] / floor_l['median']:.2f}×** "
        f"({delta:+.1f} ms) |"
    )
    lines.append(
        f"| hops on the critical path: median with {d} ms per request ÷ {d} ms | "
        f"**{hops(ours_d):.2f}** | {hops(floor_d):.2f} | {ours_d['median'] / floor_d['median']:.2f}× |"
    )
    lines.append(
        f"| network hops: (median with {d} ms − median local) ÷ {d} ms | "
        f"{network_hops(ours_d, ours_l):.2f} | {network_hops(floor_d, floor_l):.2f} | |"
    )
    lines.append(
        f"| peak RSS (median) | {ours_l['rss_median']:.1f} MB | {floor_l['rss_median']:.1f} MB | "
        f"{ours_l['rss_median'] / floor_l['rss_median']:.1f}× |"
    )
    lines.append("")
    lines.append(
        "| scenario | client | runs | median | p10 | p90 | min | max | peak RSS median (max) |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, results in (("local, 0 ms", local), (f"{d} ms per request", delayed)):
        for name in results:
            s = results[name]
            rss_cell = (
                f"{s['rss_median']:.1f} MB ({s['rss_max']:.1f})" if s["rss_runs"] else "not measured"
            )
            lines.append(
                f"| {label} | {name} | {s['runs']} | {fmt(s['median'])} ms | {fmt(s['p10'])} ms | "
                f"{fmt(s['p90'])} ms | {fmt(s['min'])} ms | {fmt(s['max'])} ms | {rss_cell} |"
            )
    if "container" in local:
        c = local["container"]
        lines.append("")
        lines.append("| container | image size | wall time, local servers (median) | over the bare process |")
        lines.append("|---|---:|---:|---:|")
        lines.append(
            f"| `docker run --rm` of `{args.container}` | {args.container_size / 1e6:.1f} MB | "
            f"{fmt(c['median'])} ms | **{c['median'] - ours_l['median']:+.0f} ms** "
            f"({c['median'] / ours_l['median']:.0f}×) |"
        )
    lines.append("")
    lines.append("| target | result | |")
    lines.append("|---|---:|---|")
    for text, ok, value in checks:
        lines.append(f"| {text} | {value} | {'PASS' if ok else 'FAIL'} |")
    lines.append("")
    size = Path(args.bin).stat().st_size / 1e6
    rss_how = "GNU time `%M`" if GNU_TIME else "wait4 ru_maxrss (includes Python's RSS!)"
    lines.append(
        f"Wall time: spawn to exit of a fresh process (`{Path(args.bin).name}`, {size:.1f} MB) "
        f"with fresh runner files, the clients alternating; p10/p90 show the spread. Peak RSS: "
        f"{ours_l['rss_runs']} more runs per client and scenario under {rss_how}. Floor: "
        f"`examples/floor.rs`, bare `std::net::TcpStream` round trips, token ∥ discovery ∥ JWKS "
        f"on threads, then STS: 2 hops. Servers: `examples/bench_servers.rs` on 127.0.0.1, "
        f"one port per service. Reproduce: `bench/run.sh`."
    )
    return "\n".join(lines), all(ok for _, ok, _ in checks)


# ---- Forms of the step (--native-action, --cac-bundle): one function each, so other options
# that add a form (a container step) merge without touching these.

RUNNER_ARCHES = {"x86_64": "X64", "amd64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}
HOST_TARGETS = {"X64": "x86_64-unknown-linux-gnu", "ARM64": "aarch64-unknown-linux-gnu"}


def sha256_file(path):
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def native_action_setup(args, workdir):
    """A released copy of the native action (release.js pins args.bin) and a tool cache that
    already holds that binary, as on the second job of a self-hosted runner or after the first
    download: each measured run still hashes the binary against the pin before it runs it.
    Returns (main argv, post argv, extra env)."""
    source = Path(args.native_action).resolve()
    copy = Path(workdir) / "native-action"
    shutil.copytree(source, copy)
    arch = RUNNER_ARCHES.get(platform.machine().lower())
    if arch is None:
        die(f"--native-action: no release binary for {platform.machine()}")
    target = HOST_TARGETS[arch]
    (copy / "release.js").write_text(
        "// bench.py: a release that pins the benchmarked binary.\n'use strict';\n"
        f"module.exports = {{ version: 'bench', download: 'https://bench.invalid/download',"
        f" sha256: {{ '{target}': '{sha256_file(args.bin)}' }} }};\n"
    )
    cache = Path(workdir) / "tool_cache"
    tool_dir = cache / "oidc-assume" / "bench" / arch.lower()
    tool_dir.mkdir(parents=True)
    shutil.copy2(args.bin, tool_dir / "oidc-assume")
    (cache / "oidc-assume" / "bench" / f"{arch.lower()}.complete").write_text("")
    env = {
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": arch,
        "RUNNER_TOOL_CACHE": str(cache),
        "RUNNER_TEMP": str(workdir),
    }
    return [args.node, str(copy / "main.js")], [args.node, str(copy / "post.js")], env


def native_post_state(args, env, workdir):
    """What a main step saves for the post step (STATE_oidc_assume), from one run of the binary."""
    state = Path(workdir) / "native-state"
    scratch = Path(workdir) / "native-state-run"
    scratch.mkdir()
    run_env = dict(env)
    for var in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        run_env[var] = str(scratch / var)
    run_env["GITHUB_STATE"] = str(state)
    proc = subprocess.run([str(args.bin)], env=run_env, cwd=scratch, capture_output=True)
    if proc.returncode != 0:
        die(f"could not record a post step's state: {proc.stderr.decode(errors='replace')}")
    # The binary saves its record twice (empty first, complete after the export): the runner
    # keeps the last value of a name.
    state_vars = {}
    lines = iter(state.read_text().splitlines())
    for line in lines:
        name, delimiter = line.split("<<", 1)
        value = []
        for value_line in lines:
            if value_line == delimiter:
                break
            value.append(value_line)
        state_vars[f"STATE_{name}"] = "\n".join(value)
    return state_vars


def cac_env(info, home):
    """configure-aws-credentials' inputs for the same local servers (only what it reads)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": info["request_url"],
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": info["request_token"],
        "INPUT_ROLE-TO-ASSUME": ROLE,
        "INPUT_AWS-REGION": "eu-central-1",
        "INPUT_AUDIENCE": "sts.amazonaws.com",
        "INPUT_STS-ENDPOINT": info["sts_endpoint"],
        # It refuses to run without the runner's context variables.
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_WORKFLOW": "Deploy",
        "GITHUB_ACTION": "__aws-actions_configure-aws-credentials",
        "GITHUB_ACTOR": "octocat",
        "GITHUB_SHA": "d6e8a1b2c3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8",
        "GITHUB_WORKSPACE": str(home),
    }


def forms_scenario(args, runner):
    """The step's wall time in each form, on local servers (no delay), clients alternating:
    the bare binary, the native action's main and post steps, configure-aws-credentials."""
    with Servers(args.servers, 0) as servers:
        env = base_env(servers.info, runner.workdir)
        env.update(args.env)
        clients = {"bare process": ([str(args.bin)], env, True)}
        if args.native_action:
            main_argv, post_argv, native_env = native_action_setup(args, runner.workdir)
            env_native = dict(env, **native_env)
            clients["native step (main)"] = (main_argv, env_native, True)
            post_env = dict(env_native, **native_post_state(args, env, runner.workdir))
            clients["native step (post)"] = (post_argv, post_env, False)
        if args.cac_bundle:
            cac = dict(cac_env(servers.info, runner.workdir), **args.env)
            clients["configure-aws-credentials"] = ([args.node, str(args.cac_bundle)], cac, False)
        for _ in range(args.warmup):
            for argv, client_env, check in clients.values():
                runner.run(argv, client_env, check)
        samples = {name: [] for name in clients}
        rss = {name: [] for name in clients}
        for i in range(args.runs):
            order = list(clients.items())
            if i % 2:
                order.reverse()
            for name, (argv, client_env, check) in order:
                samples[name].append(runner.run(argv, client_env, check))
            if not args.quiet and (i + 1) % max(1, args.runs // 10) == 0:
                print(f"  forms: {i + 1}/{args.runs}", file=sys.stderr)
        for _ in range(max(1, min(args.rss_runs, args.runs))):
            for name, (argv, client_env, check) in clients.items():
                rss[name].append(runner.run(argv, client_env, check, rss=True))
        return {name: summarize(samples[name], rss[name]) for name in clients}


def forms_check_and_run(args, runner):
    if not args.node or not os.access(args.node, os.X_OK):
        die("--native-action and --cac-bundle need node (on PATH, or --node)")
    for given in (args.native_action, args.cac_bundle):
        if given is not None and not given.exists():
            die(f"{given} not found")
    args.node_version = subprocess.run(
        [args.node, "--version"], capture_output=True, text=True
    ).stdout.strip()
    if args.cac_bundle:
        args.cac_bundle = args.cac_bundle.resolve()
    if not args.quiet:
        print(f"bench: {args.runs} runs per form, local servers", file=sys.stderr)
    return forms_scenario(args, runner)


def forms_report(args, forms):
    lines = [f"### The step in each form, local servers ({git_describe()}; {machine()})", ""]
    cac = forms.get("configure-aws-credentials")
    lines.append("| form | runs | median | p10 | p90 | ÷ configure-aws-credentials | peak RSS |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for name, s in forms.items():
        ratio = f"{s['median'] / cac['median']:.0%}" if cac else ""
        lines.append(
            f"| {name} | {s['runs']} | {fmt(s['median'])} ms | {fmt(s['p10'])} ms | "
            f"{fmt(s['p90'])} ms | {ratio} | {s['rss_median']:.1f} MB |"
        )
    ok = True
    if cac and "native step (main)" in forms:
        ratio = forms["native step (main)"]["median"] / cac["median"]
        ok = ratio <= TARGET_NATIVE_OF_CAC
        lines.append("")
        lines.append(
            f"Target: native step (main) median ≤ {TARGET_NATIVE_OF_CAC:.0%} of "
            f"configure-aws-credentials': {ratio:.0%}, {'PASS' if ok else 'FAIL'}."
        )
    lines.append("")
    lines.append(
        f"Each run a fresh process with fresh runner files, clients alternating. Native: `node "
        f"{Path(args.native_action or 'native').name}/main.js` ({args.node_version}), a release "
        f"copy whose pin matches the binary, the binary already in the tool cache (verified "
        f"before every run); post: the same with the main step's `STATE_oidc_assume`. "
        f"configure-aws-credentials: `node {args.cac_bundle}` with role-to-assume, aws-region, "
        f"audience and sts-endpoint (it also calls GetCallerIdentity)."
        if args.cac_bundle or args.native_action
        else ""
    )
    return "\n".join(lines), ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per client, local servers")
    parser.add_argument(
        "--delay-runs", type=int, default=None, help="runs per client with the delay [30]"
    )
    parser.add_argument("--delay-ms", type=int, default=50, help="delay per request [50]")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs first [3]")
    parser.add_argument(
        "--rss-runs", type=int, default=20, help="runs per client under GNU time, for RSS [20]"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for both clients, e.g. SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
    )
    parser.add_argument(
        "--container",
        metavar="IMAGE",
        help="also run the binary in this image as the runner runs a container action "
        "(docker run --rm), side by side; the image is not pulled",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--bin", type=Path, default=ROOT / "target/release/oidc-assume")
    parser.add_argument("--floor", type=Path, default=ROOT / "target/release/examples/floor")
    parser.add_argument(
        "--servers", type=Path, default=ROOT / "target/release/examples/bench_servers"
    )
    parser.add_argument(
        "--native-action",
        type=Path,
        metavar="DIR",
        help="also measure the native action in DIR (native/): node + main.js + the binary",
    )
    parser.add_argument(
        "--cac-bundle",
        type=Path,
        metavar="PATH",
        help="also measure configure-aws-credentials' dist/index.js under node on the same servers",
    )
    parser.add_argument("--node", default=shutil.which("node"), help="node for those [on PATH]")
    args = parser.parse_args()
    try:
        args.env = dict(item.split("=", 1) for item in args.env)
    except ValueError:
        die("--env takes NAME=VALUE")
    if args.delay_runs is None:
        args.delay_runs = min(30, args.runs)
    if min(args.runs, args.delay_runs, args.delay_ms, args.rss_runs) < 1:
        die("--runs, --delay-runs, --delay-ms and --rss-runs must be at least 1")
    if not GNU_TIME:
        print(
            "bench: WARNING: /usr/bin/time not found: peak RSS falls back to wait4's ru_maxrss, "
            "which includes this Python process's own RSS (install GNU time)",
            file=sys.stderr,
        )
    # Runs start in their own temp dirs: make the paths absolute.
    args.bin, args.floor, args.servers = (p.resolve() for p in (args.bin, args.floor, args.servers))
    for exe in (args.bin, args.floor, args.servers):
        if not os.access(exe, os.X_OK):
            die(f"{exe} not found: run bench/run.sh, which builds it")

    args.container_size = image_size(args.container) if args.container else None

    with tempfile.TemporaryDirectory(prefix="oidc-assume-bench-") as workdir:
        runner = Runner(workdir)
        if not args.quiet:
            print(f"bench: {args.runs} runs per client, local servers", file=sys.stderr)
        local = scenario(args, 0, args.runs, runner, "local")
        if not args.quiet:
            print(
                f"bench: {args.delay_runs} runs per client, {args.delay_ms} ms per request",
                file=sys.stderr,
            )
        delayed = scenario(args, args.delay_ms, args.delay_runs, runner, f"{args.delay_ms} ms")

        forms = None
        if args.native_action or args.cac_bundle:
            forms = forms_check_and_run(args, runner)

    table, ok = report(args, local, delayed)
    print(table)
    if forms is not None:
        forms_table, forms_ok = forms_report(args, forms)
        print()
        print(forms_table)
        ok = ok and forms_ok
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
