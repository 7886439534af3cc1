//! Access keys from the credential report CSV and from `access-keys.json`.
//!
//! Each document is parsed on its own, then [`merge`]d: when the listing (`access-keys.json`)
//! covers a user it is the truth for that user's keys, and the report only fills in what the
//! listing lacks (a user it does not cover, the console password, the last use of a key the
//! listing holds without `AccessKeyLastUsed`). The result does not depend on the order the
//! documents are read in.

use crate::scan::Doc;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A credential document that cannot be read; `doc` is its source, the line where known.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CredentialsError {
    #[error("{doc}: {source}")]
    Csv { doc: String, source: csv::Error },
    #[error("{doc}: line {line}: {source}")]
    CsvLine {
        doc: String,
        line: usize,
        source: csv::Error,
    },
    #[error("{doc}: line 1: no `user` column; is this an IAM credential report?")]
    NoUserColumn { doc: String },
    #[error("{doc}: line {line}: empty `user` cell")]
    EmptyUser { doc: String, line: usize },
    #[error("{doc}: line {} column {}: {source}", .source.line(), .source.column())]
    Json {
        doc: String,
        source: serde_json::Error,
    },
}

/// One access key slot as the documents describe it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeyInfo {
    /// `AKIA…` when known (access-keys.json); the credential report only knows slot 1 and 2.
    pub id: Option<String>,
    pub slot: Option<u8>,
    pub active: bool,
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
    /// Whether the document said anything about the key's last use: a listing item without
    /// `AccessKeyLastUsed` did not, so `last_used: None` there means "not read", not "never".
    pub last_used_read: bool,
    pub source: String,
    pub pointer: String,
}

/// What the credential documents say about one user.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct UserCredentials {
    pub keys: Vec<KeyInfo>,
    pub password_enabled: Option<bool>,
    pub password_last_used: Option<DateTime<Utc>>,
    pub report_pointer: Option<(String, String)>,
}

fn cell(v: Option<&str>) -> Option<&str> {
    v.map(str::trim)
        .filter(|s| !s.is_empty() && !["N/A", "no_information", "not_supported"].contains(s))
}

fn ts(v: Option<&str>) -> Option<DateTime<Utc>> {
    cell(v).and_then(crate::time::parse_timestamp)
}

