# terraform-module/github-oidc-provider/aws (all versions to 2.3.0): `:*` by default, no `aud`
# condition (the provider's client id list is what limits the audience).
variable "repositories" { default = [] }
variable "github_repositories" { default = [] }
variable "oidc_role_attach_policies" { default = [] }
variable "create_oidc_role" { default = true }
variable "role_name" { default = "github-oidc-provider-aws" }

data "aws_iam_policy_document" "this" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    effect  = "Allow"
    condition {
      test     = "StringLike"
      values   = [for repo in concat(var.repositories, var.github_repositories) : "repo:%{if strcontains(repo, ":")}${repo}%{else}${repo}:*%{endif}"]
      variable = "token.actions.githubusercontent.com:sub"
    }
    principals {
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
      type        = "Federated"
    }
  }
}

resource "aws_iam_role" "this" {
  count              = var.create_oidc_role ? 1 : 0
  name               = var.role_name
  assume_role_policy = data.aws_iam_policy_document.this.json
}

resource "aws_iam_role_policy_attachment" "attach" {
  count      = var.create_oidc_role ? length(var.oidc_role_attach_policies) : 0
  policy_arn = var.oidc_role_attach_policies[count.index]
  role       = aws_iam_role.this[0].id
}
