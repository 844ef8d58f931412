//! PDF output: writes typeset pages as a PDF, streaming page by page, with fonts embedded as
//! subsets prepared once per run and images embedded once per file.
