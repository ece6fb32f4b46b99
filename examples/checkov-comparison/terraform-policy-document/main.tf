data "aws_caller_identity" "current" {}

# no `sub`: any repository on GitHub
data "aws_iam_policy_document" "open" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "open" {
  name               = "deploy-open"
  assume_role_policy = data.aws_iam_policy_document.open.json
}

# `repo:octo-org*`: also `octo-org-evil`
data "aws_iam_policy_document" "owner_prefix" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org*"]
    }
  }
}

resource "aws_iam_role" "owner_prefix" {
  name               = "deploy-owner-prefix"
  assume_role_policy = data.aws_iam_policy_document.owner_prefix.json
}

# `repo:octo-org/*`: every repository of the org
data "aws_iam_policy_document" "org_wide" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/*"]
    }
  }
}

resource "aws_iam_role" "org_wide" {
  name               = "deploy-org-wide"
  assume_role_policy = data.aws_iam_policy_document.org_wide.json
}

# `repo:octo-org/app:*`: every branch and pull request
data "aws_iam_policy_document" "any_ref" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/app:*"]
    }
  }
}

resource "aws_iam_role" "any_ref" {
  name               = "deploy-any-ref"
  assume_role_policy = data.aws_iam_policy_document.any_ref.json
}

# `repo:octo-org/app:pull_request` on a deploy role
data "aws_iam_policy_document" "pull_request" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/app:pull_request"]
    }
  }
}

resource "aws_iam_role" "pull_request" {
  name               = "deploy-pull-request"
  assume_role_policy = data.aws_iam_policy_document.pull_request.json
}

# `repo:octo-org/app:ref:refs/heads/*`
data "aws_iam_policy_document" "branch_glob" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/app:ref:refs/heads/*"]
    }
  }
}

resource "aws_iam_role" "branch_glob" {
  name               = "deploy-branch-glob"
  assume_role_policy = data.aws_iam_policy_document.branch_glob.json
}

# custom subject `environment:production` (no owner, no repo)
data "aws_iam_policy_document" "custom_template" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["environment:production"]
    }
  }
}

resource "aws_iam_role" "custom_template" {
  name               = "deploy-custom-template"
  assume_role_policy = data.aws_iam_policy_document.custom_template.json
}

# `StringEquals` twice: the `sub` condition is dropped
data "aws_iam_policy_document" "duplicate_key" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/app:environment:production"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "duplicate_key" {
  name               = "deploy-duplicate-key"
  assume_role_policy = data.aws_iam_policy_document.duplicate_key.json
}

# exact `sub` on main, `StringEqualsIfExists` on `environment`
data "aws_iam_policy_document" "ifexists_environment" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/app:ref:refs/heads/main"]
    }
    condition {
      test     = "StringEqualsIfExists"
      variable = "token.actions.githubusercontent.com:environment"
      values   = ["production"]
    }
  }
}

resource "aws_iam_role" "ifexists_environment" {
  name               = "deploy-ifexists-environment"
  assume_role_policy = data.aws_iam_policy_document.ifexists_environment.json
}

# exact `sub` on an environment and `repository_id`
data "aws_iam_policy_document" "tight" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:octo-org/app:environment:production"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:repository_id"
      values   = ["892734561"]
    }
  }
}

resource "aws_iam_role" "tight" {
  name               = "deploy-tight"
  assume_role_policy = data.aws_iam_policy_document.tight.json
}
