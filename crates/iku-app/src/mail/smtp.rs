//! A small SMTP client (RFC 5321) for the relay the authority runs: implicit TLS (port 465),
//! STARTTLS (587) or, to a relay on this machine's loopback only, plain; AUTH PLAIN with
//! credentials from the environment; messages as UTF-8 text in base64, so that no line of
//! ours is ever longer than the protocol allows or starts with a dot. One connection carries
//! a batch of messages.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use iku_domain::access::StaffEmail;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain, then STARTTLS before anything else is said (port 587).
    StartTls,
    /// None: only to a relay on loopback (a test's sink, a local MTA).
    Plain,
}

impl Security {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "tls" => Some(Security::Tls),
            "starttls" => Some(Security::StartTls),
            "none" => Some(Security::Plain),
            _ => None,
        }
    }
}

/// A relay's user name and password (from the environment, never a flag).
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The relay and how to speak to it.
#[derive(Debug, Clone)]
pub struct Relay {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub credentials: Option<Credentials>,
    /// The sender, and the name this host greets with.
    pub from: StaffEmail,
    /// Trust anchors besides the public ones (a relay with the authority's own CA), as PEM.
    pub extra_roots: Vec<Vec<u8>>,
}

/// One message: to whom, its subject and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub to: StaffEmail,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the relay {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("the connection to the relay: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS with the relay: {0}")]
    Tls(String),
    /// The relay refused a command (the command's verb and the reply's first line, which
    /// names no recipient of ours: addresses are sent, never echoed into errors here).
    #[error("the relay answered {verb} with {code}")]
    Refused { verb: &'static str, code: u16 },
    #[error("a plain connection is only made to a relay on loopback")]
    PlainNotLoopback,
}

enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

const TIMEOUT: Duration = Duration::from_secs(30);

