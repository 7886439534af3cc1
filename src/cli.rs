//! Command-line flags (clap). One vocabulary across commands (design.md §8b).

use crate::scan::Registry;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "jitgap",
    version,
    about = "Find the standing privileges hiding behind a just-in-time access programme for non-human identities",
    long_about = "jitgap enumerates non-human identities (IAM users and roles, database login roles, …), classifies \
every access path as JIT-enforced, time-bound, standing or unknown, checks whether revocations took effect, and \
reports coverage with evidence toward OWASP NHI Top 10 2025 and NIST CSF PR.AA-05 (formerly PR.AC-4).\n\n\
It only reads: list/get/describe calls and catalog SELECTs.",
    after_help = "Examples:\n  jitgap scan --demo\n  jitgap scan --from snapshot/ --format json,sarif --out reports/\n  \
jitgap scan --aws --baseline jitgap-baseline.json --fail-on new-standing,not-effective\n\n\
Exit codes: 0 ran and the gate passed; 1 the gate failed; 2 could not run (usage, config, unreadable input); \
3 scan incomplete (use --allow-incomplete to accept)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan sources, classify every access path, report coverage and findings, apply the gate.
    #[command(
        after_help = "Examples:\n  jitgap scan --demo\n  jitgap scan --from ./snapshot --format table,json --out reports/\n  \
jitgap scan --aws-endpoint-url http://127.0.0.1:5000 --format json\n  \
jitgap scan --from ./snapshot --baseline jitgap-baseline.json --waivers jitgap-waivers.toml --fail-on new-standing"
    )]
    Scan(ScanArgs),
    /// Read the sources live and save the raw documents as a snapshot directory (re-scan it with --from).
    #[command(
        after_help = "Example:\n  jitgap collect --aws --out snapshot/\n  jitgap scan --from snapshot/"
    )]
    Collect(CollectArgs),
    /// Combine the JSON reports of `scan --shard I/N` into one report, and apply the gate to it.
    #[command(
        after_help = "The shards' bridges between boundaries and their ledger are joined here, and the checks run \
again on the whole: the merged report is the report one unsharded scan would have written.\n\n\
Examples:\n  for i in 1 2 3; do jitgap scan --aws-organization --shard $i/3 --format json --out shard-$i; done\n  \
jitgap merge shard-*/jitgap-report.json --format json,sarif --out merged/ --fail-on new-standing --baseline jitgap-baseline.json"
    )]
    Merge(MergeArgs),
    /// Manage the baseline the gate compares against.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// List the checks (id, name, severity, summary).
    #[command(after_help = "Examples:\n  jitgap rules\n  jitgap rules --format json")]
    Rules(RulesArgs),
    /// Print one check's documentation.
    #[command(
        after_help = "Examples:\n  jitgap explain GEN001\n  jitgap explain oidc-trust-without-subject"
    )]
    Explain(ExplainArgs),
    /// Prove that credentials which should be dead are dead: try each once with a harmless read.
    #[command(
        after_help = "FILE holds one JSON object a line:\n  {\"kind\": \"aws-access-key\", \"id\": \"AKIA...\", \"secret_env\": \"OLD_KEY_SECRET\"}\n  {\"kind\": \"postgres-login\", \"id\": \"postgres://svc@db:5432/app\", \"secret_env\": \"SVC_PW\"}\n  {\"kind\": \"mysql-login\", \"id\": \"mysql://svc@db:3306\", \"secret\": \"...\"}\n  {\"kind\": \"github-token\", \"id\": \"release-bot (build-bot)\", \"secret_env\": \"OLD_GH_TOKEN\"}\n  {\"kind\": \"kubernetes-token\", \"id\": \"https://10.0.0.1:6443\", \"secret_env\": \"OLD_SA_TOKEN\"}\n\nExamples:\n  jitgap verify revoked.jsonl\n  jitgap verify - --format json < revoked.jsonl\n\nExit codes: 0 all rejected (effective); 1 any accepted (not-effective); 3 any inconclusive and none accepted; 2 bad input."
    )]
    Verify(VerifyArgs),
    /// Work with JIT ledgers: import native broker records into the neutral JSON Lines format.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Write a commented jitgap.toml.
    #[command(after_help = "Example:\n  jitgap init && $EDITOR jitgap.toml")]
    Init(InitArgs),
    /// List the scans recorded in a history (`scan --history DB`).
    #[command(
        after_help = "DB is a SQLite file or a postgres:// URL.\n\nExamples:\n  jitgap history --history jitgap-history.sqlite\n  jitgap history --history postgres://jitgap@db/jitgap --format json"
    )]
    History(HistoryArgs),
    /// Coverage per boundary over the recorded scans: a table, JSON or an SVG chart.
    #[command(
        after_help = "Examples:\n  jitgap trend --history jitgap-history.sqlite\n  jitgap trend --history jitgap-history.sqlite --format svg > trend.svg"
    )]
    Trend(TrendArgs),
    /// What changed between two scans or two reports: standing paths, coverage, revocations.
    #[command(
        after_help = "A and B are JSON reports (jitgap-report.json), or, with --history, scan ids from `jitgap history`, `latest` or `previous`.\n\nExamples:\n  jitgap diff last-month/jitgap-report.json today/jitgap-report.json\n  jitgap diff --history jitgap-history.sqlite previous latest\n  jitgap diff --history jitgap-history.sqlite 3 7 --format json"
    )]
    Diff(DiffArgs),
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// The history: a SQLite file or a postgres:// URL [default: [history] database in jitgap.toml].
    #[arg(long, value_name = "DB", env = "JITGAP_HISTORY")]
    pub history: Option<String>,
    /// Config file [default: ./jitgap.toml when present]: its [history].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// table or json
    #[arg(long, default_value = "table")]
    pub format: String,
}

