//! `iku htcds`: the register as person-level records in HTCDS's field names for
//! international statistics, released as CTDC does (`iku_stats::htcds`): every combination of
//! quasi-identifiers at least k persons; the release says what was recoded.

use std::io::Write;
use std::path::Path;

use iku_domain::Timestamp;
use iku_domain::calendar::finnish_date;
use iku_storage::Personals;

use crate::config::Config;
use crate::{CliError, file_error};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// The records with the release's report (what was recoded, how many withheld).
    Json,
    /// The records alone, a header of field names (the report is printed).
    Csv,
}

pub fn export(config: &Config, k: usize, format: Format, out: &Path) -> Result<(), CliError> {
    if k < 2 {
        return Err(CliError::Config("--k: at least 2".into()));
    }
    let mut store = iku_storage::open(&config.database)?;
    let register = store.load(Personals::Leave)?;
    let today = finnish_date(Timestamp::from_offset_date_time(
        time::OffsetDateTime::now_utc(),
    ));
    let state = register.view(None).state_as_of(today);
    let release = iku_stats::htcds::release(&state, k);
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&release.to_json()).unwrap_or_default() + "\n",
        Format::Csv => release.to_csv(),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    options
        .open(out)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(file_error(out))?;
    config.audit(
        store.as_mut(),
        "htcds.export",
        format!(
            "k={k}: {} records, {} withheld",
            release.records.len(),
            release.withheld
        ),
    )?;
    println!(
        "{} records (k = {k}; {} withheld); recoded: {}",
        release.records.len(),
        release.withheld,
        if release.recoded.is_empty() {
            "nothing".to_owned()
        } else {
            release
                .recoded
                .iter()
                .map(|(column, how)| format!("{column} ({how})"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    Ok(())
}
