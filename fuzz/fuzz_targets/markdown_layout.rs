//! Fuzz target: any bytes as a letter body's Markdown, turned into the Letter's blocks and
//! typeset into pages with the default style. Never a panic, a stack overflow or a hang.
//! Images are replaced by rules: loading image files is the image reader's target.
#![no_main]

use lettermerge::images::ImageStore;
use lettermerge::letter::{Block, Letter};
use lettermerge::style::Style;
use lettermerge::template::markdown::to_blocks;
use lettermerge::typeset::Typesetter;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

fn without_images(blocks: &mut [Block]) {
    for block in blocks {
        match block {
            Block::Image { .. } => *block = Block::Rule,
            Block::Quote(inner) => without_images(inner),
            Block::List { items, .. } => items.iter_mut().for_each(|i| without_images(i)),
            _ => {}
        }
    }
}

fn typesetter() -> &'static Mutex<Typesetter> {
    static TS: OnceLock<Mutex<Typesetter>> = OnceLock::new();
    TS.get_or_init(|| Mutex::new(Typesetter::new(&Style::default()).expect("built-in fonts")))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut body) = to_blocks(text, Path::new("")) else {
        return;
    };
    without_images(&mut body);
    let letter = Letter {
        row: 2,
        address: vec!["Jane Doe".into(), "1 Main St".into()],
        salutation: Some("Dear Jane:".into()),
        body,
        ..Letter::default()
    };
    let letter2 = letter.clone();
    let _ = letter2.body_text();
    let images = ImageStore::default();
    if let Ok(mut ts) = typesetter().lock() {
        let _ = ts.typeset(&letter, &images);
    }
});
