//! What a person is found by, without their values being stored: the **terms** of the blind
//! index (casework.md, "Identifiers for search and matching"). Storage keeps only a keyed HMAC
//! of each term; this module says which terms a person has and which a query asks for, so
//! that equal terms mean "may be the same person".
//!
//! - the personal identity code, upper case, without spaces;
//! - the phone number in E.164 (`040 123 4567` and `+358 40 1234567` are one term);
//! - the e-mail address in lower case;
//! - each token of each name the person has given (case, accents and punctuation folded, so
//!   word order does not matter), **bound to the birth year**: a name is never a term alone.
//!   A token's terms are the token, each form of it with one letter left out (two tokens one
//!   typo apart share one of these), and a consonant skeleton (Mohammed, Muhammad, Mohamed).
//!
//! Terms are strings with a kind prefix, so no term of one kind equals one of another.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::personal::PersonalFields;

/// Tokens this short are not indexed as names: initials match too much.
const SHORTEST_TOKEN: usize = 2;
/// A token is given its one-letter-less forms and skeleton from this length on.
const FUZZY_FROM: usize = 4;
/// Longer tokens are cut (a name token this long is almost surely a typing slip).
const LONGEST_TOKEN: usize = 24;

/// What a query searches by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    IdentityCode,
    Phone,
    Email,
    /// A name (its tokens) and a birth year.
    Name {
        tokens: usize,
    },
}

impl Probe {
    /// The name the audit log records a search by (never the terms).
    pub fn name(&self) -> &'static str {
        match self {
            Probe::IdentityCode => "identity_code",
            Probe::Phone => "phone",
            Probe::Email => "email",
            Probe::Name { .. } => "name",
        }
    }
}

/// One term of a query, and the query token it stands for (names: a person matches a token
/// through any of its terms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    pub term: String,
    pub token: usize,
}

/// A query made into terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub probe: Probe,
    pub terms: Vec<QueryTerm>,
}

/// Why a text cannot be searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("nothing to search for")]
    Empty,
    #[error("a name is searched for with a year of birth")]
    NameWithoutYear,
}

impl Query {
    /// How many of the query's tokens a person must match to be proposed: every token of a
    /// name of one or two tokens, all but one of a longer name; one for the other probes.
    pub fn needed(&self) -> usize {
        match self.probe {
            Probe::Name { tokens } if tokens > 2 => tokens - 1,
            Probe::Name { tokens } => tokens,
            _ => 1,
        }
    }
}

/// A text typed into the search box: an identity code, an e-mail address, a phone number, or
/// a name with a year of birth (`Mohamad Ali 1990`), in that order of trying.
pub fn query(text: &str, this_year: i32) -> Result<Query, QueryError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(QueryError::Empty);
    }
    let one = |probe: Probe, term: String| Query {
        probe,
        terms: vec![QueryTerm { term, token: 0 }],
    };
    if looks_like_identity_code(text) {
        return Ok(one(Probe::IdentityCode, identity_code_term(text)));
    }
    if text.contains('@') && !text.contains(char::is_whitespace) {
        return Ok(one(Probe::Email, email_term(text)));
    }
    if let Some(phone) = phone_term(text) {
        return Ok(one(Probe::Phone, phone));
    }
    let mut year = None;
    let mut names = Vec::new();
    for word in text.split_whitespace() {
        match word.parse::<i32>() {
            Ok(y) if word.len() == 4 && (1900..=this_year).contains(&y) => year = Some(y),
            _ => names.push(word),
        }
    }
    let tokens = name_tokens(&names.join(" "));
    if tokens.is_empty() {
        return Err(QueryError::Empty);
    }
    let year = year.ok_or(QueryError::NameWithoutYear)?;
    Ok(name_query(&tokens, year))
}

/// A query for a name's tokens with a year of birth.
fn name_query(tokens: &[String], year: i32) -> Query {
    let terms = tokens
        .iter()
        .enumerate()
        .flat_map(|(i, token)| {
            token_terms(token, year)
                .into_iter()
                .map(move |term| QueryTerm { term, token: i })
        })
        .collect();
    Query {
        probe: Probe::Name {
            tokens: tokens.len(),
        },
        terms,
    }
}

