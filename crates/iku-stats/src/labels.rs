//! Labels of every cell code in Finnish, Swedish and English: the code lists' own labels
//! (iku-domain), and the review's derived categories (`data/labels.tsv`).

use std::collections::HashMap;
use std::sync::OnceLock;

use iku_domain::codes::{
    AssistanceMeasure, Code, CodeList, ExploitationForm, Lang, Nationality, Place, Referrer,
    ReflectionGrantedBy, RejectionReason, ResidenceStatus, ServiceProvider, TerminationReason,
};

const LABELS_TSV: &str = include_str!("../data/labels.tsv");

fn own() -> &'static HashMap<(&'static str, &'static str), [&'static str; 3]> {
    static LABELS: OnceLock<HashMap<(&'static str, &'static str), [&'static str; 3]>> =
        OnceLock::new();
    LABELS.get_or_init(|| {
        LABELS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .skip(1)
            .filter_map(|l| {
                let c: Vec<&'static str> = l.split('\t').collect();
                match c[..] {
                    [dim, code, fi, sv, en] => Some(((dim, code), [fi, sv, en])),
                    _ => None,
                }
            })
            .collect()
    })
}

fn from_list<L: CodeList>(code: &str, lang: Lang) -> Option<&'static str> {
    Code::<L>::parse(code).map(|c| c.label(lang))
}

/// The label of `code` in dimension `dim`; the code itself if there is none (a year).
pub fn label(dim: &str, code: &str, lang: Lang) -> String {
    find(dim, code, lang).map_or_else(|| code.to_owned(), str::to_owned)
}

/// The label of `code` in dimension `dim`, if there is one.
pub fn find(dim: &str, code: &str, lang: Lang) -> Option<&'static str> {
    let listed = match dim {
        "referrer" => from_list::<Referrer>(code, lang),
        "reason" => from_list::<RejectionReason>(code, lang)
            .or_else(|| from_list::<TerminationReason>(code, lang)),
        "residence_status" => from_list::<ResidenceStatus>(code, lang),
        "form" => from_list::<ExploitationForm>(code, lang),
        "place" => from_list::<Place>(code, lang),
        "nationality" => from_list::<Nationality>(code, lang),
        "provider" => from_list::<ServiceProvider>(code, lang),
        "granted_by" => from_list::<ReflectionGrantedBy>(code, lang),
        "measure" => from_list::<AssistanceMeasure>(code, lang),
        _ => None,
    };
    let own = own();
    listed.or_else(|| {
        own.get(&(dim, code))
            .or_else(|| own.get(&("any", code)))
            .map(|l| l[lang as usize])
    })
}

/// The label of a code whose dimension is not known (the key of a withheld number, as a
/// disclosure report names it): the code lists' first, then the review's own labels in the
/// order of their file; the code itself if none knows it (a year).
pub fn label_anywhere(code: &str, lang: Lang) -> String {
    const LISTS: [&str; 9] = [
        "referrer",
        "reason",
        "residence_status",
        "form",
        "place",
        "nationality",
        "provider",
        "granted_by",
        "measure",
    ];
    if let Some(found) = LISTS.iter().find_map(|dim| find(dim, code, lang)) {
        return found.to_owned();
    }
    LABELS_TSV
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .find_map(|l| match l.split('\t').collect::<Vec<_>>()[..] {
            [_, c, fi, sv, en] if c == code => Some([fi, sv, en][lang as usize].to_owned()),
            _ => None,
        })
        .unwrap_or_else(|| code.to_owned())
}
