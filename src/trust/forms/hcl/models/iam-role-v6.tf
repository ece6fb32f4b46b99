# terraform-aws-modules/iam/aws//modules/iam-role v6.x (6.0.0 to 6.5.0): the GitHub OIDC
# statement (`enable_github_oidc`). With neither `oidc_subjects` nor `oidc_wildcard_subjects`
# there is no `sub` condition at all.
variable "enable_github_oidc" { default = false }
variable "github_provider" { default = "token.actions.githubusercontent.com" }
variable "oidc_subjects" { default = [] }
variable "oidc_wildcard_subjects" { default = [] }
variable "oidc_audiences" { default = [] }
variable "policies" { default = {} }
variable "create" { default = true }
variable "name" { default = null }
variable "use_name_prefix" { default = true }

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = var.enable_github_oidc ? [1] : []
    content {
      sid     = "GithubOidcAuth"
      actions = ["sts:TagSession", "sts:AssumeRoleWithWebIdentity"]
      principals {
        type        = "Federated"
        identifiers = ["arn:aws:iam::123456789012:oidc-provider/${var.github_provider}"]
      }
      condition {
        test     = "ForAllValues:StringEquals"
        variable = "${var.github_provider}:iss"
        values   = ["https://${var.github_provider}"]
      }
      condition {
        test     = "ForAllValues:StringEquals"
        variable = "${var.github_provider}:aud"
        values   = coalescelist(var.oidc_audiences, ["sts.amazonaws.com"])
      }
      dynamic "condition" {
        for_each = length(var.oidc_subjects) > 0 ? [1] : []
        content {
          test     = "StringEquals"
          variable = "${var.github_provider}:sub"
          values   = [for subject in var.oidc_subjects : "repo:${trimprefix(subject, "repo:")}"]
        }
      }
      dynamic "condition" {
        for_each = length(var.oidc_wildcard_subjects) > 0 ? [1] : []
        content {
          test     = "StringLike"
          variable = "${var.github_provider}:sub"
          values   = [for subject in var.oidc_wildcard_subjects : "repo:${trimprefix(subject, "repo:")}"]
        }
      }
    }
  }
}

resource "aws_iam_role" "this" {
  count              = var.create ? 1 : 0
  # `name_prefix = "${var.name}-"` when `use_name_prefix` (the default): the name is what the
  # audit reads the role's purpose from.
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.this.json
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each   = var.policies
  role       = aws_iam_role.this[0].name
  policy_arn = each.value
}
