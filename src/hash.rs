//! Hash maps and sets for keys that come from the input (identity ids, policy documents,
//! texts read from an export).
//!
//! They hash with foldhash, seeded per process (address-space layout and the clock): about as
//! fast as FxHash on short strings, but keys that all fall into one bucket cannot be worked
//! out from the code alone, as they can for FxHash, which has no seed. (It is not SipHash's
//! keyed defence; that costs 2-3% of a large export's normalization.) Keys of our own
//! (addresses, rule ids) may use FxHash. Look values up; never list a map in iteration order
//! into a report (the order changes between runs).

pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type Set<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
