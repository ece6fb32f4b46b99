variable "services" {
  description = "Service repositories: the branches that may deploy, and the policies of their CI role."
  type = map(object({
    branches = list(string)
    policies = list(string)
  }))
  default = {}
}
