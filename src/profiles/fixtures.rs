//! Test fixtures shared by the profile modules' tests: an entry with example credentials and
//! two files a developer might have. Pure: no I/O.

use std::path::Path;

use super::ProfileEntry;
use crate::secret::Secret;

pub(crate) fn entry(name: &str, region: Option<&str>) -> ProfileEntry {
    ProfileEntry {
        name: name.into(),
        access_key_id: Secret::new("ASIAEXAMPLEKEYID0001"),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        session_token: Secret::new("IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=="),
        expiration: "2026-11-24T13:00:00Z".into(),
        region: region.map(str::to_string),
    }
}

pub(crate) fn origin() -> &'static Path {
    Path::new("/home/dev/.aws/credentials")
}

/// A developer's config: SSO session, several profiles, a services section, comments.
pub(crate) const DEV_CONFIG: &str = "\
[default]
region = eu-west-1
output = json

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

# production, read only
[profile prod]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-east-1

[ profile  staging ]
role_arn = arn:aws:iam::444455556666:role/Deploy
source_profile = prod
s3 =
  max_concurrent_requests = 20

[services local]
dynamodb =
  endpoint_url = http://localhost:8000
";

/// Comments, CRLF, keys before any section, no final newline.
pub(crate) const CRLF_CREDENTIALS: &str = "; managed by hand\r\nstray = 1\r\n\r\n[default]\r\naws_access_key_id = AKIAOLD\r\naws_secret_access_key = old\r\n\r\n# the ci box\r\n[ci-old]\r\naws_access_key_id=AKIA2\r\naws_secret_access_key=x";
