# philips-labs/terraform-aws-github-oidc (registry philips-labs/github-oidc/aws) v0.x: one role
# per `repo`; the default conditions (main branch, no pull requests) grouped by test and
# variable, their values merged as the module's `merge_conditions` does.
variable "repo" { default = null }
variable "default_conditions" { default = ["allow_main", "deny_pull_request"] }
variable "repo_mainline_branch" { default = "main" }
variable "github_environments" { default = ["*"] }
variable "github_oidc_issuer" { default = "token.actions.githubusercontent.com" }
variable "openid_connect_provider_arn" { default = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
variable "role_policy_arns" { default = [] }
variable "role_name" { default = null }

locals {
  sub = "${var.github_oidc_issuer}:sub"
  allow = concat(
    contains(var.default_conditions, "allow_main") ? ["repo:${var.repo}:ref:refs/heads/${var.repo_mainline_branch}"] : [],
    contains(var.default_conditions, "allow_environment") ? [for e in var.github_environments : "repo:${var.repo}:environment:${e}"] : [],
    contains(var.default_conditions, "allow_all") ? ["repo:${var.repo}:*"] : [],
  )
  deny = contains(var.default_conditions, "deny_pull_request") ? ["repo:${var.repo}:pull_request"] : []
}

data "aws_iam_policy_document" "github_actions_assume_role_policy" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.openid_connect_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.github_oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    dynamic "condition" {
      for_each = length(local.allow) > 0 ? [1] : []
      content {
        test     = "StringLike"
        variable = local.sub
        values   = local.allow
      }
    }
    dynamic "condition" {
      for_each = length(local.deny) > 0 ? [1] : []
      content {
        test     = "StringNotLike"
        variable = local.sub
        values   = local.deny
      }
    }
  }
}

resource "aws_iam_role" "main" {
  count              = var.repo != null ? 1 : 0
  name               = var.role_name != null ? var.role_name : "github-${replace(var.repo, "/", "-")}"
  assume_role_policy = data.aws_iam_policy_document.github_actions_assume_role_policy.json
}

resource "aws_iam_role_policy_attachment" "custom" {
  count      = length(var.role_policy_arns)
  role       = aws_iam_role.main[0].name
  policy_arn = var.role_policy_arns[count.index]
}
