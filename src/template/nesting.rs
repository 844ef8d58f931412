//! How deep a template nests, measured before anything recurses on it: Handlebars renders
//! (and drops) a template by recursion, one level per block, subexpression and partial, so
//! a template nested a few hundred deep, or a partial that includes itself, would overflow
//! the stack. Depth is checked twice: on the raw text before Handlebars parses it (so the
//! error names the limit, not a syntax error), then exactly on the compiled templates,
//! following every partial call, where a partial that includes itself is refused.

use handlebars::template::{Parameter, Template, TemplateElement};
use serde_json::Value;

/// The deepest nesting of blocks (`{{#if}}`, `{{#each}}`, each `{{else if}}` of a chain),
/// subexpressions and partial calls a template may have. A real letter nests a few levels;
/// a 50-branch `{{else if}}` chain (one per US state) still fits. Rendering recurses once
/// per level, and a debug build overflows a 2 MiB worker thread's stack near 500 levels
/// (measured), so 64 leaves a margin of eight.
pub const MAX_TEMPLATE_NESTING: usize = 64;

/// A nesting problem at a line of one of the checked sources (1-based within that source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestError {
    /// Index of the source in the slice given to [`check_compiled`] (0 for [`check_raw`]).
    pub source: usize,
    pub line: usize,
    pub message: String,
    pub hint: String,
}

fn too_deep(source: usize, line: usize) -> NestError {
    NestError {
        source,
        line,
        message: format!(
            "the template nests blocks, subexpressions and partials more than {MAX_TEMPLATE_NESTING} deep here (the limit)"
        ),
        hint: "close blocks sooner, or use `{{else if}}` less deeply; no letter needs this much nesting".into(),
    }
}

/// Block depth of the raw Handlebars text, counted tag by tag (`{{#...}}` opens, `{{/...}}`
/// closes; comments and `\{{` escapes are skipped). Refuses text that goes past the limit
/// with the line where it does. A cheap early check; [`check_compiled`] is exact.
pub fn check_raw(source: &str) -> Result<(), NestError> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut counted = 0usize; // bytes whose newlines are already in `line`
    let mut pos = 0usize;
    while let Some(at) = source[pos..].find("{{") {
        let start = pos + at;
        let backslashes = bytes[..start]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes == 1 {
            pos = start + 2; // `\{{` is literal text
            continue;
        }
        line += source[counted..start].matches('\n').count();
        counted = start;
        let rest = &source[start + 2..];
        if let Some(comment) = rest.strip_prefix("!--") {
            let end = comment
                .find("--}}")
                .map_or(source.len(), |e| start + 5 + e + 4);
            pos = end;
            continue;
        }
        if rest.starts_with('!') {
            pos = rest.find("}}").map_or(source.len(), |e| start + 2 + e + 2);
            continue;
        }
        // Skip at most the braces of `{{{` / `{{{{` (a long run of `{` must not be
        // rescanned at every position), then `~` and white space.
        let braces = rest.bytes().take(2).take_while(|&b| b == b'{').count();
        let tag = rest[braces..].trim_start_matches(['~', ' ', '\t', '\r', '\n']);
        if tag.starts_with('#') {
            depth += 1;
            if depth > MAX_TEMPLATE_NESTING {
                return Err(too_deep(0, line));
            }
        } else if tag.starts_with('/') {
            depth = depth.saturating_sub(1);
        }
        // Subexpressions `(a (b ...))` nest inside one tag.
        let mut parens = 0usize;
        for b in rest.bytes().take_while(|&b| b != b'}' && b != b'{') {
            match b {
                b'(' => parens += 1,
                b')' => parens = parens.saturating_sub(1),
                _ => continue,
            }
            if depth + parens > MAX_TEMPLATE_NESTING {
                return Err(too_deep(0, line));
            }
        }
        pos = start + 2;
    }
    Ok(())
}

