//! Checking a template against the data's header once, before any row is rendered: every
//! column the template names, in every branch (an `{{#if}}` branch no row reaches is still
//! checked), must exist. Handlebars' strict mode only sees the branches a row takes.

use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement};

/// Helpers a template may call: ours and the Handlebars built-ins.
pub const HELPERS: [&str; 27] = [
    "date",
    "upper",
    "lower",
    "title",
    "ordinal",
    "default",
    "if",
    "unless",
    "and",
    "or",
    "not",
    "each",
    "with",
    "lookup",
    "raw",
    "log",
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "honorific",
    "salutation",
    "formal_name",
    "address_block",
    "address_lines",
];

/// A column name the template uses, with the line (in the compiled source) where it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub name: String,
    pub line: usize,
}

/// Every data name used in `template`, outside `{{#each}}`/`{{#with}}` blocks (whose inner
/// names are relative to something else).
pub fn uses(template: &Template) -> Vec<Use> {
    let mut out = Vec::new();
    walk(template, &mut out);
    out
}

fn walk(template: &Template, out: &mut Vec<Use>) {
    for (i, element) in template.elements.iter().enumerate() {
        let line = template.mapping.get(i).map_or(1, |m| m.0);
        element_uses(element, line, out);
    }
}

fn element_uses(element: &TemplateElement, line: usize, out: &mut Vec<Use>) {
    match element {
        TemplateElement::Expression(ht)
        | TemplateElement::HtmlExpression(ht)
        | TemplateElement::HelperBlock(ht) => {
            let name = ht.name.as_name().unwrap_or_default();
            let is_helper = HELPERS.contains(&name);
            if !is_helper && ht.params.is_empty() && ht.hash.is_empty() && !ht.block {
                push_name(&ht.name, line, out);
            }
            if ht.block && !is_helper {
                // A block on a column (`{{#Name}}...{{/Name}}`): the name is used, the inside
                // changes context.
                push_name(&ht.name, line, out);
                return;
            }
            for p in ht.params.iter().chain(hash_values(ht)) {
                param_uses(p, line, out);
            }
            if matches!(name, "each" | "with") {
                return;
            }
            for t in ht.template.iter().chain(ht.inverse.iter()) {
                walk(t, out);
            }
        }
        _ => {}
    }
}

fn param_uses(p: &Parameter, line: usize, out: &mut Vec<Use>) {
    match p {
        Parameter::Path(_) => push_name(p, line, out),
        Parameter::Subexpression(sub) => element_uses(sub.as_element(), line, out),
        _ => {}
    }
}

fn push_name(p: &Parameter, line: usize, out: &mut Vec<Use>) {
    let Some(raw) = p.as_name() else {
        return;
    };
    let raw = raw.strip_prefix("this.").unwrap_or(raw);
    if raw.is_empty() || raw == "this" || raw == "." || raw.contains('@') || raw.starts_with("../")
    {
        return;
    }
    let name = super::helpers::column_name(raw);
    if !out.iter().any(|u| u.name == name) {
        out.push(Use { name, line });
    }
}

/// Helpers whose arguments are tested (or walked) rather than printed: a column used there
/// may be empty by design (`{{#if suffix}}`, `{{default nickname first_name}}`).
const TESTS: [&str; 15] = [
    "if", "unless", "and", "or", "not", "default", "eq", "ne", "gt", "gte", "lt", "lte", "lookup",
    "each", "with",
];

/// The columns whose value the templates print (`{{x}}`, or an argument of a helper such as
/// `{{upper x}}`) and never test anywhere (`{{#if x}}`, `{{default x y}}`, ...): an empty
/// cell in one of these leaves a gap in the letter. Inside `{{#each}}`/`{{#with}}` names
/// are relative to something else and are not counted. In a template whose empty lines are
/// dropped (`drops_empty_lines`, the address block), a column alone on its line leaves no
/// gap either.
pub fn printed(templates: &[(&Template, bool)]) -> Vec<String> {
    let mut printed = Vec::new();
    let mut tested = Vec::new();
    for &(t, drops_empty_lines) in templates {
        for (i, element) in t.elements.iter().enumerate() {
            if drops_empty_lines && alone_on_line(t, i) {
                printed_element(element, &mut tested, &mut Vec::new());
            } else {
                printed_element(element, &mut printed, &mut tested);
            }
        }
    }
    printed.retain(|u: &Use| !tested.iter().any(|t: &Use| t.name == u.name));
    printed.into_iter().map(|u| u.name).collect()
}

