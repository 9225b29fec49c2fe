//! What `-v` shows of a broker step (`nats`, `mqtt`, `amqp`), as it shows an
//! HTTP step's request and response: the step as announced (its URL's password
//! hidden), `>` lines for what it sent (where and how: a header, a property,
//! QoS) and its body, `<` lines for the message it yields (each field but the
//! body's forms and the timing) and its body. Secrets are masked and bodies cut
//! as HTTP's are (`shown_body`). Each kind says what it sent; the received side
//! is read from the step's fields, so nothing here names a kind.

use super::context::StepContext;
use super::exec::StepError;
use super::messages::Fields;
use super::shown_body::{describe_bytes, push_body};
use crate::mask::Masker;
use crate::value::{Value, to_json};
use std::fmt::Write as _;

/// What a broker step sent: how it went out, as `name: value` lines (`header
/// x-trace: abc`, `qos: 1`), and its body.
pub struct Sent<'a> {
    pub lines: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// The fields a message's `<` lines leave out: the body is shown below them,
/// and how long the step took is no part of the message.
const NOT_SHOWN: [&str; 4] = ["body", "json", "bytes", "duration"];

/// Shows the step's exchange under `-v` (nothing otherwise): `title`, the step as
/// announced, then what it sent, if anything, then the message of `outcome`'s
/// fields, when they hold one (a `body`).
pub fn show(
    context: &mut dyn StepContext,
    title: &str,
    sent: Option<&Sent<'_>>,
    outcome: &Result<Fields, StepError>,
) {
    let settings = context.settings();
    if !settings.verbose {
        return;
    }
    let received = outcome.as_ref().ok().map(Vec::as_slice);
    context.exchange(describe(title, sent, received, &settings.secrets));
}

/// The text `show` sends.
pub fn describe(
    title: &str,
    sent: Option<&Sent<'_>>,
    received: Option<&[(String, super::exec::FieldValue)]>,
    mask: &Masker,
) -> String {
    let mut described = mask.mask(&format!("{title}\n"));
    if let Some(sent) = sent {
        let mut head = String::new();
        for (name, value) in &sent.lines {
            let _ = writeln!(head, "> {name}: {value}");
        }
        described.push_str(&mask.mask(&head));
        push_body(&mut described, ">", &describe_bytes(sent.body), mask);
    }
    let Some(fields) = received else {
        return described;
    };
    let Some(body) = fields.iter().find_map(|(name, value)| match value {
        Ok(Value::Bytes(bytes)) if name == "bytes" => Some(bytes),
        _ => None,
    }) else {
        return described;
    };
    let mut head = String::new();
    for (name, value) in fields {
        if let (false, Ok(value)) = (NOT_SHOWN.contains(&name.as_str()), value) {
            let _ = writeln!(head, "< {name}: {}", shown_value(value));
        }
    }
    described.push_str(&mask.mask(&head));
    push_body(&mut described, "<", &describe_bytes(body), mask);
    described
}

/// A field's value on one line: text as it is, anything else as JSON.
fn shown_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => to_json(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_and_a_received_message_show_their_lines_and_bodies_masked() {
        let mask = Masker::new(vec!["s3cret-token".to_string()]);
        let sent = Sent {
            lines: vec![("header auth".to_string(), "s3cret-token".to_string())],
            body: br#"{"id":7}"#,
        };
        let received = vec![
            (
                "subject".to_string(),
                Ok(Value::String("orders.7".to_string())),
            ),
            ("body".to_string(), Ok(Value::String("hi".to_string()))),
            ("bytes".to_string(), Ok(Value::Bytes(b"hi".to_vec()))),
            ("received".to_string(), Ok(Value::Int(1))),
        ];
        let text = describe(
            "nats publish nats://h:4222 orders.7",
            Some(&sent),
            Some(&received),
            &mask,
        );
        assert_eq!(
            text,
            "nats publish nats://h:4222 orders.7\n> header auth: ***\n>\n{\"id\":7}\n< subject: orders.7\n< received: 1\n<\nhi\n"
        );
    }

    #[test]
    fn fields_without_a_message_show_nothing_received() {
        let fields = vec![("subject".to_string(), Ok(Value::String("a".to_string())))];
        let text = describe("nats silent u a", None, Some(&fields), &Masker::default());
        assert_eq!(text, "nats silent u a\n");
    }
}
