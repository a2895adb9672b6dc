//! The one door to the network: a [`Transport`] sends a [`Request`] and returns a [`Response`]
//! or a [`Failure`]. The real one is `ureq` with rustls (cargo feature `validate`), built only
//! when there is something to check, so a scan without `--validate` never initialises TLS.
//!
//! Failures are mapped to fixed messages: a client error's own text can hold the URL, and a URL
//! can hold a secret, so it is never shown.

use std::time::Duration;

/// The largest response body read; enough for any provider's identity answer.
pub const MAX_BODY: u64 = 64 * 1024;

/// An HTTP request, built by `request::build` (it holds the secret: never print one).
pub struct Request {
    /// `GET`, `POST` or `HEAD`.
    pub method: &'static str,
    /// The full URL.
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<String>,
}

/// An HTTP answer.
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// `Retry-After` in seconds, when the server sent one as a number.
    pub retry_after: Option<u64>,
    /// The body (at most [`MAX_BODY`] bytes, lossily decoded).
    pub body: String,
}

/// Why no answer came; each maps to one fixed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The request did not finish within the timeout.
    Timeout,
    /// The host could not be resolved or the connection was refused.
    Connect,
    /// TLS failed (certificate, handshake).
    Tls,
    /// The server's answer was not valid HTTP, or too large.
    Protocol,
    /// Validation is not in this build.
    NotBuilt,
}

impl Failure {
    /// The message for reports; never contains the URL or the secret.
    pub fn message(self, timeout: Duration) -> String {
        match self {
            Failure::Timeout => format!("timed out after {} s", timeout.as_secs_f64()),
            Failure::Connect => "cannot connect to the provider".into(),
            Failure::Tls => "TLS failure talking to the provider".into(),
            Failure::Protocol => "the provider's answer was not valid HTTP".into(),
            Failure::NotBuilt => "this build has no validation (cargo feature `validate`)".into(),
        }
    }
}

/// Sends requests; shared by the per-provider worker threads.
pub trait Transport: Sync {
    /// Sends one request and waits for its answer.
    fn send(&self, request: &Request) -> Result<Response, Failure>;
}

/// A transport for this build: `ureq` when the `validate` feature is on.
pub fn default_transport(timeout: Duration) -> Box<dyn Transport> {
    #[cfg(feature = "validate")]
    {
        Box::new(ureq_transport::Ureq::new(timeout))
    }
    #[cfg(not(feature = "validate"))]
    {
        let _ = timeout;
        Box::new(NotBuilt)
    }
}

/// Whether this build can validate.
pub const BUILT: bool = cfg!(feature = "validate");

#[cfg(not(feature = "validate"))]
struct NotBuilt;

#[cfg(not(feature = "validate"))]
impl Transport for NotBuilt {
    fn send(&self, _: &Request) -> Result<Response, Failure> {
        Err(Failure::NotBuilt)
    }
}

#[cfg(feature = "validate")]
mod ureq_transport {
    use std::io::Read as _;
    use std::time::Duration;

    use super::{Failure, MAX_BODY, Request, Response, Transport};
    use crate::validate::spec;

    /// `ureq` with rustls: no redirects (an `Authorization` header must not follow one), HTTP
    /// statuses as answers, not errors, one global timeout per request. HTTPS goes through the
    /// proxy of `HTTPS_PROXY`/`ALL_PROXY` (minus `NO_PROXY`) when set, as a tunnel; loopback
    /// endpoints never do, so a plain-http test server's request cannot reach a proxy.
    pub struct Ureq {
        agent: ureq::Agent,
        direct: ureq::Agent,
    }

    impl Ureq {
        pub fn new(timeout: Duration) -> Ureq {
            let agent = |proxy: Option<ureq::Proxy>| -> ureq::Agent {
                ureq::Agent::config_builder()
                    .timeout_global(Some(timeout))
                    .http_status_as_error(false)
                    .max_redirects(0)
                    .user_agent(concat!("leakgate/", env!("CARGO_PKG_VERSION")))
                    .proxy(proxy)
                    .build()
                    .into()
            };
            Ureq {
                agent: agent(ureq::Proxy::try_from_env()),
                direct: agent(None),
            }
        }
    }

    impl Transport for Ureq {
        fn send(&self, request: &Request) -> Result<Response, Failure> {
            let mut builder = ureq::http::Request::builder()
                .method(request.method)
                .uri(&request.url);
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let body = request.body.clone().unwrap_or_default();
            let http_request = builder.body(body).map_err(|_| Failure::Protocol)?;
            let loopback = spec::is_loopback(spec::host_of(&request.url));
            let agent = if loopback { &self.direct } else { &self.agent };
            let mut response = agent.run(http_request).map_err(failure)?;
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let mut bytes = Vec::new();
            response
                .body_mut()
                .as_reader()
                .take(MAX_BODY)
                .read_to_end(&mut bytes)
                .map_err(|e| io_failure(&e))?;
            Ok(Response {
                status: response.status().as_u16(),
                retry_after,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        }
    }

    fn failure(error: ureq::Error) -> Failure {
        match error {
            ureq::Error::Timeout(_) => Failure::Timeout,
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Failure::Connect,
            ureq::Error::Io(e) => io_failure(&e),
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => Failure::Tls,
            _ => Failure::Protocol,
        }
    }

    fn io_failure(error: &std::io::Error) -> Failure {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::Timeout,
            ErrorKind::ConnectionRefused
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::NotConnected => Failure::Connect,
            // rustls reports certificate and handshake failures as InvalidData io errors; ureq
            // reports malformed HTTP as its own Protocol error, never through io.
            ErrorKind::InvalidData => Failure::Tls,
            // ureq reports its own timeouts through io errors when a body read times out.
            _ if error.to_string().contains("timeout") => Failure::Timeout,
            _ => Failure::Protocol,
        }
    }
}
