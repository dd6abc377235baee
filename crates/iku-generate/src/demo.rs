//! The demo register: synthetic (invented names, every person marked as demo data), for
//! 2018-2025, built so that its 2020 annual review reproduces every figure of the authority's
//! published 2020 review (`../shared/spec/published-2020.json`), and the rest of the tables
//! are consistent with those totals and the publication threshold.
//!
//! The 2020 figures constrain the new clients of 2020 jointly (the clients exploited in
//! Finland are a subgroup with their own published margins), so those persons are built from
//! explicit lists per subgroup; the clients admitted earlier are built from the differences
//! between the published clients-at-31.12. margins and what the new clients contribute. The
//! arithmetic behind the lists is in the comments. Other years come from the random generator.

use iku_domain::Timestamp;
use iku_domain::codes::{Code, CodeList};
use iku_domain::event::*;
use iku_domain::ids::{ApplicationId, ChildId, EventId, PersonId};
use iku_domain::personal::{Personal, PersonalFields};
use rustc_hash::FxHashMap;
use time::{Date, Duration, Month};

use crate::{Options, Rng, generate};

fn day(y: i32, m: u8, d: u8) -> Date {
    Month::try_from(m)
        .ok()
        .and_then(|m| Date::from_calendar_date(y, m, d).ok())
        .unwrap_or(Date::MIN)
}

fn code<L: CodeList>(c: &str) -> Code<L> {
    Code::parse(c).unwrap_or_else(|| unreachable!("code {c} in the code tables"))
}

/// Expands `(value, count)` pairs into a list and shuffles it.
fn pool<'a>(rng: &mut Rng, counts: &[(&'a str, usize)]) -> Vec<&'a str> {
    let mut v: Vec<&str> = counts
        .iter()
        .flat_map(|(c, n)| std::iter::repeat_n(*c, *n))
        .collect();
    shuffle(rng, &mut v);
    v
}

fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

/// Nationalities with fewer than 5 new clients in 2020 (none of them among the published
/// nationality rows of any 2020 table).
const OTHER_NATIONALITIES: [&str; 38] = [
    "UKR", "VNM", "THA", "CHN", "MNG", "PAK", "ETH", "KEN", "UGA", "GHA", "TUR", "SRB", "BLR",
    "GEO", "ARM", "AZE", "UZB", "KAZ", "LKA", "MMR", "EGY", "LBY", "TUN", "DZA", "YEM", "SSD",
    "TCD", "NER", "MLI", "GIN", "SLE", "LBR", "TGO", "BEN", "BRA", "COL", "VEN", "MDA",
];

const FIRST: [&str; 10] = [
    "Demo",
    "Esimerkki",
    "Testi",
    "Malli",
    "Kuvitteellinen",
    "Sample",
    "Fiktiv",
    "Invented",
    "Synthetic",
    "Placeholder",
];
const LAST: [&str; 8] = [
    "Henkilö", "Person", "Asiakas", "Klient", "Client", "Testinen", "Mallinen", "Exempel",
];

/// One person of 2020's new clients, before it becomes events.
#[derive(Clone, Default)]
struct NewClient {
    finland: bool,
    female: bool,
    minor: bool,
    residence: &'static str,
    nationality: &'static str,
    form: &'static str,
    place: &'static str,
    witness: bool,
    referrer: &'static str,
    minor_at_time: bool,
    terminated: bool,
}

/// Writes events with recorded times that keep their order within each day.
struct Builder {
    events: Vec<Event>,
    next: u64,
    per_day: FxHashMap<Date, i64>,
    rng: Rng,
}

impl Builder {
    fn id<T>(&mut self, prefix: &str, parse: fn(&str) -> Result<T, iku_domain::ids::IdError>) -> T {
        self.next += 1;
        parse(&format!("demo-{prefix}{}", self.next)).unwrap_or_else(|_| unreachable!())
    }