/// One template or inline partial, with what it does at which depth.
struct Node<'a> {
    registry: usize,
    name: String,
    source: usize,
    /// Deepest level inside it, and the line where it is reached.
    local: (usize, usize),
    /// Partial calls: (depth at the call, partial name, line).
    calls: Vec<(usize, &'a str, usize)>,
}

/// Checks compiled templates: `sources` are (registry, name, template); a partial call
/// resolves to a template or `{{#*inline}}` partial of the same name in the same registry.
/// Refuses a partial name computed at render time, a partial that includes itself (directly
/// or through others), and nesting past [`MAX_TEMPLATE_NESTING`] counted through partials.
pub fn check_compiled(sources: &[(usize, &str, &Template)]) -> Result<(), NestError> {
    let mut nodes: Vec<Node> = Vec::new();
    for (index, &(registry, name, template)) in sources.iter().enumerate() {
        nodes.push(Node {
            registry,
            name: name.to_string(),
            source: index,
            local: (0, 1),
            calls: Vec::new(),
        });
        walk(template, nodes.len() - 1, &mut nodes)?;
    }
    for node in &nodes {
        if node.local.0 > MAX_TEMPLATE_NESTING {
            return Err(too_deep(node.source, node.local.1));
        }
    }
    effective_depths(&nodes)
}

enum Work<'a> {
    Template(&'a Template, usize, usize),
    Element(&'a TemplateElement, usize, usize, usize),
}

/// Walks one source's tree with an explicit stack (no recursion), adding a node for every
/// inline partial it defines.
fn walk<'a>(
    template: &'a Template,
    root: usize,
    nodes: &mut Vec<Node<'a>>,
) -> Result<(), NestError> {
    let source = nodes[root].source;
    let registry = nodes[root].registry;
    let mut work = vec![Work::Template(template, 0, root)];
    while let Some(item) = work.pop() {
        match item {
            Work::Template(t, depth, node) => {
                for (i, element) in t.elements.iter().enumerate() {
                    let line = t.mapping.get(i).map_or(1, |m| m.0);
                    work.push(Work::Element(element, depth, line, node));
                }
            }
            Work::Element(element, depth, line, node) => {
                if depth > nodes[node].local.0 {
                    nodes[node].local = (depth, line);
                }
                // Anything this element opens (a block's inside, a subexpression, a
                // partial block) is one level deeper: refuse it at this element's line.
                let opens = match element {
                    TemplateElement::HelperBlock(_)
                    | TemplateElement::DecoratorBlock(_)
                    | TemplateElement::PartialBlock(_) => true,
                    TemplateElement::Expression(ht) | TemplateElement::HtmlExpression(ht) => {
                        ht.params.iter().chain(ht.hash.values()).any(is_sub)
                    }
                    TemplateElement::DecoratorExpression(dt)
                    | TemplateElement::PartialExpression(dt) => {
                        dt.params.iter().chain(dt.hash.values()).any(is_sub)
                    }
                    _ => false,
                };
                if opens && depth + 1 > MAX_TEMPLATE_NESTING {
                    return Err(too_deep(source, line));
                }
                let mut params: Vec<&Parameter> = Vec::new();
                match element {
                    TemplateElement::Expression(ht)
                    | TemplateElement::HtmlExpression(ht)
                    | TemplateElement::HelperBlock(ht) => {
                        params.push(&ht.name);
                        params.extend(ht.params.iter().chain(ht.hash.values()));
                        for t in ht.template.iter().chain(ht.inverse.iter()) {
                            work.push(Work::Template(t, depth + 1, node));
                        }
                    }
                    TemplateElement::DecoratorBlock(dt) if dt.name.as_name() == Some("inline") => {
                        let Some(Parameter::Literal(Value::String(name))) = dt.params.first()
                        else {
                            return Err(NestError {
                                source,
                                line,
                                message: "`{{#*inline}}` needs the partial's name in quotes".into(),
                                hint: "write it like `{{#*inline \"greeting\"}}...{{/inline}}`"
                                    .into(),
                            });
                        };
                        nodes.push(Node {
                            registry,
                            name: name.clone(),
                            source,
                            local: (0, line),
                            calls: Vec::new(),
                        });
                        if let Some(t) = &dt.template {
                            work.push(Work::Template(t, 0, nodes.len() - 1));
                        }
                    }
                    TemplateElement::DecoratorExpression(dt)
                    | TemplateElement::DecoratorBlock(dt) => {
                        params.extend(dt.params.iter().chain(dt.hash.values()));
                        if let Some(t) = &dt.template {
                            work.push(Work::Template(t, depth + 1, node));
                        }
                    }
                    TemplateElement::PartialExpression(dt) | TemplateElement::PartialBlock(dt) => {
                        let name = match &dt.name {
                            Parameter::Literal(Value::String(s)) => Some(s.as_str()),
                            other => other.as_name(),
                        };
                        let Some(name) = name else {
                            return Err(NestError {
                                source,
                                line,
                                message: "this partial's name is computed when the letter is filled in".into(),
                                hint: "name the partial directly, like `{{> greeting}}`, so lettermerge can check it before any letter".into(),
                            });
                        };
                        // `@partial-block` writes text rendered before the call: no recursion.
                        if name != "@partial-block" {
                            nodes[node].calls.push((depth, name, line));
                        }
                        params.extend(dt.params.iter().chain(dt.hash.values()));
                        if let Some(t) = &dt.template {
                            work.push(Work::Template(t, depth + 1, node));
                        }
                    }
                    _ => {}
                }
                for p in params {
                    if let Parameter::Subexpression(sub) = p {
                        work.push(Work::Element(sub.as_element(), depth + 1, line, node));
                    }
                }
            }
        }
    }
    Ok(())
}

