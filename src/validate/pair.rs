//! Paired values: a check that needs a second value (an AWS secret key needs its access key id)
//! takes it from the nearest finding of the paired rule in the same file and commit, at most
//! `paired_lines` lines away. Pairs are found among all findings before suppression, so an
//! ignored key id still completes its secret.

use std::collections::HashMap;

use crate::finding::Finding;
use crate::rules::RulePack;

/// Where a finding is: enough to find it again after suppression and sorting.
type Key = (String, String, usize, usize, Option<String>);

fn key(f: &Finding) -> Key {
    (
        f.fingerprint.clone(),
        f.file.clone(),
        f.line,
        f.column,
        f.commit.as_ref().map(|c| c.id.clone()),
    )
}

/// The paired value of every finding whose check needs one and has one nearby.
#[derive(Debug, Default)]
pub struct Partners(HashMap<Key, String>);

impl Partners {
    /// Pairs findings of rules with a `paired` check with the nearest paired-rule finding.
    pub fn find(pack: &RulePack, findings: &[Finding]) -> Partners {
        let mut partners = HashMap::new();
        for f in findings {
            let Some((paired_rule, lines)) = pack
                .get(&f.rule_id)
                .and_then(|r| r.validate.as_ref())
                .and_then(|c| c.paired.as_ref())
            else {
                continue;
            };
            let commit = f.commit.as_ref().map(|c| &c.id);
            let nearest = findings
                .iter()
                .filter(|p| {
                    p.rule_id == *paired_rule
                        && p.file == f.file
                        && p.commit.as_ref().map(|c| &c.id) == commit
                        && p.line.abs_diff(f.line) <= *lines
                })
                .min_by_key(|p| (p.line.abs_diff(f.line), p.line, p.column));
            if let Some(p) = nearest {
                partners.insert(key(f), p.secret.reveal().to_owned());
            }
        }
        Partners(partners)
    }

    /// The paired value for a finding.
    pub fn get(&self, finding: &Finding) -> Option<&str> {
        self.0.get(&key(finding)).map(String::as_str)
    }
}
