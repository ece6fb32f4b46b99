# The three example trust policies, each built by the local module in role/ from its inputs.

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

module "deploy" {
  source = "./role"

  name          = "prod-deploy"
  provider_arn  = aws_iam_openid_connect_provider.github.arn
  subjects      = ["repo:octo-org/octo-repo:environment:production"]
  repository_id = "892734561"
  policy_arns   = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

module "ci" {
  source = "./role"

  name         = "ci"
  provider_arn = aws_iam_openid_connect_provider.github.arn
  subjects     = ["repo:octo-org/octo-repo:*"]
  inline_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["ecr:GetAuthorizationToken"], Resource = "*" },
      {
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"]
        Resource = "arn:aws:ecr:eu-west-1:123456789012:repository/octo-repo"
      },
      { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "arn:aws:s3:::octo-build-cache/*" },
    ]
  })
}

module "org" {
  source = "./role"

  name         = "org-tools"
  provider_arn = aws_iam_openid_connect_provider.github.arn
  subjects     = ["repo:octo-org/*", "repo:octo-org-infra/*"]
  policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
}
