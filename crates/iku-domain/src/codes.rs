//! The code lists of `codes.md` as data.
//!
//! Categories change over the years, so a code list is a table (`data/codes.tsv`, and
//! `data/nationality.tsv` generated from CLDR by `tools/gen-countries.py`), not an enum: each
//! code has labels in Finnish, Swedish and English and, where the law changed, the dates
//! between which new events may use it. A `Code<L>` is a code known to be in list `L`.

use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::OnceLock;
use time::Date;

use crate::calendar::parse_date;

/// A language the authority publishes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Fi,
    Sv,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Fi, Lang::Sv, Lang::En];

    /// A key that sorts words as the language's alphabet does: letters without their
    /// accents and case, except that Finnish and Swedish put å, ä and ö after z, in that
    /// order (Åland after Zimbabwe, Ö after Z).
    pub fn sort_key(self, s: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        use unicode_normalization::char::is_combining_mark;
        let mut key = String::with_capacity(s.len());
        for c in s.chars().flat_map(char::to_lowercase) {
            match (self, c) {
                (Lang::Fi | Lang::Sv, 'å') => key.push('\u{7b}'),
                (Lang::Fi | Lang::Sv, 'ä' | 'æ') => key.push('\u{7c}'),
                (Lang::Fi | Lang::Sv, 'ö' | 'ø') => key.push('\u{7d}'),
                _ => key.extend(std::iter::once(c).nfd().filter(|d| !is_combining_mark(*d))),
            }
        }
        key
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }
}

/// One code of one list.
#[derive(Debug)]
pub struct CodeEntry {
    pub list: &'static str,
    pub code: &'static str,
    /// First date on which a new event may use the code.
    pub valid_from: Option<Date>,
    /// Last date on which a new event may use the code.
    pub valid_until: Option<Date>,
    labels: [&'static str; 3],
}

impl CodeEntry {
    pub fn label(&self, lang: Lang) -> &'static str {
        self.labels[lang as usize]
    }

    /// Whether an event dated `on` may use this code.
    pub fn valid_on(&self, on: Date) -> bool {
        self.valid_from.is_none_or(|from| on >= from)
            && self.valid_until.is_none_or(|until| on <= until)
    }
}

struct Table {
    entries: Vec<CodeEntry>,
    by_list: HashMap<&'static str, Vec<usize>>,
    by_code: HashMap<(&'static str, &'static str), usize>,
}

const CODES_TSV: &str = include_str!("../data/codes.tsv");
const NATIONALITY_TSV: &str = include_str!("../data/nationality.tsv");

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut entries = Vec::new();
        for (n, line) in data_rows(CODES_TSV) {
            let cols: Vec<&'static str> = line.split('\t').collect();
            let [list, code, from, until, fi, sv, en] = cols[..] else {
                panic!("data/codes.tsv line {n}: expected 7 columns");
            };
            let date = |s: &str| (!s.is_empty()).then(|| parse_date(s)).flatten();
            entries.push(CodeEntry {
                list,
                code,
                valid_from: date(from),
                valid_until: date(until),
                labels: [fi, sv, en],
            });
        }
        for (n, line) in data_rows(NATIONALITY_TSV) {
            let cols: Vec<&'static str> = line.split('\t').collect();
            let [code, fi, sv, en] = cols[..] else {
                panic!("data/nationality.tsv line {n}: expected 4 columns");
            };
            entries.push(CodeEntry {
                list: Nationality::LIST,
                code,
                valid_from: None,
                valid_until: None,
                labels: [fi, sv, en],
            });
        }
        let mut by_list: HashMap<&'static str, Vec<usize>> = HashMap::default();
        let mut by_code = HashMap::default();
        for (i, e) in entries.iter().enumerate() {
            by_list.entry(e.list).or_default().push(i);
            by_code.insert((e.list, e.code), i);
        }
        Table {
            entries,
            by_list,
            by_code,
        }
    })
}

/// Rows of a TSV data file after its comments and header, with their line numbers.
fn data_rows(tsv: &'static str) -> impl Iterator<Item = (usize, &'static str)> {
    tsv.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
        .skip(1)
        .map(|(i, l)| (i + 1, l))
}

/// A code list: a marker type naming a list of the table.
pub trait CodeList: 'static {
    const LIST: &'static str;
}

macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident = $list:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {}
        impl CodeList for $name {
            const LIST: &'static str = $list;
        }
    };
}

code_list!(/// Who made an application.
    Referrer = "referrer");
code_list!(/// Why an application was rejected.
    RejectionReason = "rejection_reason");
code_list!(/// A form of exploitation.
    ExploitationForm = "exploitation_form");
code_list!(/// Where the exploitation happened.
    Place = "place");
code_list!(/// A person's gender as recorded.
    Gender = "gender");
code_list!(/// ISO 3166-1 alpha-3, plus XXA (stateless) and XXX (unknown).
    Nationality = "nationality");
code_list!(/// Residence status.
    ResidenceStatus = "residence_status");
code_list!(/// An assistance measure.
    AssistanceMeasure = "assistance_measure");
code_list!(/// Who provides a client's services.
    ServiceProvider = "service_provider");
code_list!(/// Why a client was removed from the system.
    TerminationReason = "termination_reason");
code_list!(/// Who decided a reflection period.
    ReflectionGrantedBy = "reflection_granted_by");

/// A code known to belong to list `L`.
pub struct Code<L: CodeList> {
    index: u16,
    list: PhantomData<L>,
}

impl<L: CodeList> Code<L> {
    /// Looks a code up in list `L`.
    pub fn parse(code: &str) -> Option<Self> {
        let index = *table().by_code.get(&(L::LIST, code))?;
        Some(Self {
            index: u16::try_from(index).ok()?,
            list: PhantomData,
        })
    }

    /// Every code of list `L`, in the order of the table.
    pub fn all() -> impl Iterator<Item = Self> {
        table()
            .by_list
            .get(L::LIST)
            .into_iter()
            .flatten()
            .filter_map(|&i| {
                Some(Self {
                    index: u16::try_from(i).ok()?,
                    list: PhantomData,
                })
            })
    }

    pub fn entry(self) -> &'static CodeEntry {
        &table().entries[usize::from(self.index)]
    }

    pub fn code(self) -> &'static str {
        self.entry().code
    }

    pub fn label(self, lang: Lang) -> &'static str {
        self.entry().label(lang)
    }

    /// Whether this is the code `code` (for the few codes with a meaning in the rules).
    pub fn is(self, code: &str) -> bool {
        self.code() == code
    }

    /// The codes of the list, written out for an error message.
    pub fn expected() -> String {
        let codes: Vec<&str> = Self::all().map(Self::code).collect();
        if codes.len() > 20 {
            format!("an {} code (see codes.md)", L::LIST)
        } else {
            format!("one of {}", codes.join(", "))
        }
    }
}

impl<L: CodeList> Clone for Code<L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L: CodeList> Copy for Code<L> {}
impl<L: CodeList> PartialEq for Code<L> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}
impl<L: CodeList> Eq for Code<L> {}
impl<L: CodeList> Hash for Code<L> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.index.hash(state);
    }
}
impl<L: CodeList> PartialOrd for Code<L> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
/// Codes order by their code string, so that output sorted by code is stable across data
/// versions.
impl<L: CodeList> Ord for Code<L> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code().cmp(other.code())
    }
}
impl<L: CodeList> fmt::Debug for Code<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", L::LIST, self.code())
    }
}

