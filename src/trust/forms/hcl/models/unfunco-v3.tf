# unfunco/oidc-github/aws v3.x (3.0.0, 3.0.1): the trust and permissions of data.tf and main.tf,
# trimmed to what decides who may assume the role and what it may do.
# `length(regexall(":+", s)) > 0` is written `strcontains(s, ":")`, which is the same test.
variable "github_subjects" { default = [] }
variable "default_subject" { default = "ref:refs/heads/main" }
variable "additional_audiences" { default = null }
variable "enterprise_slug" { default = "" }
variable "iam_role_policy_names" { default = [] }
variable "iam_role_inline_policies" { default = {} }
variable "dangerously_attach_admin_policy" { default = false }
variable "create" { default = true }
variable "create_iam_role" { default = true }
variable "iam_role_name" { default = "GitHubActions" }

locals {
  default_subject_suffix = var.default_subject == "*" ? ":*" : ":${var.default_subject}"
  oidc_issuer            = "token.actions.githubusercontent.com${var.enterprise_slug != "" ? "/${var.enterprise_slug}" : ""}"
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    effect  = "Allow"
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/${local.oidc_issuer}"]
    }
    condition {
      test     = "StringLike"
      values   = [for subject in var.github_subjects : "repo:${subject}${strcontains(subject, ":") ? "" : local.default_subject_suffix}"]
      variable = "${local.oidc_issuer}:sub"
    }
    condition {
      test     = "StringEquals"
      values   = var.additional_audiences != null ? concat(["sts.amazonaws.com"], var.additional_audiences) : ["sts.amazonaws.com"]
      variable = "${local.oidc_issuer}:aud"
    }
  }
}

resource "aws_iam_role" "github" {
  count              = var.create && var.create_iam_role && length(var.github_subjects) > 0 ? 1 : 0
  name               = var.iam_role_name
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
}

resource "aws_iam_role_policy_attachment" "admin" {
  count      = var.dangerously_attach_admin_policy ? 1 : 0
  role       = aws_iam_role.github[0].id
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role_policy_attachment" "custom" {
  for_each   = toset([for name in var.iam_role_policy_names : "arn:aws:iam::aws:policy/${name}"])
  role       = aws_iam_role.github[0].id
  policy_arn = each.value
}

resource "aws_iam_role_policy" "inline_policies" {
  for_each = var.iam_role_inline_policies
  role     = aws_iam_role.github[0].id
  policy   = each.value
}
