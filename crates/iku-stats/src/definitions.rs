//! What the published definitions say about how the tables relate, in one place: which
//! tables count the same persons (a population, broken down differently), the groupings of
//! one dimension's codes into another's (the table by referrer type is the table by referrer,
//! grouped; women and girls are the female), the tables that count a slice of another's
//! persons (those exploited in Finland), the extra figures that are sums of cells, and the
//! review's year as a dimension of every table that has none (its row in the series). The review computes its grouped tables
//! with these, and disclosure control takes every relation they make as known to an attacker
//! (`disclosure::relations`).

/// The codes of dimension `from` grouped into those of dimension `to`; a code mapped to none
/// belongs to no group (`other` gender: women or girls cannot be told apart).
pub struct Grouping {
    pub from: &'static str,
    pub to: &'static str,
    pub map: fn(&str) -> Option<&'static str>,
}

/// Every grouping the publications' definitions make.
pub const GROUPINGS: [Grouping; 6] = [
    Grouping {
        from: "residence_status",
        to: "stay",
        map: |c| Some(stay(c)),
    },
    Grouping {
        from: "referrer",
        to: "referrer_type",
        map: |c| Some(referrer_type(c)),
    },
    // The long series' form groups.
    Grouping {
        from: "form",
        to: "form_group",
        map: |c| Some(form_group(c)),
    },
    Grouping {
        from: "gender_age",
        to: "sex",
        map: |c| match c {
            "women" | "girls" => Some("female"),
            "men" | "boys" => Some("male"),
            _ => Some("other"),
        },
    },
    // Adult and minor as `*_composition` counts them: an unknown age is an adult's.
    Grouping {
        from: "gender_age",
        to: "group",
        map: |c| match c {
            "women" | "men" => Some("adult"),
            "girls" | "boys" => Some("minor"),
            _ => None,
        },
    },
    Grouping {
        from: "age_group",
        to: "group",
        map: |c| Some(if c == "0-17" { "minor" } else { "adult" }),
    },
];

/// Whose counts a table holds: tables of one population count the same persons (or cases,
/// or decisions) and only break them down differently; the series hold the same in a row per
/// year. Two tables of different populations are not related by definition, even where, in
/// one register, they happen to count the same persons.
pub fn population(table: &str) -> &str {
    const POPULATIONS: [(&str, &str); 7] = [
        ("new_clients_", "new_clients"),
        ("series_new_clients", "new_clients"),
        ("finland_", "new_clients"),
        ("clients_", "clients"),
        ("series_clients_at_year_end", "clients"),
        ("applications_", "applications"),
        ("series_applications", "applications"),
    ];
    match table {
        "decisions_by_outcome" | "rejections_by_reason" => "decisions",
        _ => POPULATIONS
            .iter()
            .find(|(prefix, _)| table.starts_with(prefix))
            .map_or(table, |(_, p)| p),
    }
}

/// Extra figures that are, by definition, the sum of some cells of their own table:
/// (name, dimension, codes).
pub const EXTRA_CELLS: [(&str, &str, &[&str]); 2] = [
    ("still_minor", "group", &["minor"]),
    ("unknown_or_stateless", "nationality", &["XXX", "XXA"]),
];

/// A table that counts only some of the persons of other tables: those with one code of a
/// dimension it does not have.
/// (It is of the same population as those it is a slice of.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    pub dim: &'static str,
    pub code: &'static str,
}

/// The slice `table` counts, if it counts one: the new clients exploited in Finland.
pub fn slice(table: &str) -> Option<Slice> {
    table.starts_with("finland_").then_some(Slice {
        dim: "place",
        code: "finland",
    })
}

/// Lawful or unlawful stay, as the publications group residence: unlawful is `illegal_stay`,
/// not known is its own.
pub fn stay(residence_status: &str) -> &'static str {
    match residence_status {
        "illegal_stay" => "unlawful",
        "unknown" => "unknown",
        _ => "lawful",
    }
}

/// The kind of referrer, as the publications group them.
pub fn referrer_type(code: &str) -> &'static str {
    match code {
        "victim_self" => "self",
        "lawyer" => "lawyer",
        "ngo" | "victim_support" | "shelter" | "parish" => "ngo_or_parish",
        "other" => "other",
        _ => "authority",
    }
}

