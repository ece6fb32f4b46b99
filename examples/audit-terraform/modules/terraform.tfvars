services = {
  api = {
    branches = ["main"]
    policies = ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"]
  }
  web = {
    branches = ["main", "release/*"]
    policies = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  }
  docs = {
    branches = ["*"]
    policies = ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]
  }
}