/// Whether element `i` is an expression with only spaces between it and the line ends.
fn alone_on_line(t: &Template, i: usize) -> bool {
    let raw = |j: Option<usize>| match j.and_then(|j| t.elements.get(j)) {
        None => Some(String::new()),
        Some(TemplateElement::RawString(s)) => Some(s.clone()),
        Some(_) => None,
    };
    let before = raw(i.checked_sub(1));
    let after = raw(Some(i + 1));
    matches!(t.elements.get(i), Some(TemplateElement::Expression(_)))
        && before.is_some_and(|b| {
            let b = b.trim_end_matches([' ', '\t']);
            b.is_empty() || b.ends_with('\n')
        })
        && after.is_some_and(|a| {
            let a = a.trim_start_matches([' ', '\t']);
            a.is_empty() || a.starts_with('\n')
        })
}

fn printed_walk(template: &Template, printed: &mut Vec<Use>, tested: &mut Vec<Use>) {
    for element in &template.elements {
        printed_element(element, printed, tested);
    }
}

fn printed_element(element: &TemplateElement, printed: &mut Vec<Use>, tested: &mut Vec<Use>) {
    let (TemplateElement::Expression(ht)
    | TemplateElement::HtmlExpression(ht)
    | TemplateElement::HelperBlock(ht)) = element
    else {
        return;
    };
    let name = ht.name.as_name().unwrap_or_default();
    let is_helper = HELPERS.contains(&name) || !ht.params.is_empty() || !ht.hash.is_empty();
    if !is_helper {
        // `{{x}}` prints x; a block on a column (`{{#x}}...{{/x}}`) tests it.
        push_name(&ht.name, 1, if ht.block { tested } else { printed });
        return;
    }
    let is_test = TESTS.contains(&name);
    for p in ht.params.iter().chain(hash_values(ht)) {
        match p {
            Parameter::Path(_) => push_name(p, 1, if is_test { tested } else { printed }),
            Parameter::Subexpression(sub) => printed_element(sub.as_element(), printed, tested),
            _ => {}
        }
    }
    if matches!(name, "each" | "with") {
        return;
    }
    for t in ht.template.iter().chain(ht.inverse.iter()) {
        printed_walk(t, printed, tested);
    }
}

/// A helper's hash arguments (`city=city state=state`) in name order: the map itself has no
/// order, and problems must come out the same way every run.
fn hash_values(ht: &HelperTemplate) -> impl Iterator<Item = &Parameter> {
    let mut entries: Vec<(&String, &Parameter)> = ht.hash.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries.into_iter().map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::{printed, uses};
    use handlebars::template::Template;

    fn names(src: &str) -> Vec<(String, usize)> {
        let t = Template::compile(src).unwrap();
        uses(&t).into_iter().map(|u| (u.name, u.line)).collect()
    }

    #[test]
    fn finds_names_in_every_branch() {
        assert_eq!(
            names("Dear {{Name}},\n{{#if returning}}back{{else}}{{upper Town}}{{/if}}\n{{date}} {{date Start format=\"%Y\"}} {{[First Name]}}"),
            [
                ("Name".to_string(), 1),
                ("returning".to_string(), 2),
                ("Town".to_string(), 2),
                ("Start".to_string(), 3),
                ("First Name".to_string(), 3),
            ]
        );
        assert_eq!(
            names("{{#if (and a (not b))}}{{default c \"x\"}}{{/if}}{{#each list}}{{item}}{{@index}}{{/each}}"),
            [
                ("a".to_string(), 1),
                ("b".to_string(), 1),
                ("c".to_string(), 1),
                ("list".to_string(), 1),
            ]
        );
    }

    #[test]
    fn printed_columns_leave_out_tested_ones() {
        let t = Template::compile(
            "{{first}} {{upper last}} {{#if suffix}}, {{suffix}}{{/if}}\n{{default nick first}} \
             {{#unless returning}}new{{/unless}} {{ordinal district}} {{#each list}}{{x}}{{/each}}",
        )
        .unwrap();
        assert_eq!(printed(&[(&t, false)]), ["last", "district"]);
        // In the address block a column alone on its line drops out when empty.
        let address =
            Template::compile("{{name}}\n  {{line2}}  \n{{city}}, {{state}}\n{{zip}}").unwrap();
        assert_eq!(printed(&[(&address, true)]), ["city", "state"]);
    }
}
