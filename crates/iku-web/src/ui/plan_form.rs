//! What a plan form sends, read: a need's assessment or a new measure as fields of the
//! interchange format (the server adds the author), or a measure moved on; or each mistake
//! with its field.

use iku_app::access::MeasureChange;
use iku_domain::calendar::{format_date, parse_entered_date};
use iku_domain::codes::{AssistanceMeasure, Code, ServiceProvider};
use iku_domain::event::{NeedArea, PlanStatus};
use iku_domain::ids::EventId;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The longest text of an assessment or a measure, in characters (the register's limit for
/// a note).
pub(super) const LONGEST: usize = 10_000;

/// What a plan form sent: `kind` is `need`, `measure` or `change`; each uses some fields.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) date: String,
    #[serde(default)]
    pub(super) area: String,
    #[serde(default)]
    pub(super) text: String,
    #[serde(default)]
    pub(super) measure: String,
    #[serde(default)]
    pub(super) provider: String,
    #[serde(default)]
    pub(super) due: String,
    #[serde(default)]
    pub(super) review: String,
    #[serde(default)]
    pub(super) status: String,
    /// The measure moved on (`change`): its event in force.
    #[serde(default)]
    pub(super) id: String,
}

/// A mistake in a form: the field and the words that say what is wrong.
pub type Mistake = (&'static str, &'static str);

/// A plan form sent back: what was typed, and what is wrong with it.
pub struct PlanDraft {
    pub form: PlanForm,
    pub mistakes: Vec<Mistake>,
}

/// What a form asks the register to do.
pub(super) enum Asked {
    /// Write this event (a need's assessment, a new measure).
    Write(Map<String, Value>),
    /// Move the measure in force on.
    Change(EventId, MeasureChange, time::Date),
}

impl PlanForm {
    fn day(&self, today: time::Date, mistakes: &mut Vec<Mistake>) -> Option<time::Date> {
        match parse_entered_date(&self.date) {
            None => {
                mistakes.push(("date", "plan.error.date"));
                None
            }
            Some(d) if d > today => {
                mistakes.push(("date", "plan.error.future"));
                None
            }
            Some(d) => Some(d),
        }
    }

    fn area(&self, mistakes: &mut Vec<Mistake>) -> Option<NeedArea> {
        let area = NeedArea::parse(&self.area);
        if area.is_none() {
            mistakes.push(("area", "plan.error.area"));
        }
        area
    }

    /// The text, trimmed; `required` says whether it may be left out.
    fn text(&self, required: bool, mistakes: &mut Vec<Mistake>) -> Option<String> {
        let text = self.text.trim();
        if text.is_empty() {
            if required {
                mistakes.push(("text", "plan.error.text"));
            }
            return None;
        }
        match iku_domain::personal::check_text(text, LONGEST, true) {
            Ok(()) => Some(text.to_owned()),
            Err(iku_domain::personal::TextError::TooLong(_)) => {
                mistakes.push(("text", "plan.error.text_long"));
                None
            }
            Err(iku_domain::personal::TextError::NotText) => {
                mistakes.push(("text", "error.characters"));
                None
            }
        }
    }

    /// A date that may be left out, not before `from`.
    fn later_date(
        typed: &str,
        from: Option<time::Date>,
        field: &'static str,
        mistakes: &mut Vec<Mistake>,
    ) -> Option<time::Date> {
        match typed.trim() {
            "" => None,
            typed => match parse_entered_date(typed) {
                Some(d) if from.is_none_or(|f| d >= f) => Some(d),
                _ => {
                    mistakes.push((field, "plan.error.later_date"));
                    None
                }
            },
        }
    }

