//! Work split over the machine's cores with scoped threads: the reviews of a panel
//! are parsed, and the report's formats rendered, side by side. Order is kept; one
//! item (or one core) runs on the calling thread alone. [`join`]: two pieces of work
//! side by side. And [`drop_aside`]: big values freed off the caller's path.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `f` over `items`, results in the order of `items`, on at most as many threads as
/// there are cores (the calling thread one of them). A panic in `f` is a panic here, as
/// it would be in a plain loop.
///
/// The items are cut into pieces that each thread takes in turn as it gets free, so a
/// thread the system sets aside for a while, or one whose items cost more, does not
/// hold the others up.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = cores();
    if items.len() < 2 || cores < 2 {
        return items.iter().map(f).collect();
    }
    let threads = cores.min(items.len());
    let pieces: Vec<&[T]> = items
        .chunks(items.len().div_ceil(threads * PIECES_PER_THREAD))
        .collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(piece) = pieces.get(i) else {
                return done;
            };
            done.push((i, piece.iter().map(&f).collect()));
        }
    };
    let mut done = thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        for other in others {
            done.extend(
                other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
        }
        done
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().flat_map(|(_, results)| results).collect()
}

/// How many pieces [`map`] cuts its items into per thread: enough for a thread that
/// falls behind to be made up for, few enough that taking one costs nothing.
const PIECES_PER_THREAD: usize = 8;

/// `f` over `items` cut into one run per core (in order), the results in the order of
/// the runs: for work that keeps state across the items of a run (a memo).
pub(crate) fn map_runs<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let cores = cores();
    let runs: Vec<&[T]> = items.chunks(items.len().div_ceil(cores).max(1)).collect();
    map(&runs, |run| f(run))
}

/// `side` on a thread of its own while `here` runs on the calling thread, both
/// results; with one core, `side` first, then `here`. A panic in either is a panic
/// here.
pub(crate) fn join<A: Send, B>(
    side: impl FnOnce() -> A + Send,
    here: impl FnOnce() -> B,
) -> (A, B) {
    if cores() < 2 {
        let a = side();
        return (a, here());
    }
    thread::scope(|scope| {
        let side = scope.spawn(side);
        let b = here();
        let a = side.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (a, b)
    })
}

fn cores() -> usize {
    thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Drops `value` on a thread of its own: freeing a large tree of small allocations (a
/// whole consolidation) takes milliseconds the caller need not wait for, and a process
/// that exits first hands its memory back at once.
pub(crate) fn drop_aside<T: Send + 'static>(value: T) {
    // Without a thread to be had, the value is dropped here, with the closure.
    let _ = thread::Builder::new().spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    #[test]
    fn join_gives_both_results() {
        let items: Vec<u32> = (0..10).collect();
        let (sum, count) = super::join(|| items.iter().sum::<u32>(), || items.len());
        assert_eq!((sum, count), (45, 10));
    }

    #[test]
    fn keeps_the_order_of_the_items() {
        for n in [2, 3, 17, 101, 1001] {
            let items: Vec<u32> = (0..n).collect();
            assert_eq!(
                super::map(&items, |x| x * 2),
                items.iter().map(|x| x * 2).collect::<Vec<_>>()
            );
        }
        assert_eq!(super::map(&[] as &[u32], |x| *x), Vec::<u32>::new());
    }

    #[test]
    fn runs_cover_the_items_in_order() {
        let items: Vec<u32> = (0..101).collect();
        let runs = super::map_runs(&items, |run| run.to_vec());
        assert_eq!(runs.concat(), items);
        assert!(super::map_runs(&[] as &[u32], |run| run.len()).is_empty());
    }
}