fn tls_config(relay: &Relay) -> Result<Arc<rustls::ClientConfig>, MailError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for pem in &relay.extra_roots {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| MailError::Tls(format!("a CA certificate: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| MailError::Tls(format!("a CA certificate: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MailError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn wrap(relay: &Relay, tcp: TcpStream) -> Result<Conn, MailError> {
    let name = rustls::pki_types::ServerName::try_from(relay.host.clone())
        .map_err(|e| MailError::Tls(format!("the relay's name: {e}")))?;
    let client = rustls::ClientConnection::new(tls_config(relay)?, name)
        .map_err(|e| MailError::Tls(e.to_string()))?;
    let mut stream = rustls::StreamOwned::new(client, tcp);
    // The handshake now, so that a certificate not trusted fails here, named as TLS.
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(|e| MailError::Tls(e.to_string()))?;
    }
    Ok(Conn::Tls(Box::new(stream)))
}

/// A conversation: commands written, replies read.
struct Session {
    reader: BufReader<Conn>,
}

impl Session {
    /// Reads one reply (all its lines); its code.
    fn reply(&mut self) -> Result<u16, MailError> {
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(MailError::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(code);
            }
        }
    }

    fn expect(&mut self, verb: &'static str, ok: &[u16]) -> Result<(), MailError> {
        let code = self.reply()?;
        if ok.contains(&code) {
            Ok(())
        } else {
            Err(MailError::Refused { verb, code })
        }
    }

    fn say(&mut self, verb: &'static str, line: &str, ok: &[u16]) -> Result<(), MailError> {
        let conn = self.reader.get_mut();
        conn.write_all(line.as_bytes())?;
        conn.write_all(b"\r\n")?;
        conn.flush()?;
        self.expect(verb, ok)
    }
}

fn connect(relay: &Relay) -> Result<TcpStream, MailError> {
    let addresses: Vec<_> = (relay.host.as_str(), relay.port)
        .to_socket_addrs()
        .map_err(|e| MailError::Connect(relay.host.clone(), e))?
        .collect();
    if relay.security == Security::Plain && !addresses.iter().all(|a| a.ip().is_loopback()) {
        return Err(MailError::PlainNotLoopback);
    }
    let mut last = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, TIMEOUT) {
            Ok(tcp) => {
                tcp.set_read_timeout(Some(TIMEOUT))?;
                tcp.set_write_timeout(Some(TIMEOUT))?;
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(MailError::Connect(
        relay.host.clone(),
        last.unwrap_or_else(|| std::io::ErrorKind::NotFound.into()),
    ))
}

/// Sends `messages` through `relay` on one connection.
pub fn send(relay: &Relay, messages: &[Message]) -> Result<(), MailError> {
    if messages.is_empty() {
        return Ok(());
    }
    let tcp = connect(relay)?;
    let conn = match relay.security {
        Security::Tls => wrap(relay, tcp)?,
        Security::StartTls | Security::Plain => Conn::Plain(tcp),
    };
    let mut session = Session {
        reader: BufReader::new(conn),
    };
    let helo = relay
        .from
        .as_str()
        .rsplit('@')
        .next()
        .unwrap_or("localhost")
        .to_owned();
    session.expect("the greeting", &[220])?;
    session.say("EHLO", &format!("EHLO {helo}"), &[250])?;
    if relay.security == Security::StartTls {
        session.say("STARTTLS", "STARTTLS", &[220])?;
        let Conn::Plain(tcp) = session.reader.into_inner() else {
            return Err(MailError::Tls("TLS was started twice".into()));
        };
        session = Session {
            reader: BufReader::new(wrap(relay, tcp)?),
        };
        session.say("EHLO", &format!("EHLO {helo}"), &[250])?;
    }
    if let Some(c) = &relay.credentials {
        let plain = base64(format!("\0{}\0{}", c.username, c.password).as_bytes());
        session.say("AUTH", &format!("AUTH PLAIN {plain}"), &[235])?;
    }
    for message in messages {
        session.say(
            "MAIL",
            &format!("MAIL FROM:<{}>", relay.from.as_str()),
            &[250],
        )?;
        session.say(
            "RCPT",
            &format!("RCPT TO:<{}>", message.to.as_str()),
            &[250, 251],
        )?;
        session.say("DATA", "DATA", &[354])?;
        let text = compose(&relay.from, message)?;
        session.say("the message", &text, &[250])?;
    }
    // The messages are accepted; a relay that closes without a goodbye lost nothing.
    let _ = session.say("QUIT", "QUIT", &[221]);
    Ok(())
}

/// The message as sent after DATA, ending with the lone dot: headers, a blank line and the
/// text in base64 (lines of 76).
fn compose(from: &StaffEmail, message: &Message) -> Result<String, MailError> {
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .map_err(|e| MailError::Io(std::io::Error::other(e.to_string())))?;
    let id = crate::login::random_token()
        .map_err(|e| MailError::Io(std::io::Error::other(e.to_string())))?;
    let domain = from.as_str().rsplit('@').next().unwrap_or("localhost");
    let mut text = format!(
        "From: iku <{from}>\r\nTo: <{to}>\r\nSubject: =?UTF-8?B?{subject}?=\r\nDate: {date}\r\n\
         Message-ID: <{id}@{domain}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        from = from.as_str(),
        to = message.to.as_str(),
        subject = base64(message.subject.as_bytes()),
    );
    let body = base64(message.text.as_bytes());
    for line in body.as_bytes().chunks(76) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push_str("\r\n");
    }
    text.push('.');
    Ok(text)
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_the_standard_one() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"\0user\0pass"), "AHVzZXIAcGFzcw==");
        assert_eq!(base64("ä".as_bytes()), "w6Q=");
    }

    #[test]
    fn a_plain_connection_goes_only_to_loopback() {
        let relay = Relay {
            host: "192.0.2.1".into(),
            port: 25,
            security: Security::Plain,
            credentials: None,
            from: StaffEmail::parse("iku@iku.example").unwrap_or_else(|e| panic!("{e}")),
            extra_roots: Vec::new(),
        };
        let message = Message {
            to: relay.from.clone(),
            subject: "s".into(),
            text: "t".into(),
        };
        assert!(matches!(
            send(&relay, &[message]),
            Err(MailError::PlainNotLoopback)
        ));
    }

    #[test]
    fn no_line_of_a_message_is_long_or_a_lone_dot() {
        let from = StaffEmail::parse("iku@iku.example").unwrap_or_else(|e| panic!("{e}"));
        let message = Message {
            to: from.clone(),
            subject: "Uusi työ".into(),
            text: ".\r\n.\n".repeat(200),
        };
        let text = compose(&from, &message).unwrap_or_default();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= 998));
        assert_eq!(lines.iter().filter(|l| **l == ".").count(), 1);
        assert_eq!(lines.last(), Some(&"."));
    }
}