/// The referrer code of social work on `on`: the municipalities' social services until
/// 2022, the wellbeing services counties' from 2023 (the reform moved social work to them).
pub fn social_work_referrer(code: &str, on: time::Date) -> &str {
    match code {
        "social_services" | "wellbeing_services_county" if on.year() >= 2023 => {
            "wellbeing_services_county"
        }
        "social_services" | "wellbeing_services_county" => "social_services",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_sort_as_the_language_writes_its_alphabet() {
        let words = ["Öland", "Zimbabwe", "Ägypten", "Åland", "Égypte", "Albania"];
        let sorted = |lang: Lang| {
            let mut w = words.to_vec();
            w.sort_by_key(|x| lang.sort_key(x));
            w
        };
        assert_eq!(
            sorted(Lang::Sv),
            ["Albania", "Égypte", "Zimbabwe", "Åland", "Ägypten", "Öland"]
        );
        assert_eq!(
            sorted(Lang::En),
            ["Ägypten", "Åland", "Albania", "Égypte", "Öland", "Zimbabwe"]
        );
    }

    /// Every label is in the language it is shown in: no Finnish or Swedish page shows a
    /// code in English.
    #[test]
    fn no_label_is_english_in_finnish_or_swedish() {
        for line in CODES_TSV.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split('\t').collect();
            if let [list, code, _, _, fi, sv, en] = f[..] {
                assert!(fi != en && sv != en, "{list} {code}: {fi} / {sv} / {en}");
            }
        }
    }

    fn count<L: CodeList>() -> usize {
        Code::<L>::all().count()
    }

    #[test]
    fn every_list_of_codes_md_is_loaded() {
        // codes.md's 17, and the wellbeing services counties' of the 2023 reform.
        assert_eq!(count::<Referrer>(), 18);
        assert_eq!(count::<RejectionReason>(), 3);
        assert_eq!(count::<ExploitationForm>(), 9);
        assert_eq!(count::<Place>(), 2);
        assert_eq!(count::<Gender>(), 4);
        assert_eq!(count::<ResidenceStatus>(), 8);
        assert_eq!(count::<AssistanceMeasure>(), 9);
        assert_eq!(count::<ServiceProvider>(), 3);
        assert_eq!(count::<TerminationReason>(), 9);
        assert_eq!(count::<ReflectionGrantedBy>(), 3);
    }

    #[test]
    fn social_work_refers_through_the_municipalities_until_2022_then_the_counties() {
        let day = |y, m, d| {
            time::Date::from_calendar_date(
                y,
                time::Month::try_from(m).unwrap_or(time::Month::January),
                d,
            )
            .unwrap_or(time::Date::MIN)
        };
        let (last, first) = (day(2022, 12, 31), day(2023, 1, 1));
        assert_eq!(
            social_work_referrer("social_services", last),
            "social_services"
        );
        assert_eq!(
            social_work_referrer("social_services", first),
            "wellbeing_services_county"
        );
        assert_eq!(
            social_work_referrer("wellbeing_services_county", last),
            "social_services"
        );
        assert_eq!(social_work_referrer("police", first), "police");
        let code = |c: &str| Code::<Referrer>::parse(c).unwrap_or_else(|| panic!("{c}"));
        assert!(code("social_services").entry().valid_on(last));
        assert!(!code("social_services").entry().valid_on(first));
        assert!(code("wellbeing_services_county").entry().valid_on(first));
        assert!(!code("wellbeing_services_county").entry().valid_on(last));
    }

    #[test]
    fn every_code_has_three_nonempty_labels() {
        for e in &table().entries {
            for lang in Lang::ALL {
                assert!(
                    !e.label(lang).trim().is_empty(),
                    "{}:{} {:?}",
                    e.list,
                    e.code,
                    lang
                );
            }
        }
    }

    #[test]
    fn nationalities_cover_iso_3166_with_cldr_names() {
        // 249 ISO 3166-1 countries plus XXA and XXX.
        assert_eq!(count::<Nationality>(), 251);
        let fin = Code::<Nationality>::parse("FIN");
        assert_eq!(
            fin.map(|c| [c.label(Lang::Fi), c.label(Lang::Sv), c.label(Lang::En)]),
            Some(["Suomi", "Finland", "Finland"])
        );
        let swe = Code::<Nationality>::parse("SWE").map(|c| c.label(Lang::Fi));
        assert_eq!(swe, Some("Ruotsi"));
        assert!(Code::<Nationality>::parse("XXA").is_some());
        assert!(Code::<Nationality>::parse("fin").is_none());
    }

    #[test]
    fn lists_do_not_leak_into_each_other() {
        assert!(Code::<Referrer>::parse("police").is_some());
        assert!(Code::<RejectionReason>::parse("police").is_none());
        assert!(Code::<ExploitationForm>::parse("witness").is_none());
    }

    #[test]
    fn earlier_law_codes_are_dated() {
        let ended = Code::<TerminationReason>::parse("criminal_process_ended").map(Code::entry);
        let d = |s| parse_date(s).unwrap_or(Date::MIN);
        assert_eq!(ended.map(|e| e.valid_on(d("2022-12-31"))), Some(true));
        assert_eq!(ended.map(|e| e.valid_on(d("2023-01-01"))), Some(false));
        let left = Code::<TerminationReason>::parse("left_finland").map(Code::entry);
        assert_eq!(left.map(|e| e.valid_on(d("2016-01-01"))), Some(true));
    }
}