/// The coarse groups of the long series: sexual exploitation, forced labour, other.
pub fn form_group(row: &str) -> &'static str {
    match row {
        "sexual_exploitation" => "sexual_exploitation",
        "forced_labour" => "forced_labour",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use iku_domain::Register;
    use iku_generate::{Options, generate};

    use super::*;
    use crate::{Period, Review, compute};

    fn review() -> Review {
        let mut options = Options::new(800, 11);
        options.personal_fields = false;
        let register = Register::new(generate(&options)).unwrap_or_else(|v| panic!("{v}"));
        compute(&register, Period::annual(2021), None)
    }

    /// Each dimension's codes, over every table of the review.
    fn codes(review: &Review) -> BTreeMap<&'static str, BTreeSet<String>> {
        let mut out: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
        for t in &review.tables {
            for c in &t.cells {
                for (d, code) in &c.key {
                    out.entry(*d).or_default().insert(code.clone());
                }
            }
        }
        out
    }

    /// A grouping maps every code of its dimension into the codes of the one it groups into
    /// (a code list that grows without its grouping would relate nothing).
    #[test]
    fn every_grouping_maps_the_codes_it_groups_into_codes_of_its_target() {
        let review = review();
        let codes = codes(&review);
        for g in &GROUPINGS {
            let from = &codes[g.from];
            let to = &codes[g.to];
            for code in from {
                if let Some(target) = (g.map)(code) {
                    assert!(to.contains(target), "{} {code} -> {target}", g.from);
                }
            }
        }
    }

    /// What the groupings promise holds in a review: the table by stay is the table by
    /// residence status grouped, as is referrer type of referrer; women and girls of one table
    /// are the female of another's margins.
    #[test]
    fn grouped_tables_are_their_sources_grouped() {
        let review = review();
        let grouped = |table: &str, dim: &str, g: &Grouping| -> BTreeMap<String, u64> {
            let t = review.table(table).unwrap_or_else(|| panic!("{table}"));
            let p = t.dims.iter().position(|d| *d == dim).unwrap_or(0);
            let mut out = BTreeMap::new();
            for c in &t.cells {
                if let Some(target) = (g.map)(&c.codes(&t.dims)[p]) {
                    *out.entry(target.to_owned()).or_insert(0) += c.value.unwrap_or(0);
                }
            }
            out
        };
        let plain = |table: &str, dim: &str| -> BTreeMap<String, u64> {
            let t = review.table(table).unwrap_or_else(|| panic!("{table}"));
            let p = t.dims.iter().position(|d| *d == dim).unwrap_or(0);
            let mut out = BTreeMap::new();
            for c in &t.cells {
                *out.entry(c.codes(&t.dims)[p].clone()).or_insert(0) += c.value.unwrap_or(0);
            }
            out
        };
        let by = |from: &str, to: &str| {
            GROUPINGS
                .iter()
                .find(|g| g.from == from && g.to == to)
                .unwrap_or_else(|| panic!("{from} -> {to}"))
        };
        let nonzero = |m: BTreeMap<String, u64>| -> BTreeMap<String, u64> {
            m.into_iter().filter(|(_, v)| *v > 0).collect()
        };
        assert_eq!(
            nonzero(grouped(
                "new_clients_by_residence_status",
                "residence_status",
                by("residence_status", "stay")
            )),
            nonzero(plain("new_clients_by_stay", "stay"))
        );
        assert_eq!(
            nonzero(grouped(
                "applications_by_referrer",
                "referrer",
                by("referrer", "referrer_type")
            )),
            nonzero(plain("applications_by_referrer_type", "referrer_type"))
        );
        assert_eq!(
            nonzero(grouped(
                "new_clients_by_gender_age",
                "gender_age",
                by("gender_age", "sex")
            )),
            nonzero(plain("new_clients_by_exploitation_and_gender", "sex"))
        );
        assert_eq!(
            nonzero(grouped(
                "new_clients_by_age_group",
                "age_group",
                by("age_group", "group")
            ))
            .get("minor"),
            nonzero(plain("new_clients_composition", "group")).get("minor")
        );
    }

    #[test]
    fn the_tables_of_finland_are_a_slice_of_the_new_clients() {
        assert_eq!(
            population("finland_by_gender"),
            population("new_clients_by_gender_age")
        );
        assert_eq!(population("series_new_clients"), "new_clients");
        assert_ne!(
            population("clients_by_nationality"),
            population("new_clients_by_nationality")
        );
        assert!(
            slice("finland_by_referrer").is_some_and(|s| s.dim == "place" && s.code == "finland")
        );
        assert!(slice("new_clients_by_nationality").is_none());
    }
}
