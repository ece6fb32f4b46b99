#!/usr/bin/env python3
"""Writes a tree of N repositories shaped like a real GitHub organisation (issue #18 item 5).

Deterministic and offline: repository i depends only on (seed, i), so `--repos 20` is exactly the
first 20 repositories of `--repos 1000` (the runner times peers on such a prefix). No network.

Each repository is one of a few archetypes with the weights a platform team sees: small Terraform
service stacks (the most common), platform repositories with per-environment stacks and local or
registry modules, CloudFormation (YAML with short-form intrinsics, or JSON), CDK apps (TypeScript or
Python source, sometimes with a committed `cdk.out`), Pulumi, Serverless, plain IAM JSON, and
application repositories that only deploy. Every repository also carries the usual noise: README,
package.json or pyproject.toml, source and tests, lockfiles, `node_modules/` and `.terraform/`
(which an audit must skip), and `.github/workflows/*.yml` that deploy with
`aws-actions/configure-aws-credentials` or `oidc-assume`.

Verdict mix per role: mostly exact subjects (environment or branch), some wildcards (any ref,
the whole organisation, tag patterns), some pull-request roles (mostly read-only plan roles, a
few that write), a handful without a subject condition or without `aud`; power mostly scoped to a
service, some read-only, a few administrator. `--stats` prints the mix.

    python3 bench/org/generate.py OUT [--repos 1000] [--seed 18] [--stats]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

ISSUER = "token.actions.githubusercontent.com"
ORGS = ["acme-corp", "acme-platform", "acme-data"]
WORDS = [
    "billing", "checkout", "catalog", "search", "ledger", "payments", "identity", "gateway",
    "notifications", "reports", "pricing", "inventory", "shipping", "orders", "profile",
    "analytics", "ingest", "export", "audit", "scheduler", "media", "thumbnails", "feeds",
    "webhooks", "loyalty", "fraud", "tax", "invoices", "accounts", "sessions", "quotas",
]
SUFFIXES = ["api", "service", "worker", "web", "infra", "jobs", "lambda", "etl", "ui", "stack"]
ACCOUNTS = ["111122223333", "444455556666", "777788889999", "210987654321"]
ENVS = ["production", "staging", "dev"]
SHA = "e3dd6a429d7300a6a4c196c26e071d42e0343502"  # configure-aws-credentials v4.0.2, pinned

# --- what each role admits (the verdict) and what it may do (its power) ----------------------

SUBJECTS = [  # (kind, weight)
    ("environment", 44), ("branch", 20), ("repo-any", 11), ("pull-request", 9),
    ("org-any", 5), ("tag", 4), ("two-repos", 4), ("no-sub", 1.5), ("no-aud", 1.5),
]
POWERS = [
    ("inline-scoped", 46), ("managed-service", 16), ("read-only", 16), ("power-user", 5),
    ("admin", 4), ("iam-write", 3), ("assume-onward", 4), ("none", 6),
]


def pick(rng: random.Random, table):
    names = [n for n, _ in table]
    weights = [w for _, w in table]
    return rng.choices(names, weights)[0]


class Role:
    """One GitHub role: who may assume it (statement) and what it may do (power)."""

    def __init__(self, rng: random.Random, org: str, repo: str, account: str, name: str):
        self.org, self.repo, self.account, self.name = org, repo, account, name
        self.subject = pick(rng, SUBJECTS)
        self.power = pick(rng, POWERS)
        if self.subject == "pull-request" and rng.random() < 0.7:
            self.power = "read-only"  # a `terraform plan` role, as it should be
            self.name = name.replace("deploy", "plan")
        self.env = rng.choice(ENVS)
        self.bucket = f"{repo}-{rng.choice(['artifacts', 'assets', 'state', 'uploads'])}"
        self.provider_arn = f"arn:aws:iam::{account}:oidc-provider/{ISSUER}"

    def conditions(self) -> dict:
        """The `Condition` block as IAM JSON."""
        full = f"{self.org}/{self.repo}"
        eq: dict = {}
        like: dict = {}
        if self.subject != "no-aud":
            eq[f"{ISSUER}:aud"] = "sts.amazonaws.com"
        sub = {
            "environment": ("eq", f"repo:{full}:environment:{self.env}"),
            "branch": ("eq", f"repo:{full}:ref:refs/heads/main"),
            "repo-any": ("like", f"repo:{full}:*"),
            "pull-request": ("eq", f"repo:{full}:pull_request"),
            "org-any": ("like", f"repo:{self.org}/*"),
            "tag": ("like", f"repo:{full}:ref:refs/tags/v*"),
            "two-repos": ("eq", [f"repo:{full}:ref:refs/heads/main", f"repo:{self.org}/{self.repo}-config:ref:refs/heads/main"]),
            "no-sub": None,
            "no-aud": ("eq", f"repo:{full}:environment:{self.env}"),
        }[self.subject]
        if sub:
            (eq if sub[0] == "eq" else like)[f"{ISSUER}:sub"] = sub[1]
        out = {}
        if eq:
            out["StringEquals"] = eq
        if like:
            out["StringLike"] = like
        return out

    def trust(self, principal=None) -> dict:
        return {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": principal or self.provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": self.conditions(),
            }],
        }

    def managed(self) -> list[str]:
        return {
            "managed-service": ["arn:aws:iam::aws:policy/AmazonS3FullAccess", "arn:aws:iam::aws:policy/AWSLambda_FullAccess"],
            "read-only": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "power-user": ["arn:aws:iam::aws:policy/PowerUserAccess"],
            "admin": ["arn:aws:iam::aws:policy/AdministratorAccess"],
        }.get(self.power, [])

    def inline(self) -> dict | None:
        """An inline or customer-managed policy document, or None."""
        b = self.bucket
        if self.power == "inline-scoped":
            return {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:ListBucket"],
                 "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"]},
                {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
                {"Effect": "Allow", "Action": ["ecr:BatchCheckLayerAvailability", "ecr:PutImage",
                 "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"],
                 "Resource": f"arn:aws:ecr:us-east-1:{self.account}:repository/{self.repo}"},
                {"Effect": "Allow", "Action": ["lambda:UpdateFunctionCode", "lambda:GetFunction"],
                 "Resource": f"arn:aws:lambda:us-east-1:{self.account}:function:{self.repo}-*"},
            ]}
        if self.power == "iam-write":
            return {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["iam:PassRole", "iam:CreateRole", "iam:AttachRolePolicy"], "Resource": "*"},
                {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"},
            ]}
        if self.power == "assume-onward":
            return {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Resource": [f"arn:aws:iam::{self.account}:role/cdk-hnb659fds-deploy-role-{self.account}-us-east-1"]},
            ]}
        return None


# --- renderers ---------------------------------------------------------------------------------


def hcl(value, indent=0) -> str:
    """A Python value as an HCL expression (object keys quoted when they are not identifiers)."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for k, v in value.items():
            key = k if k.replace("_", "").isalnum() and not k[0].isdigit() else json.dumps(k)
            lines.append(f"{pad}  {key} = {hcl(v, indent + 1)}")
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value) and len(value) <= 3:
            return "[" + ", ".join(json.dumps(v) for v in value) + "]"
        return "[\n" + ",\n".join(f"{pad}  {hcl(v, indent + 1)}" for v in value) + f",\n{pad}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def yaml(value, indent=0) -> str:
    """A Python value as block YAML; strings starting with `!` are written as short-form tags."""
    pad = "  " * indent
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:\n{yaml(v, indent + 1)}")
            else:
                out.append(f"{pad}{k}: {scalar(v)}")
    else:
        for v in value:
            if isinstance(v, dict) and v:
                body = yaml(v, indent + 1).lstrip()
                out.append(f"{pad}- {body}")
            else:
                out.append(f"{pad}- {scalar(v)}")
    return "\n".join(out)


