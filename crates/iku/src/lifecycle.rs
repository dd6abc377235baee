//! The data's lifecycle: backup and restore (SQLite), verification, key rotation.

use std::path::{Path, PathBuf};

use iku_storage::audit::AuditChain;
use iku_storage::{Keyring, Personals, Store};

use crate::config::Config;
use crate::{CliError, file_error};

/// Re-sealed values per transaction during a key rotation.
const RESEAL_BATCH: usize = 1000;

fn sqlite_path(config: &Config) -> Result<PathBuf, CliError> {
    match config.database.strip_prefix("sqlite:") {
        Some(path) => Ok(PathBuf::from(path.strip_prefix("//").unwrap_or(path))),
        None => Err(CliError::Config(
            "restore works on SQLite; on PostgreSQL use pg_restore (see README)".into(),
        )),
    }
}

/// `iku backup FILE`: a consistent copy, made while the database is in use.
pub fn backup(config: &Config, file: &Path) -> Result<(), CliError> {
    if file.exists() {
        return Err(CliError::Config(format!(
            "{} exists; a backup never overwrites a file",
            file.display()
        )));
    }
    let mut store = iku_storage::open(&config.database)?;
    store.backup_to(file)?;
    config.audit(store.as_mut(), "backup", file.display().to_string())?;
    println!(
        "backup written to {} (personal fields stay encrypted: keep a copy of the key file {} with it)",
        file.display(),
        config.key_file.display()
    );
    Ok(())
}

/// `iku restore FILE`: into an empty SQLite database. The backup is copied beside the target,
/// brought to the current schema and verified there, and only then renamed into place.
pub fn restore(config: &Config, file: &Path) -> Result<(), CliError> {
    let target = sqlite_path(config)?;
    if target.exists() {
        let mut store = iku_storage::open(&config.database)?;
        if store.count()? > 0 || !store.publications()?.is_empty() {
            return Err(CliError::Config(format!(
                "{} is not empty; restore only into an empty database",
                target.display()
            )));
        }
    }
    let staging = target.with_extension("restoring");
    let _ = std::fs::remove_file(&staging);
    // Copied into a file of the owner's only (a plain copy would keep the backup's mode).
    iku_storage::sqlite::create_private(&staging)?;
    let mut from = std::fs::File::open(file).map_err(file_error(file))?;
    let mut into = std::fs::OpenOptions::new()
        .write(true)
        .open(&staging)
        .map_err(file_error(&staging))?;
    std::io::copy(&mut from, &mut into)
        .and_then(|_| into.sync_all())
        .map_err(file_error(&staging))?;
    let checked = (|| {
        let mut store = iku_storage::open(&format!("sqlite:{}", staging.display()))?;
        verify_store(store.as_mut(), config)
    })();
    let summary = match checked {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
    };
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    std::fs::rename(&staging, &target).map_err(file_error(&target))?;
    config.audit(
        iku_storage::open(&config.database)?.as_mut(),
        "restore",
        file.display().to_string(),
    )?;
    println!("restored {}: {summary}", target.display());
    Ok(())
}

/// `iku verify`: the history's structure and rules, every sealed value decrypts with the
/// keys at hand, every frozen review is JSON, the audit chain is whole.
pub fn verify(config: &Config) -> Result<(), CliError> {
    let mut store = iku_storage::open(&config.database)?;
    let summary = verify_store(store.as_mut(), config)?;
    config.audit(store.as_mut(), "verify", "register".into())?;
    println!("ok: {summary}");
    Ok(())
}

fn verify_store(store: &mut dyn Store, config: &Config) -> Result<String, CliError> {
    // Loading checks ids and amendments (Register::new) and opens every sealed value.
    let register = store.load(Personals::Open(&config.keys()?))?;
    let violations = register.view(None).validate(20);
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(CliError::Config(format!(
            "the register breaks its rules:\n  {}",
            list.join("\n  ")
        )));
    }
    let publications = store.publications()?;
    for p in &publications {
        serde_json::from_str::<serde_json::Value>(&p.document)
            .map_err(|e| CliError::Config(format!("publication {} is not JSON: {e}", p.id)))?;
    }
    let sealed: u64 = store.sealed_by_key()?.iter().map(|(_, n)| n).sum();
    let AuditChain { entries, head } = store.audit_chain()?;
    iku_storage::audit::verify(&config.audit_key()?, &entries, head)
        .map_err(|e| CliError::Config(format!("{e} (a different audit key, or tampering)")))?;
    Ok(format!(
        "{} events, {sealed} sealed values readable, {} publications, {} audit entries",
        register.len(),
        publications.len(),
        entries.len()
    ))
}

