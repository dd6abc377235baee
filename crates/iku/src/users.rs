//! `iku user ...`: accounts for the people who run the authority.

use iku_domain::access::{Role, Username};

use crate::CliError;
use crate::config::Config;

fn username(name: &str) -> Result<Username, CliError> {
    Username::parse(name).map_err(|e| CliError::Config(format!("{name:?}: {e}")))
}

/// Adds an account with a random first password, shown once.
pub fn add(
    config: &Config,
    name: &str,
    role: &str,
    office: Option<String>,
) -> Result<(), CliError> {
    let username = username(name)?;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
    let role = Role::parse(role)
        .ok_or_else(|| CliError::Config(format!("--role: expected one of {}", roles.join(", "))))?;
    let (account, password) =
        iku_app::access::new_account(username, role, office).map_err(|e| match e {
            iku_app::AppError::OfficeForRole if role.needs_office() => CliError::Config(
                "--office: a caseworker belongs to an office (lowercase letters, digits and -)"
                    .into(),
            ),
            iku_app::AppError::OfficeForRole => CliError::Config(format!(
                "--office: only a caseworker has an office, not a {role}"
            )),
            e => CliError::Config(e.to_string()),
        })?;
    let mut store = iku_storage::open(&config.database)?;
    let now = iku_domain::Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc());
    store.add_account(&account, now)?;
    config.audit(
        store.as_mut(),
        "user.add",
        format!("{} ({role})", account.username),
    )?;
    println!("account {} ({role}) added", account.username);
    println!(
        "first password (shown once; to be changed at the first login, with a TOTP app enrolled): {}",
        password.reveal()
    );
    Ok(())
}

pub fn set_disabled(config: &Config, name: &str, disabled: bool) -> Result<(), CliError> {
    let username = username(name)?;
    let mut store = iku_storage::open(&config.database)?;
    store.set_disabled(&username, disabled)?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    config.audit(store.as_mut(), action, username.to_string())?;
    println!(
        "account {username} {}",
        if disabled { "disabled" } else { "enabled" }
    );
    Ok(())
}

pub fn reset_totp(config: &Config, name: &str) -> Result<(), CliError> {
    let username = username(name)?;
    let mut store = iku_storage::open(&config.database)?;
    store.reset_totp(&username)?;
    config.audit(store.as_mut(), "user.reset_totp", username.to_string())?;
    println!("account {username}: a new TOTP app is enrolled at the next login");
    Ok(())
}

/// Lifts the lock of failed logins (the account's failures are forgotten).
pub fn unlock(config: &Config, name: &str) -> Result<(), CliError> {
    let username = username(name)?;
    let mut store = iku_storage::open(&config.database)?;
    store.unlock(&username)?;
    config.audit(store.as_mut(), "user.unlock", username.to_string())?;
    println!("account {username} unlocked");
    Ok(())
}

pub fn list(config: &Config) -> Result<(), CliError> {
    let mut store = iku_storage::open(&config.database)?;
    println!("account\trole\toffice\ttotp\tstate\tlocked until");
    let now = iku_domain::Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc());
    for a in store.accounts()? {
        let locked = a
            .locked_until
            .filter(|until| *until > now)
            .map_or_else(|| "-".to_owned(), |until| until.to_string());
        println!(
            "{}\t{}\t{}\t{}\t{}\t{locked}",
            a.username,
            a.role,
            a.office.as_deref().unwrap_or("-"),
            if a.totp_enrolled {
                "enrolled"
            } else {
                "not enrolled"
            },
            if a.disabled { "disabled" } else { "active" }
        );
    }
    Ok(())
}
