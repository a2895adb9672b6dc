//! Runs validation over a scan's findings: one job per distinct (provider, secret, paired value),
//! the first `--validate-max` jobs in report order checked, one worker thread per provider that
//! paces its requests (`per_second`), waits out a short `Retry-After` once, and stops asking a
//! provider that keeps answering 429.

use std::collections::{BTreeMap, HashMap};
use std::thread;
use std::time::{Duration, Instant};

use super::classify::{Outcome, classify};
use super::http::Transport;
use super::pair::Partners;
use super::request::{self, Values};
use super::spec::{Check, Settings, host_of};
use super::{Status, Validation, ValidationSummary};
use crate::finding::Finding;
use crate::rules::RulePack;

/// The longest `Retry-After` waited for before retrying once; longer ones give `unknown`.
pub const MAX_RETRY_WAIT: u64 = 5;

/// One distinct secret to check.
struct Job<'a> {
    check: &'a Check,
    secret: String,
    paired: Option<String>,
}

/// What one provider's worker produced.
#[derive(Default)]
struct Done {
    results: Vec<(usize, Validation)>,
    hosts: BTreeMap<String, u64>,
}

/// Validates `findings` in place (their `validation` field) and returns what it cost.
/// `max` caps the distinct secrets checked; `partners` supplies paired values.
pub fn validate(
    pack: &RulePack,
    findings: &mut [Finding],
    partners: &Partners,
    settings: &Settings,
    max: usize,
    transport: &dyn Transport,
) -> ValidationSummary {
    let (jobs, assigned) = plan(pack, findings, partners);
    let mut results: Vec<Option<Validation>> = vec![None; jobs.len()];
    let mut by_provider: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, job) in jobs.iter().enumerate().take(max) {
        by_provider.entry(&job.check.provider).or_default().push(i);
    }
    let mut summary = ValidationSummary {
        checked: jobs.len().min(max) as u64,
        over_cap: jobs.len().saturating_sub(max) as u64,
        ..ValidationSummary::default()
    };
    let done: Vec<Done> = thread::scope(|scope| {
        let workers: Vec<_> = by_provider
            .values()
            .map(|indices| {
                let jobs = &jobs;
                scope.spawn(move || run_provider(jobs, indices, settings, transport))
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    for d in done {
        for (i, v) in d.results {
            results[i] = Some(v);
        }
        for (host, n) in d.hosts {
            summary.requests += n;
            *summary.hosts.entry(host).or_default() += n;
        }
    }
    let capped = Validation::new(
        Status::Unknown,
        format!("not checked: --validate-max {max} reached"),
    );
    for (finding, slot) in findings.iter_mut().zip(assigned) {
        let validation = match slot {
            Some(Ok(job)) => results[job].clone().unwrap_or_else(|| capped.clone()),
            Some(Err(pre)) => pre,
            None => continue,
        };
        *summary.findings.entry(validation.status).or_default() += 1;
        finding.validation = Some(validation);
    }
    summary
}

/// The distinct jobs in report order, and for each finding its job or a result decided without
/// a request (`None`: its rule has no validator).
fn plan<'a>(
    pack: &'a RulePack,
    findings: &[Finding],
    partners: &Partners,
) -> (Vec<Job<'a>>, Vec<Option<Result<usize, Validation>>>) {
    let mut jobs: Vec<Job<'a>> = Vec::new();
    let mut index: HashMap<(&str, String, Option<String>), usize> = HashMap::new();
    let assigned = findings
        .iter()
        .map(|f| {
            let check = pack.get(&f.rule_id)?.validate.as_ref()?;
            let secret = f.secret.reveal();
            if !check.accepts(secret) {
                let detail = "not checked: the provider has no live check for this token type";
                return Some(Err(Validation::new(Status::Unknown, detail)));
            }
            let paired = partners.get(f).map(str::to_owned);
            if let (Some((rule, lines)), None) = (&check.paired, &paired) {
                let detail =
                    format!("not checked: no {rule} finding within {lines} lines to pair with");
                return Some(Err(Validation::new(Status::Unknown, detail)));
            }
            let key = (check.provider.as_str(), secret.to_owned(), paired.clone());
            let next = jobs.len();
            let job = *index.entry(key).or_insert(next);
            if job == next {
                jobs.push(Job {
                    check,
                    secret: secret.to_owned(),
                    paired,
                });
            }
            Some(Ok(job))
        })
        .collect();
    (jobs, assigned)
}

/// Checks one provider's jobs in order, paced, each at most twice (a retry after a short 429).
fn run_provider(
    jobs: &[Job<'_>],
    indices: &[usize],
    settings: &Settings,
    transport: &dyn Transport,
) -> Done {
    let interval = Duration::from_secs_f64(1.0 / settings.per_second);
    let mut next = Instant::now();
    let mut throttled: Option<String> = None;
    let mut done = Done::default();
    for &i in indices {
        let job = &jobs[i];
        let result = if let Some(reason) = &throttled {
            Validation::new(Status::Unknown, reason.clone())
        } else {
            let (result, stop) =
                check_one(job, settings, transport, &mut next, interval, &mut done);
            throttled = stop;
            result
        };
        done.results.push((i, result));
    }
    done
}

/// One job: build, send (paced), classify, retry once after a short `Retry-After`. Returns the
/// result and, when the provider keeps rate limiting, the reason to skip its remaining jobs.
fn check_one(
    job: &Job<'_>,
    settings: &Settings,
    transport: &dyn Transport,
    next: &mut Instant,
    interval: Duration,
    done: &mut Done,
) -> (Validation, Option<String>) {
    let values = Values {
        secret: &job.secret,
        paired: job.paired.as_deref(),
    };
    let Some(request) = request::build(job.check, settings.endpoint_for(job.check), values) else {
        let detail = super::http::Failure::NotBuilt.message(settings.timeout);
        return (Validation::new(Status::Error, detail), None);
    };
    let host = host_of(&request.url).to_ascii_lowercase();
    let secrets = [
        job.secret.as_str(),
        job.paired.as_deref().unwrap_or_default(),
    ];
    for attempt in 0..2 {
        pace(next, interval);
        *done.hosts.entry(host.clone()).or_default() += 1;
        let response = match transport.send(&request) {
            Ok(r) => r,
            Err(failure) => {
                let detail = failure.message(settings.timeout);
                return (Validation::new(Status::Error, detail), None);
            }
        };
        match classify(job.check, &response, &secrets) {
            Outcome::Done(v) => return (v, None),
            Outcome::RateLimited(Some(wait)) if attempt == 0 && wait <= MAX_RETRY_WAIT => {
                thread::sleep(Duration::from_secs(wait));
            }
            Outcome::RateLimited(wait) => {
                let after = wait
                    .map(|s| format!(", Retry-After {s} s"))
                    .unwrap_or_default();
                let detail = format!("rate limited by the provider (HTTP 429{after})");
                let skip = format!("not checked: {detail} earlier in this run");
                return (Validation::new(Status::Unknown, detail), Some(skip));
            }
        }
    }
    unreachable!("the second attempt always returns")
}

/// Sleeps until the provider's next request slot, then books the one after it.
fn pace(next: &mut Instant, interval: Duration) {
    let now = Instant::now();
    if *next > now {
        thread::sleep(*next - now);
    }
    *next = Instant::now() + interval;
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::rules::{Strictness, parse_file};
    use crate::secret::Secret;
    use crate::validate::http::{Failure, Request, Response};

    const PACK: &str = r#"
[[rules]]
id = "demo-token"
description = "Demo."
severity = "high"
keywords = ["demo_"]
regex = '''(demo_[a-z]+)'''
examples = ["demo_abc"]

[rules.validate]
provider = "demo"
endpoint = "https://demo.example"
path = "/me"
headers = { Authorization = "Bearer {{secret}}" }
valid = [{ status = [200] }]
invalid = [{ status = [401] }]
"#;

    /// Answers by the token in the header: `demo_live` 200, `demo_busy` 429 (Retry-After 0),
    /// anything else 401; records each token asked about.
    struct Fake(Mutex<Vec<String>>);

    impl Transport for Fake {
        fn send(&self, request: &Request) -> Result<Response, Failure> {
            let token = request.headers[0]
                .1
                .trim_start_matches("Bearer ")
                .to_owned();
            self.0.lock().unwrap().push(token.clone());
            let (status, retry_after) = match token.as_str() {
                "demo_live" => (200, None),
                "demo_busy" => (429, Some(0)),
                _ => (401, None),
            };
            Ok(Response {
                status,
                retry_after,
                body: String::new(),
            })
        }
    }

    fn finding(secret: &str, line: usize) -> Finding {
        Finding {
            rule_id: "demo-token".into(),
            description: String::new(),
            severity: crate::rules::Severity::High,
            file: "a.env".into(),
            line,
            column: 1,
            end_line: line,
            end_column: 1,
            secret: Secret::new(secret.as_bytes()),
            fingerprint: crate::finding::fingerprint("demo-token", secret.as_bytes()),
            commit: None,
            repository: None,
            provenance: crate::finding::Provenance::File,
            suppressed: None,
            confidence: crate::rules::Confidence::Medium,
            decoded: None,
            tags: vec![],
            remediation: String::new(),
            validation: None,
        }
    }

    fn run(secrets: &[&str], max: usize) -> (Vec<Status>, Vec<String>, ValidationSummary) {
        let mut pack = RulePack::default();
        let spec = parse_file("demo.toml", PACK).unwrap();
        pack.add_file("demo.toml", PACK, spec, Strictness::Strict)
            .unwrap();
        let settings = Settings {
            per_second: 1000.0,
            ..Settings::default()
        };
        let mut findings: Vec<Finding> = secrets
            .iter()
            .enumerate()
            .map(|(i, s)| finding(s, i + 1))
            .collect();
        let fake = Fake(Mutex::default());
        let summary = validate(
            &pack,
            &mut findings,
            &Partners::default(),
            &settings,
            max,
            &fake,
        );
        let statuses = findings
            .iter()
            .map(|f| f.validation.as_ref().unwrap().status)
            .collect();
        (statuses, fake.0.into_inner().unwrap(), summary)
    }

    #[test]
    fn one_request_per_distinct_secret_in_report_order() {
        let (statuses, asked, summary) = run(&["demo_live", "demo_dead", "demo_live"], 10);
        assert_eq!(statuses, [Status::Valid, Status::Invalid, Status::Valid]);
        assert_eq!(asked, ["demo_live", "demo_dead"]);
        assert_eq!(summary.requests, 2);
        assert_eq!(summary.hosts["demo.example"], 2);
    }

    #[test]
    fn the_cap_takes_the_first_secrets() {
        let (statuses, asked, summary) = run(&["demo_dead", "demo_live", "demo_other"], 1);
        assert_eq!(
            statuses,
            [Status::Invalid, Status::Unknown, Status::Unknown]
        );
        assert_eq!(asked, ["demo_dead"]);
        assert_eq!(summary.over_cap, 2);
    }

    #[test]
    fn a_provider_still_rate_limiting_after_a_retry_is_not_asked_again() {
        let (statuses, asked, _) = run(&["demo_busy", "demo_live"], 10);
        assert_eq!(statuses, [Status::Unknown, Status::Unknown]);
        assert_eq!(
            asked,
            ["demo_busy", "demo_busy"],
            "one retry, then no more requests"
        );
    }
}
