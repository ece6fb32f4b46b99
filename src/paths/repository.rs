//! Which repository the workflows belong to: `OWNER/REPO` checked, or read from a git config's
//! remote `origin` (HTTPS, SSH or `git@` URLs). Pure: the command reads the files.

use super::PathsError;

/// Checks `OWNER/REPO`: two non-empty parts of letters, digits, `-`, `_` and `.`.
pub fn check_repository(text: &str) -> Result<&str, PathsError> {
    let ok = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match text.split_once('/') {
        Some((owner, repo)) if ok(owner) && ok(repo) => Ok(text),
        _ => Err(PathsError::BadRepository(text.to_string())),
    }
}

/// The `OWNER/REPO` of `[remote "origin"]`'s `url` in a git config.
pub fn origin_repository(config: &str) -> Option<String> {
    let mut in_origin = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
            continue;
        }
        let Some(url) = line
            .strip_prefix("url")
            .map(str::trim_start)
            .and_then(|l| l.strip_prefix('='))
            .map(str::trim)
            .filter(|_| in_origin)
        else {
            continue;
        };
        let path = url
            .split_once("://")
            .map(|(_, rest)| rest.split_once('/').map_or("", |(_, p)| p))
            .or_else(|| url.split_once(':').map(|(_, p)| p))?;
        let path = path.trim_end_matches('/').trim_end_matches(".git");
        let mut parts = path.rsplit('/');
        let (repo, owner) = (parts.next()?, parts.next()?);
        let full = format!("{owner}/{repo}");
        return check_repository(&full).ok().map(str::to_string);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let config = |url: &str| {
            format!(
                "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://github.com/up/stream\n[remote \"origin\"]\n\turl = {url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
            )
        };
        // (url, repository)
        let cases = [
            ("https://github.com/acme/app.git", Some("acme/app")),
            ("git@github.com:acme/app.git", Some("acme/app")),
            ("ssh://git@ghe.example.com:2222/acme/app", Some("acme/app")),
            ("https://github.com/acme/app/", Some("acme/app")),
            ("/srv/git/app", None),
            ("https://github.com/acme", None),
        ];
        for (url, want) in cases {
            assert_eq!(origin_repository(&config(url)).as_deref(), want, "{url}");
        }
        assert_eq!(origin_repository("[core]\n"), None);
        assert!(check_repository("acme/app").is_ok());
        for bad in ["acme", "acme/", "/app", "acme/app/x", "ac me/app"] {
            assert!(check_repository(bad).is_err(), "{bad}");
        }
    }
}