    fn add(&mut self, date: Date, body: EventBody) {
        let id: EventId = self.id("e", EventId::parse);
        let n = self.per_day.entry(date).or_insert(0);
        *n += 1;
        let midnight = date.next_day().unwrap_or(date).midnight().assume_utc();
        let recorded_at =
            Timestamp::from_offset_date_time(midnight + Duration::hours(6) + Duration::seconds(*n));
        self.events.push(Event {
            id,
            date,
            recorded_at,
            corrects: None,
            body,
        });
    }

    fn person(&mut self) -> PersonId {
        self.id("p", PersonId::parse)
    }

    fn apply(
        &mut self,
        person: &PersonId,
        on: Date,
        referrer: &str,
        basis: Basis,
    ) -> ApplicationId {
        let application: ApplicationId = self.id("a", ApplicationId::parse);
        self.add(
            on,
            EventBody::ApplicationReceived(ApplicationReceived {
                application: application.clone(),
                person: person.clone(),
                referrer: code(iku_domain::codes::social_work_referrer(referrer, on)),
                basis,
            }),
        );
        application
    }

    fn details(
        &mut self,
        person: &PersonId,
        on: Date,
        female: bool,
        birth: Date,
        nationality: &str,
        residence: &str,
    ) {
        let name = format!(
            "{} {}",
            FIRST[self.rng.below(FIRST.len() as u64) as usize],
            LAST[self.rng.below(LAST.len() as u64) as usize]
        );
        let municipality = residence != "asylum_seeker" && self.rng.chance(50);
        self.add(
            on,
            EventBody::PersonDetails(PersonDetails {
                person: person.clone(),
                details: Details {
                    birth_date: Some(birth),
                    birth_year: None,
                    gender: Some(code(if female { "female" } else { "male" })),
                    nationality: Some(code(nationality)),
                    residence_status: Some(code(residence)),
                    municipality_of_residence: Some(municipality),
                    personal: PersonalFields {
                        name: Some(Personal::new(&name)),
                        note: Some(Personal::new(
                            "SYNTHETIC DEMO PERSON: invented, not a real client.",
                        )),
                        ..PersonalFields::default()
                    },
                },
            }),
        );
    }

    fn decide(&mut self, application: &ApplicationId, on: Date, decision: Decision) {
        self.add(
            on,
            EventBody::ApplicationDecided(ApplicationDecided {
                application: application.clone(),
                decision,
                personal: Default::default(),
            }),
        );
    }

    fn assess(
        &mut self,
        person: &PersonId,
        on: Date,
        form: &str,
        place: &str,
        minor_at_time: bool,
    ) {
        let mut forms = vec![Exploitation {
            form: code(form),
            primary: true,
            place: code(place),
            minor_at_time: Some(minor_at_time),
        }];
        // Some have a secondary form too (all-forms table).
        if self.rng.chance(25) && form != "other" {
            forms.push(Exploitation {
                form: code("other"),
                primary: false,
                place: code(place),
                minor_at_time: None,
            });
        }
        let assessment =
            Assessment::new(forms).unwrap_or_else(|_| unreachable!("one primary form"));
        self.add(
            on,
            EventBody::ExploitationAssessed(ExploitationAssessed {
                person: person.clone(),
                assessment,
            }),
        );
    }

    fn child(&mut self, parent: &PersonId, on: Date) {
        let child: ChildId = self.id("c", ChildId::parse);
        self.add(
            on,
            EventBody::ChildAdmitted {
                child,
                parent: parent.clone(),
            },
        );
    }

    fn terminate(&mut self, person: &PersonId, on: Date, reason: &str) {
        self.add(
            on,
            EventBody::AssistanceTerminated {
                person: person.clone(),
                reason: code(reason),
            },
        );
    }

    /// The official identification: started, and perhaps heard and decided.
    fn identification(
        &mut self,
        person: &PersonId,
        started: Date,
        heard: Option<Date>,
        decided: Option<(Date, IdentificationOutcome)>,
    ) {
        self.add(
            started,
            EventBody::IdentificationStarted {
                person: person.clone(),
            },
        );
        if let Some(on) = heard {
            self.add(
                on,
                EventBody::ExpertGroupHeard {
                    person: person.clone(),
                },
            );
        }
        if let Some((on, outcome)) = decided {
            self.add(
                on,
                EventBody::IdentificationDecided {
                    person: person.clone(),
                    outcome,
                },
            );
        }
    }

