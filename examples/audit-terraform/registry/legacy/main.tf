# An older stack, written before the modules' breaking releases and never updated.

# unfunco v1: "org/repo" becomes repo:org/repo:* (any branch, pull request or environment), and
# ReadOnlyAccess is attached by default; this call also attaches AdministratorAccess.
module "oidc_github" {
  source  = "unfunco/oidc-github/aws"
  version = "1.7.1"

  github_repositories = ["octo-org/legacy-app"]
  attach_admin_policy = true
  iam_role_name       = "legacy-deploy"
}

# terraform-module: no `aud` condition in any version; `:*` by default.
module "github_oidc_provider" {
  source  = "terraform-module/github-oidc-provider/aws"
  version = "~> 2"

  create_oidc_provider      = false
  role_name                 = "legacy-ci"
  repositories              = ["octo-org/legacy-app:ref:refs/heads/main"]
  oidc_role_attach_policies = ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"]
}

# unpinned: read as the newest version the audit models, and said so.
module "tools_oidc" {
  source = "unfunco/oidc-github/aws"

  iam_role_name   = "org-tools"
  github_subjects = ["octo-org/*"]
}
