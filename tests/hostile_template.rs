//! Hostile templates through the real binary, each run bounded in time and memory: nesting
//! and partials that would overflow the stack, Markdown nested thousands deep, YAML alias
//! bombs, layout values that would make an empty page, unsafe link targets, and template
//! or font paths that are devices, FIFOs or huge files. Each must be a clear error (exit 1
//! or 2) naming the file, the line and the limit; never a crash, a hang or a panic.

mod common;

use common::Workdir;

const DATA: &str = "name,email,returning\nJane Doe,jane@example.org,yes\n";

/// Writes the data and the template, runs `pdf` bounded, and returns the run.
fn pdf(template: &str) -> (Workdir, common::Run) {
    let wd = Workdir::new();
    wd.file("data.csv", DATA);
    wd.file("t.md", template);
    let run = wd.run_bounded(
        &[
            "pdf",
            "--data",
            "data.csv",
            "--template",
            "t.md",
            "--out",
            "out",
        ],
        &[],
    );
    (wd, run)
}

fn refused(template: &str, expect: &[&str]) -> common::Run {
    let (_wd, run) = pdf(template);
    run.expect_code(1);
    for e in expect {
        assert!(run.stderr.contains(e), "expected {e:?} in:\n{}", run.stderr);
    }
    run
}

fn nested_ifs(n: usize) -> String {
    format!(
        "---\nsubject: hi\n---\nHello\n{}x\n{}",
        "{{#if name}}\n".repeat(n),
        "{{/if}}\n".repeat(n)
    )
}

#[test]
fn an_inline_partial_that_includes_itself_is_refused_at_its_line() {
    refused(
        "---\nsubject: hi\n---\n{{#*inline \"a\"}}{{> a}}{{/inline}}{{> a}}\n",
        &[
            "t.md:4:",
            "`{{> a}}` includes the partial `a` inside itself",
        ],
    );
}

#[test]
fn two_fields_whose_partials_include_each_other_are_refused() {
    refused(
        "---\nsubject: \"{{> to}}\"\nto: \"{{> subject}}\"\n---\nHi\n",
        &["t.md:", "inside itself"],
    );
}

#[test]
fn handlebars_nesting_just_under_the_limit_prints_and_over_it_is_refused() {
    // 64 levels render on the worker threads of a real run.
    let (wd, run) = pdf(&nested_ifs(64));
    run.expect_code(0);
    assert!(wd.join("out").read_dir().unwrap().count() >= 1);
    refused(
        &nested_ifs(65),
        &["t.md:69:", "more than 64 deep", "(the limit)"],
    );
    refused(&nested_ifs(5000), &["t.md:", "more than 64 deep"]);
}

#[test]
fn thousands_of_nested_subexpressions_are_refused() {
    let t = format!(
        "---\nsubject: hi\n---\n{{{{lower {}name{}}}}}\n",
        "(lower ".repeat(3000),
        ")".repeat(3000)
    );
    refused(&t, &["t.md:4:", "more than 64 deep"]);
}

#[test]
fn markdown_nested_thousands_deep_is_refused_with_its_line() {
    for marker in ["> ", "- ", "1. "] {
        let t = format!(
            "---\nsubject: hi\n---\nIntro\n\n{}deep\n",
            marker.repeat(5000)
        );
        refused(&t, &["t.md:6:", "more than 16 deep (the limit)"]);
    }
    // At the limit it prints.
    let (_wd, run) = pdf(&format!("Intro\n\n{}deep\n", "> ".repeat(16)));
    run.expect_code(0);
}