#[derive(Debug, Clone, Args)]
pub struct TrendArgs {
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Write the chart or table to FILE instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The earlier scan: a JSON report, or a scan id / `previous` / `latest` with --history.
    pub a: String,
    /// The later scan.
    pub b: String,
    #[command(flatten)]
    pub history: HistoryArgs,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Convert CloudTrail, Vault audit, Teleport, Azure PIM, GCP PAM, GitHub audit-log or live Vault records into ledger JSON Lines.
    #[command(
        after_help = "Examples:\n  jitgap ledger import --from cloudtrail trail.json > ledger.jsonl\n  jitgap ledger import --from vault-audit /var/log/vault/audit.log --out ledger/vault.jsonl\n  VAULT_ADDR=https://vault:8200 VAULT_TOKEN=... jitgap ledger import --from vault db.internal:5432"
    )]
    Import(LedgerImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct LedgerImportArgs {
    /// The native format: jsonl, cloudtrail, vault-audit, teleport, azure-pim, gcp-pam, github-audit, vault (live API).
    #[arg(long, value_name = "KIND")]
    pub from: String,
    /// The file or directory to read (`-` for stdin); for `vault`, the database scope (host:port).
    pub path: String,
    /// Write the ledger here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Credentials to test, one JSON object a line (`-` for stdin).
    pub file: PathBuf,
    /// table or json
    #[arg(long, default_value = "table")]
    pub format: String,
    /// The boundary flags (endpoint overrides reach the probes).
    #[arg(skip)]
    pub boundaries: BoundaryFlags,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan the sources and write every current finding as the accepted baseline.
    #[command(
        after_help = "Example:\n  jitgap baseline update --baseline jitgap-baseline.json --from snapshot/"
    )]
    Update(BaselineUpdateArgs),
}

/// Where to read identities from. Each boundary's own flags are added by its scanner
/// (see [`command`]) and land in [`SourceArgs::boundaries`].
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Sources")]
pub struct SourceArgs {
    /// Scan the built-in demo estate (no credentials needed).
    #[arg(long)]
    pub demo: bool,
    /// A snapshot directory (as `jitgap collect` writes it) or a lone file a scanner reads on
    /// its own, such as an `aws iam get-account-authorization-details` JSON (repeatable).
    #[arg(long, value_name = "PATH")]
    pub from: Vec<PathBuf>,
    /// A JIT ledger to reconcile (repeatable): [KIND:]PATH with KIND jsonl (default), cloudtrail,
    /// vault-audit, teleport, azure-pim, gcp-pam, github-audit; or vault:SCOPE for the live Vault API (VAULT_ADDR, VAULT_TOKEN),
    /// SCOPE being the database cluster (host:port) its leases log into. PATH `-` reads stdin.
    #[arg(long, value_name = "[KIND:]PATH")]
    pub ledger: Vec<String>,
    /// Config file [default: ./jitgap.toml when present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A directory of rule files replacing or extending the built-in rules/.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Judge verdicts at this time (RFC 3339) instead of the snapshot's collected_at or now.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Progress on stderr: auto shows it on a terminal only.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Read only the I-th of N deterministic parts of the scopes (a hash of boundary and scope;
    /// an Azure subscription goes with its tenant). Combine the shards' JSON reports with
    /// `jitgap merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::scan::shard::Shard>,
    /// The boundary flags as parsed; each scanner reads its own.
    #[arg(skip)]
    pub boundaries: BoundaryFlags,
}

