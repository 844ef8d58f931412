//! Checks on the settings that go onto the wire verbatim or inside an SMTP command: the EHLO
//! name (RFC 5321 section 4.1.1.1: a domain or an address literal), the host, and the login
//! name. A CR or LF in any of them would end the command and start another one.

use std::net::{Ipv4Addr, Ipv6Addr};

/// RFC 5321 section 4.5.3.1.2: a domain name is at most 255 octets.
pub const MAX_DOMAIN: usize = 255;

/// RFC 1035 section 2.3.4: one label of a domain name is at most 63 octets.
pub const MAX_LABEL: usize = 63;

/// Whether `name` is a valid EHLO argument: a domain (`mail.example.org`) or an address
/// literal (`[192.0.2.7]`, `[IPv6:2001:db8::7]`). The error says what is wrong, without
/// naming the setting (the caller knows its name).
pub fn check_hello_name(name: &str) -> Result<(), String> {
    if let Some(bad) = name.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "it holds {}, which would end the EHLO command and let the rest be read as another \
             command",
            describe(bad)
        ));
    }
    if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        let valid = match inner.get(..5) {
            Some(tag) if tag.eq_ignore_ascii_case("IPv6:") => {
                inner[5..].parse::<Ipv6Addr>().is_ok()
            }
            _ => inner.parse::<Ipv4Addr>().is_ok(),
        };
        return if valid {
            Ok(())
        } else {
            Err(format!(
                "{name:?} is not an address literal: write [192.0.2.7] or [IPv6:2001:db8::7]"
            ))
        };
    }
    check_domain(name)
}

/// Whether `name` is a domain name as RFC 5321 section 4.1.2 allows it: dot-separated labels
/// of ASCII letters, digits and inner hyphens, within the length limits.
pub fn check_domain(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("it is empty".to_string());
    }
    if !name.is_ascii() {
        return Err(format!(
            "{name:?} has non-ASCII characters; write the name in its ASCII (punycode) form, \
             e.g. xn--bcher-kva.example"
        ));
    }
    if name.len() > MAX_DOMAIN {
        return Err(format!(
            "it is {} characters long; a domain name is at most {MAX_DOMAIN}",
            name.len()
        ));
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(format!("{name:?} has an empty part between dots"));
        }
        if label.len() > MAX_LABEL {
            return Err(format!(
                "{name:?} has a part of {} characters; each part between dots is at most \
                 {MAX_LABEL}",
                label.len()
            ));
        }
        let ldh = label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ldh || label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "{name:?} is not a domain name: each part between dots is letters, digits and \
                 inner hyphens"
            ));
        }
    }
    Ok(())
}

/// Whether a value that goes inside a command (the host name, the login name) is free of
/// anything that could end or bend the command.
pub fn check_one_line(value: &str) -> Result<(), String> {
    match value.chars().find(|c| c.is_control()) {
        Some(bad) => Err(format!("it holds {}", describe(bad))),
        None => Ok(()),
    }
}

fn describe(c: char) -> String {
    match c {
        '\r' => "a carriage return (CR)".to_string(),
        '\n' => "a line break (LF)".to_string(),
        ' ' => "a space".to_string(),
        c => format!("the character U+{:04X}", c as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::{check_domain, check_hello_name, check_one_line};

    #[test]
    fn hello_names_are_domains_or_address_literals() {
        for good in [
            "mail.example.org",
            "localhost",
            "a-b.c1.example",
            "[192.0.2.7]",
            "[IPv6:2001:db8::7]",
            "[ipv6:::1]",
        ] {
            assert!(check_hello_name(good).is_ok(), "{good}");
        }
        for bad in [
            "mail.example.org\r\nMAIL FROM:<x@evil>",
            "mail\nRSET",
            "two words",
            "",
            "-lead.example",
            "trail-.example",
            "a..b",
            "under_score.example",
            "[300.1.1.1]",
            "[IPv6:nope]",
            "bücher.example",
        ] {
            assert!(check_hello_name(bad).is_err(), "{bad:?}");
        }
        let e = check_hello_name("x\r\nQUIT").unwrap_err();
        assert!(e.contains("carriage return"), "{e}");
        assert!(check_domain(&"a".repeat(64)).unwrap_err().contains("63"));
        let long = vec!["abcdefgh"; 30].join(".");
        assert!(check_domain(&long).unwrap_err().contains("255"));
    }

    #[test]
    fn one_line_values() {
        assert!(check_one_line("alice@example.org").is_ok());
        assert!(check_one_line("alice\r\nAUTH").is_err());
        assert!(check_one_line("a\u{1}b").is_err());
    }
}
