//! How the one-line addresses of data files split: for each column, how many are sure and
//! how many unsure (by reason), and with `--unsure` each unsure one with its row. The
//! measurement behind the README's counts; `scripts/address-split-report` runs it on the
//! officials' datasets.
//!
//! Usage: cargo run --example address_split_report -- [--unsure] FILE:COLUMN[,COLUMN...]...

use lettermerge::fields::us_address::{split, Split};
use std::collections::BTreeMap;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut show = false;
    let mut specs = Vec::new();
    for arg in std::env::args().skip(1) {
        if arg == "--unsure" {
            show = true;
        } else {
            specs.push(arg);
        }
    }
    if specs.is_empty() {
        eprintln!("usage: address_split_report [--unsure] FILE:COLUMN[,COLUMN...]...");
        return ExitCode::from(2);
    }
    println!("| file | column | rows | empty | sure | unsure |");
    println!("|---|---|---:|---:|---:|---:|");
    let mut reasons: BTreeMap<(String, String, &'static str), u64> = BTreeMap::new();
    let mut listed = Vec::new();
    for spec in &specs {
        let Some((path, columns)) = spec.rsplit_once(':') else {
            eprintln!("error: `{spec}` is not FILE:COLUMN");
            return ExitCode::from(2);
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut rdr = match csv::ReaderBuilder::new().flexible(true).from_path(path) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let headers = match rdr.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                eprintln!("error: {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let records: Vec<csv::StringRecord> = rdr.records().filter_map(Result::ok).collect();
        for column in columns.split(',') {
            let Some(at) = headers.iter().position(|h| h == column) else {
                eprintln!("error: {path} has no column `{column}`");
                return ExitCode::from(2);
            };
            let (mut empty, mut sure, mut unsure) = (0u64, 0u64, 0u64);
            for (i, record) in records.iter().enumerate() {
                let value = record.get(at).unwrap_or_default();
                if value.trim().is_empty() {
                    empty += 1;
                    continue;
                }
                match split(value) {
                    Split::Sure(_) => sure += 1,
                    Split::Unsure { reason, .. } => {
                        unsure += 1;
                        *reasons
                            .entry((name.to_string(), column.to_string(), reason))
                            .or_default() += 1;
                        // The spreadsheet's row number: the header is row 1.
                        listed.push(format!("{name}:{} {column}: {value}  [{reason}]", i + 2));
                    }
                }
            }
            println!(
                "| {name} | {column} | {} | {empty} | {sure} | {unsure} |",
                records.len()
            );
        }
    }
    println!();
    for ((name, column, reason), n) in &reasons {
        println!("unsure in {name} {column}: {reason}: {n}");
    }
    if show {
        println!();
        for l in &listed {
            println!("{l}");
        }
    }
    ExitCode::SUCCESS
}
