//! `iku demo`: the whole system on the embedded SQLite database with the synthetic demo
//! register (calibrated to the published 2020 review), a demo account of every role, the
//! demo's cases spread over the four offices, and the server. Everything it makes is marked
//! as demo: the accounts' passwords and their shared TOTP secret are printed, so never run
//! it on a real register.

use iku_app::auth::totp::{TotpSecret, code};
use iku_domain::access::{Role, Username};
use iku_domain::calendar::finnish_date;
use iku_storage::access::CaseAssignment;
use iku_storage::{Account, Personals, Store};

use crate::CliError;
use crate::config::Config;

/// The demo accounts' TOTP secret (20 bytes, as an authenticator takes them in base32).
const DEMO_SECRET: &[u8; 20] = b"iku demo totp secret";

/// The demo's password of every account: printed, never for real use.
const DEMO_PASSWORD: &str = "demo-password-2020";

const OFFICES: [&str; 4] = ["helsinki", "tampere", "oulu", "joutseno"];

fn accounts() -> Vec<(&'static str, Role, Option<&'static str>)> {
    vec![
        ("demo.caseworker", Role::Caseworker, Some("helsinki")),
        ("demo.director", Role::Director, None),
        ("demo.statistician", Role::Statistician, None),
        ("demo.admin", Role::Admin, None),
        ("demo.auditor", Role::Auditor, None),
        ("demo.dpo", Role::DataProtection, None),
    ]
}

fn now() -> iku_domain::Timestamp {
    iku_domain::Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc())
}

/// Prepares the demo (once; running it again keeps what is there) and says how to log in.
pub fn prepare(config: &Config) -> Result<(), CliError> {
    config.create_data_dir()?;
    config.create_key_file()?;
    config.create_audit_key_file()?;
    let mut store = iku_storage::open(&config.database)?;
    if store.count()? == 0 {
        crate::import_demo_register(config, store.as_mut())?;
    }
    add_accounts(config, store.as_mut())?;
    spread_cases(config, store.as_mut())?;
    let secret = TotpSecret::from_bytes(DEMO_SECRET.to_vec());
    println!();
    println!("Demo accounts (demo data only; every one has the password {DEMO_PASSWORD:?}):");
    for (name, role, office) in accounts() {
        println!(
            "  {name:<18} {role}{}",
            office.map(|o| format!(", office {o}")).unwrap_or_default()
        );
    }
    println!(
        "Their verification code comes from the TOTP secret {} (add it to an authenticator \
         app), or print the current one with `iku demo-code`.",
        secret.base32()
    );
    Ok(())
}

/// The current code of the demo accounts.
pub fn current_code() -> String {
    let unix = time::OffsetDateTime::now_utc().unix_timestamp();
    code(&TotpSecret::from_bytes(DEMO_SECRET.to_vec()), unix)
}

fn add_accounts(config: &Config, store: &mut dyn Store) -> Result<(), CliError> {
    let existing: Vec<Username> = store.accounts()?.into_iter().map(|a| a.username).collect();
    let keys = config.keys()?;
    let hash = iku_app::auth::password::hash(DEMO_PASSWORD)
        .map_err(|e| CliError::Config(e.to_string()))?;
    for (name, role, office) in accounts() {
        let username = Username::parse(name).map_err(|e| CliError::Config(e.to_string()))?;
        if existing.contains(&username) {
            continue;
        }
        store.add_account(
            &Account {
                username: username.clone(),
                role,
                office: office.map(str::to_owned),
                password_hash: hash.clone(),
                must_change: false,
                totp_enrolled: false,
                disabled: false,
                locked_until: None,
            },
            now(),
        )?;
        let sealed = keys.seal_bytes(&iku_storage::crypto::totp_aad(name), DEMO_SECRET)?;
        store.enroll_totp(&username, &sealed)?;
        config.audit(store, "user.add.demo", format!("{name} ({role})"))?;
    }
    Ok(())
}

/// Puts every demo case without an office in one of the four, by turns.
fn spread_cases(config: &Config, store: &mut dyn Store) -> Result<(), CliError> {
    let assigned: Vec<_> = store
        .case_assignments()?
        .into_iter()
        .map(|a| a.person)
        .collect();
    let register = store.load(Personals::Leave)?;
    let today = finnish_date(now());
    let state = register.view(None).state_as_of(today);
    let mut persons: Vec<_> = state
        .persons
        .keys()
        .filter(|p| !assigned.contains(p))
        .collect();
    persons.sort();
    let count = persons.len();
    for (i, person) in persons.into_iter().enumerate() {
        store.assign_case(&CaseAssignment {
            person: person.clone(),
            office: OFFICES[i % OFFICES.len()].into(),
            assignee: None,
            assigned_at: now(),
            assigned_by: "demo".into(),
        })?;
    }
    if count > 0 {
        config.audit(store, "case.assign.demo", format!("{count} cases"))?;
    }
    Ok(())
}
