//! Local stand-ins for the three services a run talks to, fast enough that they are not what a
//! benchmark measures: the runner's token endpoint, the issuer (discovery + JWKS) and STS.
//! Used by `bench/run.sh`; run it yourself with
//!
//! ```sh
//! cargo run --release --example bench_servers -- --delay-ms 50 [--trace]
//! ```
//!
//! Raw HTTP/1.1 over tokio TCP on 127.0.0.1 (one port per service, as in real life, where they
//! are three hosts), keep-alive, every answer prebuilt. `--delay-ms N` holds each response for N
//! ms after its request arrived (a stand-in for network latency: one request = one hop).
//! `--trace` logs each accepted connection, request and response with a microsecond timestamp
//! on stderr, to see the client's critical path.
//!
//! Prints one JSON line with the URLs on stdout, then serves until stdin closes (so it dies with
//! the script that started it).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write as _;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oidc_assume::mint::{SigningKey, sign_raw};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

/// The runner's request token the token endpoint expects.
const REQUEST_TOKEN: &str = "bench-request-token";
/// Audience the token is issued for (the action's default).
const AUDIENCE: &str = "sts.amazonaws.com";
/// Re-mint the token (and the STS expiration) this often; tokens live 300 s, like GitHub's.
const REFRESH: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    Token,
    Issuer,
    Sts,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Token => "token",
            Service::Issuer => "issuer",
            Service::Sts => "sts",
        }
    }
}

/// Prebuilt responses; the token and STS ones are rebuilt every [`REFRESH`].
struct Responses {
    token: RwLock<Arc<[u8]>>,
    sts: RwLock<Arc<[u8]>>,
    discovery: Arc<[u8]>,
    jwks: Arc<[u8]>,
}

struct Shared {
    responses: Responses,
    delay: Duration,
    trace: bool,
    start: SystemTime,
    key: SigningKey,
    issuer: String,
}

fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn response(status: &str, content_type: &str, body: &[u8]) -> Arc<[u8]> {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes.into()
}

fn token_response(key: &SigningKey, issuer: &str) -> Arc<[u8]> {
    let now = unix_now().as_secs() as i64;
    let claims = json!({
        "jti": format!("bench-{now}"),
        "sub": "repo:octo-org/octo-repo:ref:refs/heads/main",
        "aud": AUDIENCE,
        "ref": "refs/heads/main",
        "sha": "d6e8a1b2c3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8",
        "repository": "octo-org/octo-repo",
        "repository_owner": "octo-org",
        "repository_owner_id": "78953443",
        "run_id": "11843209874",
        "run_number": "42",
        "run_attempt": "1",
        "repository_visibility": "private",
        "repository_id": "892734561",
        "actor_id": "583231",
        "actor": "octocat",
        "workflow": "Deploy",
        "head_ref": "",
        "base_ref": "",
        "event_name": "push",
        "ref_protected": "true",
        "ref_type": "branch",
        "workflow_ref": "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
        "workflow_sha": "d6e8a1b2c3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8",
        "job_workflow_ref": "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
        "job_workflow_sha": "d6e8a1b2c3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8",
        "runner_environment": "github-hosted",
        "iss": issuer,
        "nbf": now - 300,
        "iat": now,
        "exp": now + 300,
    });
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": key.kid()});
    let token = sign_raw(key, &header, &claims).expect("signing with a fresh key works");
    let body = serde_json::to_vec(&json!({ "value": token })).expect("JSON");
    response("200 OK", "application/json; charset=utf-8", &body)
}

fn sts_response() -> Arc<[u8]> {
    let expiration = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let expiration = expiration
        .replace_nanosecond(0)
        .expect("0 is a valid nanosecond")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formatting");
    let body = format!(
        r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>repo:octo-org/octo-repo:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/octo-deploy/bench</Arn>
      <AssumedRoleId>AROAEXAMPLEID:bench</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>FwoGZXIvYXdzEJr//////////wEaDEXAMPLESESSIONTOKEN+abc/def==</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>{expiration}</Expiration>
      <AccessKeyId>ASIAQEXAMPLE7JK2LMNO</AccessKeyId>
    </Credentials>
    <Provider>token.actions.githubusercontent.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#
    );
    response("200 OK", "text/xml", body.as_bytes())
}

