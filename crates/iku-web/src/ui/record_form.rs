//! What a client page's form sends, and the event of the interchange format it records
//! (without the id, the recorded time and the person, which the server adds); what the
//! register refuses comes back on the page with the reason.

use iku_domain::calendar::{format_date, parse_entered_date};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// What a form sends (every field a string, as typed; each form uses some).
#[derive(Debug, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    minor_at_time: Option<String>,
    #[serde(default)]
    form_2: String,
    #[serde(default)]
    place_2: String,
    #[serde(default)]
    minor_2: Option<String>,
    #[serde(default)]
    form_3: String,
    #[serde(default)]
    place_3: String,
    #[serde(default)]
    minor_3: Option<String>,
    #[serde(default)]
    days: String,
    #[serde(default)]
    granted_by: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    child: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    residence_status: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    retracts: String,
}

/// Why a form's input is not an event yet (the message key of the field in error).
#[derive(Debug, PartialEq, Eq)]
pub struct Unfit(pub &'static str);

impl RecordForm {
    /// Whether the form retracts an entry (sent from the case's history, shown again after).
    pub fn is_retraction(&self) -> bool {
        self.kind == "retraction"
    }

    /// The event this form records, as the interchange format writes it (without the id,
    /// the recorded time and the person, which the server adds).
    pub fn event(&self) -> Result<Map<String, Value>, Unfit> {
        let day = parse_entered_date(&self.date).ok_or(Unfit("case.date.error"))?;
        let date = format_date(day);
        let days = || {
            self.days
                .trim()
                .parse::<u16>()
                .map_err(|_| Unfit("case.days"))
        };
        let event = match self.kind.as_str() {
            "assessment" => {
                let mut forms = vec![json!({
                    "form": self.form, "primary": true, "place": self.place,
                    "minor_at_time": self.minor_at_time.as_deref() == Some("yes"),
                })];
                for (form, place, minor) in [
                    (&self.form_2, &self.place_2, &self.minor_2),
                    (&self.form_3, &self.place_3, &self.minor_3),
                ] {
                    if !form.is_empty() {
                        forms.push(json!({
                            "form": form, "primary": false, "place": place,
                            "minor_at_time": minor.as_deref() == Some("yes"),
                        }));
                    }
                }
                json!({"event": "exploitation_assessed", "date": date, "forms": forms})
            }
            "reflection" => json!({
                "event": "reflection_period_granted", "date": date,
                "days": days()?, "granted_by": self.granted_by,
            }),
            "extension" => {
                json!({"event": "reflection_period_extended", "date": date, "days": days()?})
            }
            "interruption" => json!({"event": "reflection_period_interrupted", "date": date}),
            "measure" => {
                let mut e =
                    json!({"event": "assistance_measure", "date": date, "measure": self.measure});
                if !self.provider.is_empty() {
                    e["provider"] = json!(self.provider);
                }
                e
            }
            "child" => json!({"event": "child_admitted", "date": date, "child": new_child()?}),
            "child_left" => json!({"event": "child_left", "date": date, "child": self.child}),
            "termination" => {
                json!({"event": "assistance_terminated", "date": date, "reason": self.reason})
            }
            "identification_started" => json!({"event": "identification_started", "date": date}),
            "expert_group_heard" => json!({"event": "expert_group_heard", "date": date}),
            "identification_decided" => {
                json!({"event": "identification_decided", "date": date, "outcome": self.outcome})
            }
            "details" => self.details(&date)?,
            "retraction" => {
                json!({"event": "retraction", "date": date, "retracts": self.retracts.trim()})
            }
            _ => return Err(Unfit("case.unknown_form")),
        };
        Ok(event.as_object().cloned().unwrap_or_default())
    }

    /// The details typed in; what was left empty stays as it was.
    fn details(&self, date: &str) -> Result<Value, Unfit> {
        let mut e = json!({"event": "person_details", "date": date});
        for (field, value) in [
            ("gender", &self.gender),
            ("nationality", &self.nationality),
            ("residence_status", &self.residence_status),
        ] {
            if !value.is_empty() {
                e[field] = json!(value);
            }
        }
        match self.municipality.as_str() {
            "yes" => e["municipality_of_residence"] = json!(true),
            "no" => e["municipality_of_residence"] = json!(false),
            _ => {}
        }
        let year = self.birth_year.trim();
        if !year.is_empty() {
            let year: i32 = year.parse().map_err(|_| Unfit("case.birth_year"))?;
            e["birth_year"] = json!(year);
        }
        if e.as_object().is_some_and(|o| o.len() == 2) {
            return Err(Unfit("case.details.nothing"));
        }
        Ok(e)
    }
}

/// A child's id: children carry no other data, and a child who comes back gets a new one.
fn new_child() -> Result<String, Unfit> {
    crate::session::random_token()
        .map(|t| format!("c-{}", &t[..16]))
        .map_err(|_| Unfit("staff.error"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The form as its fields come in.
    fn form(fields: &[(&str, &str)]) -> RecordForm {
        let pairs: Map<String, Value> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect();
        serde_json::from_value(Value::Object(pairs)).unwrap_or_default()
    }

    /// A date is taken as the user writes it (31.12.2026, 31/12/2026) or in ISO, and
    /// recorded in ISO; anything else is refused with words that say how to write it.
    #[test]
    fn dates_are_taken_as_people_write_them() {
        for typed in ["1.3.2026", "01/03/2026", " 2026-03-01 "] {
            let e = form(&[("kind", "interruption"), ("date", typed)]).event();
            assert_eq!(
                e.ok().and_then(|e| e.get("date").cloned()),
                Some(json!("2026-03-01")),
                "{typed}"
            );
        }
        for typed in ["3/1/26", "tomorrow", ""] {
            let e = form(&[("kind", "interruption"), ("date", typed)]).event();
            assert_eq!(e.err(), Some(Unfit("case.date.error")), "{typed}");
        }
    }

    #[test]
    fn an_assessment_has_one_primary_form_and_the_secondary_ones_given() {
        let e = form(&[
            ("kind", "assessment"),
            ("date", "2026-03-01"),
            ("form", "forced_labour"),
            ("place", "finland"),
            ("form_2", "sexual"),
            ("place_2", "abroad"),
            ("minor_2", "yes"),
            ("form_3", ""),
            ("place_3", "finland"),
        ])
        .event()
        .unwrap_or_default();
        assert_eq!(e["event"], "exploitation_assessed");
        let forms = e["forms"].as_array().cloned().unwrap_or_default();
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0]["primary"], true);
        assert_eq!(forms[1]["form"], "sexual");
        assert_eq!(forms[1]["minor_at_time"], true);
        assert_eq!(forms[1]["primary"], false);
    }

    #[test]
    fn details_carry_only_what_was_given_and_need_something() {
        let e = form(&[
            ("kind", "details"),
            ("date", "2026-03-01"),
            ("residence_status", "asylum_seeker"),
            ("municipality", "no"),
        ])
        .event()
        .unwrap_or_default();
        assert_eq!(e["residence_status"], "asylum_seeker");
        assert_eq!(e["municipality_of_residence"], false);
        assert!(!e.contains_key("gender") && !e.contains_key("birth_year"));
        let empty = form(&[("kind", "details"), ("date", "2026-03-01")]).event();
        assert!(matches!(empty, Err(Unfit("case.details.nothing"))));
        let bad = form(&[
            ("kind", "details"),
            ("date", "1.3.2026"),
            ("birth_year", "nineteen"),
        ])
        .event();
        assert!(matches!(bad, Err(Unfit("case.birth_year"))));
    }

    #[test]
    fn days_must_be_a_number_and_an_unknown_form_is_refused() {
        for kind in ["reflection", "extension"] {
            let e = form(&[("kind", kind), ("date", "1.3.2026"), ("days", "lots")]).event();
            assert!(matches!(e, Err(Unfit("case.days"))));
        }
        assert!(matches!(
            form(&[("kind", "sell_the_house"), ("date", "1.3.2026")]).event(),
            Err(Unfit("case.unknown_form"))
        ));
        let child = form(&[("kind", "child"), ("date", "2026-03-01")])
            .event()
            .unwrap_or_default();
        assert!(child["child"].as_str().is_some_and(|c| c.starts_with("c-")));
    }
}
