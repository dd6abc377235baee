//! Readiness says so when the database does not answer, in the one error shape.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("{e}"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    response
}

#[test]
fn readiness_fails_with_a_stable_code_when_the_database_is_gone() {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        let (keys, _) = iku_storage::Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
        let audit_key = iku_storage::audit::AuditKey::parse(&"ab".repeat(32), "test")
            .unwrap_or_else(|e| panic!("{e}"));
        let config =
            iku_web::ServerConfig::new("sqlite:/nonexistent-dir/iku.db".into(), keys, audit_key);
        let _ = runtime.block_on(iku_web::serve(config, any, any, |b| {
            let _ = send.send((b.app, b.metrics));
        }));
    });
    let (app, metrics) = receive
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("{e}"));
    let response = get(app, "/ready");
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
    assert!(
        response.contains(r#""code":"database_unavailable""#),
        "{response}"
    );
    assert!(
        !response.contains("nonexistent"),
        "no detail leaks: {response}"
    );
    assert!(get(app, "/health").starts_with("HTTP/1.1 200"));
    assert!(get(metrics, "/metrics").contains("iku_ready_requests_total{result=\"not_ready\"} 1"));
}