/// `iku keys rotate`: a new key, every sealed value re-sealed with it in batches, then the
/// old keys retired. Interrupted, it is resumed by running it again: values not yet under
/// the newest key are re-sealed first, and no new key is made until none is left.
pub fn rotate(config: &Config) -> Result<(), CliError> {
    if std::env::var_os("IKU_KEY").is_some() {
        return Err(CliError::Config(
            "IKU_KEY is set: rotate keys in the key file (unset IKU_KEY) or by hand".into(),
        ));
    }
    let mut store = iku_storage::open(&config.database)?;
    let mut keys = config.keys()?;
    let behind = |store: &mut dyn Store, keys: &Keyring| -> Result<u64, CliError> {
        Ok(store
            .sealed_by_key()?
            .iter()
            .filter(|(id, _)| id != keys.active_key_id())
            .map(|(_, n)| n)
            .sum())
    };
    if behind(store.as_mut(), &keys)? == 0 {
        let id = Keyring::add_key_to_file(&config.key_file)?;
        eprintln!("new key {id}");
        keys = config.keys()?;
    } else {
        eprintln!("resuming: re-sealing with key {}", keys.active_key_id());
    }
    let mut done = 0;
    loop {
        let n = store.reseal_batch(&keys, RESEAL_BATCH)?;
        if n == 0 {
            break;
        }
        done += n;
        eprintln!("resealed {done}");
    }
    let active = keys.active_key_id().to_owned();
    // The search index is keyed too: built again under the new key before the old one goes.
    let terms = store.rebuild_blind_index(&keys)?;
    eprintln!("search index built again: {terms} terms");
    Keyring::retire_keys_in_file(&config.key_file, &[active.as_str()])?;
    config.audit(
        store.as_mut(),
        "keys.rotate",
        format!("{done} values re-sealed with {active}"),
    )?;
    println!(
        "key rotated: {done} values re-sealed with {active}; older keys retired from {}",
        config.key_file.display()
    );
    Ok(())
}

/// The retention schedule's reading: who is due on `as_of` (default today in Finland).
fn due(
    store: &mut dyn Store,
    config: &Config,
    years: u16,
    as_of: Option<&str>,
) -> Result<(time::Date, Vec<iku_domain::retention::Due>), CliError> {
    let as_of = match as_of {
        Some(s) => iku_domain::calendar::parse_date(s)
            .ok_or_else(|| CliError::Config("--as-of: expected a date as YYYY-MM-DD".into()))?,
        None => iku_domain::calendar::finnish_date(iku_domain::Timestamp::from_offset_date_time(
            time::OffsetDateTime::now_utc(),
        )),
    };
    // Opening the personal fields tells which events still have any.
    let register = store.load(Personals::Open(&config.keys()?))?;
    Ok((as_of, iku_domain::retention::due(&register, as_of, years)))
}

/// `iku retention plan`: counts only, by how the cases ended.
pub fn retention_plan(config: &Config, years: u16, as_of: Option<&str>) -> Result<(), CliError> {
    let mut store = iku_storage::open(&config.database)?;
    let (as_of, due) = due(store.as_mut(), config, years, as_of)?;
    let cutoff = iku_domain::retention::cutoff(as_of, years);
    println!(
        "on {}, cases that ended before {} ({years} years) are due: {} persons, {} details events",
        iku_domain::calendar::format_date(as_of),
        iku_domain::calendar::format_date(cutoff),
        due.len(),
        due.iter().map(|d| d.events.len()).sum::<usize>()
    );
    let mut by_how: std::collections::BTreeMap<
        iku_domain::retention::CaseEnd,
        (usize, time::Date, time::Date),
    > = std::collections::BTreeMap::new();
    for d in &due {
        let e = by_how
            .entry(d.how)
            .or_insert((0, d.case_ended, d.case_ended));
        e.0 += 1;
        e.1 = e.1.min(d.case_ended);
        e.2 = e.2.max(d.case_ended);
    }
    for (how, (n, first, last)) in by_how {
        println!(
            "  {}: {n} persons, cases ended {} to {}",
            how.name(),
            iku_domain::calendar::format_date(first),
            iku_domain::calendar::format_date(last)
        );
    }
    Ok(())
}

/// `iku retention purge`: erases what the plan lists; running it again erases nothing more.
pub fn retention_purge(config: &Config, years: u16, as_of: Option<&str>) -> Result<(), CliError> {
    let mut store = iku_storage::open(&config.database)?;
    let (as_of, due) = due(store.as_mut(), config, years, as_of)?;
    let cutoff = iku_domain::retention::cutoff(as_of, years);
    let events: Vec<iku_domain::ids::EventId> =
        due.iter().flat_map(|d| d.events.iter().cloned()).collect();
    let now = iku_domain::Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc());
    let persons: Vec<iku_domain::ids::PersonId> = due.iter().map(|d| d.person.clone()).collect();
    let erased = store.erase_personal(&events, &persons, cutoff, now)?;
    config.audit(
        store.as_mut(),
        "retention.purge",
        format!(
            "{} persons, {erased} values; cases ended before {}",
            due.len(),
            iku_domain::calendar::format_date(cutoff)
        ),
    )?;
    println!(
        "erased the personal fields of {} persons ({erased} values); cases that ended before {}",
        due.len(),
        iku_domain::calendar::format_date(cutoff)
    );
    Ok(())
}
