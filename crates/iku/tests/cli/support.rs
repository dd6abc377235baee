//! What every test of the binary shares: an `Iku` installation in a temporary directory,
//! and small helpers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An iku installation in a temporary directory.
pub(crate) struct Iku {
    dir: tempfile::TempDir,
    pub(crate) database: Option<String>,
}

impl Iku {
    pub(crate) fn new() -> Self {
        let iku = Self {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
            database: None,
        };
        iku.ok(&["init"]);
        iku
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_iku"));
        c.args(args)
            .env("IKU_DATA_DIR", self.path("data"))
            .env_remove("IKU_DATABASE_URL")
            .env_remove("IKU_KEY")
            .env_remove("IKU_KEY_FILE");
        if let Some(db) = &self.database {
            c.env("IKU_DATABASE_URL", db);
        }
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("iku {args:?}: {e}"))
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "iku {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command expected to fail; returns its stderr.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "iku {args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub(crate) fn generate(&self, name: &str, persons: usize, seed: u64) -> PathBuf {
        let path = self.path(name);
        let (p, s) = (persons.to_string(), seed.to_string());
        self.ok(&[
            "generate",
            "--persons",
            &p,
            "--seed",
            &s,
            "--out",
            path_str(&path),
        ]);
        path
    }

    pub(crate) fn export(&self) -> String {
        self.ok(&["export"])
    }
}

pub(crate) fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or_else(|| panic!("non-UTF-8 temp path"))
}

pub(crate) fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The mode bits of a file: who may read it.
pub(crate) fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
