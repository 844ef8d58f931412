//! Reading the officials' data: a streaming reader that yields one record at a time and owns
//! everything about real-world spreadsheets (BOM, Windows-1252, delimiters, ragged rows,
//! header names, Unicode NFC).