/// The queries that find who else a person may be (intake's check for duplicates): one for
/// each of their identity code, phone number and e-mail address, and one for their name with
/// their birth year; each query's probe says why a person it finds is proposed.
pub fn queries_of(fields: &PersonalFields, birth_year: Option<i32>) -> Vec<Query> {
    let one = |probe: Probe, term: String| Query {
        probe,
        terms: vec![QueryTerm { term, token: 0 }],
    };
    let mut queries = Vec::new();
    if let Some(code) = &fields.personal_identity_code {
        queries.push(one(Probe::IdentityCode, identity_code_term(code.expose())));
    }
    if let Some(phone) = fields.phone.as_ref().and_then(|p| phone_term(p.expose())) {
        queries.push(one(Probe::Phone, phone));
    }
    if let Some(email) = &fields.email {
        queries.push(one(Probe::Email, email_term(email.expose())));
    }
    if let (Some(name), Some(year)) = (&fields.name, birth_year) {
        let tokens = name_tokens(name.expose());
        if !tokens.is_empty() {
            queries.push(name_query(&tokens, year));
        }
    }
    queries
}

/// The terms a person is indexed under, from the personal fields of each of their details
/// events in force and their birth year (if known: without it their names are not indexed).
pub fn person_terms<'a>(
    fields: impl IntoIterator<Item = &'a PersonalFields>,
    birth_year: Option<i32>,
) -> Vec<String> {
    let mut terms = Vec::new();
    for f in fields {
        if let Some(code) = &f.personal_identity_code {
            terms.push(identity_code_term(code.expose()));
        }
        if let Some(phone) = f.phone.as_ref().and_then(|p| phone_term(p.expose())) {
            terms.push(phone);
        }
        if let Some(email) = &f.email {
            terms.push(email_term(email.expose()));
        }
        if let (Some(name), Some(year)) = (&f.name, birth_year) {
            for token in name_tokens(name.expose()) {
                terms.extend(token_terms(&token, year));
            }
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

fn looks_like_identity_code(text: &str) -> bool {
    // The Finnish form: six digits, a century sign, three digits and a check character.
    let b = text.as_bytes();
    b.len() == 11
        && b[..6].iter().all(u8::is_ascii_digit)
        && b"+-YXWVUABCDEF".contains(&b[6].to_ascii_uppercase())
        && b[7..10].iter().all(u8::is_ascii_digit)
        && b[10].is_ascii_alphanumeric()
}

fn identity_code_term(code: &str) -> String {
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    format!("pic:{code}")
}

fn email_term(email: &str) -> String {
    format!("email:{}", email.trim().to_lowercase())
}

/// A phone number in E.164 (`+` and digits); numbers without a country code are Finnish.
/// None if the text is not a phone number (letters, or fewer than six digits).
pub fn e164(text: &str) -> Option<String> {
    let text = text.trim();
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()./".contains(c))
    {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 || text.rfind('+').is_some_and(|i| i > 0) {
        return None;
    }
    let international = if text.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        format!("358{rest}")
    } else {
        format!("358{digits}")
    };
    Some(format!("+{international}"))
}

fn phone_term(text: &str) -> Option<String> {
    e164(text).map(|p| format!("phone:{p}"))
}

/// A name as tokens: letters folded to lower case without accents, split at everything that
/// is not a letter or a digit; tokens shorter than two letters left out.
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut folded = String::with_capacity(name.len());
    // Decomposed, a letter with accents is the letter and its marks (ễ: e, circumflex, dot
    // below); the marks are dropped. What does not decompose (æ, ø, ß, ł) is spelled out.
    for c in name.nfd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        match fold(c) {
            Some(s) => folded.push_str(s),
            None if c.is_alphanumeric() => folded.push(c),
            None => folded.push(' '),
        }
    }
    folded
        .split_whitespace()
        .filter(|t| t.chars().count() >= SHORTEST_TOKEN)
        .map(|t| t.chars().take(LONGEST_TOKEN).collect())
        .collect()
}

/// A lower-case letter that does not decompose (a ligature, a letter of its own), as plain
/// letters.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' => "ae",
        'đ' | 'ð' => "d",
        'ı' => "i",
        'ł' => "l",
        'ø' => "o",
        'œ' => "oe",
        'ß' => "ss",
        'þ' => "th",
        '\'' | '’' | 'ʼ' => "",
        _ => return None,
    })
}

