//! An axum app served on 127.0.0.1 from a thread of its own with its own
//! runtime, until the test binary exits, so that tests which drive `ritc` as
//! a process need no async themselves.

/// Serves `app` on a free port; returns its base URL (`http://127.0.0.1:PORT`).
pub fn serve_in_background(app: axum::Router) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            sender.send(format!("http://{address}")).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    receiver.recv().unwrap()
}
