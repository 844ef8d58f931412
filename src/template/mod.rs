//! The user's letter template: YAML front matter whose values are Handlebars templates, then
//! a Handlebars body that is Markdown. Renders one record into a [`crate::letter::Letter`].
