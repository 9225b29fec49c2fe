//! `xpath(document, expression)`: XPath 1.0 on an XML or an HTML document,
//! with one engine for both (sxd-xpath). XML is parsed by sxd-document; a page
//! that says it is HTML (`<!DOCTYPE html>` or `<html` first) by html5ever's
//! HTML5 algorithm into the same tree (sxd_html), its elements without a
//! namespace so that `//title` finds them, as Hurl's do. The expression is
//! compiled by `builtins::xpath_of_text`, the code the checker runs on a
//! literal one.

use serde_json::Value as Json;
use sxd_document::Package;
use sxd_document::dom::ChildOfRoot;
use sxd_xpath::Value as XPathValue;

use crate::builtins;
use crate::value::{EvalError, Value};

/// The prefix the root element's default namespace is bound to, so that an
/// expression can name elements in it (`//_:item`), as Hurl does.
const DEFAULT_NAMESPACE_PREFIX: &str = "_";

/// The expression's value: a node set as a json list of each node's text (in
/// document order), a string, a number (an int when it has no fraction:
/// `count(//li)` is 3) or a bool.
pub(super) fn evaluate(document: &str, expression: &str) -> Result<Value, EvalError> {
    let xpath = builtins::xpath_of_text(expression)
        .map_err(|error| EvalError(format!("xpath: {error}")))?;
    let package = parse(document)?;
    let document = package.as_document();
    let mut context = sxd_xpath::Context::new();
    for child in document.root().children() {
        if let ChildOfRoot::Element(root) = child {
            for namespace in root.namespaces_in_scope() {
                context.set_namespace(namespace.prefix(), namespace.uri());
            }
            if let Some(uri) = root.default_namespace_uri() {
                context.set_namespace(DEFAULT_NAMESPACE_PREFIX, uri);
            }
        }
    }
    let value = xpath
        .evaluate(&context, document.root())
        .map_err(|error| EvalError(format!("xpath: {expression}: {error}")))?;
    let json = match value {
        XPathValue::Boolean(flag) => Json::Bool(flag),
        XPathValue::String(text) => Json::String(text),
        XPathValue::Number(number) => number_json(number).ok_or_else(|| {
            EvalError(format!(
                "xpath: {expression} gives {number}, which is not a number"
            ))
        })?,
        XPathValue::Nodeset(nodes) => Json::Array(
            nodes
                .document_order()
                .iter()
                .map(|node| Json::String(node.string_value()))
                .collect(),
        ),
    };
    Ok(Value::Json(json))
}

/// An XPath number as JSON: integral ones as ints, NaN and infinities as none.
fn number_json(number: f64) -> Option<Json> {
    const LARGEST_EXACT: f64 = 9_007_199_254_740_992.0;
    if number.is_finite() && number.fract() == 0.0 && number.abs() <= LARGEST_EXACT {
        #[allow(clippy::cast_possible_truncation)] // integral and within ±2^53
        return Some(Json::from(number as i64));
    }
    serde_json::Number::from_f64(number).map(Json::Number)
}

/// HTML when the text says so before anything else, XML otherwise.
fn parse(document: &str) -> Result<Package, EvalError> {
    if looks_like_html(document) {
        return Ok(sxd_html::parse_html(document));
    }
    sxd_document::parser::parse(document).map_err(|error| {
        EvalError(format!(
            "xpath: the document is not XML (an HTML page must begin with <!DOCTYPE html> or <html>): {error}"
        ))
    })
}

fn looks_like_html(document: &str) -> bool {
    let start = document.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let head: String = start
        .chars()
        .take(14)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json(document: &str, expression: &str) -> Json {
        match evaluate(document, expression) {
            Ok(Value::Json(json)) => json,
            other => panic!("expected json, found {other:?}"),
        }
    }

    const XML: &str = r#"<?xml version="1.0"?>
<catalog><book id="1"><title>Dune</title></book><book id="2"><title>Emma</title></book></catalog>"#;

    #[test]
    fn xml_node_sets_strings_numbers_and_bools() {
        assert_eq!(json(XML, "//book/title/text()"), json!(["Dune", "Emma"]));
        assert_eq!(json(XML, "//book/@id"), json!(["1", "2"]));
        assert_eq!(json(XML, "string(//book[@id='2']/title)"), json!("Emma"));
        assert_eq!(json(XML, "count(//book)"), json!(2));
        assert_eq!(json(XML, "count(//book) div 4"), json!(0.5));
        assert_eq!(json(XML, "boolean(//book[@id='3'])"), json!(false));
        assert_eq!(json(XML, "//missing"), json!([]));
    }

    #[test]
    fn namespaces_of_the_root_are_known() {
        let feed = r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:m="urn:m"><m:n>1</m:n><title>T</title></feed>"#;
        assert_eq!(json(feed, "string(//_:title)"), json!("T"));
        assert_eq!(json(feed, "string(//m:n)"), json!("1"));
    }

    #[test]
    fn html_pages_are_read_as_browsers_read_them() {
        let page = "<!DOCTYPE html><html><head><title>Home</title></head><body><ul><li>a<li>b</ul><br></body></html>";
        assert_eq!(json(page, "string(//title)"), json!("Home"));
        assert_eq!(json(page, "count(//li)"), json!(2));
        assert_eq!(
            json("  <HTML><p class=x>hi", "//p[@class='x']/text()"),
            json!(["hi"])
        );
    }

    #[test]
    fn what_is_not_xml_or_not_xpath_says_so() {
        let error = evaluate("<a><b></a>", "//b").unwrap_err();
        assert!(
            error.0.starts_with("xpath: the document is not XML"),
            "{error:?}"
        );
        let error = evaluate(XML, "//book[").unwrap_err();
        assert!(
            error.0.starts_with("xpath: not an XPath expression: "),
            "{error:?}"
        );
        let error = evaluate(XML, "number('x')").unwrap_err();
        assert_eq!(
            error.0,
            "xpath: number('x') gives NaN, which is not a number"
        );
    }
}
