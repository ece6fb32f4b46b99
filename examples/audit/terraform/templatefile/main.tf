# The three example trust policies from one template (templates/github-trust.json.tftpl).

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

locals {
  roles = {
    deploy = {
      StringEquals = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
        "token.actions.githubusercontent.com:sub" = "repo:octo-org/octo-repo:environment:production"
        "token.actions.githubusercontent.com:repository_id" = "892734561"
      }
    }
    ci = {
      StringEquals = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
      }
      StringLike = {
        "token.actions.githubusercontent.com:sub" = "repo:octo-org/octo-repo:*"
      }
    }
    org = {
      StringEquals = {
        "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
      }
      StringLike = {
        "token.actions.githubusercontent.com:sub" = ["repo:octo-org/*", "repo:octo-org-infra/*"]
      }
    }
  }
}

resource "aws_iam_role" "deploy" {
  name = "prod-deploy"
  assume_role_policy = templatefile("${path.module}/templates/github-trust.json.tftpl", {
    provider_arn = aws_iam_openid_connect_provider.github.arn
    condition    = jsonencode(local.roles.deploy)
  })
}

resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = templatefile("${path.module}/templates/github-trust.json.tftpl", {
    provider_arn = aws_iam_openid_connect_provider.github.arn
    condition    = jsonencode(local.roles.ci)
  })
}

resource "aws_iam_role" "org" {
  name = "org-tools"
  assume_role_policy = templatefile("${path.module}/templates/github-trust.json.tftpl", {
    provider_arn = aws_iam_openid_connect_provider.github.arn
    condition    = jsonencode(local.roles.org)
  })
}