    pub(super) fn asked(&self, today: time::Date) -> Result<Asked, Vec<Mistake>> {
        let mut mistakes = Vec::new();
        let day = self.day(today, &mut mistakes);
        let mut event = Map::new();
        match self.kind.as_str() {
            "need" => {
                let area = self.area(&mut mistakes);
                let text = self.text(true, &mut mistakes);
                if let (Some(area), Some(text)) = (area, text) {
                    event.insert("event".into(), json!("need_assessed"));
                    event.insert("area".into(), json!(area.name()));
                    event.insert("note".into(), json!(text));
                }
            }
            "measure" => {
                let area = self.area(&mut mistakes);
                let measure = Code::<AssistanceMeasure>::parse(&self.measure);
                if measure.is_none() {
                    mistakes.push(("measure", "plan.error.measure"));
                }
                let provider = match self.provider.as_str() {
                    "" => None,
                    code => {
                        let p = Code::<ServiceProvider>::parse(code);
                        if p.is_none() {
                            mistakes.push(("provider", "plan.error.provider"));
                        }
                        p
                    }
                };
                let due = Self::later_date(&self.due, day, "due", &mut mistakes);
                let review = Self::later_date(&self.review, day, "review", &mut mistakes);
                let text = self.text(false, &mut mistakes);
                if let (Some(area), Some(measure)) = (area, measure) {
                    event.insert("event".into(), json!("plan_measure"));
                    event.insert("area".into(), json!(area.name()));
                    event.insert("measure".into(), json!(measure.code()));
                    event.insert("status".into(), json!(PlanStatus::Planned.name()));
                    if let Some(p) = provider {
                        event.insert("provider".into(), json!(p.code()));
                    }
                    for (key, d) in [("due", due), ("review", review)] {
                        if let Some(d) = d {
                            event.insert(key.into(), json!(format_date(d)));
                        }
                    }
                    if let Some(text) = text {
                        event.insert("note".into(), json!(text));
                    }
                }
            }
            "change" => {
                let id = EventId::parse(&self.id).ok();
                let status = PlanStatus::parse(&self.status);
                if id.is_none() || status.is_none() {
                    mistakes.push(("status", "plan.error.status"));
                }
                if let (Some(id), Some(status), Some(day), true) =
                    (id, status, day, mistakes.is_empty())
                {
                    let change = MeasureChange {
                        status,
                        due: None,
                        review: None,
                    };
                    return Ok(Asked::Change(id, change, day));
                }
            }
            _ => mistakes.push(("area", "plan.error.area")),
        }
        match day {
            Some(day) if mistakes.is_empty() => {
                event.insert("date".into(), json!(format_date(day)));
                Ok(Asked::Write(event))
            }
            _ => Err(mistakes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> time::Date {
        iku_domain::calendar::parse_date(s).unwrap_or(time::Date::MIN)
    }

    fn form(kind: &str, date: &str) -> PlanForm {
        PlanForm {
            kind: kind.into(),
            date: date.into(),
            ..PlanForm::default()
        }
    }

    fn mistakes(f: &PlanForm) -> Vec<&'static str> {
        match f.asked(day("2026-12-03")) {
            Err(m) => m.into_iter().map(|(field, _)| field).collect(),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn a_need_and_a_measure_become_events_with_iso_dates() {
        let need = PlanForm {
            area: "accommodation".into(),
            text: " Needs a safe place. ".into(),
            ..form("need", "2.12.2026")
        };
        let Ok(Asked::Write(event)) = need.asked(day("2026-12-03")) else {
            panic!("not a write");
        };
        assert_eq!(event.get("event"), Some(&json!("need_assessed")));
        assert_eq!(event.get("date"), Some(&json!("2026-12-02")));
        assert_eq!(event.get("note"), Some(&json!("Needs a safe place.")));
        assert!(!event.contains_key("author"), "the server sets the author");
        let measure = PlanForm {
            area: "accommodation".into(),
            measure: "safe_accommodation".into(),
            due: "31.12.2026".into(),
            ..form("measure", "2.12.2026")
        };
        let Ok(Asked::Write(event)) = measure.asked(day("2026-12-03")) else {
            panic!("not a write: {:?}", mistakes(&measure));
        };
        assert_eq!(event.get("status"), Some(&json!("planned")));
        assert_eq!(event.get("due"), Some(&json!("2026-12-31")));
        assert!(!event.contains_key("note") && !event.contains_key("provider"));
    }

    #[test]
    fn each_mistake_is_named_with_its_field() {
        assert_eq!(
            mistakes(&form("need", "31.13.2026")),
            ["date", "area", "text"]
        );
        let measure = PlanForm {
            area: "health".into(),
            measure: "no_such".into(),
            provider: "nobody".into(),
            due: "1.12.2026".into(),
            review: "yesterday".into(),
            ..form("measure", "2.12.2026")
        };
        assert_eq!(mistakes(&measure), ["measure", "provider", "due", "review"]);
        let change = PlanForm {
            id: "w-1".into(),
            status: "finished".into(),
            ..form("change", "2.12.2026")
        };
        assert_eq!(mistakes(&change), ["status"]);
        assert_eq!(mistakes(&form("need", "4.12.2026"))[0], "date");
    }
}
