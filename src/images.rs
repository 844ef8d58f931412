//! Images (logo, signature, body images): loaded and decoded once per run, shared by the
//! typesetter (for their size) and the PDF writer (for their pixels).

use std::path::Path;

/// Index of an image in the run's [`ImageStore`].
pub type ImageId = usize;

/// All images of a run, each loaded once.
#[derive(Default)]
pub struct ImageStore {}

impl ImageStore {
    /// Loads (or finds already loaded) the PNG or JPEG at `path`. The error says what is
    /// wrong with the file in one sentence.
    pub fn load(&mut self, path: &Path) -> Result<ImageId, String> {
        let _ = path;
        todo!("pdf helper")
    }

    /// Pixel width and height of a loaded image.
    pub fn size_px(&self, id: ImageId) -> (u32, u32) {
        let _ = id;
        todo!("pdf helper")
    }
}
