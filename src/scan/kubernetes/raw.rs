//! The native Kubernetes documents a cluster is read from: lists as `kubectl get KIND -A -o
//! json` prints them (`{"apiVersion": "v1", "kind": "List", "items": [...]}`), one per kind.
//! Live collection and snapshot files hold the same documents, so there is one parse path.
//!
//! Snapshot layout, per cluster (kubeconfig context): `kubernetes/<context>/`
//! - `cluster.json` — written by `jitgap collect`: `{"context", "server", "version": GET
//!   /version, "settings": {"extend_token_expiration", "max_token_expiration",
//!   "expiry_annotation"}}` (the kube-apiserver flags the API does not expose, from
//!   `[sources.kubernetes]`); optional: without it the settings are Kubernetes' defaults
//! - `serviceaccounts.json`, `secrets.json` (only `type=kubernetes.io/service-account-token`,
//!   metadata only: `data` and `kubectl.kubernetes.io/last-applied-configuration` are never
//!   kept), `roles.json`, `clusterroles.json`, `rolebindings.json`, `clusterrolebindings.json`,
//!   `pods.json` (each pod cut down to its service account and token volumes)
//! - `objects.json` — a `kubectl get A,B,… -A -o json` list of several kinds
//!
//! Normalization reads every item by its `kind`, whatever file holds it, so a directory of
//! `kubectl get … -o json` outputs is a snapshot too. A kind no document holds was not read:
//! the scope is partial and says which command reads it.

pub const CLUSTER: &str = "cluster.json";
pub const SERVICE_ACCOUNTS: &str = "serviceaccounts.json";
pub const SECRETS: &str = "secrets.json";
pub const ROLES: &str = "roles.json";
pub const CLUSTER_ROLES: &str = "clusterroles.json";
pub const ROLE_BINDINGS: &str = "rolebindings.json";
pub const CLUSTER_ROLE_BINDINGS: &str = "clusterrolebindings.json";
pub const PODS: &str = "pods.json";
pub const OBJECTS: &str = "objects.json";

/// The documents of a cluster folder.
pub const DOCUMENTS: &[&str] = &[
    CLUSTER,
    SERVICE_ACCOUNTS,
    SECRETS,
    ROLES,
    CLUSTER_ROLES,
    ROLE_BINDINGS,
    CLUSTER_ROLE_BINDINGS,
    PODS,
    OBJECTS,
];

/// The kinds a complete cluster read holds, with the document each is collected into and
/// the list call that reads it.
pub const KINDS: &[(&str, &str, &str)] = &[
    (
        "ServiceAccount",
        SERVICE_ACCOUNTS,
        "kubectl get serviceaccounts -A -o json",
    ),
    (
        "Secret",
        SECRETS,
        "kubectl get secrets -A --field-selector type=kubernetes.io/service-account-token -o json (then strip `data`)",
    ),
    ("Role", ROLES, "kubectl get roles -A -o json"),
    (
        "ClusterRole",
        CLUSTER_ROLES,
        "kubectl get clusterroles -o json",
    ),
    (
        "RoleBinding",
        ROLE_BINDINGS,
        "kubectl get rolebindings -A -o json",
    ),
    (
        "ClusterRoleBinding",
        CLUSTER_ROLE_BINDINGS,
        "kubectl get clusterrolebindings -o json",
    ),
    ("Pod", PODS, "kubectl get pods -A -o json"),
];

/// The document a kind is collected into.
pub fn document_of(kind: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, d, _)| *d)
}

/// The Secret type of service-account tokens; the only Secrets read.
pub const TOKEN_SECRET_TYPE: &str = "kubernetes.io/service-account-token";

/// The annotation a JIT broker writes on a binding it manages (its expiry, RFC 3339), unless
/// `expiry_annotation` names another.
pub const DEFAULT_EXPIRY_ANNOTATION: &str = "jitgap.io/expires-at";

/// The only calls the collector may send: GETs (lists, `/version`). `{id}` is one segment.
pub const ALLOWED_OPERATIONS: &[&str] = &[
    "GET /version",
    "GET /api/v1/serviceaccounts",
    "GET /api/v1/secrets",
    "GET /api/v1/pods",
    "GET /apis/rbac.authorization.k8s.io/v1/roles",
    "GET /apis/rbac.authorization.k8s.io/v1/clusterroles",
    "GET /apis/rbac.authorization.k8s.io/v1/rolebindings",
    "GET /apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    "GET /api/v1/namespaces",
];

/// The operation template a request matches; `None` when it is not allowed.
pub fn operation_of(method: &str, path: &str) -> Option<&'static str> {
    crate::scan::json::operation_of(ALLOWED_OPERATIONS, method, path, false)
}

/// The RBAC the scanner needs for a document, for the error of a 401/403 on it.
pub fn permission_for(document: &str) -> &'static str {
    match document {
        SERVICE_ACCOUNTS => "list serviceaccounts (core) at the cluster scope",
        SECRETS => {
            "list secrets (core) at the cluster scope (jitgap asks only for service-account-token Secrets, metadata only)"
        }
        ROLES => "list roles (rbac.authorization.k8s.io) at the cluster scope",
        CLUSTER_ROLES => "list clusterroles (rbac.authorization.k8s.io)",
        ROLE_BINDINGS => "list rolebindings (rbac.authorization.k8s.io) at the cluster scope",
        CLUSTER_ROLE_BINDINGS => "list clusterrolebindings (rbac.authorization.k8s.io)",
        PODS => "list pods (core) at the cluster scope",
        _ => "the read-only ClusterRole in the README (Kubernetes permissions)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lists_and_version_are_allowed() {
        assert!(operation_of("GET", "/api/v1/serviceaccounts").is_some());
        assert!(operation_of("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles").is_some());
        assert!(operation_of("POST", "/api/v1/serviceaccounts").is_none());
        assert!(operation_of("GET", "/api/v1/namespaces/build/serviceaccounts/ci/token").is_none());
        assert!(operation_of("DELETE", "/api/v1/secrets").is_none());
        for (kind, doc, _) in KINDS {
            assert_eq!(document_of(kind), Some(*doc));
            assert!(DOCUMENTS.contains(doc));
        }
    }
}
