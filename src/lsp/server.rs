//! The server: the initialize handshake, the open documents, and one handler per
//! request and notification. Runs on one thread, answering messages in order;
//! each handler is guarded so that a bug answers an error instead of ending the
//! server.

use super::analysis::{self, Analysis};
use super::completion;
use super::position::LineIndex;
use super::{definition, hover, publish, recovery, symbols};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, Request as _,
    Shutdown,
};
use lsp_types::{
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentFormattingParams, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, HoverProviderCapability,
    InitializeParams, Location, MarkupContent, MarkupKind, OneOf, Position,
    PublishDiagnosticsParams, Range, ServerCapabilities, TextDocumentContentChangeEvent,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, Url,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

struct Document {
    path: PathBuf,
    version: Option<i32>,
    /// The analysis of the text, or, when the text has a syntax error that drops
    /// an item, of its recovered copy (`recovery`): the text is checked once per
    /// change. Hover, definition and the outline read it; its diagnostics (the
    /// syntax errors as written) are published.
    analysis: Option<Analysis>,
    /// Whether `analysis` is of a recovered copy.
    recovered: bool,
}

impl Document {
    /// The analysis that answers questions about the document's parts.
    fn answering(&self) -> Option<&Analysis> {
        self.analysis.as_ref()
    }

    /// The analysis of the text as it is, when it parsed: completion starts from
    /// it, and repairs the text itself otherwise.
    fn as_written(&self) -> Option<&Analysis> {
        self.analysis.as_ref().filter(|_| !self.recovered)
    }
}

struct Server<'a> {
    connection: &'a Connection,
    documents: HashMap<Url, Document>,
    /// The text of every open document, by canonical path (what the loader serves).
    buffers: HashMap<PathBuf, String>,
    snippets: bool,
    shutdown_requested: bool,
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string()]),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Runs the protocol on `connection` until `exit`; the exit code follows the
/// protocol: 0 when `shutdown` came first, 1 otherwise.
pub fn serve(connection: &Connection) -> u8 {
    let (id, params) = match connection.initialize_start() {
        Ok(start) => start,
        Err(error) => {
            eprintln!("ritc lsp: {error}");
            return 1;
        }
    };
    let params: Option<InitializeParams> = serde_json::from_value(params).ok();
    let snippets = params
        .and_then(|params| params.capabilities.text_document)
        .and_then(|text| text.completion)
        .and_then(|completion| completion.completion_item)
        .and_then(|item| item.snippet_support)
        .unwrap_or(false);
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "ritc", "version": env!("CARGO_PKG_VERSION") },
    });
    if connection
        .sender
        .send(Response::new_ok(id, result).into())
        .is_err()
    {
        return 1;
    }
    let mut server = Server {
        connection,
        documents: HashMap::new(),
        buffers: HashMap::new(),
        snippets,
        shutdown_requested: false,
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => server.request(request),
            Message::Notification(notification) if notification.method == "exit" => {
                return if server.shutdown_requested { 0 } else { 1 };
            }
            Message::Notification(notification) => server.notification(notification),
            Message::Response(_) => {}
        }
    }
    // The editor closed our input without `exit`.
    if server.shutdown_requested { 0 } else { 1 }
}

/// Where an unsaved or non-file document lives, for the loader: its own path, or
/// a name under `/untitled` (relative imports then find nothing).
fn path_of(uri: &Url) -> PathBuf {
    match uri.to_file_path() {
        Ok(path) => analysis::canonical_path(&path),
        Err(()) => {
            let name: String = uri
                .as_str()
                .chars()
                .map(|character| {
                    if character.is_ascii_alphanumeric() || character == '.' {
                        character
                    } else {
                        '_'
                    }
                })
                .collect();
            PathBuf::from("/untitled").join(name)
        }
    }
}

fn parse<P: DeserializeOwned>(value: serde_json::Value) -> Option<P> {
    serde_json::from_value(value).ok()
}

