//! The register as person-level records for international statistics: the field names and
//! codes of IOM's Human Trafficking Case Data Standard (HTCDS), released the way the
//! Counter Trafficking Data Collaborative (CTDC) releases its global dataset: the
//! quasi-identifiers (what an outsider may know of a person: year, sex, age, nationality,
//! where exploited) recoded, step by step and for everyone alike, until every combination of
//! them counts at least k persons (k = 11 as CTDC uses); the few records still in smaller
//! combinations are withheld. The release says what was recoded. Nothing personal is read:
//! no name, identity code, contact, free text or id is ever written (records are in no
//! order of the register's).

use std::collections::HashMap;

use iku_domain::RegisterState;
use iku_domain::calendar::age_on;
use iku_domain::event::Decision;
use iku_domain::state::PersonState;

/// CTDC's k.
pub const K: usize = 11;

/// The columns, in order: HTCDS field names, and CTDC's for what CTDC derives.
pub const COLUMNS: [&str; 10] = [
    "yearOfRegistration",
    "prs_Gender",
    "ageBroad",
    "majorityStatus",
    "prs_Nationality",
    "CountryOfExploitation",
    "vic_TypeOfExploitation",
    "vic_TraffickingStatus",
    "cas_Status",
    "cas_ReferringOrganisationType",
];

/// The quasi-identifiers: the columns recoded until every combination of them counts k.
pub const QUASI_IDENTIFIERS: [usize; 6] = [0, 1, 2, 3, 4, 5];

/// A withheld value (an attribute recoded away).
pub const WITHHELD: &str = "";

const ALPHA2_TSV: &str = include_str!("../data/alpha2.tsv");

fn alpha2(alpha3: &str) -> Option<&'static str> {
    static TABLE: std::sync::OnceLock<HashMap<&'static str, &'static str>> =
        std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            ALPHA2_TSV
                .lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_once('\t'))
                .collect()
        })
        .get(alpha3)
        .copied()
}

/// How far each quasi-identifier has been recoded (0: as the standard writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Levels([u8; 6]);

/// The steps each quasi-identifier can be recoded by, in words (the last step withholds it).
const STEPS: [&[&str]; 6] = [
    &["years as periods of five", "withheld"],
    &["withheld"],
    &["ages as 0--17, 18--29, 30--47, 48+", "withheld"],
    &["withheld"],
    &["nationalities of fewer than k persons as Other", "withheld"],
    &["withheld"],
];

/// A person as the release describes them, before recoding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Person {
    year: i32,
    gender: &'static str,
    age: Option<i32>,
    nationality: Option<String>,
    exploited_in: &'static str,
    exploitation: &'static str,
    status: &'static str,
    case: &'static str,
    referrer: &'static str,
}

fn gender(code: Option<&str>) -> &'static str {
    match code {
        Some("female") => "Female",
        Some("male") => "Male",
        Some("other") => "Transgender/NonConforming",
        _ => "Unknown",
    }
}

/// HTCDS's organisation types for the register's referrers.
fn organisation_type(referrer: &str) -> &'static str {
    match referrer {
        "police" | "border_guard" => "LawEnforcement",
        "immigration_service" | "reception_centre" | "detention_unit" => "ImmigrationService",
        "lawyer" => "LegalService",
        "health_care" => "HealthServiceOrganisation",
        "social_services" | "wellbeing_services_county" | "child_welfare" => {
            "LocalGovernmentOrganisation"
        }
        "labour_inspection" | "prison" => "CentralGovernmentOrganisation",
        "ngo" | "victim_support" | "shelter" | "parish" => "NGO",
        "victim_self" => "Self",
        _ => "Other",
    }
}