fn is_sub(p: &Parameter) -> bool {
    matches!(p, Parameter::Subexpression(_))
}

/// The depth of every node counted through its partial calls, by an iterative depth-first
/// search that refuses a cycle at the call that closes it.
fn effective_depths(nodes: &[Node]) -> Result<(), NestError> {
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let callees = |n: usize, name: &str| -> Vec<usize> {
        (0..nodes.len())
            .filter(|&m| nodes[m].registry == nodes[n].registry && nodes[m].name == name)
            .collect()
    };
    let mut state = vec![NEW; nodes.len()];
    let mut depth = vec![0usize; nodes.len()];
    for root in 0..nodes.len() {
        if state[root] != NEW {
            continue;
        }
        // (node, index of the next call to look at)
        let mut stack = vec![(root, 0usize)];
        state[root] = OPEN;
        depth[root] = nodes[root].local.0;
        while let Some(&(n, next)) = stack.last() {
            let Some(&(at, name, line)) = nodes[n].calls.get(next) else {
                state[n] = DONE;
                stack.pop();
                continue;
            };
            let targets = callees(n, name);
            if targets.iter().any(|&m| state[m] == OPEN) {
                return Err(NestError {
                    source: nodes[n].source,
                    line,
                    message: format!(
                        "`{{{{> {name}}}}}` includes the partial `{name}` inside itself (directly or through other partials), which would never end"
                    ),
                    hint: "a partial cannot include itself; put the repeated text in once".into(),
                });
            }
            if let Some(&m) = targets.iter().find(|&&m| state[m] == NEW) {
                // Visit the callee first; this call is looked at again when it is done.
                state[m] = OPEN;
                depth[m] = nodes[m].local.0;
                stack.push((m, 0));
                continue;
            }
            for m in targets {
                let through = at + 1 + depth[m];
                if through > MAX_TEMPLATE_NESTING {
                    return Err(too_deep(nodes[n].source, line));
                }
                depth[n] = depth[n].max(through);
            }
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_compiled, check_raw, MAX_TEMPLATE_NESTING};
    use handlebars::template::Template;

    fn nested(n: usize) -> String {
        format!("{}x{}", "{{#if a}}\n".repeat(n), "{{/if}}".repeat(n))
    }

    fn compiled(source: &str) -> Result<(), super::NestError> {
        let t = Template::compile(source).expect("compiles");
        check_compiled(&[(0, "body", &t)])
    }

    #[test]
    fn raw_depth_just_under_and_over_the_limit() {
        assert!(check_raw(&nested(MAX_TEMPLATE_NESTING)).is_ok());
        let e = check_raw(&nested(MAX_TEMPLATE_NESTING + 1)).unwrap_err();
        assert_eq!(e.line, MAX_TEMPLATE_NESTING + 1);
        assert!(e.message.contains("more than 64 deep"), "{}", e.message);
        // Comments and escapes do not count.
        let hidden = format!("{{{{!-- {} --}}}}\\{{{{#if}}}}", "{{#if a}}".repeat(100));
        assert!(check_raw(&hidden).is_ok());
        let subs = |n: usize| format!("{{{{x {}a{}}}}}", "(lower ".repeat(n), ")".repeat(n));
        assert!(check_raw(&subs(MAX_TEMPLATE_NESTING)).is_ok());
        assert!(check_raw(&subs(MAX_TEMPLATE_NESTING + 1)).is_err());
        // Linear time on runs of braces.
        let start = std::time::Instant::now();
        assert!(check_raw(&"{".repeat(1 << 20)).is_ok());
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn compiled_depth_just_under_and_over_the_limit() {
        // The body itself is level 0, so the limit allows 64 nested blocks.
        assert!(compiled(&nested(MAX_TEMPLATE_NESTING)).is_ok());
        let e = compiled(&nested(MAX_TEMPLATE_NESTING + 1)).unwrap_err();
        assert_eq!(e.line, MAX_TEMPLATE_NESTING + 1);
        let subs = format!("{{{{x {}a{}}}}}", "(lower ".repeat(70), ")".repeat(70));
        assert!(compiled(&subs).is_err());
    }

    #[test]
    fn a_partial_that_includes_itself_is_refused() {
        let e = compiled("{{#*inline \"a\"}}{{> a}}{{/inline}}\n{{> a}}").unwrap_err();
        assert!(e
            .message
            .contains("`{{> a}}` includes the partial `a` inside itself"));
        assert_eq!(e.line, 1);
        let e = compiled(
            "{{#*inline \"a\"}}{{> b}}{{/inline}}\n{{#*inline \"b\"}}\n{{> a}}{{/inline}}{{> a}}",
        )
        .unwrap_err();
        assert!(e.message.contains("inside itself"), "{}", e.message);
        assert!(compiled("{{> body}}").is_err(), "the body includes itself");
    }

    #[test]
    fn partials_in_two_fields_that_include_each_other_are_refused() {
        let a = Template::compile("{{> subject}}").unwrap();
        let b = Template::compile("x\n{{> to}}").unwrap();
        let e = check_compiled(&[(0, "to", &a), (0, "subject", &b)]).unwrap_err();
        assert!(e.message.contains("inside itself"));
        // The same names in different registries do not meet.
        assert!(check_compiled(&[(0, "to", &a), (1, "subject", &b)]).is_ok());
    }

    #[test]
    fn depth_counts_through_a_chain_of_partials() {
        // Each partial nests 20 blocks and calls the next: 4 of them is too deep.
        let mut src = String::new();
        for i in 0..4 {
            src.push_str(&format!(
                "{{{{#*inline \"p{i}\"}}}}{}{{{{> p{}}}}}{}{{{{/inline}}}}",
                "{{#if a}}".repeat(20),
                i + 1,
                "{{/if}}".repeat(20)
            ));
        }
        src.push_str("{{> p0}}");
        assert!(compiled(&src).is_err());
        let fine = "{{#*inline \"p\"}}{{#if a}}x{{/if}}{{/inline}}{{> p}}{{> p}}";
        assert!(compiled(fine).is_ok());
        assert!(compiled("{{> (lookup this \"x\")}}").is_err());
    }
}
