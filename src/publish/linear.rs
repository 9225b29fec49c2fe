//! Linear's GraphQL API, as far as `ritc publish linear` needs it: the
//! `commentCreate` request and the reading of its answer (an HTTP error, a
//! GraphQL `errors` array, `success: false`, or the new comment). No IO.

use serde_json::{Value as Json, json};

/// Where Linear's GraphQL API is (`--endpoint` overrides it).
pub const ENDPOINT: &str = "https://api.linear.app/graphql";

/// The environment variable that holds the API key.
pub const API_KEY_VARIABLE: &str = "LINEAR_API_KEY";

/// The mutation that posts a comment on an issue.
pub const COMMENT_CREATE: &str = "mutation CommentCreate($input: CommentCreateInput!) { commentCreate(input: $input) { success comment { id url } } }";

/// The JSON body of the request.
pub fn comment_request(issue: &str, body: &str) -> Json {
    json!({
        "query": COMMENT_CREATE,
        "variables": { "input": { "issueId": issue, "body": body } },
    })
}

/// The `Authorization` header's value: a personal API key goes as it is
/// (Linear wants no `Bearer` before one); an OAuth token is given with its
/// `Bearer ` already, and kept so.
pub fn authorization(key: &str) -> String {
    key.trim().to_string()
}

/// The comment Linear created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedComment {
    pub id: Option<String>,
    pub url: Option<String>,
}

/// Why posting failed, with what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishError {
    pub message: String,
    pub help: Option<String>,
}

/// Reads Linear's answer: its HTTP status and body.
pub fn read_response(status: u16, body: &str) -> Result<PostedComment, PublishError> {
    let parsed: Option<Json> = serde_json::from_str(body).ok();
    // GraphQL servers (Linear's among them) answer errors with 200 or 400 and
    // an `errors` array: it says more than the status.
    if let Some(errors) = parsed
        .as_ref()
        .and_then(|value| value.get("errors"))
        .and_then(Json::as_array)
        .filter(|errors| !errors.is_empty())
    {
        return Err(graphql_errors(status, errors));
    }
    if !(200..300).contains(&status) {
        return Err(http_error(status, body));
    }
    let Some(parsed) = parsed else {
        return Err(PublishError {
            message: format!(
                "Linear answered HTTP {status} with a body that is not JSON: {}",
                excerpt(body)
            ),
            help: Some(
                "is --endpoint a GraphQL endpoint? Linear's is https://api.linear.app/graphql"
                    .to_string(),
            ),
        });
    };
    let payload = parsed.pointer("/data/commentCreate");
    match payload
        .and_then(|payload| payload.get("success"))
        .and_then(Json::as_bool)
    {
        Some(true) => {
            let text = |pointer: &str| {
                payload
                    .and_then(|payload| payload.pointer(pointer))
                    .and_then(Json::as_str)
                    .map(str::to_string)
            };
            Ok(PostedComment {
                id: text("/comment/id"),
                url: text("/comment/url"),
            })
        }
        Some(false) => Err(PublishError {
            message: "Linear did not create the comment (commentCreate answered success: false)"
                .to_string(),
            help: Some(
                "check that the issue exists and that the API key's user may comment on it"
                    .to_string(),
            ),
        }),
        None => Err(PublishError {
            message: format!(
                "Linear's answer has no data.commentCreate.success: {}",
                excerpt(body)
            ),
            help: Some(
                "is --endpoint a GraphQL endpoint? Linear's is https://api.linear.app/graphql"
                    .to_string(),
            ),
        }),
    }
}

