# A GitHub role: StringLike when a subject has a wildcard, StringEquals otherwise, and the
# repository id when it is known.

variable "name" {
  type = string
}

variable "provider_arn" {
  type = string
}

variable "subjects" {
  type = list(string)
}

variable "repository_id" {
  type    = string
  default = null
}

variable "policy_arns" {
  type    = list(string)
  default = []
}

variable "inline_policy" {
  type    = string
  default = null
}

locals {
  wildcard = anytrue([for s in var.subjects : strcontains(s, "*")])
  exact = merge(
    { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" },
    local.wildcard ? {} : { "token.actions.githubusercontent.com:sub" = one(var.subjects) },
    var.repository_id == null ? {} : { "token.actions.githubusercontent.com:repository_id" = var.repository_id },
  )
}

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = var.provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = merge(
        { StringEquals = local.exact },
        local.wildcard ? { StringLike = { "token.actions.githubusercontent.com:sub" = var.subjects } } : {},
      )
    }]
  })
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each   = toset(var.policy_arns)
  role       = aws_iam_role.this.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "this" {
  count  = var.inline_policy == null ? 0 : 1
  name   = "${var.name}-inline"
  role   = aws_iam_role.this.id
  policy = var.inline_policy
}
