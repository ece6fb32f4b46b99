# What each role may do (the audit shows it beside each finding): deploy administers the
# production account, ci pushes images and reads its cache bucket, org-tools only reads.

resource "aws_iam_role_policy_attachment" "deploy_admin" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role_policy" "ci" {
  name = "ci-build"
  role = aws_iam_role.ci.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"]
        Resource = "arn:aws:ecr:eu-west-1:123456789012:repository/octo-repo"
      },
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "arn:aws:s3:::octo-build-cache/*"
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "org_read" {
  role       = aws_iam_role.org.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
