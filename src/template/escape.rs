//! Keeping data values literal: in the Markdown body every value from the data is
//! backslash-escaped, and triple-stash `{{{x}}}` is compiled like `{{x}}`, so a cell can never
//! become formatting, a link, HTML or a list marker.

use handlebars::template::{Template, TemplateElement};

/// Escape for the Markdown body: a backslash before every ASCII punctuation character
/// (CommonMark allows one before any of them and prints the character literally), and line
/// breaks and tabs as spaces so a cell cannot start a new block.
pub fn markdown(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 4);
    for c in value.chars() {
        match c {
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Turns every `{{{x}}}` / `{{&x}}` into `{{x}}` (recursively, inside blocks too), so the
/// escape function also applies to them. The body has no way to insert raw Markdown from
/// the data: that is the point.
pub fn neutralise_triple_stash(template: &mut Template) {
    for element in &mut template.elements {
        if matches!(element, TemplateElement::HtmlExpression(_)) {
            let taken = std::mem::replace(element, TemplateElement::RawString(String::new()));
            if let TemplateElement::HtmlExpression(ht) = taken {
                *element = TemplateElement::Expression(ht);
            }
        }
        match element {
            TemplateElement::Expression(ht) | TemplateElement::HelperBlock(ht) => {
                neutralise_helper(ht);
            }
            TemplateElement::DecoratorBlock(dt)
            | TemplateElement::DecoratorExpression(dt)
            | TemplateElement::PartialBlock(dt)
            | TemplateElement::PartialExpression(dt) => {
                if let Some(t) = &mut dt.template {
                    neutralise_triple_stash(t);
                }
            }
            _ => {}
        }
    }
}

fn neutralise_helper(ht: &mut handlebars::template::HelperTemplate) {
    if let Some(t) = &mut ht.template {
        neutralise_triple_stash(t);
    }
    if let Some(t) = &mut ht.inverse {
        neutralise_triple_stash(t);
    }
}

#[cfg(test)]
mod tests {
    use super::markdown;

    #[test]
    fn escapes_ascii_punctuation_and_flattens_lines() {
        assert_eq!(markdown("*Star*"), "\\*Star\\*");
        assert_eq!(markdown("a_b@c.d"), "a\\_b\\@c\\.d");
        assert_eq!(markdown("Zoë\r\nO'Brien"), "Zoë  O\\'Brien");
        assert_eq!(markdown("plain text"), "plain text");
    }
}
