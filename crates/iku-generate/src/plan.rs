//! Client plans for a generated register: for about a fifth of the persons ever admitted, a
//! need assessed and a measure agreed on a day after their admission, drawn after the rest of
//! the register (and after the journal) from a random stream of their own with ids of their
//! own (`nd1`, `pm1`, ...), so that asking for casework changes nothing else a seed means.

use iku_domain::access::Username;
use iku_domain::codes::{AssistanceMeasure, Code, ServiceProvider};
use iku_domain::event::{Event, EventBody, NeedArea, NeedAssessed, PlanMeasure, PlanStatus};
use iku_domain::ids::EventId;
use iku_domain::personal::{Personal, PersonalFields};
use iku_domain::{Register, Timestamp};
use time::Duration;

use crate::{Options, Rng};

const FOUND: [&str; 3] = [
    "Asuu tuttavan luona; toivoo turvallista asuntoa.",
    "Tarvitsee lääkärin arvion, ei ole käynyt hoidossa.",
    "Toimeentulo epävarma, työnantaja ei maksanut palkkaa.",
];

pub(crate) fn plans(events: &[Event], options: &Options) -> Vec<Event> {
    let Ok(register) = Register::new(events.to_vec()) else {
        return Vec::new();
    };
    let state = register.view(None).state_as_of(options.end);
    let mut rng = Rng::new(options.seed ^ 0x0A5E_5E55);
    let author = Username::parse("generated.caseworker").unwrap_or_else(|_| unreachable!());
    let mut persons: Vec<_> = state.persons.values().collect();
    persons.sort_by(|a, b| a.id.cmp(&b.id));
    let recorded = |date: time::Date, rng: &mut Rng| {
        let day = date.next_day().unwrap_or(date).midnight().assume_utc();
        let second = 6 * 3600 + rng.below(10 * 3600) as i64;
        Timestamp::from_offset_date_time(day + Duration::seconds(second))
    };
    let measures: Vec<Code<AssistanceMeasure>> = Code::<AssistanceMeasure>::all().collect();
    let providers: Vec<Code<ServiceProvider>> = Code::<ServiceProvider>::all().collect();
    let mut out = Vec::new();
    for p in persons {
        let Some(admitted) = p.client_periods.first().map(|c| c.admitted) else {
            continue;
        };
        let span = (options.end - admitted).whole_days().clamp(0, 200) as u64;
        if span == 0 || !rng.chance(20) {
            continue;
        }
        let date = admitted + Duration::days(1 + rng.below(span) as i64);
        let area = NeedArea::ALL[rng.below(NeedArea::ALL.len() as u64) as usize];
        let note = |text: &str| PersonalFields {
            note: Some(Personal::new(text)),
            ..PersonalFields::default()
        };
        let id = |kind: &str, n: usize| {
            EventId::parse(&format!("{}{kind}{n}", options.id_prefix))
                .unwrap_or_else(|_| unreachable!())
        };
        out.push(Event {
            id: id("nd", out.len() / 2 + 1),
            date,
            recorded_at: recorded(date, &mut rng),
            corrects: None,
            body: EventBody::NeedAssessed(NeedAssessed {
                person: p.id.clone(),
                area,
                author: author.clone(),
                personal: note(FOUND[rng.below(FOUND.len() as u64) as usize]),
            }),
        });
        let later = |rng: &mut Rng| {
            rng.chance(60)
                .then(|| date + Duration::days(1 + rng.below(60) as i64))
        };
        out.push(Event {
            id: id("pm", out.len() / 2 + 1),
            date,
            recorded_at: recorded(date, &mut rng),
            corrects: None,
            body: EventBody::PlanMeasure(PlanMeasure {
                person: p.id.clone(),
                area,
                measure: measures[rng.below(measures.len() as u64) as usize],
                provider: rng
                    .chance(70)
                    .then(|| providers[rng.below(providers.len() as u64) as usize]),
                status: PlanStatus::ALL[rng.below(PlanStatus::ALL.len() as u64) as usize],
                due: later(&mut rng),
                review: later(&mut rng),
                author: author.clone(),
                personal: PersonalFields::default(),
            }),
        });
    }
    out
}
