# A stack after `terraform init`: .terraform/modules holds the modules' code as downloaded, and
# modules.json says which directory each call uses. The audit reads that code.

module "github_oidc" {
  source  = "unfunco/oidc-github/aws"
  version = "3.0.1"

  iam_role_name   = "deploy"
  github_subjects = ["octo-org/app:environment:production", "octo-org/app:pull_request"]
  iam_role_policy_names = ["PowerUserAccess"]
}
