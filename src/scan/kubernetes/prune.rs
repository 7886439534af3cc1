//! What is kept of each object read live: never a Secret's `data`, never a
//! `last-applied-configuration` copy (it holds whatever was applied, tokens included), never a
//! pod's containers or environment.

use super::raw;
use serde_json::{Map, Value, json};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// An item of the list collected into `doc`, cut down to what normalization reads, with its
/// `apiVersion` and `kind` (lists leave them out of their items).
pub fn item(doc: &str, v: &Value) -> Value {
    let (api, kind) = match doc {
        raw::SERVICE_ACCOUNTS => ("v1", "ServiceAccount"),
        raw::SECRETS => ("v1", "Secret"),
        raw::PODS => ("v1", "Pod"),
        raw::ROLES => ("rbac.authorization.k8s.io/v1", "Role"),
        raw::CLUSTER_ROLES => ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        raw::ROLE_BINDINGS => ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        _ => ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    };
    match doc {
        raw::SECRETS => json!({
            "apiVersion": api, "kind": kind, "type": raw::TOKEN_SECRET_TYPE,
            "metadata": metadata(&v["metadata"], Some(&["kubernetes.io/service-account.name", "kubernetes.io/service-account.uid"])),
        }),
        raw::PODS => {
            let spec = &v["spec"];
            let mut s = Map::new();
            for k in [
                "serviceAccountName",
                "serviceAccount",
                "automountServiceAccountToken",
            ] {
                if let Some(x) = spec.get(k) {
                    s.insert(k.into(), x.clone());
                }
            }
            let volumes: Vec<Value> = spec["volumes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|vol| {
                    let sources: Vec<Value> = vol["projected"]["sources"]
                        .as_array()?
                        .iter()
                        .filter_map(|src| {
                            src.get("serviceAccountToken")
                                .map(|t| json!({"serviceAccountToken": t}))
                        })
                        .collect();
                    (!sources.is_empty())
                        .then(|| json!({"name": vol["name"], "projected": {"sources": sources}}))
                })
                .collect();
            s.insert("volumes".into(), Value::Array(volumes));
            json!({"apiVersion": api, "kind": kind, "metadata": metadata(&v["metadata"], Some(&[])), "spec": s})
        }
        _ => {
            let mut o = v.as_object().cloned().unwrap_or_default();
            o.insert("apiVersion".into(), api.into());
            o.insert("kind".into(), kind.into());
            let m = metadata(&v["metadata"], None);
            o.insert("metadata".into(), m);
            Value::Object(o)
        }
    }
}

/// The metadata normalization reads. `annotations`: `Some(keys)` keeps only those (and the
/// JIT broker's expiry annotations), `None` all but the last-applied copy.
fn metadata(m: &Value, annotations: Option<&[&str]>) -> Value {
    let mut out = Map::new();
    for k in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "labels",
        "ownerReferences",
    ] {
        if let Some(x) = m.get(k) {
            out.insert(k.into(), x.clone());
        }
    }
    if let Some(a) = m["annotations"].as_object() {
        let kept: Map<String, Value> = a
            .iter()
            .filter(|(k, _)| {
                *k != LAST_APPLIED && annotations.is_none_or(|keep| keep.contains(&k.as_str()))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !kept.is_empty() {
            out.insert("annotations".into(), Value::Object(kept));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_pods_keep_nothing_secret() {
        let secret = json!({"metadata": {"name": "t", "namespace": "ops", "managedFields": [{}],
            "annotations": {"kubernetes.io/service-account.name": "bot", LAST_APPLIED: "{\"data\":{\"token\":\"c2VjcmV0\"}}", "other": "x"}},
            "type": "kubernetes.io/service-account-token", "data": {"token": "c2VjcmV0"}});
        let kept = item(raw::SECRETS, &secret).to_string();
        assert!(
            !kept.contains("c2VjcmV0")
                && !kept.contains("managedFields")
                && !kept.contains("other"),
            "{kept}"
        );
        assert!(
            kept.contains("\"kind\":\"Secret\"") && kept.contains("service-account.name"),
            "{kept}"
        );
        let pod = json!({"metadata": {"name": "p", "annotations": {LAST_APPLIED: "hunter2"}},
            "spec": {"serviceAccountName": "api", "containers": [{"env": [{"name": "P", "value": "hunter2"}]}],
              "volumes": [{"name": "cfg", "configMap": {"name": "c"}}, {"name": "kube-api-access-x", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607}}, {"configMap": {"name": "ca"}}]}}]}});
        let kept = item(raw::PODS, &pod).to_string();
        assert!(
            !kept.contains("hunter2")
                && !kept.contains("configMap")
                && !kept.contains("containers"),
            "{kept}"
        );
        assert!(
            kept.contains("3607") && kept.contains("\"serviceAccountName\":\"api\""),
            "{kept}"
        );
        let role = json!({"metadata": {"name": "r", "managedFields": [{}], "annotations": {LAST_APPLIED: "x", "jitgap.io/expires-at": "2026-12-01T00:00:00Z"}}, "rules": []});
        let kept = item(raw::CLUSTER_ROLES, &role).to_string();
        assert!(
            kept.contains("expires-at")
                && !kept.contains("managedFields")
                && !kept.contains(LAST_APPLIED),
            "{kept}"
        );
    }
}
