variable "name" {
  description = "The role's name."
  type        = string
}

variable "provider_arn" {
  description = "The ARN of the account's GitHub OIDC provider."
  type        = string
}

variable "subjects" {
  description = "The `sub` claims that may assume the role; a `*` makes the condition StringLike."
  type        = list(string)
}

variable "audience" {
  type    = string
  default = "sts.amazonaws.com"
}

variable "policy_arns" {
  description = "Managed policies attached to the role."
  type        = list(string)
  default     = []
}