fn person(p: &PersonState) -> Option<Person> {
    // Nothing more is shared of a person who withdrew their consent, or whose data may only
    // be stored (a restriction).
    if p.consent_withdrawn.is_some() || p.restricted.is_some() {
        return None;
    }
    let first = p.applications.first()?;
    let details = &p.details;
    let age = match (details.birth_date, details.birth_year) {
        (Some(born), _) => Some(age_on(born, first.received)),
        (None, Some(year)) => Some(first.received.year() - year),
        _ => None,
    };
    let forms: Vec<&str> = p
        .assessment
        .as_ref()
        .map(|(_, a)| a.forms().iter().map(|f| f.form.code()).collect())
        .unwrap_or_default();
    let sexual = forms.contains(&"sexual_exploitation");
    let labour = forms.contains(&"forced_labour");
    let exploitation = match (sexual, labour, forms.is_empty()) {
        (true, true, _) => "Both",
        (true, false, _) => "SexualExploitation",
        (false, true, _) => "ForcedLabour",
        (false, false, false) => "Other",
        (false, false, true) => "Unknown",
    };
    let places: Vec<&str> = p
        .assessment
        .as_ref()
        .map(|(_, a)| a.forms().iter().map(|f| f.place.code()).collect())
        .unwrap_or_default();
    let exploited_in = match (places.contains(&"finland"), places.contains(&"abroad")) {
        (true, false) => "FI",
        (false, true) => "Abroad",
        (true, true) => "FIAndAbroad",
        (false, false) => "Unknown",
    };
    let admitted = !p.client_periods.is_empty();
    let rejected = p
        .applications
        .iter()
        .any(|a| matches!(a.decided, Some((_, Decision::Rejected { .. }))));
    let status = if admitted {
        "ActualVictimOfTrafficking"
    } else if rejected {
        "NotAVictimOfTrafficking"
    } else {
        "PossibleVictimOfTrafficking"
    };
    let open = p.is_client() || p.applications.iter().any(|a| a.decided.is_none());
    Some(Person {
        year: first.received.year(),
        gender: gender(details.gender.as_ref().map(|g| g.code())),
        age,
        nationality: details.nationality.as_ref().map(|n| n.code().to_owned()),
        exploited_in,
        exploitation,
        status,
        case: if open { "Active" } else { "Closed" },
        referrer: organisation_type(first.referrer.code()),
    })
}

fn age_band(age: i32, level: u8) -> &'static str {
    match level {
        0 => match age {
            ..=8 => "0--8",
            9..=17 => "9--17",
            18..=20 => "18--20",
            21..=23 => "21--23",
            24..=26 => "24--26",
            27..=29 => "27--29",
            30..=38 => "30--38",
            39..=47 => "39--47",
            _ => "48+",
        },
        1 => match age {
            ..=17 => "0--17",
            18..=29 => "18--29",
            30..=47 => "30--47",
            _ => "48+",
        },
        _ => WITHHELD,
    }
}

/// The quasi-identifiers of `p` at `levels`; `common` are the nationalities of k or more.
fn quasi(p: &Person, levels: Levels, common: &[String]) -> [String; 6] {
    let [year, sex, age, majority, nationality, place] = levels.0;
    let year = match year {
        0 => p.year.to_string(),
        1 => {
            let from = p.year - p.year.rem_euclid(5);
            format!("{from}--{}", from + 4)
        }
        _ => WITHHELD.into(),
    };
    let age_text = match p.age {
        Some(a) => age_band(a, age).to_owned(),
        None if age < 2 => "Unknown".into(),
        None => WITHHELD.into(),
    };
    let majority = match (majority, p.age) {
        (0, Some(a)) if a < 18 => "Minor".to_owned(),
        (0, Some(_)) => "Adult".into(),
        (0, None) => "Unknown".into(),
        _ => WITHHELD.into(),
    };
    let nationality = match (nationality, &p.nationality) {
        (0 | 1, None) => "Unknown".to_owned(),
        (0, Some(n)) => alpha2(n).unwrap_or("Unknown").to_owned(),
        (1, Some(n)) if common.contains(n) => alpha2(n).unwrap_or("Unknown").to_owned(),
        (1, Some(_)) => "Other".into(),
        _ => WITHHELD.into(),
    };
    [
        year,
        if sex == 0 {
            p.gender.into()
        } else {
            WITHHELD.into()
        },
        age_text,
        majority,
        nationality,
        if place == 0 {
            p.exploited_in.into()
        } else {
            WITHHELD.into()
        },
    ]
}

