//! MySQL and MariaDB as a [`Scanner`]: flags, config section, documents, residual access.

use super::BOUNDARY;
use super::collect::{MysqlLiveOptions, collect, scope_of};
use super::normalize::{MyContext, normalize};
use super::privilege::MysqlCatalogue;
use super::raw::{ALLOWED_STATEMENT_PREFIXES, CATALOG};
use crate::model::{AccessPath, Boundary, Identity, Inventory};
use crate::rules::RuleSet;
use crate::scan::scanner::{
    BoxFuture, Context, DocumentSpec, Ended, Live, LiveTarget, Normalized, PlanError, RawScope,
    Residual, Scanner, login_and_sessions,
};
use crate::scan::{catalog_scope, url_list};
use clap::{ArgMatches, Args, FromArgMatches};

pub struct MysqlScanner;

pub static SCANNER: MysqlScanner = MysqlScanner;

#[derive(Debug, Clone, Default, Args)]
struct MysqlFlags {
    /// A MySQL or MariaDB server to scan (repeatable): mysql://user@host:port. Password from MYSQL_PWD.
    #[arg(long, value_name = "URL")]
    mysql_url: Vec<String>,
}

const DOCUMENTS: &[DocumentSpec] = &[DocumentSpec {
    name: CATALOG,
    required: true,
}];

const SIGNALS: &[&str] = &[
    super::LOCKED,
    super::EXPIRED,
    super::DROPPED,
    super::UNVERIFIED,
];

impl Scanner for MysqlScanner {
    fn boundary(&self) -> Boundary {
        BOUNDARY
    }
    fn title(&self) -> &'static str {
        "MySQL / MariaDB"
    }
    fn rules_file(&self) -> (&'static str, &'static str) {
        ("mysql.toml", include_str!("../../../rules/mysql.toml"))
    }
    fn check_rules(&self, rules: &RuleSet) -> Result<(), String> {
        rules
            .catalogue::<MysqlCatalogue>("mysql")
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
        MysqlFlags::augment_args(cmd)
    }
    fn config_template(&self) -> &'static str {
        "# mysql = [\"mysql://jitgap_reader@db.internal:3306\"]                  # password: MYSQL_PWD\n"
    }
    fn live_targets(
        &self,
        flags: &ArgMatches,
        config: Option<&toml::Value>,
    ) -> Result<Vec<LiveTarget>, PlanError> {
        let f = MysqlFlags::from_arg_matches(flags).unwrap_or_default();
        let urls = url_list("mysql", f.mysql_url, config)?;
        Ok(urls
            .into_iter()
            .map(|url| LiveTarget::new(scope_of(&url), MysqlLiveOptions { url }))
            .collect())
    }
    fn collect<'a>(&'a self, target: &'a LiveTarget, _live: &'a Live) -> BoxFuture<'a, RawScope> {
        Box::pin(async move {
            match target.spec_or_failed::<MysqlLiveOptions>(BOUNDARY) {
                Ok(opts) => collect(opts).await,
                Err(failed) => failed,
            }
        })
    }
    fn normalize(&self, raw: &RawScope, ctx: &Context<'_>) -> Normalized {
        let my = MyContext {
            policy: ctx.policy,
            rules: ctx.rules,
            now: ctx.now,
        };
        let (inventory, errors) = normalize(raw, &my);
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
