//! The policies an identity holds, as entitlements: its inline documents, its managed
//! attachments, and those of its groups. Managed and group documents are shared by every
//! identity that holds them, so each is parsed once, on first use, whichever thread gets there.

use super::document::{DocumentError, PolicyDoc};
use super::document_parse::parse_raw_document;
use super::entitlement::{Entitlement, Parsed, Source};
use super::gaad::{Gaad, GroupDetail, InlinePolicy, ManagedPolicy, PolicyVersion};
use super::normalize::{Scope, ts};
use crate::hash::Map as HashMap;
use std::borrow::Cow;
use std::sync::OnceLock;

type Cell = OnceLock<Result<PolicyDoc, DocumentError>>;

/// A managed policy of the export, with its default version and that version parsed once.
pub(super) struct Managed<'a> {
    index: usize,
    policy: &'a ManagedPolicy<'a>,
    default: Option<(usize, &'a PolicyVersion<'a>)>,
    parsed: Cell,
}

/// Managed policies of the export by ARN (the last one wins when an ARN repeats).
pub(super) struct ManagedIndex<'a> {
    by_arn: HashMap<&'a str, Managed<'a>>,
}

impl<'a> ManagedIndex<'a> {
    pub fn new(g: &'a Gaad<'a>) -> Self {
        ManagedIndex {
            by_arn: g
                .policies
                .iter()
                .enumerate()
                .map(|(index, policy)| {
                    let m = Managed {
                        index,
                        policy,
                        default: policy.default_version(),
                        parsed: Cell::new(),
                    };
                    (policy.arn.as_str(), m)
                })
                .collect(),
        }
    }
}

/// A group of the export, with its inline documents parsed once.
pub(super) struct Group<'a> {
    pub index: usize,
    pub detail: &'a GroupDetail<'a>,
    parsed: Vec<Cell>,
}

/// Groups of the export by name (the first one wins when a name repeats).
pub(super) struct GroupIndex<'a> {
    by_name: HashMap<&'a str, Group<'a>>,
}

impl<'a> GroupIndex<'a> {
    pub fn new(g: &'a Gaad<'a>) -> Self {
        let mut by_name = HashMap::default();
        for (index, detail) in g.group_detail_list.iter().enumerate() {
            by_name
                .entry(detail.group_name.as_str())
                .or_insert_with(|| Group {
                    index,
                    detail,
                    parsed: detail
                        .group_policy_list
                        .iter()
                        .map(|_| Cell::new())
                        .collect(),
                });
        }
        GroupIndex { by_name }
    }

    pub fn get(&self, name: &str) -> Option<&Group<'a>> {
        self.by_name.get(name)
    }
}

impl Scope<'_> {
    /// Inline policies of a user or role: each document belongs to this identity alone.
    pub(super) fn inline<'p>(
        &self,
        pointer: &str,
        list: &'p [InlinePolicy<'_>],
    ) -> impl Iterator<Item = Entitlement<'p>> {
        list.iter().enumerate().map(move |(j, p)| {
            self.inline_one(
                "",
                pointer,
                j,
                p,
                Cow::Owned(parse_raw_document(p.policy_document)),
            )
        })
    }

    /// Inline policies of a group, parsed once for all its members.
    pub(super) fn group_inline<'p>(
        &self,
        prefix: &str,
        group: &'p Group<'_>,
    ) -> impl Iterator<Item = Entitlement<'p>> {
        let pointer = format!("/GroupDetailList/{}/GroupPolicyList", group.index);
        let list = &group.detail.group_policy_list;
        list.iter()
            .zip(&group.parsed)
            .enumerate()
            .map(move |(j, (p, cell))| {
                let doc = cell.get_or_init(|| parse_raw_document(p.policy_document));
                self.inline_one(prefix, &pointer, j, p, Cow::Borrowed(doc))
            })
    }

    fn inline_one<'p>(
        &self,
        prefix: &str,
        pointer: &str,
        j: usize,
        p: &InlinePolicy<'_>,
        doc: Parsed<'p>,
    ) -> Entitlement<'p> {
        Entitlement {
            name: format!("{prefix}inline:{}", p.policy_name),
            source: Source::Document {
                doc,
                evidence: self.ev(format!("{pointer}/{j}/PolicyDocument")),
                created: None,
            },
        }
    }

    /// A managed policy attachment: the shared document, the catalogue tier of an AWS-managed
    /// policy, or why neither is known.
    pub(super) fn managed<'p>(
        &'p self,
        prefix: &str,
        arn: &str,
        pointer: String,
    ) -> Entitlement<'p> {
        let name = format!("{prefix}{arn}");
        let short = arn.rsplit('/').next().unwrap_or(arn);
        let aws_managed = arn.contains(":iam::aws:policy/");
        let document = self
            .managed
            .by_arn
            .get(arn)
            .and_then(|m| m.default.map(|(v, version)| (m, v, version)));
        // AWS-managed policies in the catalogue are tiered by the catalogue: their documents run to
        // thousands of actions whose verbs no heuristic reads reliably, and only AWS can change them.
        if aws_managed && let Some(tier) = self.ctx.catalogue.managed_policies.get(short) {
            let evidence = match &document {
                Some((m, v, _)) => self.ev(format!(
                    "/Policies/{}/PolicyVersionList/{v}/Document",
                    m.index
                )),
                None => self.ev(pointer),
            };
            return Entitlement {
                name,
                source: Source::Catalogue {
                    tier: *tier,
                    evidence,
                },
            };
        }
        if let Some((m, v, version)) = document {
            let doc = m
                .parsed
                .get_or_init(|| parse_raw_document(version.document));
            return Entitlement {
                name,
                source: Source::Document {
                    doc: Cow::Borrowed(doc),
                    evidence: self.ev(format!(
                        "/Policies/{}/PolicyVersionList/{v}/Document",
                        m.index
                    )),
                    created: ts(&version.create_date).or(ts(&m.policy.update_date)),
                },
            };
        }
        Entitlement {
            name,
            source: Source::Missing {
                evidence: self.ev(pointer),
                why: format!(
                    "the document of `{arn}` is not in the snapshot{}",
                    if aws_managed {
                        " and the policy is not in the rules/aws.toml catalogue"
                    } else {
                        ""
                    }
                ),
            },
        }
    }
}