    fn between(&mut self, from: Date, to: Date) -> Date {
        let span = (to - from).whole_days().max(0) as u64;
        from + Duration::days(self.rng.below(span + 1) as i64)
    }

    fn adult_birth(&mut self) -> Date {
        let from = day(1962, 1, 1);
        self.between(from, day(1998, 12, 31))
    }
}

/// The demo register, in recorded order.
pub fn calibrated_register() -> Vec<Event> {
    let mut b = Builder {
        events: Vec::new(),
        next: 0,
        per_day: FxHashMap::default(),
        rng: Rng::new(2020),
    };
    let new_clients = new_clients_2020(&mut b.rng);
    let mut referrers = remaining_referrers(&mut b.rng);
    write_new_clients(&mut b, &new_clients, &mut referrers);
    write_other_applicants(&mut b, &mut referrers);
    write_earlier_clients(&mut b, &new_clients);

    // Other years: random, from 2021 on (nothing dated in 2020 or before).
    let mut later = Options::new(1500, 2021);
    later.start = day(2021, 1, 1);
    later.end = day(2025, 12, 31);
    later.id_prefix = "demo-later-".into();
    let mut events = b.events;
    events.extend(generate(&later));
    let mut numbered: Vec<(usize, Event)> = events.into_iter().enumerate().collect();
    numbered.sort_by_key(|(i, e)| (e.recorded_at, *i));
    numbered.into_iter().map(|(_, e)| e).collect()
}

