//! The `iku` command line: a thin layer over the domain and storage crates.

mod config;
mod demo;
mod htcds;
mod lifecycle;
mod mail;
mod person;
mod progress;
mod reports;
mod users;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use iku_domain::Timestamp;
use iku_domain::calendar::finnish_date;
use iku_domain::interchange::{ParseContext, Personals as LinePersonals, write_line};
use iku_storage::audit::AuditChain;
use iku_storage::import::read_lines;
use iku_storage::{ImportError, KeyError, Personals, StoreError};

use crate::config::Config;

// The register is many small allocations (ids, events) made and freed on several threads at
// once; mimalloc handles that far better than the system allocator (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// iku: the register and statistics of the assistance system for victims of human trafficking.
#[derive(Parser)]
#[command(name = "iku", version, about)]
struct Cli {
    /// The database: sqlite:PATH or postgres://USER@HOST/DB [default: sqlite:DATA_DIR/iku.db]
    #[arg(long, global = true, env = "IKU_DATABASE_URL")]
    database: Option<String>,
    /// Where iku keeps its files [default: $XDG_DATA_HOME/iku or ~/.local/share/iku]
    #[arg(long, global = true, env = "IKU_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The encryption key file [default: DATA_DIR/keys]; IKU_KEY=ID:HEX overrides it
    #[arg(long, global = true, env = "IKU_KEY_FILE")]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the data directory, an encryption key and the database.
    Init,
    /// Runs the server: /health and /ready, and /metrics on a listener of its own.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value = "127.0.0.1:9090")]
        metrics_listen: std::net::SocketAddr,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        oidc: OidcArgs,
        #[command(flatten)]
        mail: Box<mail::MailArgs>,
    },
    /// Imports a register file (JSON Lines, interchange format v1; `-` reads standard input).
    /// Atomic: one bad line imports nothing.
    Import {
        file: PathBuf,
        /// The file holds records of an earlier system: events dated before the assistance
        /// system began (2006) are accepted.
        #[arg(long)]
        history: bool,
    },
    /// Exports the whole register in the interchange format, personal fields included.
    Export {
        /// Write to this file instead of standard output (`-` is standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Computes the annual or semiannual review of a year.
    Report(reports::ReportRequest),
    /// Freezes a review: its JSON, the moment it was computed as recorded at, and the
    /// disclosure settings are stored, never to change.
    Publish {
        #[arg(value_enum)]
        kind: reports::ReportKind,
        year: i32,
        #[arg(long, value_enum, default_value_t = reports::DisclosureMode::Published)]
        disclosure: reports::DisclosureMode,
        /// Published mode: cells counting fewer persons than this are suppressed.
        #[arg(long, default_value_t = iku_stats::THRESHOLD, value_parser = clap::value_parser!(u64).range(2..))]
        threshold: u64,
    },
    /// Loads published figures of the years before the register (JSON; see
    /// `iku_stats::series`) for the long series tables.
    SeriesAggregates { file: PathBuf },
    /// Writes a consistent copy of the database (SQLite) to a new file.
    Backup { file: PathBuf },
    /// Restores a backup into an empty SQLite database, verified before it takes its place.
    Restore { file: PathBuf },
    /// Checks the register's integrity: history, rules, decryptability, frozen reviews.
    Verify,
    /// The retention schedule (Act 615/2020, 15 §): what is due, and erasing it.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
        /// Case data is kept this many years after the case ended.
        #[arg(long, global = true, default_value_t = 5)]
        years: u16,
        /// Read the schedule as on this date (YYYY-MM-DD) instead of today.
        #[arg(long, global = true)]
        as_of: Option<String>,
    },
    /// The register as person-level records in the Human Trafficking Case Data Standard's
    /// field names, released as the Counter Trafficking Data Collaborative does: every
    /// combination of quasi-identifiers counts at least k persons (the rest withheld).
    Htcds {
        #[arg(long, default_value_t = iku_stats::htcds::K)]
        k: usize,
        #[arg(long, value_enum, default_value = "json")]
        format: htcds::Format,
        #[arg(long)]
        out: PathBuf,
    },
    /// One person's data (GDPR art. 15).
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Encryption keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Lists the frozen reviews.
    Publications,
    /// Writes a frozen review's JSON, byte for byte as it was published.
    Publication {
        id: i64,
        /// The publication's disclosure report (what was suppressed, why, and the audit's
        /// intervals; it holds exact small counts, so for statisticians, and on record)
        /// instead of the review.
        #[arg(long)]
        disclosure_report: bool,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The demo: the synthetic demo register, a demo account of every role (password and
    /// TOTP secret printed) and the server, on the embedded SQLite database.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value = "127.0.0.1:9090")]
        metrics_listen: std::net::SocketAddr,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// The demo accounts' current verification code.
    DemoCode,
    /// Imports the synthetic demo register (2018-2025, invented persons) whose 2020 annual
    /// review reproduces the authority's published 2020 figures; `--out` writes it instead.
    DemoData {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Writes a random register, valid by construction, for tests and benchmarks.
    Generate {
        #[arg(long)]
        persons: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Leave out names, phone numbers and other personal fields.
        #[arg(long)]
        no_personal_fields: bool,
        /// Put before every id (to import registers of several seeds together).
        #[arg(long, default_value = "")]
        id_prefix: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Lists what is due for erasure: counts, dates and how the cases ended, no names.
    Plan,
    /// Erases the personal fields of the persons due; their codes and dates stay for the
    /// statistics. Logged; running it again erases nothing more.
    Purge,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds an account with a random first password, shown once.
    Add {
        username: String,
        /// caseworker, director, statistician, admin or auditor
        #[arg(long)]
        role: String,
        /// The office of a caseworker.
        #[arg(long)]
        office: Option<String>,
    },
    /// Stops an account from logging in.
    Disable { username: String },
    /// Lets a disabled account log in again.
    Enable { username: String },
    /// Forgets the account's TOTP app; a new one is enrolled at the next login.
    ResetTotp { username: String },
    /// Lifts a lock left by failed logins.
    Unlock { username: String },
    /// Lists the accounts.
    List,
}

/// Logging in with an OpenID Connect provider (all of issuer, client id and redirect URL, or
/// none).
#[derive(clap::Args)]
struct OidcArgs {
    /// The provider's issuer URL; its discovery document is read from there.
    #[arg(long)]
    oidc_issuer: Option<String>,
    #[arg(long)]
    oidc_client_id: Option<String>,
    /// The client secret (kept out of the command line and its history).
    #[arg(long, env = "IKU_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// This server's `/api/oidc/callback` as the provider knows it.
    #[arg(long)]
    oidc_redirect_url: Option<String>,
    /// ROLE=GROUP: the provider's group that gives a role (repeat for each role).
    #[arg(long = "oidc-group")]
    oidc_groups: Vec<String>,
    /// A caseworker's office is the group named this prefix and the office.
    #[arg(long, default_value = "iku-office-")]
    oidc_office_prefix: String,
}

impl OidcArgs {
    fn config(self) -> Result<Option<iku_web::OidcConfig>, CliError> {
        let (Some(issuer), Some(client_id), Some(redirect_url)) = (
            self.oidc_issuer,
            self.oidc_client_id,
            self.oidc_redirect_url,
        ) else {
            return Ok(None);
        };
        let client_secret = self.oidc_client_secret.ok_or_else(|| {
            CliError::Config("--oidc-client-secret (or IKU_OIDC_CLIENT_SECRET) is needed".into())
        })?;
        let role_groups = self
            .oidc_groups
            .iter()
            .map(|g| {
                g.split_once('=')
                    .and_then(|(role, group)| {
                        Some((iku_domain::access::Role::parse(role)?, group.to_owned()))
                    })
                    .ok_or_else(|| {
                        CliError::Config(format!("--oidc-group {g:?}: expected ROLE=GROUP"))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if role_groups.is_empty() {
            return Err(CliError::Config(
                "--oidc-group ROLE=GROUP: no group gives any role".into(),
            ));
        }
        Ok(Some(iku_web::OidcConfig {
            issuer,
            client_id,
            client_secret,
            redirect_url,
            role_groups,
            office_prefix: self.oidc_office_prefix,
        }))
    }
}

#[derive(Subcommand)]
enum PersonCommand {
    /// Everything held about the person, who read or changed it and when, as a file (made
    /// for the owner only; never overwritten); on record.
    Export {
        person: String,
        #[arg(long, value_enum, default_value = "json")]
        format: person::ExportFormat,
        /// The language of the HTML document.
        #[arg(long, default_value = "fi")]
        lang: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Checks every entry against the chain of keyed hashes; names the first bad entry.
    Verify,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// A new key; every personal field re-encrypted with it in batches (resumable: run it
    /// again after an interruption); then the old keys are retired.
    Rotate,
}

/// What can go wrong in a command; each says what to do about it.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Review(#[from] iku_stats::FactsReviewError),
    #[error(transparent)]
    Disclosure(#[from] iku_stats::disclosure::PublishError),
    #[error("{path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
}

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |source| CliError::File {
        path: path.display().to_string(),
        source,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::resolve(cli.database, cli.data_dir, cli.key_file)?;
    match cli.command {
        Command::Init => init(&config),
        Command::Serve {
            listen,
            metrics_listen,
            limits,
            oidc,
            mail,
        } => {
            let mut server = server_config(&config, limits)?;
            server.oidc = oidc.config()?;
            (server.mail, server.digest_at) = mail.config()?;
            serve(server, listen, metrics_listen)
        }
        Command::Demo {
            listen,
            metrics_listen,
            limits,
        } => {
            demo::prepare(&config)?;
            serve(server_config(&config, limits)?, listen, metrics_listen)
        }
        Command::DemoCode => {
            println!("{}", demo::current_code());
            Ok(())
        }
        Command::Import { file, history } => import(&config, &file, history),
        Command::Export { out } => export(&config, out.as_deref()),
        Command::Report(request) => reports::report(&config, request),
        Command::Publish {
            kind,
            year,
            disclosure,
            threshold,
        } => reports::publish(&config, kind, year, disclosure, threshold),
        Command::SeriesAggregates { file } => reports::series_aggregates(&config, &file),
        Command::Backup { file } => lifecycle::backup(&config, &file),
        Command::Restore { file } => lifecycle::restore(&config, &file),
        Command::Verify => lifecycle::verify(&config),
        Command::Keys {
            command: KeysCommand::Rotate,
        } => lifecycle::rotate(&config),
        Command::Retention {
            command,
            years,
            as_of,
        } => match command {
            RetentionCommand::Plan => lifecycle::retention_plan(&config, years, as_of.as_deref()),
            RetentionCommand::Purge => lifecycle::retention_purge(&config, years, as_of.as_deref()),
        },
        Command::Htcds { k, format, out } => htcds::export(&config, k, format, &out),
        Command::Person {
            command:
                PersonCommand::Export {
                    person,
                    format,
                    lang,
                    out,
                },
        } => person::export(&config, &person, format, &lang, &out),
        Command::User { command } => match command {
            UserCommand::Add {
                username,
                role,
                office,
            } => users::add(&config, &username, &role, office),
            UserCommand::Disable { username } => users::set_disabled(&config, &username, true),
            UserCommand::Enable { username } => users::set_disabled(&config, &username, false),
            UserCommand::ResetTotp { username } => users::reset_totp(&config, &username),
            UserCommand::Unlock { username } => users::unlock(&config, &username),
            UserCommand::List => users::list(&config),
        },
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let mut store = iku_storage::open(&config.database)?;
            let AuditChain { entries, head } = store.audit_chain()?;
            iku_storage::audit::verify(&config.audit_key()?, &entries, head.clone())
                .map_err(|e| CliError::Config(e.to_string()))?;
            let head = head.map_or("none".to_owned(), |(seq, hash)| {
                format!(
                    "{seq} {}",
                    hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
                )
            });
            println!(
                "ok: {} audit entries; head {head} (keep this line outside the database to catch removal of the newest entries)",
                entries.len()
            );
            Ok(())
        }
        Command::Publications => reports::publications(&config),
        Command::Publication {
            id,
            disclosure_report,
            out,
        } => reports::publication(&config, id, disclosure_report, out.as_deref()),
        Command::DemoData { out } => {
            if out.is_some() {
                let events = iku_generate::demo::calibrated_register();
                return write_output(out.as_deref(), |w| {
                    for e in &events {
                        writeln!(w, "{}", write_line(e, LinePersonals::Include))?;
                    }
                    Ok(())
                });
            }
            let mut store = iku_storage::open(&config.database)?;
            import_demo_register(&config, store.as_mut())
        }
        Command::Generate {
            persons,
            seed,
            no_personal_fields,
            id_prefix,
            out,
        } => {
            // The longest id the generator makes from the prefix must still be an id.
            let longest = format!("{id_prefix}e{}", u64::MAX);
            if iku_domain::ids::EventId::parse(&longest).is_err() {
                return Err(CliError::Config(
                    "--id-prefix: at most 70 characters of ASCII letters, digits and . _ - :"
                        .into(),
                ));
            }
            let mut options = iku_generate::Options::new(persons, seed);
            options.personal_fields = !no_personal_fields;
            options.id_prefix = id_prefix;
            let events = iku_generate::generate(&options);
            write_output(out.as_deref(), |w| {
                for e in &events {
                    writeln!(w, "{}", write_line(e, LinePersonals::Include))?;
                }
                Ok(())
            })
        }
    }
}

/// Runs the server until ctrl-c or SIGTERM.
/// The server's settings from the configuration and the limits given.
fn server_config(config: &Config, limits: LimitArgs) -> Result<iku_web::ServerConfig, CliError> {
    // Opening once first migrates the database and reports a bad URL at start-up.
    iku_storage::open(&config.database)?;
    let mut server =
        iku_web::ServerConfig::new(config.database.clone(), config.keys()?, config.audit_key()?);
    server.referrals_per_minute = limits.referrals_per_minute;
    Ok(server)
}

fn serve(
    server: iku_web::ServerConfig,
    listen: std::net::SocketAddr,
    metrics_listen: std::net::SocketAddr,
) -> Result<(), CliError> {
    // Requests wait on the database in blocking threads: a few more than the cores keep
    // them busy; hundreds would spend the cores switching between threads.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .map_err(|e| CliError::Config(format!("cannot start the server: {e}")))?;
    runtime
        .block_on(iku_web::serve(server, listen, metrics_listen, |bound| {
            // Whoever started the server may have stopped reading its output: that must not
            // stop the server (println! would panic on a closed pipe).
            let mut out = std::io::stdout();
            let _ = writeln!(
                out,
                "listening on http://{} (metrics on http://{}/metrics)",
                bound.app, bound.metrics
            );
            let _ = writeln!(
                out,
                "the staff's pages: http://{}/fi/staff/ (sv, en likewise); the public referral form: http://{}/fi/referral",
                bound.app, bound.app
            );
            let _ = out.flush();
        }))
        .map_err(|e| CliError::Config(e.to_string()))
}

/// Threads for the server's requests to the database.
const BLOCKING_THREADS: usize = 16;

/// Limits of the server.
#[derive(clap::Args, Debug, Clone, Copy)]
struct LimitArgs {
    /// Public referrals accepted from one address per minute (after a first five at once):
    /// a limit instead of a CAPTCHA. Raise it behind a proxy that all referrals come
    /// through, or for a load test.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    referrals_per_minute: u32,
}

/// Imports the synthetic demo register.
fn import_demo_register(
    config: &Config,
    store: &mut dyn iku_storage::Store,
) -> Result<(), CliError> {
    let keys = config.keys()?;
    let lines = iku_generate::demo::calibrated_register()
        .into_iter()
        .enumerate()
        .map(|(i, event)| iku_storage::NumberedLine {
            line: i + 1,
            parsed: iku_domain::interchange::ParsedLine {
                event,
                recorded_at_given: true,
            },
        })
        .collect();
    let report = store.import(lines, &keys, &iku_storage::import::Silent)?;
    config.audit(
        store,
        "import.demo",
        format!("{} events added", report.added),
    )?;
    println!(
        "demo register: {} events imported ({} already stored); synthetic persons, invented names",
        report.added, report.unchanged
    );
    Ok(())
}

fn init(config: &Config) -> Result<(), CliError> {
    config.create_data_dir()?;
    let key = config.create_key_file()?;
    let audit_key = config.create_audit_key_file()?;
    let mut store = iku_storage::open(&config.database)?;
    let events = store.count()?;
    println!("data directory: {}", config.data_dir.display());
    match key {
        Some(id) => println!(
            "encryption key: {} (new key {id}; back it up: without it personal fields cannot be read)",
            config.key_file.display()
        ),
        None => println!("encryption key: {} (kept)", config.key_file.display()),
    }
    println!(
        "audit key: {} ({})",
        config.audit_key_file.display(),
        if audit_key {
            "new; back it up with the encryption key"
        } else {
            "kept"
        }
    );
    println!(
        "database: {} ({events} events)",
        config.database_for_display()
    );
    Ok(())
}

fn import(config: &Config, file: &Path, history: bool) -> Result<(), CliError> {
    let keys = config.keys()?;
    let mut store = iku_storage::open(&config.database)?;
    let now = Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc());
    let ctx = ParseContext::new(finnish_date(now), now);
    let ctx = if history { ctx.history() } else { ctx };
    let progress = progress::for_stderr(file_size(file));
    let lines = if file == Path::new("-") {
        read_lines(std::io::stdin().lock(), &ctx, progress.as_ref())?
    } else {
        let input = File::open(file).map_err(file_error(file))?;
        read_lines(
            BufReader::with_capacity(1 << 20, input),
            &ctx,
            progress.as_ref(),
        )?
    };
    let report = store.import(lines, &keys, progress.as_ref())?;
    config.audit(
        store.as_mut(),
        "import",
        format!(
            "{} events added, {} already stored",
            report.added, report.unchanged
        ),
    )?;
    // Closing checkpoints SQLite's write-ahead log into the database file: part of the work.
    drop(store);
    progress.phase("done", 0);
    drop(progress);
    println!(
        "imported {} events ({} already stored)",
        report.added, report.unchanged
    );
    Ok(())
}

fn file_size(file: &Path) -> u64 {
    std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)
}

fn export(config: &Config, out: Option<&Path>) -> Result<(), CliError> {
    let keys = config.keys()?;
    let mut store = iku_storage::open(&config.database)?;
    let register = store.load(Personals::Open(&keys))?;
    config.audit(
        store.as_mut(),
        "export",
        format!("{} events with personal fields", register.len()),
    )?;
    write_output(out, |w| {
        for e in register.events() {
            writeln!(w, "{}", write_line(e, LinePersonals::Include))?;
        }
        Ok(())
    })
}

/// Writes to a file (all or nothing: a temporary file renamed into place) or to stdout.
fn write_output(
    out: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    match out.filter(|p| *p != Path::new("-")) {
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
            write(&mut w)
                .and_then(|()| w.flush())
                .map_err(file_error(Path::new("standard output")))
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            // Dropped (and removed) unless persisted: a failed write leaves no half file.
            let tmp = tempfile::NamedTempFile::new_in(dir).map_err(file_error(path))?;
            let mut w = BufWriter::with_capacity(1 << 20, tmp);
            write(&mut w).map_err(file_error(path))?;
            let tmp = w
                .into_inner()
                .map_err(|e| file_error(path)(e.into_error()))?;
            tmp.as_file().sync_all().map_err(file_error(path))?;
            tmp.persist(path).map_err(|e| file_error(path)(e.error))?;
            Ok(())
        }
    }
}
