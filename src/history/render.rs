//! `history`, `trend` and `diff` as a table or JSON, and the trend as an SVG chart.

use super::ScanRecord;
use super::compare::{Diff, TrendPoint};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::collections::BTreeSet;

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(crate::report::render::TABLE_WIDTH)
        .set_header(header.iter().map(Cell::new));
    t
}

fn right(s: impl ToString) -> Cell {
    Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

/// The scans, oldest first, as a table or JSON.
pub fn render_history(scans: &[ScanRecord], json: bool) -> String {
    if json {
        let rows: Vec<_> = scans
            .iter()
            .map(|s| serde_json::json!({"scan": s.meta, "overall": super::compare::shares(&s.coverage).1}))
            .collect();
        return serde_json::to_string_pretty(&rows).expect("serializes") + "\n";
    }
    let mut t = table(&[
        "scan", "as of", "recorded", "shard", "paths", "findings", "coverage", "inputs",
    ]);
    for s in scans {
        let overall = super::compare::shares(&s.coverage).1;
        t.add_row(vec![
            right(s.meta.id),
            Cell::new(&s.meta.as_of),
            Cell::new(&s.meta.recorded_at),
            Cell::new(s.meta.shard.as_deref().unwrap_or("")),
            right(s.meta.paths),
            right(s.meta.findings),
            right(format!(
                "{} ({} of {})",
                overall.percent_text(),
                overall.jit,
                overall.privileged_paths
            )),
            right(s.meta.sources.len()),
        ]);
    }
    format!("{} scan(s)\n{t}\n", scans.len())
}

fn boundaries(points: &[TrendPoint]) -> Vec<String> {
    points
        .iter()
        .flat_map(|p| p.boundaries.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

pub fn render_trend(points: &[TrendPoint], json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(points).expect("serializes") + "\n";
    }
    let names = boundaries(points);
    let mut header: Vec<&str> = vec!["scan", "as of"];
    header.extend(names.iter().map(String::as_str));
    header.push("overall");
    let mut t = table(&header);
    for p in points {
        let mut row = vec![right(p.scan), Cell::new(&p.as_of)];
        for n in &names {
            row.push(right(
                p.boundaries
                    .get(n)
                    .map(|s| s.percent_text())
                    .unwrap_or_else(|| "-".into()),
            ));
        }
        row.push(right(p.overall.percent_text()));
        t.add_row(row);
    }
    format!(
        "Coverage over time: privileged access paths that are just-in-time, per boundary\n{t}\n"
    )
}

/// A line per boundary (and a heavier one for overall), 0–100 % up, scans across; each line
/// has its own dash pattern and a label at its end, so it reads in grey-scale.
/// `standalone` adds the XML namespace a file of its own needs (inline in HTML it is implied).
pub fn trend_svg(points: &[TrendPoint], standalone: bool) -> String {
    const W: f64 = 720.0;
    const H: f64 = 300.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 130.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 40.0;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = |i: usize| {
        if points.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |p: f64| TOP + plot_h * (1.0 - p / 100.0);
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut s = format!(
        "<svg{} viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"JIT coverage per boundary over {} scan(s)\" font-family=\"sans-serif\" font-size=\"11\">\n",
        if standalone {
            " xmlns=\"http://www.w3.org/2000/svg\""
        } else {
            ""
        },
        points.len()
    );
    s += &format!("<rect width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>\n");
    for p in [0.0, 25.0, 50.0, 75.0, 100.0] {
        s += &format!(
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{p}%</text>\n",
            LEFT + plot_w,
            y(p),
            y(p),
            LEFT - 6.0,
            y(p) + 4.0
        );
    }
    for (i, p) in points.iter().enumerate() {
        s += &format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">#{} {}</text>\n",
            x(i),
            H - BOTTOM + 16.0,
            p.scan,
            esc(p.as_of.get(..10).unwrap_or(&p.as_of))
        );
    }
    let dashes = ["", "6 3", "2 3", "8 3 2 3", "1 5", "10 4", "4 2 1 2"];
    let mut lines: Vec<(String, Vec<Option<f64>>)> = boundaries(points)
        .into_iter()
        .map(|b| {
            let values = points
                .iter()
                .map(|p| p.boundaries.get(&b).and_then(|s| s.coverage_percent))
                .collect();
            (b, values)
        })
        .collect();
    lines.push((
        "overall".into(),
        points.iter().map(|p| p.overall.coverage_percent).collect(),
    ));
    let last = lines.len() - 1;
    // End labels, spread apart so lines ending at the same value stay readable.
    let mut labels: Vec<(f64, f64, String)> = Vec::new();
    for (k, (name, values)) in lines.iter().enumerate() {
        let pts: Vec<String> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let (width, dash) = if k == last {
            (3.0, "")
        } else {
            (1.5, dashes[k % dashes.len()])
        };
        s += &format!(
            "<polyline fill=\"none\" stroke=\"#111\" stroke-width=\"{width}\" stroke-dasharray=\"{dash}\" points=\"{}\"><title>{}</title></polyline>\n",
            pts.join(" "),
            esc(name)
        );
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, v)| v.map(|v| (i, v)))
        {
            labels.push((x(i) + 8.0, y(v) + 4.0, format!("{} {v:.1}%", esc(name))));
        }
    }
    labels.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut floor = f64::MIN;
    for (lx, ly, text) in labels {
        let ly = ly.max(floor + 12.0);
        floor = ly;
        s += &format!("<text x=\"{lx:.1}\" y=\"{ly:.1}\">{text}</text>\n");
    }
    s += "</svg>\n";
    s
}

