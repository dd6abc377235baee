//! Documents of a case (issue 18): the signed consent, a police statement, a medical report, a
//! decision with its proof of service. What a file is, is read from its first bytes, never from
//! its name or from what the browser says; only the kinds of file an office works with are
//! taken (PDF, PNG, JPEG, office documents), up to `LARGEST` bytes. A document's content and
//! its file name are personal: storage seals them; what is said here is in the clear.

use crate::access::Username;
use crate::calendar::Timestamp;
use crate::ids::PersonId;
use crate::personal::Personal;

/// The largest file taken: 20 MB, as a scanned statement of many pages needs.
pub const LARGEST: usize = 20_000_000;

/// What a document is for the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKind {
    Consent,
    PoliceStatement,
    MedicalReport,
    Decision,
    ProofOfService,
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Consent,
        DocumentKind::PoliceStatement,
        DocumentKind::MedicalReport,
        DocumentKind::Decision,
        DocumentKind::ProofOfService,
        DocumentKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::Consent => "consent",
            DocumentKind::PoliceStatement => "police_statement",
            DocumentKind::MedicalReport => "medical_report",
            DocumentKind::Decision => "decision",
            DocumentKind::ProofOfService => "proof_of_service",
            DocumentKind::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The type of a file, as its content shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Pdf,
    Png,
    Jpeg,
    /// Word (docx), Excel (xlsx) and PowerPoint (pptx) files: a zip with the parts' types.
    OfficeOpenXml(OfficeApp),
    /// OpenDocument text, spreadsheet or presentation: a zip that names its type first.
    OpenDocument(OfficeApp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfficeApp {
    Text,
    Spreadsheet,
    Presentation,
}

impl MediaType {
    pub const ALL: [MediaType; 9] = [
        MediaType::Pdf,
        MediaType::Png,
        MediaType::Jpeg,
        MediaType::OfficeOpenXml(OfficeApp::Text),
        MediaType::OfficeOpenXml(OfficeApp::Spreadsheet),
        MediaType::OfficeOpenXml(OfficeApp::Presentation),
        MediaType::OpenDocument(OfficeApp::Text),
        MediaType::OpenDocument(OfficeApp::Spreadsheet),
        MediaType::OpenDocument(OfficeApp::Presentation),
    ];

    /// The IANA media type, as the file is sent back.
    pub fn mime(self) -> &'static str {
        use OfficeApp::*;
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::OfficeOpenXml(Text) => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MediaType::OfficeOpenXml(Spreadsheet) => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            MediaType::OfficeOpenXml(Presentation) => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            MediaType::OpenDocument(Text) => "application/vnd.oasis.opendocument.text",
            MediaType::OpenDocument(Spreadsheet) => {
                "application/vnd.oasis.opendocument.spreadsheet"
            }
            MediaType::OpenDocument(Presentation) => {
                "application/vnd.oasis.opendocument.presentation"
            }
        }
    }

    /// The file name's ending that goes with it.
    pub fn extension(self) -> &'static str {
        use OfficeApp::*;
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Png => "png",
            MediaType::Jpeg => "jpg",
            MediaType::OfficeOpenXml(Text) => "docx",
            MediaType::OfficeOpenXml(Spreadsheet) => "xlsx",
            MediaType::OfficeOpenXml(Presentation) => "pptx",
            MediaType::OpenDocument(Text) => "odt",
            MediaType::OpenDocument(Spreadsheet) => "ods",
            MediaType::OpenDocument(Presentation) => "odp",
        }
    }

    /// Stored by its MIME type.
    pub fn parse(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.mime() == mime)
    }

    /// The type of `content`, from its first bytes (and a zip's part names), if it is one
    /// taken.
    pub fn sniff(content: &[u8]) -> Option<Self> {
        if content.starts_with(b"%PDF-") {
            return Some(MediaType::Pdf);
        }
        if content.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(MediaType::Png);
        }
        if content.starts_with(b"\xff\xd8\xff") {
            return Some(MediaType::Jpeg);
        }
        if !content.starts_with(b"PK\x03\x04") {
            return None;
        }
        // An OpenDocument file's first part is `mimetype`, stored uncompressed: its type in
        // the clear right after the local header (30 bytes and the 8 of the name).
        let odf = b"mimetypeapplication/vnd.oasis.opendocument.";
        if content.get(30..30 + odf.len()) == Some(&odf[..]) {
            let rest = &content[30 + odf.len()..];
            return [
                (&b"text"[..], OfficeApp::Text),
                (b"spreadsheet", OfficeApp::Spreadsheet),
                (b"presentation", OfficeApp::Presentation),
            ]
            .into_iter()
            .find(|(name, _)| rest.starts_with(name) && !rest[name.len()..].starts_with(b"-"))
            .map(|(_, app)| MediaType::OpenDocument(app));
        }
        // An Office Open XML file lists its parts' types in `[Content_Types].xml`, and keeps
        // the document in a folder named for the application.
        if !contains(content, b"[Content_Types].xml") {
            return None;
        }
        [
            (&b"word/"[..], OfficeApp::Text),
            (b"xl/", OfficeApp::Spreadsheet),
            (b"ppt/", OfficeApp::Presentation),
        ]
        .into_iter()
        .find(|(folder, _)| contains(content, folder))
        .map(|(_, app)| MediaType::OfficeOpenXml(app))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Why a file is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FileRefused {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes, more than the {LARGEST} taken")]
    TooLarge { size: usize },
    #[error("the file is not a PDF, PNG, JPEG or office document")]
    UnknownType,
}

