locals {
  repo     = "acme/app"
  provider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
}

# Terraform plans on pull requests and on main: read-only.
data "aws_iam_policy_document" "plan" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.provider]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${local.repo}:pull_request", "repo:${local.repo}:ref:refs/heads/main"]
    }
  }
}

resource "aws_iam_role" "plan" {
  name               = "acme-app-plan"
  assume_role_policy = data.aws_iam_policy_document.plan.json
}

resource "aws_iam_role_policy_attachment" "plan" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

# Preview environments: "any workflow of the repository" -- the wildcard the preview job needed.
resource "aws_iam_role" "preview" {
  name = "acme-app-preview"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.provider }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:${local.repo}:*" }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "preview_admin" {
  role       = aws_iam_role.preview.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

# Staging applies from main through the reusable workflow.
resource "aws_iam_role" "staging" {
  name = "acme-app-staging"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.provider }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:${local.repo}:ref:refs/heads/main"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "staging" {
  role       = aws_iam_role.staging.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

# Production: only jobs in the `production` environment.
resource "aws_iam_role" "prod" {
  name = "acme-app-prod"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = local.provider }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:${local.repo}:environment:production"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "prod" {
  role       = aws_iam_role.prod.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
