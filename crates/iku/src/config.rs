//! Where iku's files are and which database it uses: flags, then environment (clap reads
//! both), then defaults under the data directory. No global state: the resolved `Config` is
//! passed to each command.

use std::path::{Path, PathBuf};

use iku_storage::audit::{AuditKey, NewAuditEntry};
use iku_storage::{KeyError, Keyring, Store};

use crate::CliError;

pub struct Config {
    pub data_dir: PathBuf,
    pub database: String,
    pub key_file: PathBuf,
    pub audit_key_file: PathBuf,
}

impl Config {
    pub fn resolve(
        database: Option<String>,
        data_dir: Option<PathBuf>,
        key_file: Option<PathBuf>,
    ) -> Result<Self, CliError> {
        let data_dir = match data_dir {
            Some(d) => d,
            None => default_data_dir()?,
        };
        let database =
            database.unwrap_or_else(|| format!("sqlite:{}", data_dir.join("iku.db").display()));
        let key_file = key_file.unwrap_or_else(|| data_dir.join("keys"));
        let audit_key_file = data_dir.join("audit-key");
        Ok(Self {
            data_dir,
            database,
            key_file,
            audit_key_file,
        })
    }

    /// The database URL without a password.
    pub fn database_for_display(&self) -> String {
        match self.database.split_once('@') {
            Some((before, after)) if before.contains(':') && before.starts_with("postgres") => {
                let scheme_end = before.find("://").map_or(0, |i| i + 3);
                let user = before[scheme_end..].split(':').next().unwrap_or("");
                format!("{}{user}:***@{after}", &before[..scheme_end])
            }
            _ => self.database.clone(),
        }
    }

    pub fn create_data_dir(&self) -> Result<(), CliError> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.data_dir)
            .map_err(|source| CliError::File {
                path: self.data_dir.display().to_string(),
                source,
            })
    }

    /// Creates the key file unless it exists; returns the new key's id.
    pub fn create_key_file(&self) -> Result<Option<String>, CliError> {
        if self.key_file.exists() {
            return Ok(None);
        }
        let ring = Keyring::create_file(&self.key_file)?;
        Ok(Some(ring.active_key_id().to_owned()))
    }

    /// Creates the audit key file unless it exists; says whether it made one.
    pub fn create_audit_key_file(&self) -> Result<bool, CliError> {
        if self.audit_key_file.exists() {
            return Ok(false);
        }
        AuditKey::create_file(&self.audit_key_file)?;
        Ok(true)
    }

    /// Writes an audit entry for what this command did: `cli:USER` did `action` to `record`.
    pub fn audit(
        &self,
        store: &mut dyn Store,
        action: &str,
        record: String,
    ) -> Result<(), CliError> {
        let key = self.audit_key()?;
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        let entry = NewAuditEntry::new(&format!("cli:{user}"), action, &record, "");
        let now = iku_domain::Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc());
        store.append_audit(&key, entry, now)?;
        Ok(())
    }

    /// The audit chain's key: `IKU_AUDIT_KEY=HEX` if set, else the audit key file.
    pub fn audit_key(&self) -> Result<AuditKey, CliError> {
        if let Ok(hex) = std::env::var("IKU_AUDIT_KEY") {
            return Ok(AuditKey::parse(&hex, "IKU_AUDIT_KEY")?);
        }
        AuditKey::load(&self.audit_key_file)
            .map_err(|e| missing_key(e, "audit key", &self.audit_key_file, "IKU_AUDIT_KEY"))
    }

    /// The keys: `IKU_KEY=ID:HEX` if set, else the key file.
    pub fn keys(&self) -> Result<Keyring, CliError> {
        if let Ok(key) = std::env::var("IKU_KEY") {
            return Ok(Keyring::parse(&key, "IKU_KEY")?);
        }
        Keyring::load(&self.key_file)
            .map_err(|e| missing_key(e, "encryption key", &self.key_file, "IKU_KEY"))
    }
}

/// A key file that is not there gets an error saying what to do.
fn missing_key(e: KeyError, what: &str, path: &Path, variable: &str) -> CliError {
    match e {
        KeyError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            CliError::Config(format!(
                "no {what} at {}: run `iku init` first (or set {variable})",
                path.display()
            ))
        }
        other => other.into(),
    }
}

fn default_data_dir() -> Result<PathBuf, CliError> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(Path::new(&xdg).join("iku"));
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => Ok(Path::new(&home).join(".local/share/iku")),
        None => Err(CliError::Config(
            "no data directory: set --data-dir, IKU_DATA_DIR or HOME".into(),
        )),
    }
}
