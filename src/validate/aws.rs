//! AWS Signature Version 4 for the one call leakgate makes to AWS: STS `GetCallerIdentity`, which
//! any valid key pair may call (no IAM permission needed) and which changes nothing.
//! See <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>.

use std::time::SystemTime;

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

use super::http::Request;
use super::spec::host_of;

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const STS_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// A signed `POST {endpoint}/` calling `GetCallerIdentity` (us-east-1, the global endpoint's
/// signing region).
pub fn sts_request(endpoint: &str, key_id: &str, secret: &str, now: SystemTime) -> Request {
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    let signed = Signing {
        method: "POST",
        host: host_of(&url),
        path: "/",
        query: "",
        body: STS_BODY,
        region: "us-east-1",
        service: "sts",
        amz_date: &amz_date(now),
    };
    Request {
        method: "POST",
        headers: vec![
            ("Content-Type".into(), FORM.into()),
            ("X-Amz-Date".into(), signed.amz_date.to_owned()),
            ("Authorization".into(), signed.authorization(key_id, secret)),
        ],
        url,
        body: Some(STS_BODY.into()),
    }
}

/// What a SigV4 signature covers (content-type, host and x-amz-date are the signed headers).
struct Signing<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: &'a str,
    body: &'a str,
    region: &'a str,
    service: &'a str,
    amz_date: &'a str,
}

impl Signing<'_> {
    /// The `Authorization` header value.
    fn authorization(&self, key_id: &str, secret: &str) -> String {
        let scope = format!(
            "{}/{}/{}/aws4_request",
            &self.amz_date[..8],
            self.region,
            self.service
        );
        let canonical = format!(
            "{}\n{}\n{}\ncontent-type:{FORM}\nhost:{}\nx-amz-date:{}\n\ncontent-type;host;x-amz-date\n{:x}",
            self.method,
            self.path,
            self.query,
            self.host,
            self.amz_date,
            Sha256::digest(self.body.as_bytes())
        );
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{scope}\n{:x}",
            self.amz_date,
            Sha256::digest(canonical.as_bytes())
        );
        let mut key = hmac(format!("AWS4{secret}").as_bytes(), &self.amz_date[..8]);
        for part in [self.region, self.service, "aws4_request"] {
            key = hmac(&key, part);
        }
        format!(
            "AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders=content-type;host;x-amz-date, Signature={:x}",
            hmac(&key, &to_sign)
        )
    }
}

/// HMAC-SHA256 of `data` under `key`; the digest prints as lowercase hex with `{:x}`.
fn hmac(key: &[u8], data: &str) -> sha2::digest::Output<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes()
}

/// `YYYYMMDDTHHMMSSZ` in UTC; a clock outside jiff's range (years -9999 to 9999) reads as 1970.
fn amz_date(now: SystemTime) -> String {
    jiff::Timestamp::try_from(now)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    /// The worked example of AWS's SigV4 documentation (IAM ListUsers, 2015-08-30): its
    /// documented signature must come out.
    #[test]
    fn matches_the_documented_example() {
        let signing = Signing {
            method: "GET",
            host: "iam.amazonaws.com",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            body: "",
            region: "us-east-1",
            service: "iam",
            amz_date: "20150830T123600Z",
        };
        let doc_secret = ["wJalrXUtnFEMI", "K7MDENG+bPxRfiCYEXAMPLEKEY"].join("/");
        let header = signing.authorization("AKIDEXAMPLE", &doc_secret);
        let want = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        assert!(header.ends_with(&format!("Signature={want}")), "{header}");
        assert!(header.contains("Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request"));
    }

    #[test]
    fn formats_amz_dates() {
        let t = UNIX_EPOCH + std::time::Duration::from_mins(24_015_636);
        assert_eq!(amz_date(t), "20150830T123600Z");
        assert_eq!(amz_date(UNIX_EPOCH), "19700101T000000Z");
    }
}
