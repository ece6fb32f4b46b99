output "deploy_role_arn" {
  value = module.deploy.role_arn
}

output "ci_role_arns" {
  value = { for name, ci in module.ci : name => ci.role_arn }
}
