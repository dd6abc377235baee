//! The migrations of each backend, embedded. Version numbers match across backends (by
//! construction, and the directories are compared in a test),
//! so a database moved from SQLite to PostgreSQL has the same schema version.

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Both backends' migration lists from one list of versions, names and files: a migration
/// cannot be added to one backend and forgotten in the other (the file must exist in both
/// directories, or the build fails).
macro_rules! migrations {
    ($($version:literal $name:literal $file:literal),* $(,)?) => {
        pub const SQLITE: &[Migration] = &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/sqlite/", $file)),
        }),*];
        pub const POSTGRES: &[Migration] = &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/postgres/", $file)),
        }),*];
    };
}

migrations! {
    1 "register" "0001_register.sql",
    2 "publications" "0002_publications.sql",
    3 "series_aggregates" "0003_series_aggregates.sql",
    4 "retention_purges" "0004_retention_purges.sql",
    5 "audit" "0005_audit.sql",
    6 "accounts" "0006_accounts.sql",
    7 "event_facts" "0007_event_facts.sql",
    8 "disclosure_reports" "0008_disclosure_reports.sql",
    9 "sessions_and_assignments" "0009_sessions_and_assignments.sql",
    10 "audit_by_record" "0010_audit_by_record.sql",
    11 "lock_count" "0011_lock_count.sql",
    12 "audit_notes" "0012_audit_notes.sql",
    13 "flagged_referrals" "0013_flagged_referrals.sql",
    14 "register_keys" "0014_register_keys.sql",
    15 "blind_index" "0015_blind_index.sql",
    16 "distinct_persons" "0016_distinct_persons.sql",
    17 "task_changes" "0017_task_changes.sql",
    18 "documents" "0018_documents.sql",
    19 "account_contacts" "0019_account_contacts.sql",
}

pub fn latest(set: &[Migration]) -> i64 {
    set.iter().map(|m| m.version).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(set: &[Migration]) -> Vec<(i64, &str)> {
        set.iter().map(|m| (m.version, m.name)).collect()
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        assert_eq!(versions(SQLITE), versions(POSTGRES));
        let files = |dir: &str| -> Vec<String> {
            let mut names: Vec<String> =
                std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                    .map(|d| {
                        d.filter_map(|e| e.ok())
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
            names.sort();
            names
        };
        assert_eq!(files("sqlite"), files("postgres"));
        assert_eq!(
            files("sqlite").len(),
            SQLITE.len(),
            "every migration file is embedded"
        );
    }
}
