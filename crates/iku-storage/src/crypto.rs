//! Encryption of personal fields at rest: XChaCha20-Poly1305 with a random 24-byte nonce per
//! value and the row's identity as associated data, so a ciphertext copied to another row does
//! not decrypt. Keys have ids so they can rotate: every ciphertext names the key that sealed it.

use std::fmt;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use iku_domain::ids::EventId;
use iku_domain::personal::{Personal, PersonalFields};

/// Why keys could not be read or a value not sealed or opened. Never carries key material or
/// plaintext.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the key file {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("key file {path} already exists; iku will not overwrite a key")]
    Exists { path: String },
    #[error("{origin}, line {line}: expected `KEY_ID HEX` with 64 hex digits")]
    Malformed { origin: String, line: usize },
    #[error("{origin} has no key")]
    Empty { origin: String },
    #[error("the system random number generator failed")]
    Random,
    #[error(
        "no key with id {key_id} is loaded; the personal fields of event {event} cannot be opened"
    )]
    UnknownKey { key_id: String, event: EventId },
    #[error("the personal fields of event {event} do not decrypt: wrong key or altered data")]
    Tampered { event: EventId },
    #[error("the personal fields of event {event} are not in the expected format")]
    Format { event: EventId },
    #[error("no key with id {key_id} is loaded; {what} cannot be opened")]
    UnknownKeyFor { key_id: String, what: String },
    #[error("{what} does not decrypt: wrong key or altered data")]
    TamperedValue { what: String },
}

/// The key id of a value erased by the retention purge: nothing is sealed, nothing to open.
pub const ERASED: &str = "erased";

/// One 256-bit key with its id, and the HMAC of the blind index keyed with the key derived
/// from it (kept keyed: a term costs its own bytes, not the key's schedule again).
#[derive(Clone)]
struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
    index: hmac::Hmac<sha2::Sha256>,
}

/// A term of the blind index as stored: a keyed HMAC-SHA256 cut to 128 bits (collisions
/// among a register's terms stay negligible).
pub type Blind = [u8; 16];

/// The blind index's key from an encryption key: its own key (an HMAC of the secret under a
/// label of its own), so it shares nothing usable with the cipher, and it rotates with it.
fn index_key(secret: &[u8; 32]) -> hmac::Hmac<sha2::Sha256> {
    use hmac::{Hmac, KeyInit as _, Mac};
    let keyed = |key: &[u8]| {
        let Ok(mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
            unreachable!("HMAC takes a key of any length")
        };
        mac
    };
    let mut derive = keyed(secret);
    derive.update(b"iku/blind-index/v1");
    let index: [u8; 32] = derive.finalize().into_bytes().into();
    keyed(&index)
}

/// The keys this process may use; the last one seals new values.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<Key>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        write!(f, "Keyring({ids:?})")
    }
}

/// A sealed value as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

fn random<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|_| KeyError::Random)?;
    Ok(bytes)
}

/// Writes a new file readable by its owner only, flushed to disk; never overwrites one.
pub(crate) fn write_secret_file(path: &Path, text: &str) -> Result<(), KeyError> {
    use std::io::Write;
    let write_err = |source| KeyError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: path.display().to_string(),
            }
        } else {
            write_err(e)
        }
    })?;
    file.write_all(text.as_bytes()).map_err(write_err)?;
    file.sync_all().map_err(write_err)
}

