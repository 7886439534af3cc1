//! PostgreSQL as a [`Scanner`]: flags, config section, documents, residual access.

use super::BOUNDARY;
use super::collect::{PostgresLiveOptions, collect};
use super::normalize::{PgContext, normalize};
use super::privilege::PgCatalogue;
use super::raw::{ALLOWED_STATEMENT_PREFIXES, CATALOG};
use crate::model::{AccessPath, Boundary, Identity, Inventory};
use crate::rules::RuleSet;
use crate::scan::scanner::{
    BoxFuture, Context, DocumentSpec, Ended, Live, LiveTarget, Normalized, PlanError, RawScope,
    Residual, Scanner, login_and_sessions,
};
use crate::scan::{catalog_scope, url_list};
use clap::{ArgMatches, Args, FromArgMatches};

pub struct PostgresScanner;

pub static SCANNER: PostgresScanner = PostgresScanner;

#[derive(Debug, Clone, Default, Args)]
struct PostgresFlags {
    /// A PostgreSQL cluster to scan (repeatable): postgres://user@host:port/db. The password comes
    /// from `${VAR}` in the URL, PGPASSWORD or ~/.pgpass, never from the command line.
    #[arg(long, value_name = "URL")]
    postgres_url: Vec<String>,
}

const DOCUMENTS: &[DocumentSpec] = &[DocumentSpec {
    name: CATALOG,
    required: true,
}];

const SIGNALS: &[&str] = &[
    "pg-session-after-valid-until",
    "pg-session-of-disabled-role",
    "pg-valid-until-not-enforced",
    "pg-expired-login-role",
    "pg-vault-role-not-dropped",
    "pg-sessions-not-visible",
];

impl Scanner for PostgresScanner {
    fn boundary(&self) -> Boundary {
        BOUNDARY
    }
    fn title(&self) -> &'static str {
        "PostgreSQL"
    }
    fn rules_file(&self) -> (&'static str, &'static str) {
        (
            "postgres.toml",
            include_str!("../../../rules/postgres.toml"),
        )
    }
    fn check_rules(&self, rules: &RuleSet) -> Result<(), String> {
        rules
            .catalogue::<PgCatalogue>("postgres")
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn documents(&self) -> &'static [DocumentSpec] {
        DOCUMENTS
    }
    fn operations(&self) -> &'static [&'static str] {
        ALLOWED_STATEMENT_PREFIXES
    }
    fn signals(&self) -> &'static [&'static str] {
        SIGNALS
    }
    fn flags(&self, cmd: clap::Command) -> clap::Command {
        PostgresFlags::augment_args(cmd)
    }
    fn config_template(&self) -> &'static str {
        "# postgres = [\"postgres://jitgap_reader@db.internal:5432/postgres\"]   # password: ${VAR}, PGPASSWORD or ~/.pgpass\n"
    }
    fn live_targets(
        &self,
        flags: &ArgMatches,
        config: Option<&toml::Value>,
    ) -> Result<Vec<LiveTarget>, PlanError> {
        let f = PostgresFlags::from_arg_matches(flags).unwrap_or_default();
        let urls = url_list("postgres", f.postgres_url, config)?;
        Ok(urls
            .into_iter()
            .map(|url| {
                LiveTarget::new(
                    super::password::fallback_scope(&url),
                    PostgresLiveOptions { url },
                )
            })
            .collect())
    }
    fn collect<'a>(&'a self, target: &'a LiveTarget, _live: &'a Live) -> BoxFuture<'a, RawScope> {
        Box::pin(async move {
            match target.spec_or_failed::<PostgresLiveOptions>(BOUNDARY) {
                Ok(opts) => collect(opts).await,
                Err(failed) => failed,
            }
        })
    }
    fn normalize(&self, raw: &RawScope, ctx: &Context<'_>) -> Normalized {
        let pg = PgContext::new(ctx.policy, ctx.rules, ctx.now);
        let (inventory, errors) = normalize(raw, &pg);
        Normalized { inventory, errors }
    }
    fn snapshot_scope(&self, dir: &str, raw: &RawScope) -> String {
        catalog_scope(dir, raw.document(CATALOG))
    }
    fn snapshot_documents(&self, raw: &RawScope) -> Vec<(&'static str, String)> {
        crate::scan::catalog_with_scope(raw, CATALOG)
    }
    fn residual_access(
        &self,
        ended: &Ended<'_>,
        identity: &Identity,
        _covered: &[&AccessPath],
        inv: &Inventory,
    ) -> Vec<Residual> {
        login_and_sessions(ended, identity, inv)
    }
}