/// The parsed flags of the command, for the scanners to read their own from.
#[derive(Debug, Clone, Default)]
pub struct BoundaryFlags(pub Option<clap::ArgMatches>);

impl BoundaryFlags {
    /// The parsed matches; `None` when the command line was not parsed with the registry
    /// (a `Cli` built by hand), which is the same as giving no boundary flag.
    pub fn matches(&self) -> Option<&clap::ArgMatches> {
        self.0.as_ref()
    }
}

/// The commands that read sources take every scanner's flags, under a heading per boundary.
fn with_boundaries(cmd: clap::Command, registry: &Registry) -> clap::Command {
    registry
        .scanners()
        .iter()
        .fold(cmd, |c, s| s.flags(c.next_help_heading(s.title())))
}

/// The whole command line: the derived commands plus every scanner's flags.
pub fn command(registry: &Registry) -> clap::Command {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    for name in ["scan", "collect", "verify"] {
        cmd = cmd.mut_subcommand(name, |c| with_boundaries(c, registry));
    }
    cmd.mut_subcommand("baseline", |b| {
        b.mut_subcommand("update", |c| with_boundaries(c, registry))
    })
}

/// Parses `args` (the program name first) with every scanner's flags.
pub fn parse_from<I, T>(registry: &Registry, args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::FromArgMatches;
    let matches = command(registry).try_get_matches_from(args)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    let mut leaf = &matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    let flags = BoundaryFlags(Some(leaf.clone()));
    match &mut cli.command {
        Command::Scan(a) => a.source.boundaries = flags,
        Command::Collect(a) => a.source.boundaries = flags,
        Command::Baseline(BaselineCommand::Update(a)) => a.source.boundaries = flags,
        Command::Verify(a) => a.boundaries = flags,
        _ => {}
    }
    Ok(cli)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Progress {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Actively test the credentials listed in FILE (see `jitgap verify`); off unless given.
    #[arg(long, value_name = "FILE", help_heading = "Report and gate")]
    pub probe: Option<PathBuf>,
}

/// The report's formats and the gate, the same for `scan` and `merge`.
#[derive(Debug, Clone, Default, Args)]
pub struct ReportArgs {
    /// Output formats, comma-separated: table, json, sarif, markdown, html [default: table].
    #[arg(
        long,
        value_name = "FMT[,FMT]",
        value_delimiter = ',',
        help_heading = "Report and gate"
    )]
    pub format: Vec<String>,
    /// Write jitgap-report.<ext> files into DIR instead of printing.
    #[arg(long, value_name = "DIR", help_heading = "Report and gate")]
    pub out: Option<PathBuf>,
    /// Indent the JSON report for reading (it is compact by default).
    #[arg(long, help_heading = "Report and gate")]
    pub pretty: bool,
    /// The table lists every finding, not only the summary and the top findings.
    #[arg(long, help_heading = "Report and gate")]
    pub all: bool,
    /// Baseline of accepted findings; findings not in it are `new`.
    #[arg(long, value_name = "FILE", help_heading = "Report and gate")]
    pub baseline: Option<PathBuf>,
    /// Fail (exit 1) on: new-standing, not-effective, new, any (comma-separated).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = "Report and gate"
    )]
    pub fail_on: Vec<String>,
    /// Waivers file (owner, reason, ticket, expires per waiver).
    #[arg(long, value_name = "FILE", help_heading = "Report and gate")]
    pub waivers: Option<PathBuf>,
    /// Exit 0/1 even when a scope could not be read fully (it is still marked in the report).
    #[arg(long, help_heading = "Report and gate")]
    pub allow_incomplete: bool,
    /// Append this scan to a history: a SQLite file (created if missing) or a postgres:// URL.
    #[arg(long, value_name = "DB", help_heading = "Report and gate")]
    pub history: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// The shard reports: the jitgap-report.json of each `scan --shard I/N --format json`.
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// Config file [default: ./jitgap.toml when present]: its [rules], [gate] and [output].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A directory of rule files replacing or extending the built-in rules/.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Refuse shards whose verdicts were judged further apart in time than this.
    #[arg(long, value_name = "DURATION", default_value = "6h")]
    pub max_skew: String,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The snapshot directory to write.
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct BaselineUpdateArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The baseline file to write.
    #[arg(long, value_name = "FILE", help_heading = "Baseline")]
    pub baseline: PathBuf,
    /// Write the baseline even when a scope could not be read fully.
    #[arg(long, help_heading = "Baseline")]
    pub allow_incomplete: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// table, json or markdown
    #[arg(long, default_value = "table")]
    pub format: String,
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A check id (GEN001) or name (standing-admin-access).
    pub id: String,
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Where to write.
    #[arg(default_value = "jitgap.toml")]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}
