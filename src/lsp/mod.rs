//! `ritc lsp`: a language server on stdio. Diagnostics as you type (the checker run
//! on the editor's unsaved buffers), hover with types, go to definition,
//! completion and the document outline. Reads `syntax`, `check` and the step kinds'
//! schemas; must not import `run`, `plan` or `report`.

mod analysis;
mod completion;
mod cursor;
mod definition;
mod describe;
mod hover;
mod json_paths;
mod json_shape;
mod keywords;
mod position;
mod publish;
mod recovery;
#[cfg(test)]
mod robustness;
mod scope;
mod server;
mod symbols;
mod walk;

/// Serves the protocol on stdin and stdout until the editor says `exit`.
pub fn run() -> u8 {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    // Deeply nested input recurses deeply in the parser and the checker.
    let served = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("ritc-lsp".to_string())
            .stack_size(256 * 1024 * 1024)
            .spawn_scoped(scope, || server::serve(&connection))
            .ok()
            .and_then(|handle| handle.join().ok())
    });
    drop(connection);
    let code = served.unwrap_or(1);
    // The reader ends at `exit` or when the editor closes our input.
    if io_threads.join().is_err() && code == 0 {
        return 1;
    }
    code
}
