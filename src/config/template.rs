//! The commented `jitgap.toml` that `jitgap init` writes.

use crate::scan::Registry;

/// The commented config `jitgap init` writes: the general parts and each scanner's.
pub fn template(registry: &Registry) -> String {
    // Plain keys first: a `[sources.<b>]` table header would swallow any key after it.
    let mut parts: Vec<&str> = registry
        .scanners()
        .iter()
        .map(|s| s.config_template())
        .collect();
    parts.sort_by_key(|t| t.trim_start_matches("# ").starts_with('['));
    let sources = parts.concat();
    TEMPLATE.replace("# @boundaries@\n", &sources)
}

const TEMPLATE: &str = r#"# jitgap.toml — configuration for jitgap. Every key is optional; unknown keys are rejected.
# Secrets never go here: AWS uses its standard credential chain (AWS_PROFILE, AWS_* variables, SSO).

[policy]
# Longest activation window that still counts as just-in-time.
max_jit_window = "8h"
# Longest lifetime of a credential that counts as ephemeral (STS sessions: at most 12h).
max_ephemeral_ttl = "12h"
# Static credentials older than this are flagged.
max_credential_age = "90d"
# Identities and keys unused for this long are stale.
stale_after = "90d"
# Ledger grants renewed within this gap count as one chain (the stretched check).
max_renewal_gap = "1h"
# Personal access tokens that live longer than this are flagged (GitHub has no API for an
# organization's own limit).
max_pat_lifetime = "366d"

[sources]
# Snapshot directories written by `jitgap collect` (paths relative to this file).
# from = ["snapshots/prod"]

# ledger = ["ledger/", "cloudtrail:trail/events.json", "vault:db.internal:5432"]

# Each boundary's entry (live sources):
# @boundaries@

[limits]
# concurrency = 8                      # scopes collected at once, per boundary
# call_timeout = "30s"                 # one HTTP API call (REST sources such as Vault)
# scope_timeout = "15m"                # one whole scope
# max_attempts = 5                     # per call, on throttling (429, Throttling, Rate exceeded)
# base_backoff = "500ms"               # doubled each attempt, with jitter; Retry-After honoured
# max_backoff = "30s"
# [limits.aws]
# concurrency = 4

[output]
# format = ["table"]                   # table, json, sarif, markdown
# out = "reports"                      # write jitgap-report.<ext> files here

[gate]
# baseline = "jitgap-baseline.json"    # written by `jitgap baseline update`
# fail_on = ["new-standing", "not-effective"]
# waivers = "jitgap-waivers.toml"
# allow_incomplete = false

# Append every scan to a history (`jitgap history`, `trend`, `diff`): a SQLite file, relative
# to this file, or a postgres:// URL for scans that run on many machines.
# [history]
# database = "jitgap-history.sqlite"

# Per-check settings:
# [rules.GEN002]
# disable = false
# ignore = ["arn:aws:iam::111122223333:role/break-glass"]
# severity = "low"
"#;
