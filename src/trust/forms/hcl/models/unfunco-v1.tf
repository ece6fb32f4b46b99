# unfunco/oidc-github/aws v1.x (1.0.0 to 1.8.1): `:*` by default as in v2; ReadOnlyAccess is
# attached unless `attach_read_only_policy = false`; the `aud` condition exists since 1.2.1.
variable "github_repositories" { default = [] }
variable "additional_audiences" { default = null }
variable "iam_role_policy_arns" { default = [] }
variable "iam_role_inline_policies" { default = {} }
variable "attach_admin_policy" { default = false }
variable "attach_read_only_policy" { default = true }
variable "enabled" { default = true }
variable "iam_role_name" { default = "github" }

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    effect  = "Allow"
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringLike"
      values   = [for repo in var.github_repositories : "repo:%{if strcontains(repo, ":")}${repo}%{else}${repo}:*%{endif}"]
      variable = "token.actions.githubusercontent.com:sub"
    }
    condition {
      test     = "StringEquals"
      values   = var.additional_audiences != null ? concat(["sts.amazonaws.com"], var.additional_audiences) : ["sts.amazonaws.com"]
      variable = "token.actions.githubusercontent.com:aud"
    }
  }
}

resource "aws_iam_role" "github" {
  count              = var.enabled ? 1 : 0
  name               = var.iam_role_name
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
}

resource "aws_iam_role_policy_attachment" "flags" {
  for_each = toset(compact([
    var.attach_admin_policy ? "arn:aws:iam::aws:policy/AdministratorAccess" : "",
    var.attach_read_only_policy ? "arn:aws:iam::aws:policy/ReadOnlyAccess" : "",
  ]))
  role       = aws_iam_role.github[0].id
  policy_arn = each.value
}

resource "aws_iam_role_policy_attachment" "custom" {
  for_each   = toset(var.iam_role_policy_arns)
  role       = aws_iam_role.github[0].id
  policy_arn = each.value
}

resource "aws_iam_role_policy" "inline_policies" {
  for_each = var.iam_role_inline_policies
  role     = aws_iam_role.github[0].id
  policy   = each.value
}