/// A release: the records, and what was done to make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub k: usize,
    /// Each record's values in `COLUMNS` order.
    pub records: Vec<[String; 10]>,
    /// What was recoded: (column, how).
    pub recoded: Vec<(&'static str, &'static str)>,
    /// Records withheld because their combination stayed below k.
    pub withheld: usize,
}

/// How many records are in combinations of fewer than `k`.
fn in_small(classes: &[[String; 6]], k: usize) -> usize {
    let mut counts: HashMap<&[String; 6], usize> = HashMap::new();
    for c in classes {
        *counts.entry(c).or_default() += 1;
    }
    classes.iter().filter(|c| counts[c] < k).count()
}

/// The release of the register's `state`, every combination of quasi-identifiers at
/// least `k` persons. Recoding goes one step of one quasi-identifier at a time, the step that
/// leaves the fewest records in small combinations (ties to the earlier column), until at
/// most one record in a hundred would have to be withheld; those are.
pub fn release(state: &RegisterState, k: usize) -> Release {
    let mut persons: Vec<Person> = state.persons.values().filter_map(person).collect();
    // An order of the values, never of the register (ids, seq) or of a hash.
    persons.sort();
    let mut by_nationality: HashMap<&str, usize> = HashMap::new();
    for p in &persons {
        if let Some(n) = &p.nationality {
            *by_nationality.entry(n).or_default() += 1;
        }
    }
    let common: Vec<String> = by_nationality
        .into_iter()
        .filter(|(_, n)| *n >= k)
        .map(|(c, _)| c.to_owned())
        .collect();
    let classes = |levels: Levels| -> Vec<[String; 6]> {
        persons.iter().map(|p| quasi(p, levels, &common)).collect()
    };
    let tolerated = persons.len() / 100;
    let mut levels = Levels::default();
    let mut current = classes(levels);
    while in_small(&current, k) > tolerated {
        let next = (0..6)
            .filter(|&q| usize::from(levels.0[q]) < STEPS[q].len())
            .map(|q| {
                let mut tried = levels;
                tried.0[q] += 1;
                let c = classes(tried);
                (in_small(&c, k), q, tried, c)
            })
            .min_by_key(|(small, q, _, _)| (*small, *q));
        let Some((_, _, tried, c)) = next else { break };
        levels = tried;
        current = c;
    }
    let mut counts: HashMap<&[String; 6], usize> = HashMap::new();
    for c in &current {
        *counts.entry(c).or_default() += 1;
    }
    let mut records = Vec::new();
    let mut withheld = 0;
    for (p, q) in persons.iter().zip(&current) {
        if counts[q] < k {
            withheld += 1;
            continue;
        }
        let [year, sex, age, majority, nationality, place] = q.clone();
        records.push([
            year,
            sex,
            age,
            majority,
            nationality,
            place,
            p.exploitation.into(),
            p.status.into(),
            p.case.into(),
            p.referrer.into(),
        ]);
    }
    let recoded = QUASI_IDENTIFIERS
        .iter()
        .filter(|&&q| levels.0[q] > 0)
        .map(|&q| (COLUMNS[q], STEPS[q][usize::from(levels.0[q]) - 1]))
        .collect();
    Release {
        k,
        records,
        recoded,
        withheld,
    }
}

impl Release {
    /// The records as CSV (comma-separated, a header of the field names).
    pub fn to_csv(&self) -> String {
        let mut out = COLUMNS.join(",") + "\n";
        for r in &self.records {
            out.push_str(&r.join(","));
            out.push('\n');
        }
        out
    }

    /// The release as JSON: what standard, k, what was recoded, how many withheld, the
    /// columns and the records.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "standard": "IOM Human Trafficking Case Data Standard (HTCDS) field names; CTDC's yearOfRegistration, ageBroad, majorityStatus and CountryOfExploitation",
            "k": self.k,
            "quasi_identifiers": QUASI_IDENTIFIERS.iter().map(|&q| COLUMNS[q]).collect::<Vec<_>>(),
            "recoded": self.recoded.iter().map(|(c, how)| serde_json::json!({"column": c, "how": how})).collect::<Vec<_>>(),
            "withheld_records": self.withheld,
            "columns": COLUMNS,
            "records": self.records,
        })
    }
}