#[test]
fn a_yaml_alias_bomb_and_deep_yaml_are_refused() {
    let mut bomb = String::from("---\nsubject: hi\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (i, c) in "bcdefghi".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        bomb.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    bomb.push_str("---\nHi\n");
    refused(&bomb, &["t.md:", "past the limit of 100 aliases"]);
    let deep = format!("---\nsubject: hi\nfont: {}\n---\nHi\n", "[".repeat(100_000));
    refused(&deep, &["t.md:3:", "more than 16 deep (the limit)"]);
}

#[test]
fn layout_values_that_make_an_empty_page_are_refused_with_key_value_and_range() {
    for (yaml, line, expect) in [
        (
            "font:\n  size: 0",
            3,
            "`font.size` is 0, but it must be between 4 and 72",
        ),
        ("font:\n  size: -12", 3, "`font.size` is -12"),
        ("font:\n  size: 1000", 3, "`font.size` is 1000"),
        (
            "font:\n  line_height: 0",
            3,
            "`font.line_height` is 0, but it must be between 0.8 and 3",
        ),
        (
            "font:\n  paragraph_spacing: -1",
            3,
            "`font.paragraph_spacing` is -1",
        ),
        (
            "margins: {left: 8in}",
            3,
            "the margins leave a text area of 0pt x 648pt",
        ),
        ("margins: {top: -1in}", 3, "`-1in` is not a length"),
        (
            "margins: {top: -72}",
            3,
            "`margins.top` is -72, but it must be 0 or more",
        ),
        ("margins: {top: 1e38in}", 3, "not a length"),
        ("font:\n  size: .nan", 4, "non-finite"),
        (
            "signature:\n  name: Pat\n  height: 50in",
            3,
            "`signature.height` is 3600",
        ),
        (
            "letterhead:\n  name: X\n  logo_height: 0",
            3,
            "`letterhead.logo_height` is 0",
        ),
    ] {
        let t = format!("---\nsubject: hi\n{yaml}\n---\nHi\n");
        refused(&t, &[&format!("t.md:{line}:"), expect]);
    }
}

#[test]
fn pdf_links_are_only_web_and_mail() {
    let (wd, run) = pdf(
        "See [site](https://example.org), [mail](mailto:a@example.org), \
         [evil](javascript:alert(1)), [local](file:///etc/passwd) and [js2](JavaScript:x).\n",
    );
    run.expect_code(0);
    let letter = wd
        .join("out")
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pdf"))
        .expect("a letter");
    // The link annotations are in the letter's object stream: qpdf expands it.
    let raw = common::pdf_objects(&letter);
    assert!(raw.contains("/URI (https://example.org)"), "web link kept");
    assert!(
        raw.contains("/URI (mailto:a@example.org)"),
        "mail link kept"
    );
    for bad in ["javascript", "JavaScript", "file:"] {
        assert!(!raw.contains(bad), "{bad} link in the PDF");
    }
    // The text itself is printed.
    let text = common::pdf_text(&letter);
    assert!(text.contains("evil") && text.contains("local"), "{text}");
}

#[cfg(unix)]
#[test]
fn template_and_font_paths_that_are_devices_fifos_or_huge_are_refused() {
    let wd = Workdir::new();
    wd.file("data.csv", DATA);
    let run = wd.run_bounded(
        &[
            "pdf",
            "--data",
            "data.csv",
            "--template",
            "/dev/zero",
            "--out",
            "out",
        ],
        &[],
    );
    assert!(run.code == 1 || run.code == 2, "{}", run.stderr);
    assert!(run.stderr.contains("/dev/zero"), "{}", run.stderr);
    let fifo = wd.join("pipe.md");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let run = wd.run_bounded(
        &[
            "pdf",
            "--data",
            "data.csv",
            "--template",
            "pipe.md",
            "--out",
            "out",
        ],
        &[],
    );
    assert!(run.code == 1 || run.code == 2, "{}", run.stderr);
    assert!(run.stderr.contains("pipe.md"), "{}", run.stderr);
    // A 2 MiB template is over the 1 MiB limit.
    wd.file("big.md", "a".repeat(2 << 20));
    let run = wd.run_bounded(
        &[
            "pdf",
            "--data",
            "data.csv",
            "--template",
            "big.md",
            "--out",
            "out",
        ],
        &[],
    );
    run.expect_code(1);
    assert!(
        run.stderr.contains("big.md") && run.stderr.contains("1 MiB limit for a template"),
        "{}",
        run.stderr
    );
    // Fonts: a device and a FIFO named in the front matter.
    for font in ["/dev/zero", "pipe.md"] {
        wd.file(
            "t.md",
            format!("---\nsubject: hi\nfont:\n  regular: {font}\n---\nHi\n"),
        );
        let run = wd.run_bounded(
            &[
                "pdf",
                "--data",
                "data.csv",
                "--template",
                "t.md",
                "--out",
                "out",
            ],
            &[],
        );
        run.expect_code(1);
        assert!(
            run.stderr.contains("t.md:3:") && run.stderr.contains("not an ordinary file"),
            "{}",
            run.stderr
        );
    }
}
