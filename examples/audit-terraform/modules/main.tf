# One GitHub OIDC provider for the account, and the roles of the platform team's repositories,
# each built by the local module in modules/github-role.

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

locals {
  org = "octo-org"
}

# Production deploys: the production environment of one repository only.
module "deploy" {
  source = "./modules/github-role"

  name         = "prod-deploy"
  provider_arn = aws_iam_openid_connect_provider.github.arn
  subjects     = ["repo:${local.org}/app:environment:production"]
  policy_arns  = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

# Preview environments for pull requests: every pull request of the repository, with the same
# administrator policy as production.
module "preview" {
  source = "./modules/github-role"

  name         = "preview"
  provider_arn = aws_iam_openid_connect_provider.github.arn
  subjects     = ["repo:${local.org}/app:pull_request"]
  policy_arns  = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

# One CI role per service repository (terraform.tfvars lists them).
module "ci" {
  source   = "./modules/github-role"
  for_each = var.services

  name         = "ci-${each.key}"
  provider_arn = aws_iam_openid_connect_provider.github.arn
  subjects     = [for branch in each.value.branches : "repo:${local.org}/${each.key}:ref:refs/heads/${branch}"]
  policy_arns  = each.value.policies
}
