//! `jitgap history`, `trend` and `diff`.

use super::{EXIT_OK, Fatal};
use crate::cli::{DiffArgs, HistoryArgs, TrendArgs};
use crate::history::{self, ScanRecord, Store};
use std::path::Path;

/// `--history`, else `[history] database` of the config.
fn database(a: &HistoryArgs) -> Result<Option<String>, Fatal> {
    if a.history.is_some() {
        return Ok(a.history.clone());
    }
    let path = match &a.config {
        Some(p) => p.as_path(),
        None if Path::new(crate::config::DEFAULT_FILE).is_file() => {
            Path::new(crate::config::DEFAULT_FILE)
        }
        None => return Ok(None),
    };
    let config = crate::config::Config::read(path).map_err(|e| Fatal(e.to_string()))?;
    Ok(config.history.database)
}

fn open(a: &HistoryArgs) -> Result<Store, Fatal> {
    let db = database(a)?.ok_or_else(|| {
        Fatal("no history: give --history DB (a SQLite file or a postgres:// URL) or [history] database in jitgap.toml".into())
    })?;
    if !history::is_postgres(&db) && !Path::new(&db).is_file() {
        return Err(Fatal(format!(
            "history {db}: no such file (a scan creates it: jitgap scan … --history {db})"
        )));
    }
    Store::open(&db).map_err(|e| Fatal(e.to_string()))
}

/// `table` or `json` (and `svg` where `svg` allows it): is it JSON.
fn json_or_table(format: &str, svg: bool) -> Result<bool, Fatal> {
    match format {
        "table" => Ok(false),
        "json" => Ok(true),
        "svg" if svg => Ok(false),
        other => Err(Fatal(format!(
            "--format {other}: expected table, json{}",
            if svg { " or svg" } else { "" }
        ))),
    }
}

pub(super) fn list(a: HistoryArgs) -> Result<i32, Fatal> {
    let json = json_or_table(&a.format, false)?;
    let scans = open(&a)?.scans().map_err(|e| Fatal(e.to_string()))?;
    print!("{}", history::render_history(&scans, json));
    Ok(EXIT_OK)
}

pub(super) fn trend(a: TrendArgs) -> Result<i32, Fatal> {
    let json = json_or_table(&a.history.format, true)?;
    let scans = open(&a.history)?
        .scans()
        .map_err(|e| Fatal(e.to_string()))?;
    let points = history::trend(&scans);
    let text = if a.history.format == "svg" {
        history::trend_svg(&points, true)
    } else {
        history::render_trend(&points, json)
    };
    match &a.out {
        Some(file) => {
            std::fs::write(file, text)
                .map_err(|e| Fatal(format!("cannot write {}: {e}", file.display())))?;
            eprintln!("jitgap: wrote {}", file.display());
        }
        None => print!("{text}"),
    }
    Ok(EXIT_OK)
}

/// A report file, or a scan of the history (`latest`, `previous`, an id).
fn side(which: &str, store: &mut Option<Store>) -> Result<ScanRecord, Fatal> {
    let path = Path::new(which);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Fatal(format!("cannot read {which}: {e}")))?;
        let report: crate::report::Report = serde_json::from_str(&text).map_err(|e| {
            Fatal(format!(
                "{which}: not a jitgap JSON report (line {}, column {}): {e}",
                e.line(),
                e.column()
            ))
        })?;
        return Ok(ScanRecord::from_report(&report));
    }
    let Some(store) = store.as_mut() else {
        return Err(Fatal(format!(
            "{which}: no such report file (to name a scan of a history, give --history DB)"
        )));
    };
    let scans = store.scans().map_err(|e| Fatal(e.to_string()))?;
    let whole: Vec<&ScanRecord> = scans.iter().filter(|s| s.meta.shard.is_none()).collect();
    let id = match which {
        "latest" => whole.last().map(|s| s.meta.id),
        "previous" => whole.len().checked_sub(2).map(|i| whole[i].meta.id),
        n => Some(n.parse::<i64>().map_err(|_| {
            Fatal(format!(
                "{which}: neither a report file nor a scan id, `latest` or `previous`"
            ))
        })?),
    }
    .ok_or_else(|| Fatal(format!("{which}: the history holds too few scans")))?;
    store.load(id).map_err(|e| Fatal(e.to_string()))
}

pub(super) fn diff(a: DiffArgs) -> Result<i32, Fatal> {
    let json = json_or_table(&a.history.format, false)?;
    let mut store = match database(&a.history)? {
        Some(_) => Some(open(&a.history)?),
        None => None,
    };
    let before = side(&a.a, &mut store)?;
    let after = side(&a.b, &mut store)?;
    print!(
        "{}",
        history::render_diff(&history::diff(&before, &after), json)
    );
    Ok(EXIT_OK)
}
