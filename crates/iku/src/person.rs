//! `iku person export PERSON`: everything held about one person (GDPR art. 15), through the
//! application layer as the data protection officer's page has it, on record as `cli:USER`.

use std::io::Write;
use std::path::Path;

use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;

use crate::config::Config;
use crate::{CliError, file_error};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Html,
}

pub fn export(
    config: &Config,
    person: &str,
    format: ExportFormat,
    lang: &str,
    out: &Path,
) -> Result<(), CliError> {
    let person = PersonId::parse(person)
        .map_err(|e| CliError::Config(format!("{person:?} is no person's id: {e}")))?;
    let lang = Lang::ALL
        .into_iter()
        .find(|l| l.code() == lang)
        .ok_or_else(|| CliError::Config(format!("--lang {lang}: expected fi, sv or en")))?;
    iku_storage::open(&config.database)?;
    // The file first (personal data: for its owner's eyes only, never over another), so
    // that nothing is handed over on record that could not be written.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(out).map_err(file_error(out))?;
    let app = iku_app::App::new(iku_app::AppConfig::new(
        config.database.clone(),
        config.keys()?,
        config.audit_key()?,
    ));
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let export = match app.export_person(&format!("cli:{user}"), &person) {
        Ok(Some(export)) => export,
        // Nothing to hand over: no empty file left behind.
        failed => {
            let _ = std::fs::remove_file(out);
            return Err(CliError::Config(match failed {
                Err(e) => e.to_string(),
                _ => format!("the register has no person {}", person.as_str()),
            }));
        }
    };
    let text = match format {
        ExportFormat::Json => {
            serde_json::to_string_pretty(&export.to_json()).unwrap_or_default() + "\n"
        }
        ExportFormat::Html => iku_web::person_export_html(lang, &export),
    };
    file.write_all(text.as_bytes()).map_err(file_error(out))?;
    eprintln!(
        "wrote what is held about {} to {} ({} entries, {} documents, {} reads and changes on record); review the texts listed before handing it over",
        person.as_str(),
        out.display(),
        export.events.len(),
        export.documents.len(),
        export.trail.len()
    );
    Ok(())
}
