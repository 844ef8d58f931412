//! An ordered parallel map over a stream: items go round-robin to worker threads (each with
//! its own state, such as a typesetter with warm caches), and results come back to one sink
//! in input order. Channels are bounded, so memory stays flat however long the stream is.

use std::collections::BTreeMap;
use std::sync::mpsc::sync_channel;
use std::thread;

/// Batches queued per worker, and result batches queued in all, before the producer waits.
const QUEUE: usize = 4;
/// Items handed to a worker at a time: waking a thread per item costs more than a cheap
/// item (an email renders in a few microseconds), so batches grow from `FIRST_BATCH` (a
/// short input still reaches every worker) by doubling each round up to `MAX_BATCH`.
const FIRST_BATCH: usize = 4;
const MAX_BATCH: usize = 64;

/// Runs `work` on every item of `items`, on one thread per entry of `states`, and calls
/// `sink` with the results in the order of the items. Stops early when `sink` fails.
/// Returns the workers' states (to merge what they learned) or the sink's error.
pub fn ordered_map<I, S, R, E, W, K>(
    items: I,
    mut states: Vec<S>,
    work: W,
    mut sink: K,
) -> Result<Vec<S>, E>
where
    I: Iterator + Send,
    I::Item: Send,
    S: Send,
    R: Send,
    W: Fn(&mut S, I::Item) -> R + Sync,
    K: FnMut(R) -> Result<(), E>,
{
    let n = states.len();
    if n <= 1 {
        // One worker: no threads, no channels.
        if let Some(state) = states.first_mut() {
            for item in items {
                sink(work(state, item))?;
            }
        }
        return Ok(states);
    }
    thread::scope(|scope| {
        let (result_tx, result_rx) = sync_channel::<(usize, Vec<R>)>(QUEUE * n);
        let mut job_txs = Vec::with_capacity(n);
        let mut workers = Vec::with_capacity(n);
        for mut state in states {
            let (job_tx, job_rx) = sync_channel::<(usize, Vec<I::Item>)>(QUEUE);
            job_txs.push(job_tx);
            let result_tx = result_tx.clone();
            let work = &work;
            workers.push(scope.spawn(move || {
                for (seq, batch) in job_rx {
                    let results = batch
                        .into_iter()
                        .map(|item| work(&mut state, item))
                        .collect();
                    if result_tx.send((seq, results)).is_err() {
                        break; // the sink gave up
                    }
                }
                state
            }));
        }
        drop(result_tx);
        let feeder = scope.spawn(move || {
            let mut items = items.peekable();
            let mut seq = 0;
            let mut size = FIRST_BATCH;
            while items.peek().is_some() {
                let batch: Vec<I::Item> = items.by_ref().take(size).collect();
                if seq % n == n - 1 {
                    size = (size * 2).min(MAX_BATCH);
                }
                if job_txs[seq % n].send((seq, batch)).is_err() {
                    break;
                }
                seq += 1;
            }
        });

        // Batches arrive nearly in order; the few that overtake wait here.
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        let mut outcome = Ok(());
        'receive: for (seq, results) in result_rx.iter() {
            waiting.insert(seq, results);
            while let Some(results) = waiting.remove(&next) {
                next += 1;
                for result in results {
                    if let Err(e) = sink(result) {
                        outcome = Err(e);
                        break 'receive;
                    }
                }
            }
        }
        // Dropping the receiver makes busy workers stop, which stops the feeder.
        drop(result_rx);
        drop(waiting);
        if let Err(panic) = feeder.join() {
            std::panic::resume_unwind(panic);
        }
        let mut states = Vec::with_capacity(n);
        for worker in workers {
            match worker.join() {
                Ok(state) => states.push(state),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        outcome.map(|()| states)
    })
}

/// How many workers to use: the machine's cores, at most 8.
pub fn workers() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

#[cfg(test)]
mod tests {
    use super::ordered_map;

    #[test]
    fn results_come_back_in_order_and_states_are_returned() {
        let mut seen = Vec::new();
        let states = ordered_map(
            0..1000u32,
            vec![0u32; 3],
            |count, x| {
                *count += 1;
                // Uneven work so results overtake each other.
                if x % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                x * 2
            },
            |r| {
                seen.push(r);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(seen, (0..1000).map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(states.iter().sum::<u32>(), 1000);
    }

    #[test]
    fn a_failing_sink_stops_the_run() {
        let mut seen = 0;
        let err = ordered_map(
            0..100_000u32,
            vec![(); 2],
            |_, x| x,
            |x| {
                seen += 1;
                if x == 10 {
                    Err("stop")
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
        assert_eq!(err, "stop");
        assert_eq!(seen, 11);
    }

    #[test]
    fn one_worker_runs_inline() {
        let mut out = Vec::new();
        ordered_map(
            "abc".chars(),
            vec![()],
            |_, c| c,
            |c| {
                out.push(c);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(out, ['a', 'b', 'c']);
    }
}
