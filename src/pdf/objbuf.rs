//! The objects gathered for one object stream: their bodies back to back (no `N 0 obj`
//! wrapper, which an object stream does not have), and where each starts. The structure
//! elements and ParentTree leaves, a tagged file's bulk, are written straight in here by
//! hand: their shapes are fixed, and pdf-writer's general path (a dictionary writer per
//! object, a wrapper to strip again) was most of their cost on the one thread that writes.

use pdf_writer::{Chunk, Ref, Settings, TextStr};

use super::content::push_int;

/// Object bodies for one object stream.
#[derive(Default)]
pub(super) struct ObjectBuf {
    body: Vec<u8>,
    /// Each object and the offset of its body in `body`, in order.
    objects: Vec<(Ref, usize)>,
}

impl ObjectBuf {
    /// Starts object `id`; its body is what is pushed until the next `start` or `add`.
    pub(super) fn start(&mut self, id: Ref) -> &mut Vec<u8> {
        if !self.objects.is_empty() {
            self.body.push(b'\n');
        }
        self.objects.push((id, self.body.len()));
        &mut self.body
    }

    /// Adds object `id`, the one object pdf-writer wrote into `chunk` (as `N 0 obj ...
    /// endobj`).
    pub(super) fn add(&mut self, id: Ref, chunk: &Chunk) {
        debug_assert_eq!(chunk.refs().len(), 1);
        let object = bare_object(chunk.as_bytes());
        self.start(id).extend_from_slice(object);
    }

    /// Empties the buffer, keeping its memory.
    pub(super) fn clear(&mut self) {
        self.body.clear();
        self.objects.clear();
    }

    pub(super) fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Bytes of bodies so far.
    pub(super) fn len(&self) -> usize {
        self.body.len()
    }

    pub(super) fn body(&self) -> &[u8] {
        &self.body
    }

    /// Each object and where its body starts.
    pub(super) fn objects(&self) -> &[(Ref, usize)] {
        &self.objects
    }

    /// Where object `k`'s body ends (the next one's start, less its separator).
    pub(super) fn end_of(&self, k: usize) -> usize {
        self.objects
            .get(k + 1)
            .map_or(self.body.len(), |&(_, start)| start - 1)
    }
}

/// The body of an object written as `N 0 obj ... endobj`: what an object stream holds.
pub(super) fn bare_object(object: &[u8]) -> &[u8] {
    let start = object
        .windows(4)
        .position(|w| w == b"obj\n")
        .map_or(0, |i| i + 4);
    let mut end = object.len();
    while end > start && object[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if object[start..end].ends_with(b"endobj") {
        end -= b"endobj".len();
    }
    while end > start && object[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    &object[start..end]
}

/// Writes ` N 0 R` (with the leading space).
pub(super) fn push_ref(out: &mut Vec<u8>, r: Ref) {
    out.push(b' ');
    push_int(out, i64::from(r.get()));
    out.extend_from_slice(b" 0 R");
}

/// Writes a text string (PDF's text encoding: literal if it can be, else UTF-16).
pub(super) fn push_text(out: &mut Vec<u8>, text: &str) {
    let mut chunk = Chunk::with_settings(Settings { pretty: false });
    chunk.indirect(Ref::new(1)).primitive(TextStr(text));
    out.extend_from_slice(bare_object(chunk.as_bytes()));
}

/// Writes ` N` (with the leading space).
pub(super) fn push_num(out: &mut Vec<u8>, n: i64) {
    out.push(b' ');
    push_int(out, n);
}

#[cfg(test)]
mod tests {
    use super::{bare_object, push_ref, ObjectBuf};
    use pdf_writer::{Chunk, Finish, Name, Ref, Settings};

    #[test]
    fn objects_are_kept_bare_and_in_order() {
        for pretty in [false, true] {
            let mut buf = ObjectBuf::default();
            let body = buf.start(Ref::new(5));
            body.extend_from_slice(b"<</S/P");
            push_ref(body, Ref::new(12));
            body.extend_from_slice(b">>");
            let mut chunk = Chunk::with_settings(Settings { pretty });
            chunk.indirect(Ref::new(7)).primitive(42);
            buf.add(Ref::new(7), &chunk);
            let mut chunk = Chunk::with_settings(Settings { pretty });
            let mut d = chunk.indirect(Ref::new(9)).dict();
            d.pair(Name(b"A"), Ref::new(3));
            d.finish();
            buf.add(Ref::new(9), &chunk);
            let objects: Vec<_> = buf.objects().iter().map(|o| o.0.get()).collect();
            assert_eq!(objects, [5, 7, 9]);
            let text = |k: usize| {
                String::from_utf8_lossy(&buf.body()[buf.objects()[k].1..buf.end_of(k)]).into_owned()
            };
            assert_eq!(text(0), "<</S/P 12 0 R>>");
            assert_eq!(text(1), "42");
            assert!(
                text(2).starts_with("<<") && text(2).ends_with(">>"),
                "{}",
                text(2)
            );
            assert!(text(2).contains("/A 3 0 R"), "{}", text(2));
        }
    }

    #[test]
    fn bare_object_strips_the_wrapper_only() {
        assert_eq!(bare_object(b"12 0 obj\n<</A 1>>\nendobj\n\n"), b"<</A 1>>");
        assert_eq!(bare_object(b"[1 2]"), b"[1 2]");
    }
}