/// The 247 new clients of 2020: 123 victims exploited in Finland and 124 others (121
/// victims exploited abroad and 3 witnesses), each group with its published margins.
fn new_clients_2020(rng: &mut Rng) -> Vec<NewClient> {
    // Finland: forms (78+15+23+5+2 = 123), gender (64 men, 59 women), residence, referrer
    // (118 named + 5 social services), nationality (IRQ 28, FIN 14, ALB 11, NPL 11, AFG 8,
    // and 51 persons of 26 other nationalities: 25 x 2 + 1).
    let forms = pool(
        rng,
        &[
            ("forced_labour", 78),
            ("sexual_exploitation", 15),
            ("forced_marriage", 23),
            ("forced_criminality", 5),
            ("benefit_fraud", 2),
        ],
    );
    let residence = pool(
        rng,
        &[
            ("residence_permit", 38),
            ("asylum_seeker", 30),
            ("illegal_stay", 22),
            ("finnish_citizen", 14),
            ("visa_exempt", 14),
            ("eu_citizen", 5),
        ],
    );
    let referrer = pool(
        rng,
        &[
            ("victim_support", 42),
            ("police", 24),
            ("shelter", 9),
            ("lawyer", 8),
            ("reception_centre", 7),
            ("prison", 3),
            ("victim_self", 25),
            ("social_services", 5),
        ],
    );
    let mut nationality: Vec<&str> = [("IRQ", 28), ("FIN", 14), ("NPL", 11), ("AFG", 8)]
        .iter()
        .flat_map(|(c, n)| std::iter::repeat_n(*c, *n))
        .collect();
    for (i, c) in OTHER_NATIONALITIES[..26].iter().enumerate() {
        nationality.extend(std::iter::repeat_n(*c, if i < 25 { 2 } else { 1 }));
    }
    shuffle(rng, &mut nationality);
    // The 11 Albanians are men, adults, in forced labour; 7 of them leave the system in 2020
    // (the clients-at-31.12. table has fewer than 5 Albanians).
    let mut finland: Vec<NewClient> = (0..11)
        .map(|i| NewClient {
            nationality: "ALB",
            female: false,
            form: "forced_labour",
            terminated: i < 7,
            ..NewClient::default()
        })
        .collect();
    finland.extend(nationality.into_iter().map(|n| NewClient {
        nationality: n,
        ..NewClient::default()
    }));
    let mut forms = forms;
    // The Albanians took 11 of the forced-labour rows.
    for _ in 0..11 {
        let at = forms
            .iter()
            .position(|f| *f == "forced_labour")
            .unwrap_or(0);
        forms.remove(at);
    }
    // 59 women and 53 men among the 112 who are not Albanian.
    let gender = pool(rng, &[("f", 59), ("m", 53)]);
    for (i, c) in finland.iter_mut().enumerate() {
        c.finland = true;
        c.place = "finland";
        c.residence = residence[i];
        c.referrer = referrer[i];
        if i >= 11 {
            c.form = forms[i - 11];
            c.female = gender[i - 11] == "f";
        }
    }
    // One boy admitted as a minor; 11 exploited in Finland while minors, the boy and 10
    // adults (none of the Albanians).
    if let Some(boy) = finland.iter_mut().skip(11).find(|c| !c.female) {
        boy.minor = true;
        boy.minor_at_time = true;
    }
    for c in finland.iter_mut().skip(11).filter(|c| !c.minor).take(10) {
        c.minor_at_time = true;
    }

    // The others: forms abroad (44+47+22+4+2+1+1 = 121) and 3 witnesses; gender 76 women
    // (135 - 59), 48 men (112 - 64); 4 girls and 5 boys; residence (the published totals less
    // the Finland group's); referrers from what the Finland group left; nationality: SOM 30,
    // NGA 18, IRQ 14, AFG 12, GMB 6, CMR 5, ROU 5, SDN 5, RUS 5, FIN 2, NPL 1, and 21 persons
    // of other nationalities (12 more codes once, 9 of the Finland group's codes once more).
    let rows = pool(
        rng,
        &[
            ("forced_labour", 44),
            ("sexual_exploitation", 47),
            ("forced_marriage", 22),
            ("forced_criminality", 4),
            ("child_soldier", 2),
            ("organ_trafficking", 1),
            ("other", 1),
            ("witness", 3),
        ],
    );
    let residence = pool(
        rng,
        &[
            ("asylum_seeker", 108),
            ("residence_permit", 5),
            ("illegal_stay", 7),
            ("finnish_citizen", 2),
            ("eu_citizen", 2),
        ],
    );
    let mut nationality: Vec<&str> = [
        ("SOM", 30),
        ("NGA", 18),
        ("IRQ", 14),
        ("AFG", 12),
        ("GMB", 6),
        ("CMR", 5),
        ("ROU", 5),
        ("SDN", 5),
        ("RUS", 5),
        ("FIN", 2),
        ("NPL", 1),
    ]
    .iter()
    .flat_map(|(c, n)| std::iter::repeat_n(*c, *n))
    .collect();
    nationality.extend(OTHER_NATIONALITIES[26..].iter());
    nationality.extend(OTHER_NATIONALITIES[..9].iter());
    shuffle(rng, &mut nationality);
    let gender = pool(rng, &[("f", 76), ("m", 48)]);
    let (mut girls, mut boys) = (4, 5);
    let others: Vec<NewClient> = (0..124)
        .map(|i| {
            let female = gender[i] == "f";
            let minor = if female && girls > 0 && rows[i] != "witness" {
                girls -= 1;
                true
            } else if !female && boys > 0 && rows[i] != "witness" {
                boys -= 1;
                true
            } else {
                false
            };
            NewClient {
                finland: false,
                female,
                minor,
                residence: residence[i],
                nationality: nationality[i],
                form: if rows[i] == "witness" {
                    "forced_labour"
                } else {
                    rows[i]
                },
                place: if rows[i] == "witness" {
                    "finland"
                } else {
                    "abroad"
                },
                witness: rows[i] == "witness",
                referrer: "",
                minor_at_time: minor,
                terminated: false,
            }
        })
        .collect();
    finland.into_iter().chain(others).collect()
}

