//! `verify`, `ledger import`, and `scan --probe`.

use super::{EXIT_OK, Fatal, runtime};
use crate::cli::{BoundaryFlags, LedgerImportArgs, VerifyArgs};
use crate::ledger::ImportKind;
use crate::report::Probe;
use crate::revocation::{self, ProbeOptions};
use std::path::Path;

/// `jitgap verify FILE`: exit 1 when any credential is accepted, 3 when any is inconclusive
/// and none accepted, else 0.
pub(super) fn verify(a: VerifyArgs) -> Result<i32, Fatal> {
    if !["table", "json"].contains(&a.format.as_str()) {
        return Err(Fatal(format!("--format `{}`: use table or json", a.format)));
    }
    let inputs = revocation::read_inputs(&a.file).map_err(|e| e.to_string())?;
    let opts = ProbeOptions::from_flags(a.boundaries.matches(), None);
    let results = runtime()?.block_on(revocation::verify(inputs, &opts));
    print!("{}", revocation::render(&results, &a.format));
    Ok(revocation::exit_code(&results))
}

/// `scan --probe FILE`: the same probes, folded into the report; `sources` are the config's
/// `[sources.<boundary>]` tables (a probe may read its endpoint there).
pub(super) fn probe(
    file: &Path,
    flags: &BoundaryFlags,
    sources: &std::collections::BTreeMap<String, toml::Value>,
) -> Result<Vec<Probe>, Fatal> {
    let inputs = revocation::read_inputs(file).map_err(|e| e.to_string())?;
    let opts = ProbeOptions::from_flags(flags.matches(), Some(sources));
    let results = runtime()?.block_on(revocation::verify(inputs, &opts));
    Ok(results
        .into_iter()
        .map(|r| Probe {
            kind: r.kind.to_string(),
            id: r.id,
            verdict: r.verdict,
            reason: r.reason,
        })
        .collect())
}

/// `jitgap ledger import --from KIND PATH [--out FILE]`.
pub(super) fn ledger_import(a: LedgerImportArgs) -> Result<i32, Fatal> {
    let kind: ImportKind = a
        .from
        .parse()
        .map_err(|e: crate::ledger::import::UnknownImportKind| Fatal(format!("--from: {e}")))?;
    let grants = if kind == ImportKind::Vault {
        let opts = crate::ledger::import::vault::VaultOptions::from_env(a.path.clone())
            .map_err(|e| Fatal(e.to_string()))?;
        runtime()?
            .block_on(crate::ledger::import::vault::import_vault(&opts))
            .map_err(|e| Fatal(e.to_string()))?
    } else {
        crate::ledger::import_file(kind, Path::new(&a.path)).map_err(|e| Fatal(e.to_string()))?
    };
    let text = crate::ledger::to_jsonl(&grants);
    match &a.out {
        None => print!("{text}"),
        Some(p) => {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Fatal(format!("{}: cannot create: {e}", dir.display())))?;
            }
            std::fs::write(p, &text)
                .map_err(|e| Fatal(format!("{}: cannot write: {e}", p.display())))?;
            eprintln!("jitgap: wrote {} grant(s) to {}", grants.len(), p.display());
        }
    }
    Ok(EXIT_OK)
}
