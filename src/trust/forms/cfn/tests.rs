//! Tests of the CloudFormation reader: templates in YAML (short-form tags) and JSON, and the
//! findings (`ID severity line`) at the line each value is written on.

use crate::trust::checks::audit_document;
use crate::trust::forms::read_text;

fn findings(path: &str, text: &str) -> Vec<String> {
    let read = read_text(path, text).unwrap_or_else(|e| panic!("{e}"));
    let mut out: Vec<String> = read
        .found
        .iter()
        .flat_map(|f| audit_document(&f.doc, f.doc.role_name.as_deref()))
        .map(|f| format!("{} {} {}", f.meta.id, f.severity.as_str(), f.loc.line))
        .collect();
    out.sort();
    out
}

const YAML: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Repo:
    Type: String
    Default: octo-org/app
  Environment:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
Resources:
  Provider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${Repo}-deploy"
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal:
              Federated: !GetAtt Provider.Arn
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals:
                token.actions.githubusercontent.com:aud: sts.amazonaws.com
              StringLike:
                token.actions.githubusercontent.com:sub:
                  - !Sub repo:${Repo}:environment:${Environment}
                  - !If [IsProd, !Join ["", ["repo:", !Ref Repo, ":ref:refs/tags/v*"]], "repo:octo-org/app:pull_request"]
"#;

#[test]
fn yaml_short_forms() {
    assert_eq!(
        findings("stack.yaml", YAML),
        [
            // Both branches of `!If` are read: the tag pattern (medium) and, in the other
            // deployment, pull requests on a deploy role (high).
            "OA102 medium 31",
            "OA107 high 31",
            "OA109 low 29",
            // `${Environment}` has no default: reported, read as one value.
            "OA110 low 30",
            "OA110 low 31",
            "OA112 low 30",
            "OA112 low 31",
        ]
    );
}

#[test]
fn json_and_cdk_output() {
    let template = r#"{
  "Resources": {
    "Provider": {"Type": "Custom::AWSCDKOpenIdConnectProvider", "Properties": {"Url": "https://token.actions.githubusercontent.com"}},
    "Role": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "AssumeRolePolicyDocument": {
          "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": {"Ref": "Provider"}},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": {"Fn::Join": ["", ["repo:", "octo-org", "/*"]]}}}
          }]
        }
      },
      "Metadata": {"aws:cdk:path": "App/Role/Resource"}
    }
  }
}"#;
    assert_eq!(
        findings("cdk.out/App.template.json", template),
        ["OA102 high 12", "OA103 medium 10", "OA109 low 12"]
    );
    let read = read_text("cdk.out/App.template.json", template).unwrap();
    assert_eq!(read.found[0].form, "cdk");
    assert_eq!(read.found[0].resource, "Role");
}

#[test]
fn not_a_template() {
    assert!(read_text("workflow.yml", "on: push\njobs: {}\n").is_err());
    assert!(read_text("x.yaml", "a: [").is_err());
}

#[test]
fn power_beside_each_role() {
    // Three roles as CDK and hand-written templates grant permissions: managed ARNs (one via
    // `!Sub`), an inline policy, a policy resource naming the role (CDK's `addToPolicy`), a
    // template-local managed policy, and a customer policy given by ARN (not classified).
    let template = r#"Resources:
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com}, Action: sts:AssumeRoleWithWebIdentity}]}
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess
  Site:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com}, Action: sts:AssumeRoleWithWebIdentity}]}
      Policies:
        - PolicyName: upload
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: [s3:PutObject, s3:DeleteObject], Resource: arn:aws:s3:::site/*}
      ManagedPolicyArns:
        - !Ref ReadLogs
        - arn:aws:iam::123456789012:policy/team-boundary
  SiteDefaultPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: SiteDefaultPolicy
      Roles: [!Ref Site]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: cloudfront:CreateInvalidation, Resource: "*"}
  ReadLogs:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: ["logs:GetLogEvents", "logs:DescribeLogStreams"], Resource: "*"}
  Passer:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Federated: arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com}, Action: sts:AssumeRoleWithWebIdentity}]}
  PasserPolicy:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref Passer
      PolicyName: pass
      PolicyDocument: {Statement: [{Effect: Allow, Action: ["iam:PassRole", "lambda:UpdateFunctionCode"], Resource: "*"}]}
"#;
    let read = read_text("stack.yaml", template).unwrap();
    let summaries: Vec<(String, String)> = read
        .found
        .iter()
        .map(|f| (f.resource.clone(), f.power.as_ref().unwrap().summary()))
        .collect();
    assert_eq!(
        summaries,
        [
            ("Deploy".into(), "administrator: AdministratorAccess".into()),
            (
                "Site".into(),
                "at least write: s3:PutObject on arn:aws:s3:::site/* (+2 more); not classified: policy arn:aws:iam::123456789012:policy/team-boundary".into()
            ),
            (
                "Passer".into(),
                "IAM write (can escalate to administrator): iam:PassRole on *".into()
            ),
        ]
    );
    let site = &read.found[1].power.as_ref().unwrap();
    assert!(
        site.grants
            .iter()
            .any(|g| g.source == "AWS::IAM::ManagedPolicy ReadLogs")
    );
    assert!(
        site.grants
            .iter()
            .any(|g| g.source == "AWS::IAM::Policy SiteDefaultPolicy")
    );
    assert!(
        site.grants
            .iter()
            .any(|g| g.source == "inline policy upload")
    );
    // Resolving power adds nothing to the trust policy's assumptions.
    assert!(read.found.iter().all(|f| f.doc.assumptions.is_empty()));
}