impl Server<'_> {
    fn send(&self, message: Message) {
        // The writer is gone only when the editor is; the loop then ends by itself.
        let _ = self.connection.sender.send(message);
    }

    fn respond<R: Serialize>(&self, id: RequestId, result: R) {
        let response = match serde_json::to_value(result) {
            Ok(value) => Response::new_ok(id, value),
            Err(error) => Response::new_err(id, ErrorCode::InternalError as i32, error.to_string()),
        };
        self.send(response.into());
    }

    fn request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        if self.shutdown_requested {
            let response = Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            );
            self.send(response.into());
            return;
        }
        if method == Shutdown::METHOD {
            self.shutdown_requested = true;
            self.respond(id, ());
            return;
        }
        let answered = catch_unwind(AssertUnwindSafe(|| self.answer(&method, params)));
        match answered {
            Ok(Some(Ok(value))) => self.send(Response::new_ok(id, value).into()),
            Ok(Some(Err(message))) => {
                self.send(Response::new_err(id, ErrorCode::InvalidParams as i32, message).into())
            }
            Ok(None) => {
                let message = format!("ritc lsp does not handle `{method}`");
                self.send(Response::new_err(id, ErrorCode::MethodNotFound as i32, message).into());
            }
            Err(_) => {
                eprintln!("ritc lsp: internal error while answering `{method}`");
                let message = format!("internal error while answering `{method}`");
                self.send(Response::new_err(id, ErrorCode::InternalError as i32, message).into());
            }
        }
    }

    /// `None` for a method this server does not know; `Err` for bad parameters.
    fn answer(
        &mut self,
        method: &str,
        params: serde_json::Value,
    ) -> Option<Result<serde_json::Value, String>> {
        fn reply<R: Serialize>(result: R) -> Result<serde_json::Value, String> {
            serde_json::to_value(result).map_err(|error| error.to_string())
        }
        fn bad(method: &str) -> String {
            format!("invalid parameters for `{method}`")
        }
        Some(match method {
            HoverRequest::METHOD => match parse::<HoverParams>(params) {
                Some(params) => reply(self.hover(params)),
                None => Err(bad(method)),
            },
            GotoDefinition::METHOD => match parse::<GotoDefinitionParams>(params) {
                Some(params) => reply(self.definition(params)),
                None => Err(bad(method)),
            },
            Completion::METHOD => match parse::<CompletionParams>(params) {
                Some(params) => reply(self.completion(params)),
                None => Err(bad(method)),
            },
            DocumentSymbolRequest::METHOD => match parse::<DocumentSymbolParams>(params) {
                Some(params) => reply(self.symbols(params)),
                None => Err(bad(method)),
            },
            Formatting::METHOD => match parse::<DocumentFormattingParams>(params) {
                Some(params) => reply(self.formatting(params)),
                None => Err(bad(method)),
            },
            _ => return None,
        })
    }

    fn notification(&mut self, notification: Notification) {
        let Notification { method, params } = notification;
        let handled = catch_unwind(AssertUnwindSafe(|| match method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Some(params) = parse::<DidOpenTextDocumentParams>(params) {
                    let document = params.text_document;
                    self.set_text(document.uri, document.text, Some(document.version));
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Some(params) = parse::<DidChangeTextDocumentParams>(params) {
                    let uri = params.text_document.uri;
                    let text = self.document_text(&uri).unwrap_or_default();
                    let text = apply_changes(text, params.content_changes);
                    self.set_text(uri, text, Some(params.text_document.version));
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Some(params) = parse::<DidSaveTextDocumentParams>(params) {
                    let uri = params.text_document.uri;
                    let text = match params.text {
                        Some(text) => Some(text),
                        None => self.document_text(&uri),
                    };
                    if let Some(text) = text {
                        let version = self
                            .documents
                            .get(&uri)
                            .and_then(|document| document.version);
                        self.set_text(uri, text, version);
                    }
                }
            }
            // A file changed on disk (one that an open document may import).
            DidChangeWatchedFiles::METHOD => {
                let open: Vec<Url> = self.documents.keys().cloned().collect();
                for uri in open {
                    self.reanalyze(&uri);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Some(params) = parse::<DidCloseTextDocumentParams>(params) {
                    self.close(params.text_document.uri);
                }
            }
            _ => {}
        }));
        if handled.is_err() {
            eprintln!("ritc lsp: internal error while handling `{method}`");
        }
    }

    fn document_text(&self, uri: &Url) -> Option<String> {
        let document = self.documents.get(uri)?;
        self.buffers.get(&document.path).cloned()
    }

    fn set_text(&mut self, uri: Url, text: String, version: Option<i32>) {
        let path = path_of(&uri);
        self.buffers.insert(path.clone(), text);
        self.documents.insert(
            uri.clone(),
            Document {
                path: path.clone(),
                version,
                analysis: None,
                recovered: false,
            },
        );
        self.reanalyze(&uri);
        // Open documents that import this one see its new text too.
        let dependents: Vec<Url> = self
            .documents
            .iter()
            .filter(|(other, document)| {
                **other != uri
                    && document
                        .analysis
                        .as_ref()
                        .is_some_and(|analysis| analysis.depends_on(&path))
            })
            .map(|(other, _)| other.clone())
            .collect();
        for other in dependents {
            self.reanalyze(&other);
        }
    }

    fn close(&mut self, uri: Url) {
        if let Some(document) = self.documents.remove(&uri) {
            self.buffers.remove(&document.path);
        }
        self.publish(uri, Vec::new(), None);
    }

    fn reanalyze(&mut self, uri: &Url) {
        let Some(document) = self.documents.get(uri) else {
            return;
        };
        let text = self.buffers.get(&document.path);
        let recovered = text.and_then(|text| recovery::recovered_text(text, None));
        let analysis = analysis::analyze(&document.path, &self.buffers, recovered.as_deref());
        let diagnostics = match (&analysis, text) {
            (Some(analysis), Some(text)) if recovered.is_some() => {
                publish::diagnostics_as_written(analysis, text)
            }
            (Some(analysis), _) => publish::diagnostics(analysis),
            (None, _) => Vec::new(),
        };
        let version = document.version;
        if let Some(document) = self.documents.get_mut(uri) {
            document.analysis = analysis;
            document.recovered = recovered.is_some();
        }
        self.publish(uri.clone(), diagnostics, version);
    }

    fn publish(&self, uri: Url, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams::new(uri, diagnostics, version);
        self.send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into());
    }

    /// The analysis of a document and the byte offset of a position in it.
    fn locate(&self, uri: &Url, position: Position) -> Option<(&Analysis, usize)> {
        let document = self.documents.get(uri)?;
        let analysis = document.answering()?;
        // Positions are in the editor's text (a blanked line of the recovered copy
        // may count its characters differently).
        let text = self.buffers.get(&document.path)?;
        Some((analysis, LineIndex::new(text).offset(position)))
    }

    fn hover(&self, params: HoverParams) -> Option<Hover> {
        let position = params.text_document_position_params;
        let (analysis, offset) = self.locate(&position.text_document.uri, position.position)?;
        let (span, markdown) = hover::hover(analysis, offset).or_else(|| {
            // A cursor right after a word hovers that word.
            offset
                .checked_sub(1)
                .and_then(|before| hover::hover(analysis, before))
        })?;
        let text = analysis.source(span.file);
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: Some(LineIndex::new(text).range(span)),
        })
    }

    fn definition(&self, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let position = params.text_document_position_params;
        let (analysis, offset) = self.locate(&position.text_document.uri, position.position)?;
        let destination = definition::definition(analysis, offset).or_else(|| {
            offset
                .checked_sub(1)
                .and_then(|before| definition::definition(analysis, before))
        })?;
        let uri = Url::from_file_path(&destination.path).ok()?;
        let range = match destination.span {
            Some(span) => LineIndex::new(analysis.source(span.file)).range(span),
            None => Range::default(),
        };
        Some(GotoDefinitionResponse::Scalar(Location::new(uri, range)))
    }

    fn completion(&self, params: CompletionParams) -> Option<CompletionResponse> {
        let position = params.text_document_position;
        let uri = &position.text_document.uri;
        let document = self.documents.get(uri)?;
        let text = self.buffers.get(&document.path)?;
        let offset = LineIndex::new(text).offset(position.position);
        let request = completion::Request {
            path: &document.path,
            text,
            offset,
            buffers: &self.buffers,
            current: document.as_written(),
            snippets: self.snippets,
        };
        Some(CompletionResponse::Array(completion::completion(&request)))
    }

    fn symbols(&self, params: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        let analysis = self.documents.get(&params.text_document.uri)?.answering()?;
        let lines = LineIndex::new(analysis.source(analysis.entry_file()));
        Some(DocumentSymbolResponse::Nested(symbols::document_symbols(
            analysis.entry_ast(),
            &lines,
        )))
    }

    /// `ritc fmt`'s layout as one edit of the whole text; nothing for a text that
    /// does not parse (its diagnostics already say why) or is already formatted.
    fn formatting(&self, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let document = self.documents.get(&params.text_document.uri)?;
        let text = self.buffers.get(&document.path)?;
        let formatted = crate::fmt::format_source(crate::source::span::FileId(0), text).ok()?;
        if formatted == *text {
            return Some(Vec::new());
        }
        let lines = LineIndex::new(text);
        let whole = Range::new(lines.position(0), lines.position(text.len()));
        Some(vec![TextEdit::new(whole, formatted)])
    }
}

