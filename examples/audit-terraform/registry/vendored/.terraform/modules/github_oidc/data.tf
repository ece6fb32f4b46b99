data "aws_partition" "this" {
  count = var.create ? 1 : 0
}

data "aws_iam_policy_document" "assume_role" {
  count = local.create_role ? 1 : 0

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    effect  = "Allow"

    condition {
      test = "StringLike"
      values = [
        for subject in var.github_subjects :
        format(
          "repo:%s%s",
          subject,
          length(regexall(":+", subject)) > 0 ? "" : local.default_subject_suffix,
        )
      ]
      variable = "${local.oidc_issuer}:sub"
    }

    condition {
      test = "StringEquals"
      values = var.additional_audiences != null ? concat(
        [format("sts.%s", data.aws_partition.this[0].dns_suffix)],
        var.additional_audiences,
      ) : [format("sts.%s", data.aws_partition.this[0].dns_suffix)]
      variable = "${local.oidc_issuer}:aud"
    }

    principals {
      identifiers = [format("arn:%s:iam::%s:oidc-provider/%s", data.aws_partition.this[0].partition, data.aws_caller_identity.current.account_id, local.oidc_issuer)]
      type        = "Federated"
    }
  }
}