/// Checks a file as it came: its type if it is taken.
pub fn check(content: &[u8]) -> Result<MediaType, FileRefused> {
    if content.is_empty() {
        return Err(FileRefused::Empty);
    }
    if content.len() > LARGEST {
        return Err(FileRefused::TooLarge {
            size: content.len(),
        });
    }
    MediaType::sniff(content).ok_or(FileRefused::UnknownType)
}

/// What is known of a stored document in the clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    /// Opaque: `d` and random letters and digits.
    pub id: String,
    pub person: PersonId,
    pub kind: DocumentKind,
    pub media: MediaType,
    pub size: u64,
    pub added_by: Username,
    pub added_at: Timestamp,
    /// Erased by the retention purge: the record of it stays, the file is gone.
    pub erased: bool,
}

/// A document as its reader gets it: what is known, the file's name as it was given, and the
/// file.
pub struct Document {
    pub info: DocumentInfo,
    pub name: Personal,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("info", &self.info)
            .field("size", &self.content.len())
            .finish_non_exhaustive()
    }
}

/// The name a file is sent back under: its kind, id and type, never the name it came with
/// (which may name the person, and a download's name is seen by more than its reader).
pub fn download_name(info: &DocumentInfo) -> String {
    format!(
        "{}-{}.{}",
        info.kind.name(),
        info.id,
        info.media.extension()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_part(name: &[u8], data: &[u8]) -> Vec<u8> {
        let mut z = b"PK\x03\x04".to_vec();
        z.extend_from_slice(&[0; 22]);
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0, 0]);
        z.extend_from_slice(name);
        z.extend_from_slice(data);
        z
    }

    #[test]
    fn types_are_read_from_the_content() {
        assert_eq!(check(b"%PDF-1.7\n..."), Ok(MediaType::Pdf));
        assert_eq!(check(b"\x89PNG\r\n\x1a\n...."), Ok(MediaType::Png));
        assert_eq!(check(b"\xff\xd8\xff\xe0..JFIF"), Ok(MediaType::Jpeg));
        let odt = zip_part(b"mimetype", b"application/vnd.oasis.opendocument.text");
        assert_eq!(check(&odt), Ok(MediaType::OpenDocument(OfficeApp::Text)));
        // A template is not the document itself.
        let ott = zip_part(
            b"mimetype",
            b"application/vnd.oasis.opendocument.text-template",
        );
        assert_eq!(check(&ott), Err(FileRefused::UnknownType));
        let mut docx = zip_part(b"[Content_Types].xml", b"<Types/>");
        docx.extend(zip_part(b"word/document.xml", b"<w:document/>"));
        assert_eq!(check(&docx), Ok(MediaType::OfficeOpenXml(OfficeApp::Text)));
        let mut xlsx = zip_part(b"[Content_Types].xml", b"<Types/>");
        xlsx.extend(zip_part(b"xl/workbook.xml", b"<workbook/>"));
        assert_eq!(
            MediaType::sniff(&xlsx),
            Some(MediaType::OfficeOpenXml(OfficeApp::Spreadsheet))
        );
    }

    #[test]
    fn what_is_not_taken_says_why() {
        assert_eq!(check(b""), Err(FileRefused::Empty));
        assert_eq!(check(b"MZ\x90\0 a program"), Err(FileRefused::UnknownType));
        assert_eq!(check(b"<html><script>"), Err(FileRefused::UnknownType));
        // A zip that is no office document, and a PDF's name on a text.
        assert_eq!(
            check(&zip_part(b"a.exe", b"MZ")),
            Err(FileRefused::UnknownType)
        );
        assert_eq!(check(b" %PDF-1.7"), Err(FileRefused::UnknownType));
        let mut big = b"%PDF-".to_vec();
        big.resize(LARGEST + 1, b' ');
        assert_eq!(
            check(&big),
            Err(FileRefused::TooLarge { size: LARGEST + 1 })
        );
        big.truncate(LARGEST);
        assert_eq!(check(&big), Ok(MediaType::Pdf));
    }

    #[test]
    fn kinds_and_types_read_back_from_their_names() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(kind.name()), Some(kind));
        }
        for media in MediaType::ALL {
            assert_eq!(MediaType::parse(media.mime()), Some(media));
        }
        assert_eq!(DocumentKind::parse("Consent"), None);
    }
}
