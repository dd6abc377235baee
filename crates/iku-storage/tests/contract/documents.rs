//! A case's documents: the file and the name it came with are sealed, bound to the document,
//! stored with their audit entry in one commit, read back byte for byte, re-sealed by key
//! rotation and erased by the retention purge (the record of the document kept, the file gone
//! from the database file), on both backends.

use iku_domain::Timestamp;
use iku_domain::access::Username;
use iku_domain::documents::{DocumentInfo, DocumentKind, MediaType};
use iku_domain::ids::PersonId;
use iku_domain::personal::Personal;
use iku_storage::audit::{AuditKey, NewAuditEntry, verify};
use iku_storage::documents::NewDocument;
use iku_storage::{AuditBatch, Keyring, Store};
use time::{Date, Month};

use super::TestDb;

const NAME: &str = "Zyxwa Qwertyson lausunto.pdf";

fn audit_key() -> AuditKey {
    AuditKey::parse(&"cd".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"))
}

fn person(id: &str) -> PersonId {
    PersonId::parse(id).unwrap_or_else(|e| panic!("{e}"))
}

/// A PDF whose text names the person, `size` bytes long.
fn file(size: usize) -> Vec<u8> {
    let mut content = b"%PDF-1.7\n(Zyxwa Qwertyson, 010190-913X, medical report)\n".to_vec();
    let mut n: u32 = 7;
    while content.len() < size {
        n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        content.push((n >> 16) as u8);
    }
    content
}

fn info(id: &str, of: &str, size: usize) -> DocumentInfo {
    DocumentInfo {
        id: id.into(),
        person: person(of),
        kind: DocumentKind::MedicalReport,
        media: MediaType::Pdf,
        size: size as u64,
        added_by: Username::parse("cw.helsinki").unwrap_or_else(|e| panic!("{e}")),
        added_at: Timestamp::from_micros(1_700_000_000_000_000),
        erased: false,
    }
}

fn add(store: &mut dyn Store, keys: &Keyring, info: &DocumentInfo, content: &[u8]) {
    let record = format!("{} document.add {}", info.person.as_str(), info.id);
    let batch = AuditBatch {
        key: &audit_key(),
        entries: vec![NewAuditEntry::new(
            "cw.helsinki",
            "document.add",
            &record,
            "",
        )],
        at: info.added_at,
    };
    store
        .add_document(
            NewDocument {
                info,
                name: &Personal::new(NAME),
                content,
            },
            keys,
            batch,
        )
        .unwrap_or_else(|e| panic!("{e}"));
}

fn documents_are_sealed_read_back_resealed_and_erased(db: &TestDb) {
    let (old, old_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let mut store = db.open();
    let (first, second) = (file(300_000), file(1_000));
    add(
        store.as_mut(),
        &old,
        &info("d-1", "p1", first.len()),
        &first,
    );
    add(
        store.as_mut(),
        &old,
        &info("d-2", "p2", second.len()),
        &second,
    );

    // Each on record, in the chain.
    let chain = store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
    let records: Vec<&str> = chain
        .entries
        .iter()
        .map(|e| e.entry.record.as_str())
        .collect();
    assert_eq!(records, ["p1 document.add d-1", "p2 document.add d-2"]);
    assert_eq!(verify(&audit_key(), &chain.entries, chain.head), Ok(()));

    // Read back: listed by person with the name, the file byte for byte.
    let listed = store
        .documents_of(&person("p1"), &old)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0, info("d-1", "p1", first.len()));
    assert_eq!(listed[0].1.as_ref().map(Personal::expose), Some(NAME));
    let read = store
        .document("d-1", &old)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        read.as_ref()
            .is_some_and(|d| d.content == first && d.name.expose() == NAME)
    );
    assert!(store.document("d-3", &old).ok().flatten().is_none());
    assert!(
        store
            .documents_of(&person("p3"), &old)
            .unwrap_or_default()
            .is_empty()
    );

    // Sealed: nothing of the file or its name in what the database holds; another key
    // opens nothing.
    let dump = db.dump_all();
    assert!(!dump.contains("Qwertyson") && !dump.contains("010190-913X"));
    assert!(store.document("d-1", &super::keys()).is_err());

    // The record is never changed and a document never removed.
    assert!(
        db.raw("UPDATE documents SET person = 'p2' WHERE id = 'd-1'")
            .is_err()
    );
    assert!(db.raw("DELETE FROM documents WHERE id = 'd-2'").is_err());

    // Key rotation moves both to the new key, a few at a time.
    let (new, new_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let both =
        Keyring::parse(&format!("{old_text}{new_text}"), "test").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.sealed_by_key().ok(),
        Some(vec![(old.active_key_id().to_owned(), 2)])
    );
    let mut batches = 0;
    while store
        .reseal_batch(&both, 1)
        .unwrap_or_else(|e| panic!("{e}"))
        > 0
    {
        batches += 1;
    }
    assert_eq!(batches, 2);
    assert_eq!(
        store.sealed_by_key().ok(),
        Some(vec![(new.active_key_id().to_owned(), 2)])
    );
    let read = store
        .document("d-1", &new)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(read.is_some_and(|d| d.content == first && d.name.expose() == NAME));

    // The purge of p1 erases p1's file and name, keeps the record and p2's document.
    let sealed_first = match db {
        TestDb::Sqlite { dir } => rusqlite::Connection::open(dir.path().join("iku.db"))
            .and_then(|c| {
                c.query_row("SELECT content FROM documents WHERE id = 'd-1'", [], |r| {
                    r.get::<_, Vec<u8>>(0)
                })
            })
            .ok(),
        TestDb::Postgres { .. } => None,
    };
    let cutoff = Date::from_calendar_date(2021, Month::January, 1).unwrap_or(Date::MIN);
    let at = Timestamp::from_micros(1_800_000_000_000_000);
    let erased = store.erase_personal(&[], &[person("p1")], cutoff, at);
    assert_eq!(erased.as_ref().ok(), Some(&1), "{erased:?}");
    let gone = store
        .document("d-1", &new)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(gone.is_some_and(|d| d.info.erased && d.content.is_empty()));
    let listed = store.documents_of(&person("p1"), &new).unwrap_or_default();
    assert!(listed.len() == 1 && listed[0].0.erased && listed[0].1.is_none());
    let kept = store
        .document("d-2", &new)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(kept.is_some_and(|d| d.content == second));
    assert_eq!(
        store.sealed_by_key().ok(),
        Some(vec![(new.active_key_id().to_owned(), 1)])
    );
    drop(store);
    if let (TestDb::Sqlite { dir }, Some(sealed)) = (db, sealed_first) {
        assert!(sealed.len() >= first.len());
        let mut raw = std::fs::read(dir.path().join("iku.db")).unwrap_or_default();
        raw.extend(std::fs::read(dir.path().join("iku.db-wal")).unwrap_or_default());
        // Any 64 bytes of the sealed file would give it away.
        let probe = &sealed[sealed.len() / 2..sealed.len() / 2 + 64];
        assert!(!raw.windows(probe.len()).any(|w| w == probe));
    }
}

contract!(documents_are_sealed_read_back_resealed_and_erased);