/// Applies the changes of a `didChange`: whole texts (what this server asks
/// for), or ranges when a client sends them anyway.
fn apply_changes(mut text: String, changes: Vec<TextDocumentContentChangeEvent>) -> String {
    for change in changes {
        match change.range {
            None => text = change.text,
            Some(range) => {
                let lines = LineIndex::new(&text);
                let start = lines.offset(range.start);
                let end = lines.offset(range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change to a text with a syntax error is checked once (its recovered
    /// copy), and publishes the syntax error as written, not what the copy's
    /// blanked line makes up (`id` never used); the test still answers.
    #[test]
    fn a_text_with_a_syntax_error_is_checked_once_per_change() {
        let folder = tempfile::tempdir().unwrap();
        let uri = Url::from_file_path(folder.path().join("main.rit")).unwrap();
        let (server_side, client_side) = Connection::memory();
        let mut server = Server {
            connection: &server_side,
            documents: HashMap::new(),
            buffers: HashMap::new(),
            snippets: false,
            shutdown_requested: false,
        };
        let text = "test \"t\" {\n  GET \"http://127.0.0.1:3000/users/1\"\n  let id = json.id\n  expect id >\n  expect status == 200\n}\n";
        let before = analysis::CHECKS.with(std::cell::Cell::get);
        server.set_text(uri.clone(), text.to_string(), Some(1));
        assert_eq!(analysis::CHECKS.with(std::cell::Cell::get) - before, 1);

        let Ok(Message::Notification(published)) = client_side.receiver.try_recv() else {
            panic!("no diagnostics published");
        };
        let params: PublishDiagnosticsParams = serde_json::from_value(published.params).unwrap();
        let codes: Vec<String> = params
            .diagnostics
            .iter()
            .filter_map(|diagnostic| match &diagnostic.code {
                Some(lsp_types::NumberOrString::String(code)) => Some(code.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(codes, ["E0101"], "{:?}", params.diagnostics);
        // Reported at the line after the half-typed one, as `ritc check` does.
        assert_eq!(params.diagnostics[0].range.start, Position::new(4, 2));
        let document = server.documents.get(&uri).unwrap();
        assert_eq!(document.answering().unwrap().entry_ast().items.len(), 1);
        assert!(document.as_written().is_none());

        // A text without one is checked once too, as it is.
        let fixed = text.replace("expect id >", "expect id > 0");
        let before = analysis::CHECKS.with(std::cell::Cell::get);
        server.set_text(uri.clone(), fixed, Some(2));
        assert_eq!(analysis::CHECKS.with(std::cell::Cell::get) - before, 1);
        assert!(server.documents.get(&uri).unwrap().as_written().is_some());
    }
}
