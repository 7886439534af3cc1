//! Access keys from the credential report CSV and from `access-keys.json`.

use crate::scan::Doc;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// One access key slot as the documents describe it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeyInfo {
    /// `AKIA…` when known (access-keys.json); the credential report only knows slot 1 and 2.
    pub id: Option<String>,
    pub slot: Option<u8>,
    pub active: bool,
    pub created: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
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
) -> Result<(), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(doc.text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| format!("{}: {e}", doc.source))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let Some(user_col) = col("user") else {
        return Err(format!(
            "{}: line 1: no `user` column; is this an IAM credential report?",
            doc.source
        ));
    };
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("{}: line {line}: {e}", doc.source))?;
        let get = |name: &str| col(name).and_then(|c| rec.get(c));
        let Some(user) = cell(rec.get(user_col)) else {
            return Err(format!("{}: line {line}: empty `user` cell", doc.source));
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
            // access-keys.json, when present, is more precise; keep the report's view only for missing slots.
            if entry
                .keys
                .iter()
                .any(|k| k.id.is_some() && k.created == created)
            {
                continue;
            }
            entry.keys.push(KeyInfo {
                id: None,
                slot: Some(slot),
                active,
                created,
                last_used: ts(get(&format!("access_key_{slot}_last_used_date"))),
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
) -> Result<(), String> {
    let list: KeyList = serde_json::from_str(&doc.text).map_err(|e| {
        format!(
            "{}: line {} column {}: {e}",
            doc.source,
            e.line(),
            e.column()
        )
    })?;
    for (i, k) in list.access_key_metadata.into_iter().enumerate() {
        let entry = out.entry(k.user_name).or_default();
        entry.keys.retain(|x| x.id.is_some()); // the report's slot view is replaced by the listing
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
            source: doc.source.clone(),
            pointer: format!("/AccessKeyMetadata/{i}"),
        });
    }
    Ok(())
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
            .unwrap_err();
        assert!(
            err.contains("x.csv") && err.contains("no `user` column"),
            "{err}"
        );
        let err = parse_access_keys(&Doc::new("k.json", "{\"AccessKeyMetadata\": [}"), &mut out)
            .unwrap_err();
        assert!(err.contains("k.json: line 1"), "{err}");
    }
}
