//! The floor for `bench/run.sh`: the smallest client that makes the same round trips as
//! `oidc-assume`, with `std::net::TcpStream` and nothing else (no async runtime, no TLS, no
//! parsing beyond what it needs, no signature check).
//!
//! Reads the same environment as the action (`ACTIONS_ID_TOKEN_REQUEST_URL`/`_TOKEN`,
//! `INPUT_ISSUER`, `INPUT_STS-ENDPOINT`, `INPUT_ROLE-TO-ASSUME`, `GITHUB_ENV`), then:
//!
//! 1. on three threads at once: the token request, the issuer's discovery document and the
//!    conventional `<issuer>/.well-known/jwks` (what `oidc-assume` does: discovery is required
//!    to learn the real `jwks_uri`, but it runs alongside the key set, so it adds a request and
//!    no hop);
//! 2. the STS `AssumeRoleWithWebIdentity` POST;
//! 3. appends `AWS_ACCESS_KEY_ID=…` to `GITHUB_ENV`, so the driver checks it like a real run.
//!
//! Two hops on the critical path. `--no-discovery` drops the discovery request (still two hops).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::ExitCode;

type Result<T> = std::result::Result<T, String>;

fn var(name: &str) -> Result<String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

/// `http://host:port/path?query` → (`host:port`, `/path?query`).
fn split_url(url: &str) -> Result<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: the floor speaks plain http only"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    Ok((authority.to_string(), path.to_string()))
}

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`); returns the body of a 200.
fn exchange(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<Vec<u8>> {
    let (authority, path) = split_url(url)?;
    let mut stream = TcpStream::connect(&authority).map_err(|e| format!("{url}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    stream
        .write_all(&bytes)
        .map_err(|e| format!("{url}: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| format!("{url}: {e}"))?;
    let head_end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("{url}: no HTTP head"))?;
    if !response.starts_with(b"HTTP/1.1 200") {
        let line = String::from_utf8_lossy(&response[..head_end]);
        return Err(format!(
            "{url}: {}",
            line.lines().next().unwrap_or_default()
        ));
    }
    Ok(response[head_end + 4..].to_vec())
}

fn get(url: &str, headers: &[(&str, &str)]) -> Result<String> {
    exchange("GET", url, headers, b"").map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The string value of `"key":"…"` in a flat JSON object (no escapes in what we read).
fn json_string(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = json[start..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn run(discovery: bool) -> Result<()> {
    let request_url = var("ACTIONS_ID_TOKEN_REQUEST_URL")?;
    let bearer = format!("bearer {}", var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")?);
    let issuer = var("INPUT_ISSUER")?;
    let sts = var("INPUT_STS-ENDPOINT")?;
    let role = var("INPUT_ROLE-TO-ASSUME")?;

    let token_url = format!("{request_url}&audience=sts.amazonaws.com");
    let jwks_url = format!("{issuer}/.well-known/jwks");
    let discovery_url = format!("{issuer}/.well-known/openid-configuration");

    // Hop 1: token ∥ discovery ∥ key set.
    let (token, jwks, doc) = std::thread::scope(|s| {
        let token = s.spawn(|| {
            get(
                &token_url,
                &[("authorization", &bearer), ("accept", "application/json")],
            )
        });
        let doc = discovery.then(|| s.spawn(|| get(&discovery_url, &[])));
        let jwks = get(&jwks_url, &[]);
        let join = |r: std::thread::Result<Result<String>>| {
            r.unwrap_or_else(|_| Err("thread panicked".into()))
        };
        (join(token.join()), jwks, doc.map(|d| join(d.join())))
    });
    let token = json_string(&token?, "value").ok_or("the token response has no value")?;
    if !jwks?.contains("\"keys\"") {
        return Err("the key set has no keys".into());
    }
    if let Some(doc) = doc {
        let doc = doc?;
        if json_string(&doc, "issuer").as_deref() != Some(issuer.as_str())
            || json_string(&doc, "jwks_uri").as_deref() != Some(jwks_url.as_str())
        {
            return Err("the discovery document names another issuer or jwks_uri".into());
        }
    }

    // Hop 2: STS.
    let body = format!(
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName=floor&WebIdentityToken={}&DurationSeconds=3600",
        form_encode(&role),
        form_encode(&token)
    );
    let xml = exchange(
        "POST",
        &format!("{}/", sts.trim_end_matches('/')),
        &[("content-type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )?;
    let xml = String::from_utf8_lossy(&xml);
    let key_id = xml_text(&xml, "AccessKeyId").ok_or("STS answered without AccessKeyId")?;

    if let Ok(path) = std::env::var("GITHUB_ENV") {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| format!("{path}: {e}"))?;
        file.write_all(format!("AWS_ACCESS_KEY_ID={key_id}\n").as_bytes())
            .map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let discovery = !std::env::args().any(|a| a == "--no-discovery");
    match run(discovery) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor: {e}");
            ExitCode::FAILURE
        }
    }
}