/// Referrers of the 271 applications of 2020 outside the Finland group: the published
/// 394 (391 named + 3 in a category not legible, here `other`) less the Finland group's 123.
fn remaining_referrers(rng: &mut Rng) -> Vec<&'static str> {
    pool(
        rng,
        &[
            ("reception_centre", 81),
            ("victim_self", 45),
            ("immigration_service", 63),
            ("lawyer", 41),
            ("victim_support", 4),
            ("police", 1),
            ("social_services", 12),
            ("shelter", 5),
            ("ngo", 10),
            ("parish", 2),
            ("border_guard", 2),
            ("child_welfare", 1),
            ("detention_unit", 1),
            ("other", 3),
        ],
    )
}

fn write_new_clients(b: &mut Builder, clients: &[NewClient], referrers: &mut Vec<&'static str>) {
    // 50 children come with 2020's new clients; 23 + 1 reflection periods are granted.
    let mut children = 50;
    let mut reflection = 24;
    for c in clients {
        let person = b.person();
        // The Albanians who leave apply in the first half, so they leave within the year.
        let last_application = if c.terminated {
            day(2020, 6, 30)
        } else {
            day(2020, 10, 31)
        };
        let applied = b.between(day(2020, 1, 2), last_application);
        let referrer = if c.finland {
            c.referrer
        } else {
            referrers.pop().unwrap_or("other")
        };
        let basis = if c.witness {
            Basis::Witness
        } else {
            Basis::Victim
        };
        let application = b.apply(&person, applied, referrer, basis);
        let birth = if c.minor {
            b.between(day(2004, 1, 1), day(2006, 12, 31))
        } else {
            b.adult_birth()
        };
        b.details(
            &person,
            applied,
            c.female,
            birth,
            c.nationality,
            c.residence,
        );
        let admitted = applied + Duration::days(b.rng.below(30) as i64);
        b.assess(&person, admitted, c.form, c.place, c.minor_at_time);
        b.decide(&application, admitted, Decision::Admitted);
        // Reflection periods for the first 24 who stay: 23 by the system, 1 by the police.
        if reflection > 0 && !c.terminated {
            let granted_by = if reflection == 1 {
                "police"
            } else {
                "assistance_system"
            };
            let days = 30 + b.rng.below(60) as u16;
            b.add(
                admitted,
                EventBody::ReflectionPeriodGranted(ReflectionPeriodGranted {
                    person: person.clone(),
                    days,
                    granted_by: code(granted_by),
                }),
            );
            reflection -= 1;
        }
        if c.terminated {
            let left = admitted + Duration::days(30 + b.rng.below(30) as i64);
            b.terminate(&person, left, "left_finland");
        } else if children > 0 && c.female && !c.minor {
            let n = if children >= 2 && b.rng.chance(60) {
                2
            } else {
                1
            };
            for _ in 0..n {
                let on = admitted + Duration::days(1 + b.rng.below(20) as i64);
                b.child(&person, on);
            }
            children -= n;
        }
    }
}

/// Applicants of 2020 who did not become clients: 73 rejected and 4 withdrawn applications
/// and 70 pending at 31.12. (one of them a rejected person's second application: 393 persons
/// for 394 applications), and the 34 applications of 2019 decided in 2020.
fn write_other_applicants(b: &mut Builder, referrers: &mut Vec<&'static str>) {
    let mut again: Option<PersonId> = None;
    for i in 0..147 {
        let person = match (i, &again) {
            (146, Some(p)) => p.clone(),
            _ => b.person(),
        };
        let pending = i >= 77;
        let applied = if pending {
            b.between(day(2020, 11, 1), day(2020, 12, 31))
        } else {
            b.between(day(2020, 1, 2), day(2020, 10, 31))
        };
        let referrer = referrers.pop().unwrap_or("other");
        let application = b.apply(&person, applied, referrer, Basis::Victim);
        if i != 146 {
            let female = b.rng.chance(50);
            let birth = b.adult_birth();
            b.details(&person, applied, female, birth, "IRQ", "asylum_seeker");
        }
        if pending {
            continue;
        }
        let decided = applied + Duration::days(5 + b.rng.below(35) as i64);
        let decision = if i < 73 {
            Decision::Rejected {
                reason: code(if b.rng.chance(60) {
                    "not_trafficking"
                } else {
                    "no_need_for_assistance"
                }),
            }
        } else {
            Decision::Withdrawn
        };
        b.decide(&application, decided, decision);
        if i == 0 {
            again = Some(person);
        }
    }
    for _ in 0..34 {
        let person = b.person();
        let applied = b.between(day(2019, 11, 1), day(2019, 12, 31));
        let application = b.apply(&person, applied, "reception_centre", Basis::Victim);
        let birth = b.adult_birth();
        b.details(&person, applied, true, birth, "SOM", "asylum_seeker");
        let decided = b.between(day(2020, 1, 5), day(2020, 2, 28));
        b.decide(
            &application,
            decided,
            Decision::Rejected {
                reason: code("not_trafficking"),
            },
        );
    }
}

