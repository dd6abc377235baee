//! What tests of several topics share: a PostgreSQL database of their own.

/// A fresh PostgreSQL database for one test, dropped with it.
pub(crate) struct PostgresDb {
    admin: String,
    name: String,
}

impl PostgresDb {
    pub(crate) fn new() -> Self {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let admin = std::env::var("IKU_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!(
            "iku_web_test_{}_{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin}: {e}"));
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}; "))
            .and_then(|()| client.batch_execute(&format!("CREATE DATABASE {name}")))
            .unwrap_or_else(|e| panic!("{e}"));
        PostgresDb { admin, name }
    }

    pub(crate) fn url(&self) -> String {
        let base = self
            .admin
            .rsplit_once('/')
            .map_or(self.admin.as_str(), |(b, _)| b);
        format!("{base}/{}", self.name)
    }

    /// Ends every connection to the database but this one, as a restart or a network
    /// failure would; returns how many.
    pub(crate) fn drop_connections(&self) -> u64 {
        let mut client = postgres::Client::connect(&self.admin, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{e}"));
        client
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&self.name],
            )
            .map(|rows| rows.len() as u64)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        // On a thread of its own: the blocking client may not run inside the test's runtime.
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(mut client) = postgres::Client::connect(&admin, postgres::NoTls) {
                let _ =
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}