/// Reads a key file.
pub(crate) fn read_secret_file(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// 32 random bytes.
pub(crate) fn random_secret() -> Result<[u8; 32], KeyError> {
    random::<32>()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        let pair = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// The associated data binding a sealed value to its row.
/// The associated data binding an account's TOTP secret to its account.
pub fn totp_aad(username: &str) -> Vec<u8> {
    format!("iku/accounts/totp/{username}").into_bytes()
}

fn associated_data(event: &EventId) -> Vec<u8> {
    format!("iku/sealed_fields/{event}").into_bytes()
}

impl Keyring {
    /// A new keyring with one fresh key; returns it with its key-file text.
    pub fn generate() -> Result<(Self, String), KeyError> {
        let id = format!("k{}", hex(&random::<4>()?));
        let secret = random::<32>()?;
        let text = format!("{id} {}\n", hex(&secret));
        let ring = Self::parse(&text, "new key")?;
        Ok((ring, text))
    }

    /// Parses key-file text: one `KEY_ID HEX` a line, `#` comments; the last key is active.
    pub fn parse(text: &str, origin: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let malformed = || KeyError::Malformed {
                origin: origin.to_owned(),
                line: n + 1,
            };
            let (id, secret) = line.split_once([' ', ':']).ok_or_else(malformed)?;
            if id.is_empty()
                || id == ERASED
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(malformed());
            }
            let secret = unhex(secret.trim()).ok_or_else(malformed)?;
            keys.push(Key {
                id: id.to_owned(),
                cipher: XChaCha20Poly1305::new(&secret.into()),
                index: index_key(&secret),
            });
        }
        if keys.is_empty() {
            return Err(KeyError::Empty {
                origin: origin.to_owned(),
            });
        }
        Ok(Self { keys })
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        Self::parse(&read_secret_file(path)?, &path.display().to_string())
    }

    /// Writes a new key file readable by its owner only; refuses to overwrite one.
    pub fn create_file(path: &Path) -> Result<Self, KeyError> {
        let (ring, text) = Self::generate()?;
        write_secret_file(path, &text)?;
        Ok(ring)
    }

    /// Adds a new key to a key file; it becomes the active key. The file is flushed to disk
    /// before anything is sealed with the new key, so no value can outlive its key.
    pub fn add_key_to_file(path: &Path) -> Result<String, KeyError> {
        use std::io::Write;
        let write_err = |source| KeyError::Write {
            path: path.display().to_string(),
            source,
        };
        let (ring, text) = Self::generate()?;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(write_err)?;
        file.write_all(text.as_bytes()).map_err(write_err)?;
        file.sync_all().map_err(write_err)?;
        Ok(ring.active_key_id().to_owned())
    }

    /// Rewrites a key file keeping only the keys in `keep` (in their order), atomically.
    pub fn retire_keys_in_file(path: &Path, keep: &[&str]) -> Result<(), KeyError> {
        use std::io::Write;
        let write_err = |source| KeyError::Write {
            path: path.display().to_string(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let kept: String = text
            .lines()
            .filter(|l| {
                let id = l.trim().split([' ', ':']).next().unwrap_or("");
                l.trim().starts_with('#') || keep.contains(&id)
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let tmp = path.with_extension("rotating");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(write_err)?;
        file.write_all(kept.as_bytes()).map_err(write_err)?;
        file.sync_all().map_err(write_err)?;
        std::fs::rename(&tmp, path).map_err(write_err)
    }

    /// The ids of the keys, oldest first.
    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    pub fn active_key_id(&self) -> &str {
        self.keys.last().map_or("", |k| k.id.as_str())
    }

    /// A term of the blind index (`iku_domain::search`) under the active key's index key.
    pub fn blind(&self, term: &str) -> Blind {
        use hmac::Mac;
        let Some(key) = self.keys.last() else {
            return [0; 16];
        };
        let mut mac = key.index.clone();
        mac.update(term.as_bytes());
        let full: [u8; 32] = mac.finalize().into_bytes().into();
        let mut cut = [0; 16];
        cut.copy_from_slice(&full[..16]);
        cut
    }

    /// Seals `plaintext` under the active key, bound to `aad` (the value's place).
    pub fn seal_bytes(&self, aad: &[u8], plaintext: &[u8]) -> Result<Sealed, KeyError> {
        let key = self.keys.last().ok_or(KeyError::Empty {
            origin: "keyring".into(),
        })?;
        let nonce = random::<24>()?;
        let ciphertext = key
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| KeyError::Random)?;
        Ok(Sealed {
            key_id: key.id.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    /// Opens a value sealed for `aad`; `None` if no loaded key has the value's key id, an
    /// error if it does not decrypt.
    fn open_bytes(&self, aad: &[u8], sealed: &Sealed) -> Option<Result<Vec<u8>, ()>> {
        let key = self.keys.iter().find(|k| k.id == sealed.key_id)?;
        let Ok(nonce) = <[u8; 24]>::try_from(sealed.nonce.as_slice()) else {
            return Some(Err(()));
        };
        Some(
            key.cipher
                .decrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: &sealed.ciphertext,
                        aad,
                    },
                )
                .map_err(|_| ()),
        )
    }

    /// Opens a value sealed with `seal_bytes`; `what` names it in errors.
    pub fn open_named(&self, aad: &[u8], sealed: &Sealed, what: &str) -> Result<Vec<u8>, KeyError> {
        match self.open_bytes(aad, sealed) {
            None => Err(KeyError::UnknownKeyFor {
                key_id: sealed.key_id.clone(),
                what: what.to_owned(),
            }),
            Some(Err(())) => Err(KeyError::TamperedValue {
                what: what.to_owned(),
            }),
            Some(Ok(plain)) => Ok(plain),
        }
    }

    /// Seals the personal fields of one event under the active key.
    pub fn seal(&self, event: &EventId, fields: &PersonalFields) -> Result<Sealed, KeyError> {
        if fields.erased {
            return Ok(Sealed {
                key_id: ERASED.to_owned(),
                nonce: Vec::new(),
                ciphertext: Vec::new(),
            });
        }
        let mut plain = serde_json::Map::new();
        for (name, value) in fields.iter() {
            plain.insert(
                name.to_owned(),
                serde_json::Value::String(value.expose().to_owned()),
            );
        }
        let plaintext = serde_json::Value::Object(plain).to_string();
        self.seal_bytes(&associated_data(event), plaintext.as_bytes())
    }

    /// Opens the personal fields of one event.
    pub fn open(&self, event: &EventId, sealed: &Sealed) -> Result<PersonalFields, KeyError> {
        if sealed.key_id == ERASED {
            return Ok(PersonalFields::erased());
        }
        let plaintext = match self.open_bytes(&associated_data(event), sealed) {
            None => {
                return Err(KeyError::UnknownKey {
                    key_id: sealed.key_id.clone(),
                    event: event.clone(),
                });
            }
            Some(Err(())) => {
                return Err(KeyError::Tampered {
                    event: event.clone(),
                });
            }
            Some(Ok(plain)) => plain,
        };
        let format = || KeyError::Format {
            event: event.clone(),
        };
        let value: serde_json::Value = serde_json::from_slice(&plaintext).map_err(|_| format())?;
        let serde_json::Value::Object(map) = value else {
            return Err(format());
        };
        let mut fields = PersonalFields::default();
        for (name, value) in map {
            let (Some(slot), serde_json::Value::String(s)) = (fields.slot_mut(&name), value) else {
                return Err(format());
            };
            *slot = Some(Personal::new(&s));
        }
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> EventId {
        EventId::parse(s).unwrap_or_else(|_| panic!("id"))
    }

    fn fields() -> PersonalFields {
        PersonalFields {
            name: Some(Personal::new("Ada Ö \"Lovelace\"")),
            note: Some(Personal::new("two\nlines")),
            ..Default::default()
        }
    }

    #[test]
    fn sealed_fields_open_only_for_their_row_and_key() -> Result<(), KeyError> {
        let (ring, _) = Keyring::generate()?;
        let sealed = ring.seal(&id("e1"), &fields())?;
        assert!(!String::from_utf8_lossy(&sealed.ciphertext).contains("Ada"));
        assert_eq!(ring.open(&id("e1"), &sealed)?, fields());
        assert!(matches!(
            ring.open(&id("e2"), &sealed),
            Err(KeyError::Tampered { .. })
        ));
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert!(matches!(
            ring.open(&id("e1"), &flipped),
            Err(KeyError::Tampered { .. })
        ));
        let (other, _) = Keyring::generate()?;
        assert!(matches!(
            other.open(&id("e1"), &sealed),
            Err(KeyError::UnknownKey { .. })
        ));
        Ok(())
    }

    #[test]
    fn nonces_differ_between_seals() -> Result<(), KeyError> {
        let (ring, _) = Keyring::generate()?;
        let a = ring.seal(&id("e1"), &fields())?;
        let b = ring.seal(&id("e1"), &fields())?;
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        Ok(())
    }

    #[test]
    fn key_files_parse_with_older_keys_kept() -> Result<(), KeyError> {
        let (old, old_text) = Keyring::generate()?;
        let (_, new_text) = Keyring::generate()?;
        let ring = Keyring::parse(&format!("# keys\n{old_text}{new_text}"), "test")?;
        assert_ne!(ring.active_key_id(), old.active_key_id());
        let sealed = old.seal(&id("e1"), &fields())?;
        assert_eq!(ring.open(&id("e1"), &sealed)?, fields());
        assert!(matches!(
            Keyring::parse("k1 abc", "x"),
            Err(KeyError::Malformed { line: 1, .. })
        ));
        assert!(matches!(
            Keyring::parse("# nothing", "x"),
            Err(KeyError::Empty { .. })
        ));
        Ok(())
    }

    #[test]
    fn debug_shows_ids_only() -> Result<(), KeyError> {
        let (ring, text) = Keyring::generate()?;
        let secret = text.split_whitespace().nth(1).unwrap_or_default();
        assert!(!format!("{ring:?}").contains(secret));
        Ok(())
    }
}