fn caller_identity_response() -> Arc<[u8]> {
    let body = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/octo-deploy/bench</Arn>
    <UserId>AROAEXAMPLEID:bench</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;
    response("200 OK", "text/xml", body.as_bytes())
}

fn error_response(status: &str, message: &str) -> Arc<[u8]> {
    response(status, "text/plain", message.as_bytes())
}

impl Shared {
    fn log(&self, service: Service, conn: u64, what: &str) {
        if self.trace {
            // Absolute UNIX time in µs, so a driver can line it up with its own clock.
            let t = unix_now().as_micros();
            eprintln!("{t} {} c{conn} {what}", service.name());
        }
    }

    fn route(&self, service: Service, method: &str, target: &str, request: &Request) -> Arc<[u8]> {
        let path = target.split('?').next().unwrap_or(target);
        match (service, method, path) {
            (Service::Token, "GET", "/idtoken") => {
                let bearer_ok = request
                    .header("authorization")
                    .is_some_and(|v| v.eq_ignore_ascii_case(&format!("bearer {REQUEST_TOKEN}")));
                let audience_ok = target.contains("audience=sts.amazonaws.com");
                if !bearer_ok {
                    error_response("401 Unauthorized", "bad bearer token")
                } else if !audience_ok {
                    error_response("400 Bad Request", "audience missing")
                } else {
                    read(&self.responses.token)
                }
            }
            (Service::Issuer, "GET", "/.well-known/openid-configuration") => {
                self.responses.discovery.clone()
            }
            (Service::Issuer, "GET", "/.well-known/jwks") => self.responses.jwks.clone(),
            (Service::Sts, "POST", "/") => {
                let body = String::from_utf8_lossy(&request.body);
                if body.contains("Action=AssumeRoleWithWebIdentity") {
                    read(&self.responses.sts)
                } else if body.contains("Action=GetCallerIdentity") {
                    // configure-aws-credentials (v5+) checks the session with this call before
                    // it succeeds; bench.py --cac-bundle measures it on these same servers.
                    caller_identity_response()
                } else {
                    error_response(
                        "400 Bad Request",
                        "expected AssumeRoleWithWebIdentity or GetCallerIdentity",
                    )
                }
            }
            _ => error_response("404 Not Found", "no such path"),
        }
    }

    fn refresh(&self) {
        let token = token_response(&self.key, &self.issuer);
        let sts = sts_response();
        if let Ok(mut slot) = self.responses.token.write() {
            *slot = token;
        }
        if let Ok(mut slot) = self.responses.sts.write() {
            *slot = sts;
        }
    }
}