fn graphql_errors(status: u16, errors: &[Json]) -> PublishError {
    let mut messages = Vec::new();
    let mut codes = Vec::new();
    for error in errors {
        let message = error
            .get("message")
            .and_then(Json::as_str)
            .unwrap_or("an error without a message");
        let extensions = error.get("extensions");
        let presentable = extensions
            .and_then(|extensions| extensions.get("userPresentableMessage"))
            .and_then(Json::as_str)
            .filter(|presentable| *presentable != message);
        messages.push(match presentable {
            Some(presentable) => format!("{message} ({presentable})"),
            None => message.to_string(),
        });
        if let Some(code) = extensions
            .and_then(|extensions| extensions.get("code"))
            .and_then(Json::as_str)
        {
            codes.push(code.to_string());
        }
    }
    let all = messages.join("; ").to_lowercase() + " " + &codes.join(" ").to_lowercase();
    let help = if status == 401
        || all.contains("authentication")
        || all.contains("not authenticated")
    {
        Some(format!(
            "{API_KEY_VARIABLE} was refused: create a personal API key in Linear (Settings → Security & access → Personal API keys) and export it"
        ))
    } else if status == 403 || all.contains("forbidden") || all.contains("permission") {
        Some(
            "the API key's user may not comment on this issue (its team or its scopes)".to_string(),
        )
    } else if all.contains("not found") || all.contains("entity") {
        Some(
            "--issue: give the issue's identifier as Linear shows it (ENG-123) or its UUID"
                .to_string(),
        )
    } else if status == 429 || all.contains("ratelimit") || all.contains("rate limit") {
        Some("Linear's rate limit was reached: try again in a minute".to_string())
    } else {
        None
    };
    PublishError {
        message: format!("Linear refused the comment: {}", messages.join("; ")),
        help,
    }
}

fn http_error(status: u16, body: &str) -> PublishError {
    let help = match status {
        401 => Some(format!(
            "{API_KEY_VARIABLE} was refused: check that it is a valid personal API key"
        )),
        403 => Some("the API key's user may not comment on this issue".to_string()),
        404 => Some(
            "no GraphQL endpoint there: Linear's is https://api.linear.app/graphql".to_string(),
        ),
        429 => Some("Linear's rate limit was reached: try again in a minute".to_string()),
        500..=599 => Some("Linear had a problem: try again later (status.linear.app)".to_string()),
        _ => None,
    };
    let body = excerpt(body);
    PublishError {
        message: if body.is_empty() {
            format!("Linear answered HTTP {status}")
        } else {
            format!("Linear answered HTTP {status}: {body}")
        },
        help,
    }
}

/// A body shortened to one line of at most 300 characters.
fn excerpt(body: &str) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 300 {
        let cut: String = line.chars().take(300).collect();
        format!("{cut}…")
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_the_comment_create_mutation() {
        let request = comment_request("ENG-1", "# hi");
        assert_eq!(request["query"], COMMENT_CREATE);
        assert_eq!(request["variables"]["input"]["issueId"], "ENG-1");
        assert_eq!(request["variables"]["input"]["body"], "# hi");
        assert_eq!(authorization(" lin_api_x \n"), "lin_api_x");
    }

    #[test]
    fn a_created_comment_is_read() {
        let body = r#"{"data":{"commentCreate":{"success":true,"comment":{"id":"c1","url":"https://linear.app/x/issue/ENG-1#comment-c1"}}}}"#;
        assert_eq!(
            read_response(200, body),
            Ok(PostedComment {
                id: Some("c1".to_string()),
                url: Some("https://linear.app/x/issue/ENG-1#comment-c1".to_string()),
            })
        );
    }

    #[test]
    fn graphql_errors_are_explained() {
        let body = r#"{"errors":[{"message":"Entity not found: Issue","extensions":{"code":"INPUT_ERROR","userPresentableMessage":"Could not find referenced Issue."}}],"data":null}"#;
        let error = read_response(200, body).unwrap_err();
        assert_eq!(
            error.message,
            "Linear refused the comment: Entity not found: Issue (Could not find referenced Issue.)"
        );
        assert!(error.help.unwrap().contains("--issue"));

        let body = r#"{"errors":[{"message":"Authentication required, not authenticated","extensions":{"code":"AUTHENTICATION_ERROR"}}]}"#;
        let error = read_response(400, body).unwrap_err();
        assert!(error.help.unwrap().contains(API_KEY_VARIABLE));
    }

    #[test]
    fn http_errors_and_odd_answers_are_explained() {
        let error = read_response(502, "<html>Bad gateway</html>").unwrap_err();
        assert_eq!(
            error.message,
            "Linear answered HTTP 502: <html>Bad gateway</html>"
        );
        assert!(error.help.is_some());
        let error = read_response(
            200,
            r#"{"data":{"commentCreate":{"success":false,"comment":null}}}"#,
        )
        .unwrap_err();
        assert!(error.message.contains("success: false"));
        let error = read_response(200, "not json").unwrap_err();
        assert!(error.message.contains("not JSON"));
        let error = read_response(200, r#"{"data":{}}"#).unwrap_err();
        assert!(error.message.contains("no data.commentCreate.success"));
    }
}
