//! The credential report, generated and fetched live.

use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::ReportStateType;

use super::collect::{CollectError, failure};
use super::collect_gaad::account_of_arn;

/// GenerateCredentialReport is polled once a second, this many times at most.
const REPORT_POLLS: u32 = 30;

pub(super) async fn credential_report(client: &Client, at: &str) -> Result<String, CollectError> {
    let mut complete = false;
    for poll in 0..REPORT_POLLS {
        if poll > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let out = client
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| failure("GenerateCredentialReport", at, &e))?;
        if out.state() == Some(&ReportStateType::Complete) {
            complete = true;
            break;
        }
    }
    if !complete {
        return Err(CollectError::ReportIncomplete {
            at: at.to_string(),
            polls: REPORT_POLLS,
        });
    }
    let out = client
        .get_credential_report()
        .send()
        .await
        .map_err(|e| failure("GetCredentialReport", at, &e))?;
    match out.content() {
        Some(blob) => Ok(String::from_utf8_lossy(blob.as_ref()).into_owned()),
        None => Err(CollectError::ReportEmpty { at: at.to_string() }),
    }
}

/// User names and the account id from a credential report CSV.
pub(super) fn report_users(csv_text: &str) -> (Vec<String>, Option<String>) {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut users = Vec::new();
    let mut account = None;
    for record in reader.records().flatten() {
        if account.is_none() {
            account = record.get(1).and_then(account_of_arn);
        }
        match record.get(0) {
            Some(user) if !user.is_empty() && user != "<root_account>" => {
                users.push(user.to_string())
            }
            _ => {}
        }
    }
    (users, account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_users_from_a_credential_report() {
        let csv = "user,arn,user_creation_time\n\
                   <root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00\n\
                   ci-deployer,arn:aws:iam::111122223333:user/ci-deployer,2023-02-10T08:15:00+00:00\n";
        let (users, account) = report_users(csv);
        assert_eq!(users, vec!["ci-deployer"]);
        assert_eq!(account.as_deref(), Some("111122223333"));
    }
}
