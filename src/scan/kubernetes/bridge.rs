//! Workload identity bridges: service accounts annotated for IRSA, GKE or AKS workload
//! identity → the cloud identity they reach.

use crate::model::Inventory;
use crate::scan::scanner::Context;

pub fn bridge(_inv: &Inventory, _ctx: &Context<'_>) -> Inventory {
    Inventory::default()
}