pub fn render_diff(d: &Diff, json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(d).expect("serializes") + "\n";
    }
    let name = |m: &super::ScanMeta| {
        if m.id > 0 {
            format!("scan {} ({})", m.id, m.as_of)
        } else {
            format!("report of {}", m.as_of)
        }
    };
    let mut out = format!("{} → {}\n\nCoverage\n", name(&d.before), name(&d.after));
    let mut t = table(&["boundary", "before", "after", "change"]);
    for c in &d.coverage {
        t.add_row(vec![
            Cell::new(&c.boundary),
            right(format!(
                "{} ({} of {})",
                c.before.percent_text(),
                c.before.jit,
                c.before.privileged_paths
            )),
            right(format!(
                "{} ({} of {})",
                c.after.percent_text(),
                c.after.jit,
                c.after.privileged_paths
            )),
            right(
                c.delta_points
                    .map(|p| format!("{p:+.1} pt"))
                    .unwrap_or_else(|| "-".into()),
            ),
        ]);
    }
    out += &format!("{t}\n");
    for (title, list) in [
        ("New standing paths", &d.new_standing),
        ("Standing paths gone", &d.removed_standing),
    ] {
        out += &format!("\n{title} ({})\n", list.len());
        if !list.is_empty() {
            let mut t = table(&[
                "boundary",
                "scope",
                "identity",
                "entitlement",
                "target",
                "privilege",
            ]);
            for p in list {
                t.add_row(vec![
                    Cell::new(&p.boundary),
                    Cell::new(&p.scope),
                    Cell::new(&p.identity),
                    Cell::new(&p.entitlement),
                    Cell::new(&p.target),
                    Cell::new(&p.privilege),
                ]);
            }
            out += &format!("{t}\n");
        }
    }
    out += &format!(
        "\nRevocations that changed ({})\n",
        d.revocations_flipped.len()
    );
    if !d.revocations_flipped.is_empty() {
        let mut t = table(&["rule", "identity", "before", "after", "finding"]);
        for f in &d.revocations_flipped {
            t.add_row(vec![
                Cell::new(&f.rule_id),
                Cell::new(&f.identity),
                Cell::new(if f.before.is_empty() { "-" } else { &f.before }),
                Cell::new(&f.after),
                Cell::new(&f.finding),
            ]);
        }
        out += &format!("{t}\n");
    }
    out += &format!(
        "\nFindings: {} new, {} gone\n",
        d.new_findings, d.fixed_findings
    );
    out
}