def scalar(v) -> str:
    if isinstance(v, str) and v.startswith("!"):
        return v
    if isinstance(v, (dict, list)):
        return "{}" if isinstance(v, dict) else "[]"
    if isinstance(v, str) and (":" in v or "*" in v or v in ("true", "false") or v[:1].isdigit()):
        return json.dumps(v)
    return json.dumps(v) if not isinstance(v, str) else v


def ts(value, indent=0) -> str:
    """A Python value as a TypeScript object literal."""
    pad = "  " * indent
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = k if k.isidentifier() else f"'{k}'"
            items.append(f"{pad}  {key}: {ts(v, indent + 1)},")
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        return "[" + ", ".join(ts(v, indent) for v in value) + "]"
    return "'" + str(value) + "'"


def py(value, indent=0) -> str:
    """A Python value as Python source."""
    pad = "    " * indent
    if isinstance(value, dict):
        items = [f'{pad}    "{k}": {py(v, indent + 1)},' for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        return "[" + ", ".join(py(v, indent) for v in value) + "]"
    return json.dumps(value)


# --- Terraform ---------------------------------------------------------------------------------

TF_PROVIDER = """terraform {{
  required_version = ">= 1.5.0"
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.{minor}"
    }}
  }}
  backend "s3" {{
    bucket = "acme-terraform-state-{account}"
    key    = "{key}/terraform.tfstate"
    region = "us-east-1"
  }}
}}

provider "aws" {{
  region = var.region
  default_tags {{
    tags = {{
      team       = "{team}"
      managed_by = "terraform"
      repository = "{repo}"
    }}
  }}
}}
"""


def tf_condition_blocks(cond: dict, var_subjects: bool) -> str:
    out = []
    for test, kv in cond.items():
        for key, val in kv.items():
            vals = val if isinstance(val, list) else [val]
            values = "var.github_subjects" if var_subjects and key.endswith(":sub") else hcl(vals)
            out.append(f"""    condition {{
      test     = "{test}"
      variable = "{key}"
      values   = {values}
    }}""")
    return "\n\n".join(out)


def tf_power(role: Role, res: str) -> str:
    """Permissions beside the role: attachments and an inline policy."""
    parts = []
    for i, arn in enumerate(role.managed()):
        parts.append(f"""resource "aws_iam_role_policy_attachment" "{res}_{i}" {{
  role       = aws_iam_role.{res}.name
  policy_arn = "{arn}"
}}
""")
    doc = role.inline()
    if doc:
        parts.append(f"""resource "aws_iam_role_policy" "{res}" {{
  name   = "{role.name}-permissions"
  role   = aws_iam_role.{res}.id
  policy = jsonencode({hcl(doc, 1)})
}}
""")
    return "\n".join(parts)


def tf_role(rng: random.Random, role: Role, style: str, res: str) -> dict[str, str]:
    """Files of one Terraform stack defining `role` in one of the usual styles."""
    files: dict[str, str] = {}
    cond = role.conditions()
    var_subjects = style == "policy-document-vars" and "StringEquals" in cond and f"{ISSUER}:sub" in cond["StringEquals"]
    variables = ['variable "region" {\n  type    = string\n  default = "us-east-1"\n}\n']
    if style.startswith("policy-document"):
        main = f"""data "aws_iam_policy_document" "{res}_trust" {{
  statement {{
    sid     = "GitHubActions"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {{
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }}

{tf_condition_blocks(cond, var_subjects)}
  }}
}}

resource "aws_iam_role" "{res}" {{
  name                 = "{role.name}"
  description          = "Assumed by GitHub Actions in {role.org}/{role.repo}"
  assume_role_policy   = data.aws_iam_policy_document.{res}_trust.json
  max_session_duration = 3600
}}
"""
        if var_subjects:
            subs = cond["StringEquals"][f"{ISSUER}:sub"]
            subs = subs if isinstance(subs, list) else [subs]
            variables.append(f'variable "github_subjects" {{\n  description = "Subjects allowed to assume the role"\n  type        = list(string)\n  default     = {hcl(subs)}\n}}\n')
            files["terraform.tfvars"] = f"github_subjects = {hcl(subs)}\nregion          = \"us-east-1\"\n"
        files["oidc.tf"] = f"""resource "aws_iam_openid_connect_provider" "github" {{
  url             = "https://{ISSUER}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}}
"""
    elif style == "jsonencode":
        doc = role.trust(principal="${local.github_provider_arn}")
        main = f"""locals {{
  github_provider_arn = "arn:aws:iam::${{data.aws_caller_identity.current.account_id}}:oidc-provider/{ISSUER}"
}}

data "aws_caller_identity" "current" {{}}

resource "aws_iam_role" "{res}" {{
  name = "{role.name}"
  assume_role_policy = jsonencode({hcl(doc, 1)})
  tags = {{
    service = "{role.repo}"
  }}
}}
"""
    else:  # heredoc
        doc = json.dumps(role.trust(principal="${var.github_oidc_provider_arn}"), indent=2)
        variables.append(f'variable "github_oidc_provider_arn" {{\n  type    = string\n  default = "{role.provider_arn}"\n}}\n')
        main = f"""resource "aws_iam_role" "{res}" {{
  name               = "{role.name}"
  assume_role_policy = <<EOF
{doc}
EOF
}}
"""
    files["main.tf"] = main
    files["permissions.tf"] = tf_power(role, res)
    files["variables.tf"] = "\n".join(variables)
    files["outputs.tf"] = f'output "role_arn" {{\n  value = aws_iam_role.{res}.arn\n}}\n'
    files["versions.tf"] = TF_PROVIDER.format(
        minor=rng.randint(30, 80), account=role.account, key=f"{role.repo}/{res}",
        team=rng.choice(WORDS), repo=role.repo)
    files[".terraform.lock.hcl"] = tf_lock(rng)
    return files


def tf_lock(rng: random.Random) -> str:
    hashes = "\n".join(f'    "h1:{hashlib.sha256(str(rng.random()).encode()).hexdigest()[:43]}=",' for _ in range(6))
    return f"""# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {{
  version     = "5.{rng.randint(30, 80)}.0"
  constraints = "~> 5.0"
  hashes = [
{hashes}
  ]
}}
"""


LOCAL_MODULE = {
    "main.tf": """data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = length([for s in var.subjects : s if strcontains(s, "*")]) > 0 ? "StringLike" : "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [for s in var.subjects : "repo:${s}"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each   = toset(var.managed_policy_arns)
  role       = aws_iam_role.this.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "inline" {
  for_each = var.inline_policies
  name     = each.key
  role     = aws_iam_role.this.id
  policy   = each.value
}
""",
    "variables.tf": """variable "name" {
  type = string
}

variable "subjects" {
  description = "owner/repo:qualifier entries; repo: is added"
  type        = list(string)
}

variable "oidc_provider_arn" {
  type = string
}

variable "managed_policy_arns" {
  type    = list(string)
  default = []
}

variable "inline_policies" {
  type    = map(string)
  default = {}
}

variable "max_session_duration" {
  type    = number
  default = 3600
}
""",
    "outputs.tf": 'output "arn" {\n  value = aws_iam_role.this.arn\n}\n\noutput "name" {\n  value = aws_iam_role.this.name\n}\n',
}


def subject_list(role: Role) -> list[str]:
    """The role's subjects without the `repo:` prefix (how module inputs take them)."""
    sub = role.conditions()
    vals = []
    for kv in sub.values():
        v = kv.get(f"{ISSUER}:sub")
        if v:
            vals += v if isinstance(v, list) else [v]
    return [s.removeprefix("repo:") for s in vals] or [f"{role.org}/{role.repo}:*"]


def registry_call(rng: random.Random, role: Role, key: str) -> tuple[str, dict]:
    """A registry module call and its modules.json record."""
    subs = subject_list(role)
    kind = rng.choice(["unfunco", "tam5", "tam6", "philips"])
    arns = role.managed()
    if kind == "unfunco":
        names = [a.rsplit("/", 1)[1] for a in arns]
        block = f"""module "{key}" {{
  source  = "unfunco/oidc-github/aws"
  version = "3.0.1"

  iam_role_name          = "{role.name}"
  github_subjects        = {hcl(subs)}
  iam_role_policy_names  = {hcl(names)}
  create_oidc_provider   = false
}}
"""
        rec = {"Key": key, "Source": "registry.terraform.io/unfunco/oidc-github/aws", "Version": "3.0.1", "Dir": f".terraform/modules/{key}"}
    elif kind == "tam5":
        pol = {a.rsplit("/", 1)[1]: a for a in arns}
        block = f"""module "{key}" {{
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "~> 5.60"

  name     = "{role.name}"
  subjects = {hcl(subs)}
  policies = {hcl(pol)}
}}
"""
        rec = {"Key": key, "Source": "registry.terraform.io/terraform-aws-modules/iam/aws//modules/iam-github-oidc-role", "Version": "5.60.0", "Dir": f".terraform/modules/{key}/modules/iam-github-oidc-role"}
    elif kind == "tam6":
        exact = [s for s in subs if "*" not in s]
        wild = [s for s in subs if "*" in s]
        pol = {a.rsplit("/", 1)[1]: a for a in arns}
        block = f"""module "{key}" {{
  source  = "terraform-aws-modules/iam/aws//modules/iam-role"
  version = "6.5.0"

  name               = "{role.name}"
  enable_github_oidc = true
  oidc_subjects          = {hcl(exact)}
  oidc_wildcard_subjects = {hcl(wild)}
  policies = {hcl(pol)}
}}
"""
        rec = {"Key": key, "Source": "registry.terraform.io/terraform-aws-modules/iam/aws//modules/iam-role", "Version": "6.5.0", "Dir": f".terraform/modules/{key}/modules/iam-role"}
    else:
        repo = f"{role.org}/{role.repo}"
        block = f"""module "{key}" {{
  source = "github.com/philips-labs/terraform-aws-github-oidc?ref=v0.8.1"

  openid_connect_provider_arn = "{role.provider_arn}"
  repo                        = "{repo}"
  role_name                   = "{role.name}"
  default_conditions          = ["allow_main", "deny_pull_request"]
  role_policy_arns            = {hcl(arns)}
}}
"""
        rec = {"Key": key, "Source": "git::https://github.com/philips-labs/terraform-aws-github-oidc.git?ref=v0.8.1", "Dir": f".terraform/modules/{key}"}
    return block, rec


def terraform_platform(rng: random.Random, org: str, repo: str, account: str) -> tuple[dict, list[Role]]:
    """infra/envs/{dev,staging,prod} calling a local module (and registry modules in some)."""
    files: dict[str, str] = {}
    roles = []
    for path, text in LOCAL_MODULE.items():
        files[f"infra/modules/github-role/{path}"] = text
    for env in rng.sample(["dev", "staging", "prod"], rng.randint(2, 3)):
        base = f"infra/envs/{env}"
        role = Role(rng, org, repo, account, f"{repo}-{env}-deploy")
        roles.append(role)
        subs = subject_list(role)
        inline = role.inline()
        main = f"""module "deploy_role" {{
  source = "../../modules/github-role"

  name                = var.role_name
  subjects            = var.subjects
  oidc_provider_arn   = "{role.provider_arn}"
  managed_policy_arns = {hcl(role.managed())}
  inline_policies = {{
{'    permissions = jsonencode(' + hcl(inline, 2) + ')' if inline else ''}
  }}
}}
"""
        records = [{"Key": "", "Source": "", "Dir": "."},
                   {"Key": "deploy_role", "Source": "../../modules/github-role", "Dir": "../../modules/github-role"}]
        if rng.random() < 0.5:
            extra = Role(rng, org, repo, account, f"{repo}-{env}-ci")
            roles.append(extra)
            block, rec = registry_call(rng, extra, "ci_role")
            main += "\n" + block
            records.append(rec)
        files[f"{base}/main.tf"] = main
        files[f"{base}/variables.tf"] = ('variable "role_name" {\n  type = string\n}\n\n'
                                         'variable "subjects" {\n  type = list(string)\n}\n\n'
                                         'variable "region" {\n  type    = string\n  default = "us-east-1"\n}\n')
        files[f"{base}/terraform.tfvars"] = f'role_name = "{role.name}"\nsubjects  = {hcl(subs)}\n'
        files[f"{base}/versions.tf"] = TF_PROVIDER.format(
            minor=rng.randint(30, 80), account=account, key=f"{repo}/{env}", team=rng.choice(WORDS), repo=repo)
        files[f"{base}/.terraform.lock.hcl"] = tf_lock(rng)
        rng.shuffle(records)  # Go map order: unspecified
        files[f"{base}/.terraform/modules/modules.json"] = json.dumps({"Modules": records}, separators=(",", ":"))
        files[f"{base}/.terraform/providers/registry.terraform.io/hashicorp/aws/5.72.0/linux_amd64/LICENSE.txt"] = "Copyright (c) 2017 HashiCorp, Inc.\n\nMozilla Public License Version 2.0\n" * 8
    return files, roles


def terraform_service(rng: random.Random, org: str, repo: str, account: str) -> tuple[dict, list[Role]]:
    files: dict[str, str] = {}
    roles = []
    style = rng.choice(["policy-document", "policy-document-vars", "jsonencode", "jsonencode", "heredoc"])
    role = Role(rng, org, repo, account, f"{repo}-deploy")
    roles.append(role)
    for path, text in tf_role(rng, role, style, "github_deploy").items():
        files[f"terraform/{path}"] = text
    if rng.random() < 0.35:  # a second, plan-only role for pull requests
        plan = Role(rng, org, repo, account, f"{repo}-plan")
        roles.append(plan)
        text = tf_role(rng, plan, "jsonencode", "github_plan")
        main = text["main.tf"].replace("github_provider_arn", "plan_provider_arn")
        if style == "jsonencode":  # one `data "aws_caller_identity"` per module
            main = main.replace('data "aws_caller_identity" "current" {}\n', "")
        files["terraform/plan-role.tf"] = main
        files["terraform/plan-permissions.tf"] = text["permissions.tf"]
    files["terraform/.terraform/providers/registry.terraform.io/hashicorp/aws/5.72.0/linux_amd64/LICENSE.txt"] = "Mozilla Public License Version 2.0\n" * 20
    files["terraform/.terraform/terraform.tfstate"] = json.dumps({"version": 3, "backend": {"type": "s3", "config": {"bucket": f"acme-terraform-state-{account}"}}}, indent=2)
    for k in range(rng.randint(1, 4)):  # the service's other resources
        name = rng.choice(WORDS)
        files[f"terraform/{name}{k}.tf"] = f"""resource "aws_s3_bucket" "{name}{k}" {{
  bucket = "{repo}-{name}-{k}"
}}

resource "aws_s3_bucket_versioning" "{name}{k}" {{
  bucket = aws_s3_bucket.{name}{k}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_cloudwatch_log_group" "{name}{k}" {{
  name              = "/aws/lambda/{repo}-{name}"
  retention_in_days = {rng.choice([7, 14, 30, 90])}
}}
"""
    return files, roles


# --- CloudFormation, CDK, Pulumi, Serverless, IAM JSON -----------------------------------------


def cfn_role_resource(role: Role, short: bool) -> dict:
    principal = "!GetAtt GitHubProvider.Arn" if short else {"Fn::GetAtt": ["GitHubProvider", "Arn"]}
    trust = role.trust()
    trust["Statement"][0]["Principal"] = {"Federated": principal}
    props = {"RoleName": role.name if not short else f"!Sub '${{AWS::StackName}}-{role.name}'",
             "AssumeRolePolicyDocument": trust}
    if role.managed():
        props["ManagedPolicyArns"] = role.managed()
    if role.inline():
        props["Policies"] = [{"PolicyName": "permissions", "PolicyDocument": role.inline()}]
    return {"Type": "AWS::IAM::Role", "Properties": props}


def cloudformation(rng: random.Random, org: str, repo: str, account: str) -> tuple[dict, list[Role]]:
    files: dict[str, str] = {}
    roles = []
    for n, env in enumerate(rng.sample(ENVS, rng.randint(1, 2))):
        role = Role(rng, org, repo, account, f"{repo}-{env}-deploy")
        roles.append(role)
        short = rng.random() < 0.65
        resources = {
            "GitHubProvider": {"Type": "AWS::IAM::OIDCProvider", "Properties": {
                "Url": f"https://{ISSUER}", "ClientIdList": ["sts.amazonaws.com"]}},
            "DeployRole": cfn_role_resource(role, short),
            "ArtifactBucket": {"Type": "AWS::S3::Bucket", "Properties": {
                "BucketName": f"!Sub '{repo}-${{AWS::AccountId}}-artifacts'" if short else {"Fn::Sub": f"{repo}-${{AWS::AccountId}}-artifacts"},
                "VersioningConfiguration": {"Status": "Enabled"}}},
        }
        tmpl = {"AWSTemplateFormatVersion": "2010-09-09", "Description": f"GitHub deploy role for {repo} ({env})",
                "Parameters": {"Environment": {"Type": "String", "Default": env}},
                "Resources": resources,
                "Outputs": {"RoleArn": {"Value": "!GetAtt DeployRole.Arn" if short else {"Fn::GetAtt": ["DeployRole", "Arn"]}}}}
        if short:
            files[f"cloudformation/github-role-{env}.yaml"] = yaml(tmpl) + "\n"
        else:
            files[f"cloudformation/github-role-{env}.json"] = json.dumps(tmpl, indent=2) + "\n"
        files[f"cloudformation/parameters/{env}.json"] = json.dumps([{"ParameterKey": "Environment", "ParameterValue": env}], indent=2)
        if n == 0:
            files["cloudformation/app.yaml"] = yaml({"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
                                                     "Resources": {"Function": {"Type": "AWS::Serverless::Function", "Properties": {
                                                         "Handler": "index.handler", "Runtime": "nodejs20.x", "CodeUri": "src/"}}}}) + "\n"
    return files, roles


def cdk_template(role: Role, rng: random.Random) -> str:
    h = lambda s: hashlib.sha256((s + role.repo).encode()).hexdigest()[:8].upper()  # noqa: E731
    prov = f"GitHubProvider{h('p')}"
    trust = role.trust()
    trust["Statement"][0]["Principal"] = {"Federated": {"Ref": prov}}
    props = {"AssumeRolePolicyDocument": trust, "RoleName": role.name}
    if role.managed():
        props["ManagedPolicyArns"] = [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/" + a.rsplit("/", 1)[1]]]} for a in role.managed()]
    res = {
        prov: {"Type": "Custom::AWSCDKOpenIdConnectProvider", "Properties": {
            "ServiceToken": {"Fn::GetAtt": ["CustomAWSCDKOpenIdConnectProviderCustomResourceProviderHandlerF2C543E0", "Arn"]},
            "ClientIDList": ["sts.amazonaws.com"], "Url": f"https://{ISSUER}", "CodeHash": hashlib.sha256(role.repo.encode()).hexdigest()},
            "UpdateReplacePolicy": "Delete", "DeletionPolicy": "Delete", "Metadata": {"aws:cdk:path": "Stack/GitHubProvider/Resource/Default"}},
        f"DeployRole{h('r')}": {"Type": "AWS::IAM::Role", "Properties": props, "Metadata": {"aws:cdk:path": "Stack/DeployRole/Resource"}},
    }
    if role.inline():
        res[f"DeployRoleDefaultPolicy{h('d')}"] = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyDocument": role.inline(), "PolicyName": f"DeployRoleDefaultPolicy{h('d')}",
            "Roles": [{"Ref": f"DeployRole{h('r')}"}]}, "Metadata": {"aws:cdk:path": "Stack/DeployRole/DefaultPolicy/Resource"}}
    res["CDKMetadata"] = {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:H4sIAAAAAAAA/" + "A" * rng.randint(200, 600)}}
    return json.dumps({"Resources": res, "Parameters": {"BootstrapVersion": {
        "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}}}, indent=1)


def cdk_ts(rng, org, repo, account):
    role = Role(rng, org, repo, account, f"{repo}-deploy")
    cond = role.conditions()
    managed = "".join(f"\n        iam.ManagedPolicy.fromAwsManagedPolicyName('{a.rsplit('/', 1)[1]}')," for a in role.managed())
    inline = ""
    doc = role.inline()
    if doc:
        for st in doc["Statement"]:
            acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            rs = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            inline += f"\n    role.addToPolicy(new iam.PolicyStatement({{ actions: {ts(acts)}, resources: {ts(rs)} }}));"
    stack = f"""import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {{ Construct }} from 'constructs';

const GITHUB_ORG = '{org}';
const REPO = '{repo}';

export class GithubDeployStack extends cdk.Stack {{
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {{
    super(scope, id, props);

    const provider = new iam.OpenIdConnectProvider(this, 'GitHubProvider', {{
      url: 'https://{ISSUER}',
      clientIds: ['sts.amazonaws.com'],
    }});

    const role = new iam.Role(this, 'DeployRole', {{
      roleName: `${{REPO}}-deploy`,
      assumedBy: new iam.WebIdentityPrincipal(provider.openIdConnectProviderArn, {ts(cond, 3)}),
      managedPolicies: [{managed}
      ],
      maxSessionDuration: cdk.Duration.hours(1),
    }});{inline}

    new cdk.CfnOutput(this, 'RoleArn', {{ value: role.roleArn }});
    void GITHUB_ORG;
  }}
}}
"""
    files = {
        "bin/app.ts": f"#!/usr/bin/env node\nimport 'source-map-support/register';\nimport * as cdk from 'aws-cdk-lib';\nimport {{ GithubDeployStack }} from '../lib/github-deploy-stack';\n\nconst app = new cdk.App();\nnew GithubDeployStack(app, '{repo}-github', {{ env: {{ account: '{account}', region: 'us-east-1' }} }});\n",
        "lib/github-deploy-stack.ts": stack,
        "cdk.json": json.dumps({"app": "npx ts-node --prefer-ts-exts bin/app.ts", "context": {"@aws-cdk/core:stackRelativeExports": True}}, indent=2),
        "tsconfig.json": json.dumps({"compilerOptions": {"target": "ES2020", "module": "commonjs", "strict": True, "outDir": "dist"}}, indent=2),
        "test/stack.test.ts": "import { Template } from 'aws-cdk-lib/assertions';\n\ntest('role exists', () => {\n  expect(Template).toBeDefined();\n});\n",
    }
    if rng.random() < 0.4:
        files[f"cdk.out/{repo}-github.template.json"] = cdk_template(role, rng)
        files["cdk.out/manifest.json"] = json.dumps({"version": "36.0.0", "artifacts": {f"{repo}-github": {"type": "aws:cloudformation:stack"}}}, indent=1)
        files["cdk.out/tree.json"] = json.dumps({"version": "tree-0.1", "tree": {"id": "App", "path": "", "children": {}}})
    return files, [role]


def cdk_py(rng, org, repo, account):
    role = Role(rng, org, repo, account, f"{repo}-deploy")
    cond = role.conditions()
    managed = ", ".join(f'iam.ManagedPolicy.from_aws_managed_policy_name("{a.rsplit("/", 1)[1]}")' for a in role.managed())
    stack = f'''from aws_cdk import Stack, Duration, CfnOutput
from aws_cdk import aws_iam as iam
from constructs import Construct

GITHUB_ORG = "{org}"
REPO = "{repo}"


class GithubDeployStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        provider_arn = f"arn:aws:iam::{{self.account}}:oidc-provider/{ISSUER}"
        role = iam.Role(
            self,
            "DeployRole",
            role_name=f"{{REPO}}-deploy",
            assumed_by=iam.FederatedPrincipal(
                federated=provider_arn,
                conditions={py(cond, 4)},
                assume_role_action="sts:AssumeRoleWithWebIdentity",
            ),
            managed_policies=[{managed}],
            max_session_duration=Duration.hours(1),
        )
        CfnOutput(self, "RoleArn", value=role.role_arn)
'''
    files = {
        "app.py": f'#!/usr/bin/env python3\nimport aws_cdk as cdk\n\nfrom stacks.github_deploy import GithubDeployStack\n\napp = cdk.App()\nGithubDeployStack(app, "{repo}-github", env=cdk.Environment(account="{account}", region="us-east-1"))\napp.synth()\n',
        "stacks/__init__.py": "",
        "stacks/github_deploy.py": stack,
        "cdk.json": json.dumps({"app": "python3 app.py"}, indent=2),
        "requirements.txt": "aws-cdk-lib==2.170.0\nconstructs>=10.0.0,<11.0.0\n",
    }
    if rng.random() < 0.3:
        files[f"cdk.out/{repo}-github.template.json"] = cdk_template(role, rng)
    return files, [role]


def pulumi(rng, org, repo, account):
    role = Role(rng, org, repo, account, f"{repo}-deploy")
    trust = role.trust()
    files = {"Pulumi.yaml": f"name: {repo}\nruntime: {'nodejs' if rng.random() < 0.6 else 'python'}\ndescription: {repo} infrastructure\n",
             f"Pulumi.{role.env}.yaml": f"config:\n  aws:region: us-east-1\n  {repo}:environment: {role.env}\n"}
    if "runtime: nodejs" in files["Pulumi.yaml"]:
        att = "".join(f"\nnew aws.iam.RolePolicyAttachment('{role.name}-{i}', {{ role: role.name, policyArn: '{a}' }});" for i, a in enumerate(role.managed()))
        files["index.ts"] = f"""import * as aws from '@pulumi/aws';

const provider = new aws.iam.OpenIdConnectProvider('github', {{
  url: 'https://{ISSUER}',
  clientIdLists: ['sts.amazonaws.com'],
  thumbprintLists: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
}});

const role = new aws.iam.Role('{role.name}', {{
  assumeRolePolicy: provider.arn.apply(arn => JSON.stringify({ts({**trust, 'Statement': [{**trust['Statement'][0], 'Principal': {'Federated': '__ARN__'}}]}, 1).replace("'__ARN__'", 'arn')})),
}});
{att}
export const roleArn = role.arn;
"""
    else:
        att = "".join(f'\naws.iam.RolePolicyAttachment("{role.name}-{i}", role=role.name, policy_arn="{a}")' for i, a in enumerate(role.managed()))
        files["__main__.py"] = f'''import json

import pulumi
import pulumi_aws as aws

provider = aws.iam.OpenIdConnectProvider(
    "github",
    url="https://{ISSUER}",
    client_id_lists=["sts.amazonaws.com"],
)

role = aws.iam.Role(
    "{role.name}",
    assume_role_policy=json.dumps({py(trust, 1)}),
)
{att}
pulumi.export("role_arn", role.arn)
'''
    return files, [role]


def serverless(rng, org, repo, account):
    role = Role(rng, org, repo, account, f"{repo}-deploy")
    res = cfn_role_resource(role, short=False)
    doc = {"service": repo, "frameworkVersion": "3",
           "provider": {"name": "aws", "runtime": "nodejs20.x", "region": "us-east-1", "stage": "${opt:stage, 'dev'}"},
           "functions": {"handler": {"handler": "src/handler.main", "events": [{"httpApi": {"path": "/", "method": "get"}}]}},
           "resources": {"Resources": {"GitHubDeployRole": res}}}
    return {"serverless.yml": yaml(doc) + "\n", "src/handler.js": "module.exports.main = async () => ({ statusCode: 200, body: 'ok' });\n"}, [role]


def iam_json(rng, org, repo, account):
    roles = []
    files = {}
    for env in rng.sample(ENVS, rng.randint(1, 3)):
        role = Role(rng, org, repo, account, f"{repo}-{env}")
        roles.append(role)
        files[f"iam/{env}/trust-policy.json"] = json.dumps(role.trust(), indent=2) + "\n"
        if role.inline():
            files[f"iam/{env}/permissions.json"] = json.dumps(role.inline(), indent=2) + "\n"
    return files, roles


ARCHETYPES = [  # (name, weight, builder)
    ("terraform-service", 30, terraform_service), ("terraform-platform", 8, terraform_platform),
    ("cloudformation", 12, cloudformation), ("cdk-ts", 11, cdk_ts), ("cdk-py", 5, cdk_py),
    ("pulumi", 5, pulumi), ("serverless", 5, serverless), ("iam-json", 4, iam_json), ("app-only", 20, None),
]

# --- the rest of a repository ------------------------------------------------------------------


def workflows(rng: random.Random, org: str, repo: str, roles: list[Role], account: str) -> dict[str, str]:
    files = {}
    role = roles[0] if roles else None
    arn = f"arn:aws:iam::{account}:role/{role.name if role else repo + '-deploy'}"
    use_ours = rng.random() < 0.3
    auth = (f"""      - uses: oidc-assume/oidc-assume@v1
        with:
          role-to-assume: {arn}
          aws-region: us-east-1""" if use_ours else f"""      - uses: aws-actions/configure-aws-credentials@{SHA} # v4.0.2
        with:
          role-to-assume: {arn}
          aws-region: us-east-1""")
    files["ci.yml"] = f"""name: CI
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - uses: actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af # v4.1.0
        with:
          node-version: 20
      - run: npm ci
      - run: npm test
"""
    env = role.env if role else "production"
    files["deploy.yml"] = f"""name: Deploy
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  id-token: write
  contents: read
concurrency: deploy-{env}
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: {env}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
{auth}
      - run: ./scripts/deploy.sh {env}
"""
    if any(r.subject == "pull-request" for r in roles) or rng.random() < 0.15:
        trigger = "pull_request_target" if rng.random() < 0.15 else "pull_request"
        # pull_request_target checking out the head: the classic unsafe shape
        head = "        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n" if trigger == "pull_request_target" else ""
        files["plan.yml"] = f"""name: Plan
on:
  {trigger}:
    branches: [main]
permissions:
  id-token: write
  contents: read
  pull-requests: write
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
{head}{auth.replace("-deploy", "-plan")}
      - run: terraform -chdir=terraform init -input=false && terraform -chdir=terraform plan -no-color
"""
    if rng.random() < 0.3:
        files["drift.yml"] = f"""name: Drift
on:
  schedule:
    - cron: "{rng.randint(0, 59)} {rng.randint(0, 23)} * * 1-5"
permissions:
  id-token: write
  contents: read
jobs:
  drift:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
{auth}
      - run: ./scripts/drift.sh
"""
    return {f".github/workflows/{k}": v for k, v in files.items()}


def ts_source(rng: random.Random, name: str) -> str:
    fns = []
    for k in range(rng.randint(1, 6)):
        w = rng.choice(WORDS)
        fns.append(f"""export async function {w}{k}(input: Record<string, unknown>): Promise<{{ ok: boolean; {w}: string }}> {{
  const started = Date.now();
  if (!input || typeof input !== 'object') {{
    throw new Error('{w}: invalid input');
  }}
  const value = String(input['{w}'] ?? '');
  logger.info({{ msg: '{w} handled', ms: Date.now() - started }});
  return {{ ok: value.length > 0, {w}: value }};
}}
""")
    return f"import {{ logger }} from './logger';\n\n// {name}\n" + "\n".join(fns)


def py_source(rng: random.Random, name: str) -> str:
    fns = []
    for k in range(rng.randint(1, 5)):
        w = rng.choice(WORDS)
        fns.append(f'''def {w}_{k}(event: dict) -> dict:
    """Handle a {w} event."""
    if not isinstance(event, dict):
        raise ValueError("{w}: invalid event")
    value = str(event.get("{w}", ""))
    logger.info("{w} handled", extra={{"size": len(value)}})
    return {{"ok": bool(value), "{w}": value}}
''')
    return f'"""{name}."""\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n\n' + "\n\n".join(fns)


def lockfile(rng: random.Random, deps: list[str]) -> str:
    packages = {"": {"name": "app", "version": "1.0.0"}}
    for d in deps:
        for k in range(rng.randint(3, 12)):
            name = f"{d}-{rng.choice(WORDS)}{k}" if k else d
            packages[f"node_modules/{name}"] = {
                "version": f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
                "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",
                "integrity": "sha512-" + hashlib.sha512(name.encode()).hexdigest()[:86] + "==",
                "dev": rng.random() < 0.4,
            }
    return json.dumps({"name": "app", "lockfileVersion": 3, "requires": True, "packages": packages}, indent=2)


NPM_DEPS = ["express", "zod", "pino", "aws-sdk", "@aws-sdk/client-s3", "jest", "typescript", "eslint", "prettier", "aws-cdk-lib", "constructs", "@pulumi/aws"]


def noise(rng: random.Random, org: str, repo: str, kind: str) -> dict[str, str]:
    files: dict[str, str] = {}
    node = kind in ("cdk-ts", "serverless") or (kind != "cdk-py" and rng.random() < 0.6)
    files["README.md"] = f"# {repo}\n\nOwned by @{org}/{rng.choice(WORDS)}-team.\n\n## Deploying\n\nMerges to `main` deploy through GitHub Actions with an OIDC role (no long-lived keys).\n\n" + "Lorem ipsum dolor sit amet. " * rng.randint(5, 60) + "\n"
    files[".gitignore"] = "node_modules/\n.terraform/\ncdk.out/\n*.tfstate\n__pycache__/\n"
    files["CODEOWNERS"] = f"* @{org}/{rng.choice(WORDS)}-team\n"
    files[".github/dependabot.yml"] = "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n"
    files["scripts/deploy.sh"] = "#!/usr/bin/env bash\nset -euo pipefail\nenv=\"$1\"\necho \"deploying to $env\"\n"
    for d in range(rng.randint(0, 4)):
        files[f"docs/{rng.choice(WORDS)}-{d}.md"] = f"# {rng.choice(WORDS)}\n\n" + "Some design notes. " * rng.randint(20, 200) + "\n"
    files["LICENSE"] = f"Copyright (c) 2026 {org}\n\nAll rights reserved.\n"
    files["CHANGELOG.md"] = "# Changelog\n\n" + "".join(f"## 1.{k}.0\n\n- {rng.choice(WORDS)} fixes\n\n" for k in range(rng.randint(1, 30)))
    files["Makefile"] = ".PHONY: build test\nbuild:\n\t./scripts/build.sh\ntest:\n\t./scripts/test.sh\n"
    files[".editorconfig"] = "root = true\n\n[*]\nindent_style = space\nindent_size = 2\n"
    n_src = rng.choice([5, 8, 12, 20, 35, 60, 90])
    if node:
        deps = rng.sample(NPM_DEPS, rng.randint(3, 8))
        files["package.json"] = json.dumps({"name": f"@{org}/{repo}", "version": f"1.{rng.randint(0, 40)}.0", "private": True,
                                            "scripts": {"build": "tsc", "test": "jest", "lint": "eslint ."},
                                            "dependencies": {d: f"^{rng.randint(1, 9)}.0.0" for d in deps}}, indent=2)
        files["package-lock.json"] = lockfile(rng, deps)
        files[".eslintrc.json"] = json.dumps({"root": True, "extends": ["eslint:recommended"], "rules": {"no-console": "warn"}}, indent=2)
        files["src/logger.ts"] = "export const logger = { info: (o: unknown) => console.log(JSON.stringify(o)) };\n"
        for k in range(n_src):
            sub = rng.choice(["handlers", "lib", "models", "routes", ""])
            name = f"{rng.choice(WORDS)}{k}"
            files[f"src/{sub + '/' if sub else ''}{name}.ts"] = ts_source(rng, name)
            if rng.random() < 0.4:
                files[f"test/{name}.test.ts"] = f"import {{ describe, it, expect }} from '@jest/globals';\n\ndescribe('{name}', () => {{\n  it('works', () => {{ expect(1 + 1).toBe(2); }});\n}});\n"
        for d in deps[:4]:  # installed dependencies: never audited
            base = f"node_modules/{d}"
            files[f"{base}/package.json"] = json.dumps({"name": d, "version": "1.0.0", "main": "index.js"}, indent=2)
            files[f"{base}/index.js"] = "'use strict';\nmodule.exports = require('./lib');\n"
            files[f"{base}/lib/index.js"] = "module.exports = function () { return 42; };\n" * rng.randint(5, 60)
            if d == "aws-cdk-lib":  # ships sample policies: must not be read
                files[f"{base}/aws-iam/test/trust.json"] = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"},
                    "Action": "sts:AssumeRoleWithWebIdentity"}]}, indent=2)
    else:
        files["pyproject.toml"] = f'[project]\nname = "{repo}"\nversion = "0.{rng.randint(1, 40)}.0"\nrequires-python = ">=3.11"\ndependencies = ["boto3>=1.34", "pydantic>=2"]\n\n[tool.ruff]\nline-length = 100\n'
        files["uv.lock"] = "version = 1\nrequires-python = \">=3.11\"\n\n" + "".join(
            f'[[package]]\nname = "{rng.choice(WORDS)}{k}"\nversion = "1.{k}.0"\nsource = {{ registry = "https://pypi.org/simple" }}\n\n' for k in range(rng.randint(10, 80)))
        pkg = repo.replace("-", "_")
        files[f"src/{pkg}/__init__.py"] = ""
        for k in range(n_src):
            name = f"{rng.choice(WORDS)}_{k}"
            files[f"src/{pkg}/{name}.py"] = py_source(rng, name)
            if rng.random() < 0.4:
                files[f"tests/test_{name}.py"] = f"from {pkg} import {name}\n\n\ndef test_import():\n    assert {name} is not None\n"
    if rng.random() < 0.3:
        files["docker-compose.yml"] = f"services:\n  app:\n    build: .\n    ports:\n      - \"8080:8080\"\n    environment:\n      SERVICE: {repo}\n"
        files["Dockerfile"] = "FROM public.ecr.aws/docker/library/node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"dist/index.js\"]\n"
    if rng.random() < 0.25:
        files["config/app.json"] = json.dumps({"service": repo, "features": {w: rng.random() < 0.5 for w in rng.sample(WORDS, 6)}}, indent=2)
    return files


def build_repo(seed: int, i: int) -> tuple[str, dict[str, str], str, list[Role]]:
    """Repository i: (name, {path: text}, archetype, roles). Depends only on (seed, i)."""
    rng = random.Random(f"{seed}:{i}")
    org = rng.choice(ORGS)
    repo = f"{rng.choice(WORDS)}-{rng.choice(SUFFIXES)}-{i:04d}"
    account = rng.choice(ACCOUNTS)
    kind = rng.choices([a[0] for a in ARCHETYPES], [a[1] for a in ARCHETYPES])[0]
    builder = dict((a[0], a[2]) for a in ARCHETYPES)[kind]
    files, roles = builder(rng, org, repo, account) if builder else ({}, [])
    files.update(workflows(rng, org, repo, roles, account))
    files.update(noise(rng, org, repo, kind))
    return f"{org}/{repo}", files, kind, roles


def generate(out: Path, repos: int, seed: int) -> dict:
    stats = {"repos": repos, "files": 0, "bytes": 0, "archetypes": Counter(), "subjects": Counter(), "powers": Counter()}
    for i in range(repos):
        name, files, kind, roles = build_repo(seed, i)
        stats["archetypes"][kind] += 1
        for r in roles:
            stats["subjects"][r.subject] += 1
            stats["powers"][r.power] += 1
        for rel, text in files.items():
            path = out / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode()
            path.write_bytes(data)
            stats["files"] += 1
            stats["bytes"] += len(data)
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path, help="directory to write into (created; must be empty or absent)")
    ap.add_argument("--repos", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--stats", action="store_true", help="print the archetype, subject and power mix as JSON")
    args = ap.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        print(f"error: {args.out} is not empty", file=sys.stderr)
        return 2
    stats = generate(args.out, args.repos, args.seed)
    if args.stats:
        print(json.dumps({k: dict(v) if isinstance(v, Counter) else v for k, v in stats.items()}, indent=2))
    else:
        print(f"wrote {stats['repos']} repositories, {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
