# moritzheiber/terraform-aws-oidc-github-actions-module v0.x: one role per name in `role_names`,
# all with the same trust, always `:*`, no `aud` condition; no permissions (attached elsewhere).
variable "github_repositories" { default = [] }
variable "role_names" { default = [] }
variable "github_actions_oidc_url" { default = "https://token.actions.githubusercontent.com" }

locals {
  issuer = trimprefix(var.github_actions_oidc_url, "https://")
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/${local.issuer}"]
    }
    condition {
      test     = "StringLike"
      variable = "${local.issuer}:sub"
      values   = [for repo in var.github_repositories : "repo:${repo}:*"]
    }
  }
}

resource "aws_iam_role" "github_actions" {
  for_each           = toset(var.role_names)
  name               = each.value
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
