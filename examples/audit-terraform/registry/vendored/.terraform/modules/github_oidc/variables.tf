variable "create" {
  default     = true
  description = "Whether to create any resources."
  type        = bool
}

variable "create_iam_role" {
  default = true
  type    = bool
}

variable "dangerously_attach_admin_policy" {
  default     = false
  description = "Flag to enable/disable the attachment of the AdministratorAccess policy."
  type        = bool
}

variable "default_subject" {
  default     = "ref:refs/heads/main"
  description = "The subject suffix for entries of github_subjects without one."
  type        = string
}

variable "enterprise_slug" {
  default = ""
  type    = string
}

variable "additional_audiences" {
  default = null
  type    = list(string)
}

variable "github_subjects" {
  default     = []
  description = "GitHub subjects (owner/repository, with an optional suffix) that may assume the role."
  type        = list(string)
}

variable "iam_role_name" {
  default = "GitHubActions"
  type    = string
}

variable "iam_role_policy_names" {
  default     = []
  description = "Names of AWS-managed policies to attach to the role."
  type        = list(string)
}

variable "iam_role_inline_policies" {
  default = {}
  type    = map(string)
}
