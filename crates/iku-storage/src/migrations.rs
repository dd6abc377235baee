//! The migrations of each backend, embedded. Version numbers match across backends (tested),
//! so a database moved from SQLite to PostgreSQL has the same schema version.

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "register",
        sql: include_str!("../migrations/sqlite/0001_register.sql"),
    },
    Migration {
        version: 2,
        name: "publications",
        sql: include_str!("../migrations/sqlite/0002_publications.sql"),
    },
    Migration {
        version: 3,
        name: "series_aggregates",
        sql: include_str!("../migrations/sqlite/0003_series_aggregates.sql"),
    },
    Migration {
        version: 4,
        name: "retention_purges",
        sql: include_str!("../migrations/sqlite/0004_retention_purges.sql"),
    },
    Migration {
        version: 5,
        name: "audit",
        sql: include_str!("../migrations/sqlite/0005_audit.sql"),
    },
    Migration {
        version: 6,
        name: "accounts",
        sql: include_str!("../migrations/sqlite/0006_accounts.sql"),
    },
];

pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "register",
        sql: include_str!("../migrations/postgres/0001_register.sql"),
    },
    Migration {
        version: 2,
        name: "publications",
        sql: include_str!("../migrations/postgres/0002_publications.sql"),
    },
    Migration {
        version: 3,
        name: "series_aggregates",
        sql: include_str!("../migrations/postgres/0003_series_aggregates.sql"),
    },
    Migration {
        version: 4,
        name: "retention_purges",
        sql: include_str!("../migrations/postgres/0004_retention_purges.sql"),
    },
    Migration {
        version: 5,
        name: "audit",
        sql: include_str!("../migrations/postgres/0005_audit.sql"),
    },
    Migration {
        version: 6,
        name: "accounts",
        sql: include_str!("../migrations/postgres/0006_accounts.sql"),
    },
];

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
