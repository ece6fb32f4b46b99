locals {
  default_subject        = var.default_subject
  default_subject_suffix = local.default_subject == "*" ? ":*" : format(":%s", local.default_subject)
  oidc_issuer            = format("token.actions.githubusercontent.com%s", var.enterprise_slug != "" ? "/${var.enterprise_slug}" : "")
  create_role            = var.create && var.create_iam_role && length(var.github_subjects) > 0

  custom_iam_role_policy_arns = [
    for policy_name in var.iam_role_policy_names :
    format("arn:%s:iam::aws:policy/%s", data.aws_partition.this[0].partition, policy_name)
  ]
}

resource "aws_iam_role" "github" {
  count = local.create_role ? 1 : 0

  assume_role_policy = data.aws_iam_policy_document.assume_role[0].json
  name               = var.iam_role_name
}

resource "aws_iam_role_policy_attachment" "admin" {
  count = local.create_role && var.dangerously_attach_admin_policy ? 1 : 0

  policy_arn = "arn:${data.aws_partition.this[0].partition}:iam::aws:policy/AdministratorAccess"
  role       = aws_iam_role.github[0].id
}

resource "aws_iam_role_policy_attachment" "custom" {
  for_each = local.create_role ? toset(local.custom_iam_role_policy_arns) : toset([])

  policy_arn = each.value
  role       = aws_iam_role.github[0].id
}

resource "aws_iam_role_policy" "inline_policies" {
  for_each = local.create_role ? var.iam_role_inline_policies : {}

  name   = each.key
  policy = each.value
  role   = aws_iam_role.github[0].id
}
