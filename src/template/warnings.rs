//! Warnings a helper raises while one row renders (today: an address `address_lines` could
//! not split with confidence). Handlebars gives a helper nowhere of its own to put them, so
//! they are gathered per render on the rendering thread (rows render on several threads at
//! once, each row on one) and handed back on the [`crate::letter::Letter`].

use crate::problem::Problem;
use std::cell::RefCell;

thread_local! {
    static RAISED: RefCell<Option<Vec<Problem>>> = const { RefCell::new(None) };
}

/// Runs `render` and returns its result with the warnings raised meanwhile, each once.
pub fn collect<T>(render: impl FnOnce() -> T) -> (T, Vec<Problem>) {
    let outer = RAISED.with(|r| r.replace(Some(Vec::new())));
    let value = render();
    let raised = RAISED.with(|r| r.replace(outer)).unwrap_or_default();
    (value, raised)
}

/// Records a warning for the row being rendered (the same one twice only once: a template
/// may print the address in the front matter and again in the body). Outside [`collect`]
/// it is dropped.
pub fn raise(problem: Problem) {
    RAISED.with(|r| {
        if let Some(raised) = r.borrow_mut().as_mut() {
            if !raised.contains(&problem) {
                raised.push(problem);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{collect, raise};
    use crate::problem::Problem;

    #[test]
    fn warnings_belong_to_their_own_render() {
        raise(Problem::warning("outside"));
        let ((), outer) = collect(|| {
            raise(Problem::warning("a"));
            let ((), inner) = collect(|| raise(Problem::warning("b")));
            assert_eq!(inner, [Problem::warning("b")]);
            raise(Problem::warning("a"));
        });
        assert_eq!(outer, [Problem::warning("a")]);
        let other = std::thread::spawn(|| collect(|| ()).1).join().unwrap();
        assert!(other.is_empty());
    }
}
