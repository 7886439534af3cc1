//! Many calls of one collection at once, but not too many: the per-object lists a scanner
//! reads (a project's service-account keys, an organization's deploy keys).

use std::future::Future;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Runs `calls` at most `limit` at once; the answers in the order given. The first failure
/// stops the calls not yet made and is returned with its index; a call that stopped without
/// an answer (a panic) becomes `stopped(reason)`, without an index.
pub async fn bounded<T, E, Fut>(
    limit: usize,
    calls: Vec<Fut>,
    stopped: impl Fn(String) -> E,
) -> Result<Vec<T>, (Option<usize>, E)>
where
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let mut tasks = JoinSet::new();
    let n = calls.len();
    for (i, call) in calls.into_iter().enumerate() {
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            (i, call.await)
        });
    }
    let mut done: Vec<(usize, T)> = Vec::with_capacity(n);
    let mut failed = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((i, Ok(v))) => done.push((i, v)),
            Ok((i, Err(e))) => {
                failed.get_or_insert((Some(i), e));
                tasks.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                failed.get_or_insert((None, stopped(crate::redact::redact(&e.to_string()))));
            }
        }
    }
    if let Some(f) = failed {
        return Err(f);
    }
    done.sort_by_key(|(i, _)| *i);
    Ok(done.into_iter().map(|(_, v)| v).collect())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn answers_keep_their_order_and_the_first_failure_stops_the_rest() {
        let calls: Vec<_> = (0..6u64)
            .map(|i| async move {
                tokio::time::sleep(std::time::Duration::from_millis(6 - i)).await;
                Ok::<u64, String>(i)
            })
            .collect();
        assert_eq!(
            super::bounded(2, calls, |r| r).await.unwrap(),
            [0, 1, 2, 3, 4, 5]
        );
        let calls: Vec<_> = (0..4u64)
            .map(|i| async move {
                if i == 2 {
                    Err(format!("call {i}"))
                } else {
                    Ok(i)
                }
            })
            .collect();
        assert_eq!(
            super::bounded(1, calls, |r| r).await.unwrap_err(),
            (Some(2), "call 2".to_string())
        );
    }
}
