//! `iku serve`'s mail settings: the SMTP relay notices of new work and the daily digest go
//! through (none: no mail is sent), its credentials from the environment only.

use iku_app::mail::MailConfig;
use iku_app::mail::smtp::{Credentials, Relay, Security};
use iku_domain::access::StaffEmail;

use crate::CliError;

#[derive(clap::Args)]
pub struct MailArgs {
    /// The SMTP relay's host name (with --smtp-from and --public-url: mail is sent).
    #[arg(long)]
    smtp_host: Option<String>,
    /// Its port: 465 for tls, 587 for starttls, 25 for none.
    #[arg(long)]
    smtp_port: Option<u16>,
    /// tls, starttls, or none (only to a relay on loopback).
    #[arg(long, default_value = "starttls")]
    smtp_security: String,
    /// The relay's user name and password, if it asks for them.
    #[arg(long, env = "IKU_SMTP_USERNAME", hide_env_values = true)]
    smtp_username: Option<String>,
    #[arg(long, env = "IKU_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// The sender's address.
    #[arg(long)]
    smtp_from: Option<String>,
    /// A PEM file of the certificate authority the relay's certificate is signed by, if it
    /// is not a public one.
    #[arg(long)]
    smtp_ca_file: Option<std::path::PathBuf>,
    /// This server's address as staff reach it, for the links in messages.
    #[arg(long)]
    public_url: Option<String>,
    /// When the daily digest is sent, Helsinki time (HH:MM).
    #[arg(long, default_value = "07:00")]
    digest_at: String,
}

impl MailArgs {
    /// The mail settings, if a relay is given; and when the digest goes.
    pub fn config(self) -> Result<(Option<MailConfig>, time::Time), CliError> {
        let bad = |what: &str| CliError::Config(what.to_owned());
        let digest_at = self
            .digest_at
            .split_once(':')
            .and_then(|(h, m)| time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok())
            .ok_or_else(|| bad("--digest-at: expected HH:MM, for example 07:00"))?;
        let Some(host) = self.smtp_host else {
            return Ok((None, digest_at));
        };
        let security = Security::parse(&self.smtp_security)
            .ok_or_else(|| bad("--smtp-security: expected tls, starttls or none"))?;
        let from = self
            .smtp_from
            .as_deref()
            .map(StaffEmail::parse)
            .ok_or_else(|| bad("--smtp-from is needed with --smtp-host"))?
            .map_err(|e| CliError::Config(format!("--smtp-from: {e}")))?;
        let site = self
            .public_url
            .ok_or_else(|| bad("--public-url is needed with --smtp-host"))?
            .trim_end_matches('/')
            .to_owned();
        if !(site.starts_with("https://") || site.starts_with("http://")) {
            return Err(bad("--public-url: expected https://HOST"));
        }
        let credentials = match (self.smtp_username, self.smtp_password) {
            (Some(username), Some(password)) => Some(Credentials { username, password }),
            (None, None) => None,
            _ => return Err(bad("IKU_SMTP_USERNAME and IKU_SMTP_PASSWORD go together")),
        };
        let extra_roots = match self.smtp_ca_file {
            Some(path) => vec![std::fs::read(&path).map_err(|e| {
                CliError::Config(format!("--smtp-ca-file {}: {e}", path.display()))
            })?],
            None => Vec::new(),
        };
        let port = self.smtp_port.unwrap_or(match security {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::Plain => 25,
        });
        let relay = Relay {
            host,
            port,
            security,
            credentials,
            from,
            extra_roots,
        };
        Ok((Some(MailConfig { relay, site }), digest_at))
    }
}
