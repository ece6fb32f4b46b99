#!/usr/bin/env python3
"""Benchmark of `oidc-assume paths` (#19 item 8): a generated repository with many workflows and
roles, timed end to end (read, derive, evaluate, render JSON), with peak memory.

    python3 bench/paths.py --bin target/release/oidc-assume                 # 300 workflows, 100 roles
    python3 bench/paths.py --bin … --workflows 30 --roles 10 --runs 1       # a smoke test

The tree is deterministic (seeded) and shaped like a busy monorepo: workflows on every trigger class
(pull_request, pull_request_target with and without a head checkout, issue_comment, workflow_run,
push to main / patterns / tags, workflow_dispatch, schedule), jobs with and without `id-token: write`,
environments, matrices of roles, reusable workflows; roles in Terraform and IAM JSON with exact,
wildcard, environment and tag subjects and managed-policy attachments. Prints a Markdown table on
stdout; exits 1 if the run fails or takes longer than `--limit` seconds (the issue: well under one).
"""
import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

TRIGGERS = [
    "pull_request:",
    "pull_request_target:\n    types: [opened, synchronize]",
    "issue_comment:\n    types: [created]",
    "workflow_run:\n    workflows: [ci]\n    types: [completed]",
    "push:\n    branches: [main]",
    "push:\n    branches: ['release/**']",
    "push:\n    tags: ['v*']",
    "workflow_dispatch:",
    "schedule:\n    - cron: '0 4 * * *'",
]
MANAGED = ["ReadOnlyAccess", "PowerUserAccess", "AdministratorAccess", "AmazonS3FullAccess",
           "job-function/ViewOnlyAccess", "AmazonEC2ContainerRegistryPowerUser"]


def subject(rng, repo, i):
    kind = rng.choice(["main", "env", "pr", "tags", "any", "release", "env"])
    return {
        "main": f"repo:{repo}:ref:refs/heads/main",
        "env": f"repo:{repo}:environment:{rng.choice(['prod', 'staging', 'preview'])}",
        "pr": f"repo:{repo}:pull_request",
        "tags": f"repo:{repo}:ref:refs/tags/v*",
        "any": f"repo:{repo}:*",
        "release": f"repo:{repo}:ref:refs/heads/release/*",
    }[kind]


def terraform_role(rng, repo, i):
    sub = subject(rng, repo, i)
    op = "StringLike" if "*" in sub else "StringEquals"
    return f'''resource "aws_iam_role" "r{i}" {{
  name = "svc-{i}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Federated = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" }}
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {{
        StringEquals = {{ "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }}
        {op} = {{ "token.actions.githubusercontent.com:sub" = "{sub}" }}
      }}
    }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "r{i}" {{
  role       = aws_iam_role.r{i}.name
  policy_arn = "arn:aws:iam::aws:policy/{rng.choice(MANAGED)}"
}}
'''


def json_role(rng, repo, i):
    sub = subject(rng, repo, i)
    op = "StringLike" if "*" in sub else "StringEquals"
    return ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            '"Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, '
            '"Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": '
            '{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, '
            f'"{op}": {{"token.actions.githubusercontent.com:sub": "{sub}"}}}}}}]}}\n')


def workflow(rng, i, roles):
    trigger = TRIGGERS[i % len(TRIGGERS)]
    jobs = []
    for j in range(rng.randint(1, 4)):
        role = f"arn:aws:iam::111122223333:role/svc-{rng.randrange(roles)}"
        perms = "    permissions:\n      id-token: write\n      contents: read\n" if rng.random() < 0.7 else ""
        env = f"    environment: {rng.choice(['prod', 'staging', 'preview'])}\n" if rng.random() < 0.25 else ""
        head = ("      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"
                if rng.random() < 0.3 else "      - uses: actions/checkout@v4\n")
        jobs.append(f"""  job{j}:
    runs-on: ubuntu-latest
{perms}{env}    steps:
{head}      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: {role}
          aws-region: eu-west-1
      - run: make deploy-{j}
""")
    if i % 10 == 0:
        jobs.append("  shared:\n    uses: ./.github/workflows/reusable.yml\n    permissions:\n      id-token: write\n")
    return f"name: w{i}\non:\n  {trigger}\n\njobs:\n" + "".join(jobs)


def generate(root, workflows, roles, seed):
    rng = random.Random(seed)
    wdir = os.path.join(root, ".github", "workflows")
    os.makedirs(wdir)
    os.makedirs(os.path.join(root, "infra", "iam"))
    for i in range(workflows):
        with open(os.path.join(wdir, f"w{i:03}.yml"), "w") as f:
            f.write(workflow(rng, i, roles))
    with open(os.path.join(wdir, "reusable.yml"), "w") as f:
        f.write("on: workflow_call\njobs:\n  apply:\n    runs-on: ubuntu-latest\n    environment: prod\n"
                "    steps:\n      - uses: actions/checkout@v4\n      - uses: aws-actions/configure-aws-credentials@v4\n"
                "        with:\n          role-to-assume: arn:aws:iam::111122223333:role/svc-0\n")
    for i in range(roles):
        if i % 3 == 2:
            with open(os.path.join(root, "infra", "iam", f"svc-{i}.json"), "w") as f:
                f.write(json_role(rng, "acme/mono", i))
        else:
            with open(os.path.join(root, "infra", f"role_{i:03}.tf"), "w") as f:
                f.write(terraform_role(rng, "acme/mono", i))


def run_once(binary, root):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([binary, "paths", root, "--repository", "acme/mono", "--format", "json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 10, 11, 12, 13):
        sys.exit(f"paths failed with {proc.returncode}: {proc.stderr.decode()[:500]}")
    return wall, max(peak, before), len(proc.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--workflows", type=int, default=300)
    ap.add_argument("--roles", type=int, default=100)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--limit", type=float, default=1.0, help="fail above this median, in seconds")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as root:
        generate(root, args.workflows, args.roles, args.seed)
        walls, peaks = [], []
        for _ in range(args.runs):
            wall, peak, size = run_once(args.bin, root)
            walls.append(wall)
            peaks.append(peak)
        import json
        proc = subprocess.run([args.bin, "paths", root, "--repository", "acme/mono", "--format", "json"],
                              stdout=subprocess.PIPE)
        summary = json.loads(proc.stdout)["summary"]
    median = statistics.median(walls)
    print(f"| paths: workflows | roles | jobs | records | reachable | median wall | max wall | peak RSS |")
    print(f"|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.workflows} | {summary['roles']} | {summary['jobs']} | {summary['records']} | "
          f"{summary['reachable']} | {median * 1000:.0f} ms | {max(walls) * 1000:.0f} ms | "
          f"{max(peaks) / 1024:.1f} MB |")
    if median > args.limit:
        sys.exit(f"paths took {median:.2f} s (median), above the {args.limit} s limit")


if __name__ == "__main__":
    main()