fn read(slot: &RwLock<Arc<[u8]>>) -> Arc<[u8]> {
    match slot.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// One parsed request.
struct Request {
    head: String,
    body: Vec<u8>,
    close: bool,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads more bytes into `buf`; `false` on EOF.
async fn fill(stream: &TcpStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads one request from the front of `buf` (refilling from `stream`); `None` on a clean EOF.
async fn next_request(stream: &TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<Request>> {
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i;
        }
        if !fill(stream, buf).await? {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end + 4);
    let mut request = Request {
        head,
        body: Vec::new(),
        close: false,
    };
    request.close = request
        .header("connection")
        .is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        // Enough for a benchmark: the body ends with the zero-length chunk.
        let end = loop {
            if let Some(i) = find(buf, b"0\r\n\r\n") {
                break i + 5;
            }
            if !fill(stream, buf).await? {
                return Ok(None);
            }
        };
        request.body = buf.drain(..end).collect();
    } else {
        let length: usize = request
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < length {
            if !fill(stream, buf).await? {
                return Ok(None);
            }
        }
        request.body = buf.drain(..length).collect();
    }
    Ok(Some(request))
}

async fn serve(shared: Arc<Shared>, service: Service, stream: TcpStream, conn: u64) {
    let _ = stream.set_nodelay(true);
    shared.log(service, conn, "accept");
    let mut buf = Vec::with_capacity(16 * 1024);
    loop {
        let request = match next_request(&stream, &mut buf).await {
            Ok(Some(r)) => r,
            Ok(None) | Err(_) => break,
        };
        let line = request.head.lines().next().unwrap_or("").to_string();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or("");
        let target = parts.next().unwrap_or("");
        shared.log(
            service,
            conn,
            &format!(
                "request {method} {}",
                target.split('?').next().unwrap_or("")
            ),
        );
        let mut answer = shared.route(service, method, target, &request);
        if method == "HEAD" {
            // A HEAD answer is the head alone (RFC 9110 9.3.2); a body would be read as
            // garbage and the connection dropped.
            if let Some(end) = find(&answer, b"\r\n\r\n") {
                answer = answer[..end + 4].into();
            }
        }
        if !shared.delay.is_zero() {
            tokio::time::sleep(shared.delay).await;
        }
        if write_all(&stream, &answer).await.is_err() {
            break;
        }
        shared.log(service, conn, "respond");
        if request.close {
            break;
        }
    }
    shared.log(service, conn, "close");
}

fn usage() -> ! {
    eprintln!("usage: bench_servers [--delay-ms N] [--trace]");
    std::process::exit(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let mut delay_ms = 0u64;
    let mut trace = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--delay-ms" => {
                delay_ms = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--trace" => trace = true,
            _ => usage(),
        }
    }

    let listeners = [
        TcpListener::bind("127.0.0.1:0").await?,
        TcpListener::bind("127.0.0.1:0").await?,
        TcpListener::bind("127.0.0.1:0").await?,
    ];
    let url = |l: &TcpListener| -> std::io::Result<String> {
        Ok(format!("http://127.0.0.1:{}", l.local_addr()?.port()))
    };
    let (token_url, issuer, sts) = (
        url(&listeners[0])?,
        url(&listeners[1])?,
        url(&listeners[2])?,
    );

    let key = SigningKey::generate("bench-key-1").map_err(std::io::Error::other)?;
    let jwks = serde_json::to_vec(&key.jwks()).map_err(std::io::Error::other)?;
    let discovery = serde_json::to_vec(&json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks"),
        "subject_types_supported": ["public", "pairwise"],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid"],
    }))
    .map_err(std::io::Error::other)?;
    let shared = Arc::new(Shared {
        responses: Responses {
            token: RwLock::new(token_response(&key, &issuer)),
            sts: RwLock::new(sts_response()),
            discovery: response("200 OK", "application/json; charset=utf-8", &discovery),
            jwks: response("200 OK", "application/json; charset=utf-8", &jwks),
        },
        delay: Duration::from_millis(delay_ms),
        trace,
        start: SystemTime::now(),
        key,
        issuer: issuer.clone(),
    });

    let ready = json!({
        "request_url": format!("{token_url}/idtoken?api-version=2.0"),
        "request_token": REQUEST_TOKEN,
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks"),
        "sts_endpoint": sts,
        "delay_ms": delay_ms,
        "pid": std::process::id(),
    });
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{ready}")?;
        stdout.flush()?;
    }

    // Die with the parent: stop when stdin closes.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        std::process::exit(0);
    });

    let refresher = shared.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH);
        tick.tick().await;
        loop {
            tick.tick().await;
            refresher.refresh();
            if refresher.trace {
                let up = refresher.start.elapsed().unwrap_or_default().as_secs();
                eprintln!("{} refresh after {up} s", unix_now().as_micros());
            }
        }
    });

    let services = [Service::Token, Service::Issuer, Service::Sts];
    let mut tasks = Vec::new();
    for (listener, service) in listeners.into_iter().zip(services) {
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = 0u64;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                conn += 1;
                tokio::spawn(serve(shared.clone(), service, stream, conn));
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    Ok(())
}
