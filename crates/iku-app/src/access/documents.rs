//! A case's documents (`iku_domain::documents`): a file attached is checked from its content,
//! sealed and stored together with its audit entry in one commit; the list is read with the
//! client page (on record as its read); a file taken back is given once its read is on record.

use iku_domain::documents::{self, Document, DocumentInfo, DocumentKind, FileRefused};
use iku_domain::personal::Personal;

use super::case::{CaseAccess, fresh};
use crate::AppError;
use crate::audit::{Action, Audited, entry};

/// A document listed: what is known of it and the name it came with (None once erased).
pub type Listed = (DocumentInfo, Option<Personal>);

impl CaseAccess<'_> {
    /// Attaches `content` to the case as a document of `kind`, `name` being the file's name
    /// as it came: refused (nothing stored) if the file is empty, too large or of a type not
    /// taken; otherwise stored with its `document.add` entry in one commit. Its id.
    pub fn add_document(
        &mut self,
        kind: DocumentKind,
        name: &str,
        content: &[u8],
    ) -> Result<String, AppError> {
        let media = documents::check(content)?;
        let group = self.group()?;
        if group.state_of(self.person()).is_none() {
            return Err(AppError::NotFound);
        }
        let info = DocumentInfo {
            id: fresh("d")?,
            person: self.person().clone(),
            kind,
            media,
            size: content.len() as u64,
            added_by: self.actor().username.clone(),
            added_at: crate::now(),
            erased: false,
        };
        // A name is what people call the file; a path or an empty one says nothing more.
        let name = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
        let name = Personal::new(name);
        let record = format!(
            "{} document.add {} {}",
            self.person().as_str(),
            info.id,
            kind.name()
        );
        let app = self.lease_app();
        let audit = iku_storage::AuditBatch {
            key: &app.config().audit_key,
            entries: vec![entry(
                self.actor().username.as_str(),
                Action::DocumentAdd,
                &record,
                "",
            )],
            at: info.added_at,
        };
        let keys = &app.config().keys;
        self.with_store(|s| {
            s.add_document(
                iku_storage::documents::NewDocument {
                    info: &info,
                    name: &name,
                    content,
                },
                keys,
                audit,
            )
        })?;
        Ok(info.id)
    }

    /// The case's documents, oldest first, names opened: read with the client page, whose
    /// read puts it on record.
    pub fn documents(&mut self) -> Result<Vec<Listed>, AppError> {
        let person = self.person().clone();
        let keys = &self.lease_app().config().keys;
        self.with_store(|s| s.documents_of(&person, keys))
    }

    /// One of the case's documents with its file, given once its read (`document.read`) is
    /// on record; None (nothing recorded) if the case has no such document, and an erased
    /// one is gone.
    pub fn document(&mut self, id: &str) -> Result<Audited<Option<Document>>, AppError> {
        let keys = &self.lease_app().config().keys;
        let person = self.person().clone();
        let found = self.with_store(|s| s.document(id, keys))?;
        let Some(document) = theirs(found, &person)? else {
            return Ok(Audited::new(None, None));
        };
        let entry = self.audit_read(Action::DocumentRead, Some(id));
        Ok(Audited::new(Some(document), Some(entry)))
    }
}

/// A document read by its id, if it is `person`'s (another's is not found); an erased one
/// is gone.
pub(super) fn theirs(
    found: Option<Document>,
    person: &iku_domain::ids::PersonId,
) -> Result<Option<Document>, AppError> {
    match found.filter(|d| &d.info.person == person) {
        Some(d) if d.info.erased => Err(AppError::Gone),
        found => Ok(found),
    }
}

impl From<FileRefused> for AppError {
    fn from(refused: FileRefused) -> Self {
        AppError::FileRefused(refused)
    }
}
