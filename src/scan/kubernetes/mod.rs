//! Kubernetes: service accounts, their legacy token Secrets and projected tokens, RBAC roles
//! (aggregated ClusterRoles resolved) and bindings, and the workload identity annotations
//! (IRSA, GKE, AKS) that hand a service account a cloud identity. One parse path for saved
//! snapshots (including plain `kubectl get -o json` outputs) and live reads.
//!
//! `collect.rs` reads a cluster through the `kube` client (GETs only), `raw.rs` and
//! `shapes.rs` hold the documents, `catalogue.rs` judges RBAC rules, `normalize.rs` turns a
//! cluster into identities, credentials, access paths and signals without I/O, and
//! `bridge.rs` joins annotated service accounts to the cloud identities they reach.

mod accounts;
mod bridge;
mod catalogue;
pub mod collect;
mod normalize;
mod objects;
mod prune;
pub mod raw;
mod rbac;
mod scanner;
mod shapes;

pub use scanner::{KubeScanner, SCANNER};

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("kubernetes");
