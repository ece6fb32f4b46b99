//! Tests of the source readers: whole files in each form, the roles found (name, form, power)
//! and the findings (`ID severity line`) at the line each value is written on.

use crate::trust::checks::audit_document;
use crate::trust::forms::read_text;

/// `resource form: power` of every role, and every finding as `ID severity line`.
fn read(path: &str, text: &str) -> (Vec<String>, Vec<String>) {
    let read = read_text(path, text).unwrap_or_else(|e| panic!("{e}"));
    let roles = read
        .found
        .iter()
        .map(|f| {
            let power = f.power.as_ref().map(|p| p.summary()).unwrap_or_default();
            format!("{} {}: {power}", f.resource, f.form)
        })
        .collect();
    let mut findings: Vec<String> = read
        .found
        .iter()
        .flat_map(|f| audit_document(&f.doc, f.doc.role_name.as_deref()))
        .filter(|f| f.meta.id != "OA109")
        .map(|f| format!("{} {} {}", f.meta.id, f.severity.as_str(), f.loc.line))
        .collect();
    findings.sort();
    (roles, findings)
}

type Case<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], &'a [&'a str]);

fn table(cases: &[Case<'_>]) {
    for (name, path, text, roles, findings) in cases {
        let (got_roles, got_findings) = read(path, text);
        assert_eq!(&got_roles, roles, "{name}: roles");
        assert_eq!(&got_findings, findings, "{name}: findings");
    }
}

const GH: &str = "token.actions.githubusercontent.com";

#[test]
fn cdk_typescript() {
    let composite = format!(
        "const p = new iam.OpenIdConnectProvider(this, 'Gh', {{ url: 'https://{GH}' }});\n\
         new iam.Role(this, 'Both', {{\n  assumedBy: new iam.CompositePrincipal(\n    new iam.ServicePrincipal('codebuild.amazonaws.com'),\n    new iam.WebIdentityPrincipal(p.openIdConnectProviderArn, {{\n      StringEquals: {{ '{GH}:aud': 'sts.amazonaws.com' }},\n      StringLike: {{ '{GH}:sub': 'repo:octo/*' }},\n    }}),\n  ),\n}});\n"
    );
    let gap = format!(
        "new iam.Role(this, 'FromProps', {{\n  assumedBy: new iam.WebIdentityPrincipal(arn, {{\n    StringEquals: {{ ...props.conditions, '{GH}:aud': 'sts.amazonaws.com' }},\n  }}),\n}});\n"
    );
    let default_action = format!(
        "new iam.Role(this, 'Forgot', {{\n  assumedBy: new iam.FederatedPrincipal('arn:aws:iam::1:oidc-provider/{GH}', {{\n    StringLike: {{ '{GH}:sub': 'repo:octo/app:*' }},\n  }}),\n}});\n"
    );
    let cfn_role = format!(
        "new iam.CfnRole(this, 'L1', {{\n  assumeRolePolicyDocument: {{\n    Statement: [{{\n      Effect: 'Allow',\n      Principal: {{ Federated: `arn:aws:iam::${{this.account}}:oidc-provider/{GH}` }},\n      Action: 'sts:AssumeRoleWithWebIdentity',\n      Condition: {{ StringEquals: {{ '{GH}:aud': 'sts.amazonaws.com', '{GH}:sub': 'repo:octo/app:pull_request' }} }},\n    }}],\n  }},\n  managedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'],\n}});\n"
    );
    let spread = format!(
        "const common = {{ managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')] }};\n\
         new iam.Role(this, 'Spread', {{ ...common, ...props.extra, assumedBy: new iam.WebIdentityPrincipal('arn:aws:iam::1:oidc-provider/{GH}', {{ StringEquals: {{ '{GH}:aud': 'sts.amazonaws.com', '{GH}:sub': 'repo:octo/app:ref:refs/heads/main' }} }}) }});\n"
    );
    table(&[
        (
            "props spread into the role: their policies count, an unknown spread is listed",
            "lib/stack.ts",
            &spread,
            &[
                "Spread cdk typescript: at least administrator: AdministratorAccess; not classified: props spread from `props.extra` (not resolved)",
            ],
            &[],
        ),
        (
            "a composite principal: one statement each",
            "lib/stack.ts",
            &composite,
            &["Both cdk typescript: no permissions found beside the role"],
            &["OA102 high 7"],
        ),
        (
            "an unresolved spread: not judged, and said",
            "lib/stack.ts",
            &gap,
            &["FromProps cdk typescript: no permissions found beside the role"],
            &["OA112 low 2", "OA112 low 3"],
        ),
        (
            // CDK's default action: GitHub's tokens cannot assume it (broken, not wider).
            "FederatedPrincipal without its third argument trusts sts:AssumeRole",
            "lib/stack.ts",
            &default_action,
            &["Forgot cdk typescript: no permissions found beside the role"],
            &[],
        ),
        (
            "CfnRole: the document as written",
            "lib/stack.ts",
            &cfn_role,
            &["L1 cdk typescript: power user: PowerUserAccess"],
            &["OA107 high 7"],
        ),
    ]);
}

#[test]
fn construct_libraries() {
    let blimmer = "import { GithubActionsIdentityProvider, GithubActionsRole, BranchFilter, PullRequestFilter } from '@blimmer/cdk-github-oidc';\n\
        const provider = new GithubActionsIdentityProvider(this, 'Gh');\n\
        new GithubActionsRole(this, 'Filters', {\n  provider,\n  subjectFilters: [\n    new BranchFilter({ owner: 'octo', repository: 'app', branch: 'main' }),\n    new PullRequestFilter({ owner: 'octo', repository: 'app' }),\n  ],\n});\n";
    let pipelines = "import { GitHubActionRole } from 'cdk-pipelines-github';\n\
        new GitHubActionRole(this, 'Pipelines', {\n  repos: ['octo/app'],\n});\n";
    let aripalo_py = "from aws_cdk_github_oidc import GithubActionsIdentityProvider, GithubActionsRole\n\
        GithubActionsRole(self, \"Ci\", provider=GithubActionsIdentityProvider.from_account(self, \"Gh\"), owner=\"octo\", repo=\"app\", filter=\"environment:prod\")\n";
    table(&[
        (
            "@blimmer/cdk-github-oidc: StringEquals on every filter's subject",
            "lib/roles.ts",
            blimmer,
            &["Filters cdk typescript: no permissions found beside the role"],
            &["OA107 high 7"],
        ),
        (
            "cdk-pipelines-github: repo:R:*, no aud, the bootstrap roles onward",
            "lib/roles.ts",
            pipelines,
            &[
                "Pipelines cdk typescript: at least write: sts:AssumeRole on arn:aws:iam::*:role/cdk-*; assumes onward: arn:aws:iam::*:role/cdk-*; not classified: the CDK bootstrap roles it assumes (the CloudFormation execution role holds AdministratorAccess unless bootstrapped otherwise)",
            ],
            &["OA102 high 3", "OA103 medium 2"],
        ),
        (
            "aws-cdk-github-oidc in Python, with a filter",
            "stacks/ci.py",
            aripalo_py,
            &["Ci cdk python: no permissions found beside the role"],
            &["OA110 low 2"],
        ),
    ]);
}

#[test]
fn pulumi_and_serverless() {
    let literal = format!(
        "const role = new aws.iam.Role(\"lit\", {{\n  assumeRolePolicy: `{{\n  \"Statement\": [{{\n    \"Effect\": \"Allow\",\n    \"Principal\": {{\"Federated\": \"arn:aws:iam::1:oidc-provider/{GH}\"}},\n    \"Action\": \"sts:AssumeRoleWithWebIdentity\",\n    \"Condition\": {{\"StringLike\": {{\"{GH}:aud\": \"sts.amazonaws.com\", \"{GH}:sub\": \"repo:octo/*\"}}}}\n  }}]\n}}`,\n}});\n\
         new aws.iam.PolicyAttachment(\"all\", {{ roles: [role.name], policyArn: aws.iam.ManagedPolicy.IAMFullAccess }});\n"
    );
    let customer = format!(
        "const role = new aws.iam.Role(\"c\", {{ assumeRolePolicy: JSON.stringify({{ Statement: [{{ Effect: \"Allow\", Principal: {{ Federated: \"arn:aws:iam::1:oidc-provider/{GH}\" }}, Action: \"sts:AssumeRoleWithWebIdentity\", Condition: {{ StringEquals: {{ \"{GH}:sub\": \"repo:octo/app:ref:refs/heads/main\" }} }} }}] }}) }});\n\
         const deploy = new aws.iam.Policy(\"deploy\", {{ policy: JSON.stringify({{ Statement: [{{ Effect: \"Allow\", Action: \"iam:PassRole\", Resource: \"*\" }}] }}) }});\n\
         new aws.iam.RolePolicyAttachment(\"c-deploy\", {{ role: role, policyArn: deploy.arn }});\n"
    );
    let unresolved =
        "import pulumi_aws as aws\nrole = aws.iam.Role(\"r\", assume_role_policy=load_policy())\n";
    let serverless = format!(
        "service: s\ncustom:\n  repo: octo/app\nresources:\n  Resources:\n    Role:\n      Type: AWS::IAM::Role\n      Properties:\n        AssumeRolePolicyDocument:\n          Statement:\n            - Effect: Allow\n              Principal: {{ Federated: arn:aws:iam::1:oidc-provider/{GH} }}\n              Action: sts:AssumeRoleWithWebIdentity\n              Condition:\n                StringEquals:\n                  {GH}:aud: sts.amazonaws.com\n                  {GH}:sub: repo:${{self:custom.repo}}:environment:${{opt:stage}}\n"
    );
    table(&[
        (
            "a literal JSON template, findings at its lines; an attachment by role name",
            "index.ts",
            &literal,
            &["lit pulumi typescript: IAM write (can escalate to administrator): IAMFullAccess"],
            &["OA102 high 7", "OA103 low 7"],
        ),
        (
            "a customer-managed policy of the file, attached by its ARN: its document",
            "index.ts",
            &customer,
            &["c pulumi typescript: IAM write (can escalate to administrator): iam:PassRole on *"],
            &["OA103 medium 1"],
        ),
        (
            "a policy from a function: not judged",
            "__main__.py",
            unresolved,
            &["r pulumi python: no permissions found beside the role"],
            &["OA112 low 2"],
        ),
        (
            "serverless: self: resolved, opt: noted",
            "serverless.yml",
            &serverless,
            &["Role serverless: no permissions found beside the role"],
            &["OA112 low 17"],
        ),
    ]);
    // A file that builds no role is not parsed, and a TypeScript file that does not compile
    // still yields what it can.
    assert!(
        read_text("util.ts", "export const x = 1;")
            .unwrap()
            .found
            .is_empty()
    );
    let broken = format!(
        "new iam.Role(this, 'R', {{ assumedBy: new iam.WebIdentityPrincipal('arn:aws:iam::1:oidc-provider/{GH}', {{ StringLike: {{ '{GH}:sub': 'repo:*' }} }}) }});\nfunction ( {{\n"
    );
    let (roles, _) = read("broken.ts", &broken);
    assert_eq!(roles.len(), 1, "{roles:?}");
}

/// Names that expand exponentially (`b1 = [b0, b0, b0, b0]`, …) are cut by the step budget:
/// the role is still read, what was not evaluated is noted, and the file takes little time.
#[test]
fn exponential_names_are_bounded() {
    let mut text = String::from("const b0 = 'repo:octo/app:*';\n");
    for i in 1..40 {
        let p = i - 1;
        text.push_str(&format!("const b{i} = [b{p}, b{p}, b{p}, b{p}];\n"));
    }
    text.push_str(&format!(
        "new iam.Role(this, 'Big', {{ assumedBy: new iam.WebIdentityPrincipal('arn:aws:iam::1:oidc-provider/{GH}', {{ StringLike: {{ '{GH}:sub': b39 }} }}) }});\n"
    ));
    let started = std::time::Instant::now();
    let read = read_text("big.ts", &text).unwrap();
    assert_eq!(read.found.len(), 1);
    assert!(!read.found[0].doc.assumptions.is_empty());
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}