/// Parse the credential report. Missing columns are tolerated; a row without `user` is an error.
pub(crate) fn parse_credential_report(
    doc: &Doc,
    out: &mut BTreeMap<String, UserCredentials>,
) -> Result<(), CredentialsError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(doc.text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|source| CredentialsError::Csv {
            doc: doc.source.clone(),
            source,
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let Some(user_col) = col("user") else {
        return Err(CredentialsError::NoUserColumn {
            doc: doc.source.clone(),
        });
    };
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|source| CredentialsError::CsvLine {
            doc: doc.source.clone(),
            line,
            source,
        })?;
        let get = |name: &str| col(name).and_then(|c| rec.get(c));
        let Some(user) = cell(rec.get(user_col)) else {
            return Err(CredentialsError::EmptyUser {
                doc: doc.source.clone(),
                line,
            });
        };
        if user == "<root_account>" {
            continue;
        }
        let entry = out.entry(user.to_string()).or_default();
        entry.report_pointer = Some((doc.source.clone(), format!("line {line}")));
        entry.password_enabled = cell(get("password_enabled")).map(|v| v == "true");
        entry.password_last_used = ts(get("password_last_used"));
        for slot in [1u8, 2] {
            let Some(active) = cell(get(&format!("access_key_{slot}_active"))) else {
                continue;
            };
            let active = active == "true";
            let created = ts(get(&format!("access_key_{slot}_last_rotated")));
            if !active && created.is_none() {
                continue; // an empty slot
            }
            entry.keys.push(KeyInfo {
                id: None,
                slot: Some(slot),
                active,
                created,
                last_used: ts(get(&format!("access_key_{slot}_last_used_date"))),
                last_used_read: true,
                source: doc.source.clone(),
                pointer: format!("line {line}"),
            });
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyList {
    #[serde(default)]
    access_key_metadata: Vec<KeyMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyMeta {
    user_name: String,
    access_key_id: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    create_date: Option<String>,
    #[serde(default)]
    access_key_last_used: Option<LastUsed>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LastUsed {
    #[serde(default)]
    last_used_date: Option<String>,
}

/// Parse `access-keys.json` (list-access-keys output merged across users).
pub(crate) fn parse_access_keys(
    doc: &Doc,
    out: &mut BTreeMap<String, UserCredentials>,
) -> Result<(), CredentialsError> {
    let list: KeyList =
        serde_json::from_str(&doc.text).map_err(|source| CredentialsError::Json {
            doc: doc.source.clone(),
            source,
        })?;
    for (i, k) in list.access_key_metadata.into_iter().enumerate() {
        let entry = out.entry(k.user_name).or_default();
        let last_used_read = k.access_key_last_used.is_some();
        entry.keys.push(KeyInfo {
            id: Some(k.access_key_id),
            slot: None,
            active: k.status.eq_ignore_ascii_case("Active"),
            created: k
                .create_date
                .as_deref()
                .and_then(crate::time::parse_timestamp),
            last_used: k
                .access_key_last_used
                .and_then(|l| l.last_used_date)
                .as_deref()
                .and_then(crate::time::parse_timestamp),
            last_used_read,
            source: doc.source.clone(),
            pointer: format!("/AccessKeyMetadata/{i}"),
        });
    }
    Ok(())
}

/// One view of every user's credentials from the listing (`access-keys.json`, parsed by
/// [`parse_access_keys`]) and the credential report ([`parse_credential_report`]).
///
/// For a user the listing covers, its keys are the user's keys; a report slot whose
/// `last_rotated` equals a listed key's `CreateDate` to the second (the report has seconds,
/// the API may have microseconds) is that key, and gives it its last use when the listing has
/// none. Other report slots of that user are not used. A user the listing does not cover
/// keeps the report's slots. Password facts always come from the report.
pub(crate) fn merge(
    listing: BTreeMap<String, UserCredentials>,
    mut report: BTreeMap<String, UserCredentials>,
) -> BTreeMap<String, UserCredentials> {
    let mut out = BTreeMap::new();
    for (user, mut listed) in listing {
        if let Some(r) = report.remove(&user) {
            fill_last_use(&mut listed.keys, &r.keys);
            listed.password_enabled = r.password_enabled;
            listed.password_last_used = r.password_last_used;
            listed.report_pointer = r.report_pointer;
        }
        out.insert(user, listed);
    }
    out.extend(report);
    out
}

/// Match report slots to listed keys by creation second, each key at most once: slot 1 first,
/// and among keys created in the same second the earliest (then the lowest id).
fn fill_last_use(keys: &mut [KeyInfo], slots: &[KeyInfo]) {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| (keys[a].created, &keys[a].id).cmp(&(keys[b].created, &keys[b].id)));
    let mut taken = vec![false; keys.len()];
    let mut slots: Vec<&KeyInfo> = slots.iter().collect();
    slots.sort_by_key(|s| s.slot);
    for slot in slots {
        let Some(second) = slot.created.map(|c| c.timestamp()) else {
            continue;
        };
        let Some(&n) = order
            .iter()
            .find(|&&n| !taken[n] && keys[n].created.map(|c| c.timestamp()) == Some(second))
        else {
            continue;
        };
        taken[n] = true;
        let key = &mut keys[n];
        if !key.last_used_read {
            key.last_used = slot.last_used;
            key.last_used_read = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_missing_columns_and_placeholders() {
        let csv = "user,arn,password_enabled,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date\n\
                   <root_account>,arn:aws:iam::1:root,not_supported,false,N/A,N/A\n\
                   ci,arn:aws:iam::1:user/ci,false,true,2023-02-10T08:16:00+00:00,no_information\n";
        let mut out = BTreeMap::new();
        parse_credential_report(&Doc::new("cr.csv", csv), &mut out).unwrap();
        let ci = &out["ci"];
        assert_eq!(ci.keys.len(), 1);
        assert!(ci.keys[0].active && ci.keys[0].last_used.is_none());
        assert_eq!(ci.password_enabled, Some(false));
        assert!(!out.contains_key("<root_account>"));
    }

    #[test]
    fn names_the_file_and_line_of_a_bad_report() {
        let mut out = BTreeMap::new();
        let err = parse_credential_report(&Doc::new("x.csv", "name,arn\nfoo,bar\n"), &mut out)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.csv") && err.contains("no `user` column"),
            "{err}"
        );
        let err = parse_access_keys(&Doc::new("k.json", "{\"AccessKeyMetadata\": [}"), &mut out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("k.json: line 1"), "{err}");
    }

    /// moto's listing has microseconds, the report seconds; one user with one key, one with
    /// two, one with an inactive key.
    pub(crate) const LISTING: &str = r#"{"AccessKeyMetadata": [
        {"UserName": "one", "AccessKeyId": "AKIAONE0000000000001", "Status": "Active",
         "CreateDate": "2026-08-01T10:00:00.123456Z", "AccessKeyLastUsed": {"LastUsedDate": "2026-08-30T00:00:00Z"}},
        {"UserName": "two", "AccessKeyId": "AKIATWO0000000000002", "Status": "Active",
         "CreateDate": "2026-08-01T10:00:01.654321Z"},
        {"UserName": "two", "AccessKeyId": "AKIATWO0000000000001", "Status": "Active",
         "CreateDate": "2026-08-01T10:00:01.100000Z", "AccessKeyLastUsed": {"Region": "N/A"}},
        {"UserName": "off", "AccessKeyId": "AKIAOFF0000000000001", "Status": "Inactive",
         "CreateDate": "2026-08-01T10:00:02.999999Z", "AccessKeyLastUsed": {}}]}"#;
    pub(crate) const REPORT: &str = "user,arn,password_enabled,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n\
        one,arn:aws:iam::1:user/one,false,true,2026-08-01T10:00:00+00:00,2026-08-29T00:00:00+00:00,false,N/A,N/A\n\
        two,arn:aws:iam::1:user/two,true,true,2026-08-01T10:00:01+00:00,2026-08-20T00:00:00+00:00,true,2026-08-01T10:00:01+00:00,2026-08-21T00:00:00+00:00\n\
        off,arn:aws:iam::1:user/off,false,false,2026-08-01T10:00:02+00:00,2026-01-01T00:00:00+00:00,false,N/A,N/A\n\
        report-only,arn:aws:iam::1:user/report-only,false,true,2025-01-01T00:00:00+00:00,N/A,false,N/A,N/A\n";

    fn both() -> BTreeMap<String, UserCredentials> {
        let (mut listing, mut report) = (BTreeMap::new(), BTreeMap::new());
        parse_access_keys(&Doc::new("k.json", LISTING), &mut listing).unwrap();
        parse_credential_report(&Doc::new("cr.csv", REPORT), &mut report).unwrap();
        merge(listing, report)
    }

    #[test]
    fn the_listing_is_the_truth_and_the_report_fills_gaps() {
        let creds = both();
        let ids = |u: &str| -> Vec<Option<&str>> {
            creds[u].keys.iter().map(|k| k.id.as_deref()).collect()
        };
        // One key per key, never a listed key and its report slot besides.
        assert_eq!(ids("one"), [Some("AKIAONE0000000000001")]);
        assert_eq!(ids("two").len(), 2);
        assert!(ids("two").iter().all(Option::is_some));
        assert_eq!(ids("off"), [Some("AKIAOFF0000000000001")]);
        assert!(!creds["off"].keys[0].active);
        // A user the listing does not cover keeps the report's slot.
        assert_eq!(ids("report-only"), [None]);
        assert_eq!(creds["report-only"].keys[0].slot, Some(1));

        let day = |d: &str| crate::time::parse_timestamp(d);
        // The listing's last use wins; a listed "never used" stays never used.
        assert_eq!(creds["one"].keys[0].last_used, day("2026-08-30T00:00:00Z"));
        assert_eq!(creds["off"].keys[0].last_used, None);
        // A key listed without AccessKeyLastUsed takes its slot's: slot 1 is the earlier key
        // of the two created in the same second.
        let two = &creds["two"].keys;
        let key = |id: &str| two.iter().find(|k| k.id.as_deref() == Some(id)).unwrap();
        assert_eq!(key("AKIATWO0000000000001").last_used, None);
        assert_eq!(
            key("AKIATWO0000000000002").last_used,
            day("2026-08-21T00:00:00Z")
        );
        // Password facts come from the report.
        assert_eq!(creds["two"].password_enabled, Some(true));
        assert!(creds["one"].report_pointer.is_some());
    }

    #[test]
    fn a_single_document_is_used_as_it_is() {
        let mut report = BTreeMap::new();
        parse_credential_report(&Doc::new("cr.csv", REPORT), &mut report).unwrap();
        let only = merge(BTreeMap::new(), report);
        assert_eq!(only["two"].keys.len(), 2);
        assert!(only["two"].keys.iter().all(|k| k.id.is_none()));
        let mut listing = BTreeMap::new();
        parse_access_keys(&Doc::new("k.json", LISTING), &mut listing).unwrap();
        let only = merge(listing, BTreeMap::new());
        assert_eq!(only["two"].keys.len(), 2);
        assert!(!only.contains_key("report-only"));
    }

    /// Through the whole scanner: one finding per key, in either document order.
    #[test]
    fn a_scan_with_both_documents_counts_each_key_once() {
        use super::super::raw::{ACCESS_KEYS, AUTHORIZATION_DETAILS, CREDENTIAL_REPORT};
        use crate::scan::{Context, Normalized, Origin, RawScope, Scanner};
        let rules = crate::scan::registry::embedded_rules().unwrap();
        let policy = crate::policy::Policy::from_layers(&[&rules.policy]).unwrap();
        let users: Vec<_> = ["one", "two", "off"]
            .iter()
            .map(|u| serde_json::json!({"UserName": u, "Arn": format!("arn:aws:iam::1:user/{u}"), "Path": "/"}))
            .collect();
        let gaad = serde_json::json!({"UserDetailList": users, "RoleDetailList": [], "GroupDetailList": [], "Policies": []});
        let ctx = Context {
            policy: &policy,
            rules: &rules,
            now: crate::time::parse_timestamp("2026-09-01T00:00:00Z").unwrap(),
        };
        let docs = [
            (AUTHORIZATION_DETAILS, Doc::new("a.json", gaad.to_string())),
            (CREDENTIAL_REPORT, Doc::new("cr.csv", REPORT)),
            (ACCESS_KEYS, Doc::new("k.json", LISTING)),
        ];
        let mut raw = RawScope::new(super::super::BOUNDARY, "1", Origin::File);
        for (name, doc) in docs.iter().cloned() {
            raw.put(name, doc);
        }
        let mut reversed = raw.clone();
        reversed.documents.reverse();
        let Normalized {
            inventory: inv,
            errors,
        } = super::super::SCANNER.normalize(&raw, &ctx);
        let other = super::super::SCANNER.normalize(&reversed, &ctx).inventory;
        assert_eq!(inv.signals, other.signals, "document order changes nothing");
        assert!(errors.is_empty(), "{errors:?}");
        let signals = |kind: &str| -> Vec<&str> {
            inv.signals
                .iter()
                .filter(|s| s.kind == kind)
                .map(|s| s.message.as_str())
                .collect()
        };
        assert_eq!(
            signals("aws-two-active-access-keys"),
            ["user two has 2 active access keys"]
        );
        assert_eq!(
            signals("aws-inactive-access-key"),
            ["access key AKIAOFF0000000000001 is inactive but not deleted"]
        );
        let keys = inv.credentials.iter().filter(|c| c.kind == "access-key");
        assert_eq!(keys.count(), 4);
    }
}
