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
    // The series' form groups (their dimension is called `group`).
    Grouping {
        from: "form",
        to: "group",
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