/// The terms of one name token under a birth year: the token, its forms with one letter left
/// out, and its skeleton.
fn token_terms(token: &str, year: i32) -> Vec<String> {
    let chars: Vec<char> = token.chars().collect();
    let mut terms = vec![format!("name:{year}:{token}")];
    if chars.len() >= FUZZY_FROM {
        for skip in 0..chars.len() {
            let shorter: String = chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| c)
                .collect();
            terms.push(format!("name:{year}:{shorter}"));
        }
        let skeleton = skeleton(&chars);
        if skeleton.chars().count() >= 3 {
            terms.push(format!("sound:{year}:{skeleton}"));
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

/// The consonants of a token after its first letter, letters that sound alike made one and
/// repeats made single: transliterations of one name mostly share it.
fn skeleton(chars: &[char]) -> String {
    let sound = |c: char| match c {
        'c' | 'k' | 'q' => 'k',
        'z' => 's',
        'w' | 'v' => 'v',
        'j' => 'y',
        'p' => 'b',
        't' => 'd',
        other => other,
    };
    let mut out = String::new();
    let mut last = None;
    for (i, &c) in chars.iter().enumerate() {
        let vowel = "aeiouy".contains(c);
        if i > 0 && vowel {
            continue;
        }
        let sounds: &[char] = match c {
            'x' => &['k', 's'],
            _ if i == 0 && vowel => &['a'],
            _ => &[sound(c)],
        };
        for &s in sounds {
            if last != Some(s) {
                out.push(s);
            }
            last = Some(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personal::Personal;
    use proptest::prelude::*;

    fn shared(a: &str, b: &str) -> bool {
        let (a, b) = (name_tokens(a), name_tokens(b));
        let terms = |t: &String| token_terms(t, 1990);
        a.iter().any(|x| {
            b.iter()
                .any(|y| terms(x).iter().any(|t| terms(y).contains(t)))
        })
    }

    #[test]
    fn phone_numbers_are_one_term_however_written() {
        for written in [
            "040 123 4567",
            "+358 40 123 4567",
            "00358401234567",
            "(040) 123-4567",
        ] {
            assert_eq!(e164(written).as_deref(), Some("+358401234567"), "{written}");
        }
        assert_eq!(e164("+44 20 7946 0958").as_deref(), Some("+442079460958"));
        for not in ["12345", "call me", "040+123"] {
            assert_eq!(e164(not), None, "{not}");
        }
    }

    #[test]
    fn names_fold_case_accents_and_order() {
        assert_eq!(
            name_tokens("Äijälä-O'Brien, JOSÉ"),
            ["aijala", "obrien", "jose"]
        );
        let one = person_terms([&fields("Maria Nguyen")], Some(1990));
        let two = person_terms([&fields("NGUYEN maría")], Some(1990));
        assert_eq!(one, two);
    }

    #[test]
    fn transliterations_and_typos_share_a_term_and_other_names_do_not() {
        for (a, b) in [
            ("Mohammed", "Muhammad"),
            ("Mohammed", "Mohamed"),
            ("Nguyen", "Nguyne"),
            ("Olga", "Olha"),
            ("Smith", "Smiht"),
            ("Aleksandr", "Alexander"),
        ] {
            assert!(shared(a, b), "{a} ~ {b}");
        }
        for (a, b) in [
            ("Maria", "Ahmed"),
            ("Nguyen", "Olga"),
            ("Ivanova", "Petrova"),
        ] {
            assert!(!shared(a, b), "{a} !~ {b}");
        }
    }

    #[test]
    fn a_name_is_never_a_term_without_the_birth_year() {
        assert!(person_terms([&fields("Maria Nguyen")], None).is_empty());
        assert_eq!(
            query("Maria Nguyen", 2026),
            Err(QueryError::NameWithoutYear)
        );
        let other_year = person_terms([&fields("Maria")], Some(1991));
        let q = query("Maria 1990", 2026).unwrap_or_else(|e| panic!("{e}"));
        assert!(q.terms.iter().all(|t| !other_year.contains(&t.term)));
    }

    #[test]
    fn a_query_is_read_as_what_it_looks_like() {
        let probe = |text| query(text, 2026).map(|q| q.probe);
        assert_eq!(probe("010190-123A"), Ok(Probe::IdentityCode));
        assert_eq!(probe("maria@example.org"), Ok(Probe::Email));
        assert_eq!(probe("040 123 4567"), Ok(Probe::Phone));
        assert_eq!(probe("Maria Nguyen 1990"), Ok(Probe::Name { tokens: 2 }));
        assert_eq!(probe("  "), Err(QueryError::Empty));
        let code = query("010190-123a", 2026).unwrap_or_else(|e| panic!("{e}"));
        let person = PersonalFields {
            personal_identity_code: Some(Personal::new("010190-123A")),
            ..PersonalFields::default()
        };
        assert_eq!(person_terms([&person], None), [code.terms[0].term.clone()]);
    }

    /// Intake's queries for a person are the search box's for what is known of them: each
    /// finds the terms the person is indexed under.
    #[test]
    fn a_persons_queries_are_those_of_the_search_box() {
        let person = PersonalFields {
            name: Some(Personal::new("Nguyễn Thị Mai")),
            personal_identity_code: Some(Personal::new("010190-913x")),
            phone: Some(Personal::new("040 123 4567")),
            email: Some(Personal::new("Mai@Example.org")),
            ..PersonalFields::default()
        };
        let queries = queries_of(&person, Some(1990));
        let probes: Vec<&str> = queries.iter().map(|q| q.probe.name()).collect();
        assert_eq!(probes, ["identity_code", "phone", "email", "name"]);
        let typed = [
            "010190-913X",
            "+358401234567",
            "mai@example.org",
            "NGUYEN thi Mai 1990",
        ];
        for (q, text) in queries.iter().zip(typed) {
            assert_eq!(Ok(q), query(text, 2026).as_ref(), "{text}");
        }
        let indexed = person_terms([&person], Some(1990));
        assert!(
            queries
                .iter()
                .all(|q| q.terms.iter().all(|t| indexed.contains(&t.term)))
        );
        // Without a birth year, no name query: a name alone proposes no one.
        assert_eq!(queries_of(&person, None).len(), 3);
    }

    fn fields(name: &str) -> PersonalFields {
        PersonalFields {
            name: Some(Personal::new(name)),
            ..PersonalFields::default()
        }
    }

    proptest! {
        /// A token one typo away (a letter changed, added, left out or two swapped) shares a
        /// term with the token.
        #[test]
        fn one_typo_keeps_a_shared_term(
            token in "[a-z]{4,12}",
            at in 0usize..12,
            edit in 0u8..4,
            letter in "[a-z]",
        ) {
            let chars: Vec<char> = token.chars().collect();
            let at = at % chars.len();
            let mut typo = chars.clone();
            let letter = letter.chars().next().unwrap_or('x');
            match edit {
                0 => typo[at] = letter,
                1 => typo.insert(at, letter),
                2 => { typo.remove(at); }
                _ => if at + 1 < typo.len() { typo.swap(at, at + 1) },
            }
            let typo: String = typo.into_iter().collect();
            prop_assume!(typo.len() >= FUZZY_FROM);
            let a = token_terms(&token, 1990);
            prop_assert!(token_terms(&typo, 1990).iter().any(|t| a.contains(t)), "{} {}", token, typo);
        }
    }
}
