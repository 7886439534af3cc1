//! Live collection of one cluster (kubeconfig context): GETs only.

use super::BOUNDARY;
use super::shapes::Settings;
use crate::scan::scanner::{Live, LiveTarget, Origin, RawScope};
use std::path::PathBuf;

/// One cluster to read: a kubeconfig context (`None` = the current one).
#[derive(Debug, Clone)]
pub struct KubeTarget {
    /// `None`: `KUBECONFIG`, then `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub settings: Settings,
}

impl KubeTarget {
    pub fn label(&self) -> String {
        match &self.context {
            Some(c) => format!("kubernetes context {c}"),
            None => "kubernetes current context".to_string(),
        }
    }
}

pub async fn collect(target: &LiveTarget, _live: &Live) -> RawScope {
    let t = match target.spec_or_failed::<KubeTarget>(BOUNDARY) {
        Ok(t) => t,
        Err(raw) => return raw,
    };
    let mut raw = RawScope::new(
        BOUNDARY,
        t.context.clone().unwrap_or_default(),
        Origin::Live,
    );
    raw.errors
        .push(format!("{}: live collection is not built yet", t.label()));
    raw
}
