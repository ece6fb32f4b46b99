# The platform account's GitHub roles, built with registry modules at the versions pinned here.
# `terraform init` has not been run: the audit reads each module as the pinned version builds it.

# unfunco v3: "org/repo" becomes repo:org/repo:ref:refs/heads/main (the default subject).
module "github_oidc" {
  source  = "unfunco/oidc-github/aws"
  version = "~> 3.0"

  iam_role_name         = "terraform-plan-readonly"
  github_subjects       = ["octo-org/infra", "octo-org/infra:pull_request"]
  iam_role_policy_names = ["ReadOnlyAccess"]
}

# terraform-aws-modules v6 iam-role: exact subjects (StringEquals) for the release pipeline.
module "release_role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role"
  version = "6.2.0"

  name               = "release-deploy"
  enable_github_oidc = true
  oidc_subjects      = ["octo-org/app:environment:production"]
  policies = {
    deploy = "arn:aws:iam::aws:policy/AWSCodeDeployFullAccess"
  }
}

# The same module with neither oidc_subjects nor oidc_wildcard_subjects: no `sub` condition.
module "sandbox_role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role"
  version = "~> 6.0"

  name               = "sandbox"
  enable_github_oidc = true
  oidc_audiences     = ["sts.amazonaws.com"]
}

# philips-labs, one role per repository: main branch only, pull requests denied (the defaults).
module "docs_role" {
  source = "github.com/philips-labs/terraform-aws-github-oidc?ref=v0.8.1"

  openid_connect_provider_arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  repo                        = "octo-org/docs"
  role_name                   = "docs-publish"
  role_policy_arns            = ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]
}
