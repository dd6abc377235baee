//! The server as started from the command line: health, readiness and metrics, and the demo.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::Duration;

use super::support::*;

/// A plain HTTP/1.1 GET on loopback; returns the status line and the body.
fn http_get(addr: &str, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("{e}"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Starts `iku COMMAND` listening on free ports: the process, what it said up to the line
/// "listening on http://APP (metrics on http://METRICS/metrics)", and those two addresses.
fn start_server(iku: &Iku, command: &str) -> (std::process::Child, String, Vec<String>) {
    let mut child = iku
        .command(&[
            command,
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut said = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        said.push_str(&line);
    }
    let addrs: Vec<String> = line
        .split("http://")
        .skip(1)
        .map(|s| s.split([' ', ')', '/']).next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(addrs.len(), 2, "{said}");
    (child, said, addrs)
}

#[test]
fn the_server_answers_health_readiness_and_metrics_on_its_own_listener() {
    let iku = Iku::new();
    let (mut child, _, addrs) = start_server(&iku, "serve");
    let (status, body) = http_get(&addrs[0], "/health");
    assert!(
        status.contains("200") && body.contains("ok"),
        "{status} {body}"
    );
    // Ready once the register is read: "starting" until then, which on a loaded machine can
    // outlast the first ask.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let (status, body) = loop {
        let (status, body) = http_get(&addrs[0], "/ready");
        if !body.contains("\"starting\"") || std::time::Instant::now() > deadline {
            break (status, body);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        status.contains("200") && body.contains("ready"),
        "{status} {body}"
    );
    // Metrics are not on the public listener, only on their own.
    let (status, _) = http_get(&addrs[0], "/metrics");
    assert!(status.contains("404"), "{status}");
    let (status, body) = http_get(&addrs[1], "/metrics");
    assert!(status.contains("200"), "{status}");
    assert!(
        body.contains("iku_health_requests_total 1")
            && body.contains("iku_ready_requests_total{result=\"ready\"} 1"),
        "{body}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_demo_starts_the_server_with_the_demo_register_and_an_account_of_every_role() {
    let iku = Iku::new();
    let (mut child, said, addrs) = start_server(&iku, "demo");
    for role in [
        "caseworker",
        "director",
        "statistician",
        "admin",
        "auditor",
        "dpo",
    ] {
        assert!(said.contains(&format!("demo.{role}")), "{said}");
    }
    let addr = addrs[0].clone();
    // Log in as the director with the demo's password and current code.
    let code = iku.ok(&["demo-code"]).trim().to_owned();
    let body = format!(
        r#"{{"username":"demo.director","password":"demo-password-2020","code":"{code}"}}"#
    );
    let mut stream = std::net::TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{e}"));
    write!(
        stream,
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let cookie = response
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{e}"));
    write!(
        stream,
        "GET /api/cases?limit=500 HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut cases = String::new();
    stream
        .read_to_string(&mut cases)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(cases.starts_with("HTTP/1.1 200"), "{cases}");
    // A page of the demo register's cases, and more after it.
    assert_eq!(cases.matches("\"person\"").count(), 500, "{cases}");
    assert!(!cases.contains("\"next\":null"), "{cases}");
    let (status, _) = http_get(&addr, "/fi/staff/login");
    assert!(status.contains("200"), "{status}");
    let _ = child.kill();
    let _ = child.wait();
}