/// Clients admitted in 2018-2019: 464 still clients at 31.12.2020 (the published clients
/// less the 240 new ones still there) and 53 who leave in 2020 (60 terminations less the 7
/// new Albanians).
fn write_earlier_clients(b: &mut Builder, new: &[NewClient]) {
    let staying: Vec<&NewClient> = new.iter().filter(|c| !c.terminated).collect();
    // Clients at 31.12.2020 by gender and age: women 412, girls 6, men 279, boys 7.
    let count = |f: &dyn Fn(&NewClient) -> bool| staying.iter().filter(|c| f(c)).count();
    let women = 412 - count(&|c| c.female && !c.minor);
    let girls = 6 - count(&|c| c.female && c.minor);
    let men = 279 - count(&|c| !c.female && !c.minor);
    let boys = 7 - count(&|c| !c.female && c.minor);
    // By primary form (the new clients keep their assessment).
    let published_forms = [
        ("forced_labour", 279),
        ("sexual_exploitation", 246),
        ("forced_marriage", 121),
        ("other", 18),
        ("forced_criminality", 17),
        ("child_soldier", 11),
        ("organ_trafficking", 4),
        ("benefit_fraud", 3),
        ("forced_begging", 2),
    ];
    let forms: Vec<(&str, usize)> = published_forms
        .iter()
        .map(|(f, n)| (*f, n - count(&|c| !c.witness && c.form == *f)))
        .collect();
    // By nationality: the published rows less the new clients'; the 3 unknown or stateless
    // are unknown (XXX): the 64 nationalities are the 25 rows, Albania and the 38 others.
    let published_nationalities = [
        ("IRQ", 109),
        ("SOM", 109),
        ("AFG", 96),
        ("NGA", 86),
        ("FIN", 27),
        ("BGD", 21),
        ("NPL", 21),
        ("IRN", 16),
        ("CMR", 16),
        ("ERI", 15),
        ("GMB", 15),
        ("COD", 10),
        ("IND", 9),
        ("RUS", 9),
        ("BIH", 8),
        ("MAR", 8),
        ("BGR", 7),
        ("SYR", 7),
        ("SDN", 6),
        ("AGO", 5),
        ("PHL", 5),
        ("COG", 5),
        ("CIV", 5),
        ("ROU", 5),
        ("SEN", 5),
    ];
    let mut nationalities: Vec<(&str, usize)> = published_nationalities
        .iter()
        .map(|(n, k)| (*n, k - count(&|c| c.nationality == *n)))
        .collect();
    nationalities.push(("XXX", 3));
    let nationality = pool(&mut b.rng, &nationalities);
    let form = pool(&mut b.rng, &forms);
    // The margins of the earlier clients agree with each other (the calibration test checks
    // the figures themselves).
    let staying_total = women + girls + men + boys;
    assert!(
        staying_total == nationality.len() && staying_total == form.len(),
        "demo margins disagree"
    );

    // Admitted as minors: 57 in all, 10 of them new; of the 47 earlier ones, 3 (2 girls and
    // a boy) are still minors and 44 are adults now (born 1.6.2001, admitted at 17).
    let mut people: Vec<(bool, Date, Option<Date>)> = Vec::new(); // (female, birth, admitted)
    for _ in 0..girls {
        people.push((true, day(2005, 3, 1), Some(day(2019, 4, 1))));
    }
    for _ in 0..boys {
        people.push((false, day(2005, 3, 1), Some(day(2019, 4, 1))));
    }
    for i in 0..(women + men) {
        let female = i < women;
        let admitted_as_minor = i < 44;
        let birth = if admitted_as_minor {
            day(2001, 6, 1)
        } else {
            b.adult_birth()
        };
        let admitted = admitted_as_minor.then(|| b.between(day(2018, 6, 2), day(2019, 5, 31)));
        people.push((female, birth, admitted));
    }
    let mut mothers: Vec<(PersonId, Date)> = Vec::new();
    let mut identification: Vec<&str> = [("identified", 12), ("in_process", 2), ("awaiting", 90)]
        .iter()
        .flat_map(|(c, n)| std::iter::repeat_n(*c, *n))
        .collect();
    for (i, (female, birth, admitted)) in people.into_iter().enumerate() {
        let person = b.person();
        let admitted = admitted.unwrap_or_else(|| b.between(day(2018, 2, 15), day(2019, 12, 15)));
        let applied = admitted - Duration::days(b.rng.below(30) as i64);
        let application = b.apply(&person, applied, "reception_centre", Basis::Victim);
        b.details(
            &person,
            applied,
            female,
            birth,
            nationality[i],
            "asylum_seeker",
        );
        let place = if b.rng.chance(50) {
            "finland"
        } else {
            "abroad"
        };
        b.assess(&person, admitted, form[i], place, false);
        b.decide(&application, admitted, Decision::Admitted);
        if female && birth < day(2000, 1, 1) {
            mothers.push((person.clone(), admitted));
        }
        match identification.pop() {
            Some("identified") => b.identification(
                &person,
                day(2019, 12, 20).max(admitted),
                Some(day(2020, 2, 10)),
                Some((day(2020, 5, 5), IdentificationOutcome::Identified)),
            ),
            Some("in_process") => {
                b.identification(&person, day(2020, 3, 2), Some(day(2020, 9, 14)), None)
            }
            Some(_) => b.identification(&person, day(2020, 1, 2).max(admitted), None, None),
            None => {}
        }
    }
    // Their 162 children, all admitted before 2020: one each to the mothers in turn.
    shuffle(&mut b.rng, &mut mothers);
    for (parent, admitted) in mothers.iter().cycle().take(162) {
        let on = b.between(*admitted + Duration::days(1), day(2019, 12, 31));
        b.child(parent, on);
    }

    // 53 clients of 2018-2019 leave in 2020; one of them after a negative identification.
    let reasons = [
        "no_longer_needed",
        "left_finland",
        "own_request",
        "disappeared",
        "criminal_process_ended",
        "other",
    ];
    for i in 0..53 {
        let person = b.person();
        let admitted = b.between(day(2018, 2, 1), day(2019, 11, 30));
        let application = b.apply(&person, admitted, "lawyer", Basis::Victim);
        let birth = b.adult_birth();
        b.details(
            &person,
            admitted,
            i % 2 == 0,
            birth,
            "NGA",
            "residence_permit",
        );
        b.assess(&person, admitted, "sexual_exploitation", "abroad", false);
        b.decide(&application, admitted, Decision::Admitted);
        let left = b.between(day(2020, 2, 1), day(2020, 11, 30));
        if i == 0 {
            b.identification(
                &person,
                day(2020, 1, 2).max(admitted),
                Some(day(2020, 3, 3)),
                Some((day(2020, 4, 14), IdentificationOutcome::NotIdentified)),
            );
            b.terminate(&person, day(2020, 5, 4), "not_identified");
        } else {
            let reason = reasons[i % reasons.len()];
            b.terminate(&person, left, reason);
        }
    }
}
