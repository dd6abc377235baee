use super::*;
use iku_storage::import::{Silent, read_lines};
use iku_storage::{Checks, Keyring, Personals};

fn generated(persons: usize, seed: u64) -> Vec<Event> {
    let mut options = iku_generate::Options::new(persons, seed);
    options.end = Date::from_calendar_date(2025, time::Month::December, 31).unwrap_or(Date::MIN);
    let mut events = iku_generate::generate(&options);
    events.sort_by_key(|e| e.recorded_at);
    events
}

fn import(store: &mut dyn Store, keys: &Keyring, events: &[Event]) {
    let text: String = events
        .iter()
        .map(|e| {
            iku_domain::interchange::write_line(e, iku_domain::interchange::Personals::Include)
                + "\n"
        })
        .collect();
    let lines = read_lines(text.as_bytes(), &crate::entry_context(), &Silent)
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .import(lines, keys, &Silent)
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Every case's summary, as the whole register's fold gives it.
fn expected(store: &mut dyn Store) -> BTreeMap<PersonId, CaseSummary> {
    let register = store
        .load(Personals::Leave)
        .unwrap_or_else(|e| panic!("{e}"));
    register
        .view(None)
        .state_as_of(Date::MAX)
        .persons
        .values()
        .map(|p| (p.id.clone(), CaseSummary::of(p)))
        .collect()
}

fn held(held: &HeldRegister, store: &mut dyn Store) -> BTreeMap<PersonId, CaseSummary> {
    held.read(store, |index| index.cases.clone())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn setup() -> (tempfile::TempDir, String, Keyring) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite:{}", dir.path().join("iku.db").display());
    let (keys, _) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    (dir, url, keys)
}

#[test]
fn the_index_holds_what_the_whole_register_gives_every_case() {
    let (_dir, url, keys) = setup();
    let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
    import(store.as_mut(), &keys, &generated(300, 21));
    let register = HeldRegister::default();
    assert!(!register.is_built());
    let cases = held(&register, store.as_mut());
    assert!(register.is_built());
    assert!(cases.len() > 250);
    assert_eq!(cases, expected(store.as_mut()));
    // The inbox's index holds every waiting application, oldest first.
    let waiting: Vec<Date> = register
        .read(store.as_mut(), |index| {
            index.waiting_after(None).map(|(w, _)| w.received).collect()
        })
        .unwrap_or_default();
    assert!(!waiting.is_empty() && waiting.windows(2).all(|w| w[0] <= w[1]));
    let undecided: usize = cases.values().map(|c| c.waiting.len()).sum();
    assert_eq!(waiting.len(), undecided);
}

/// Another process imports (its rules checked by groups, as a server's writes are): after
/// every batch the index, caught up by the groups written since, is what the whole
/// register's fold gives, and at the end what a new index of the whole gives.
fn catches_up(persons: usize, seed: u64, held_from: usize, batch: usize) {
    let (_dir, url, keys) = setup();
    let events = generated(persons, seed);
    let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
    let (first, rest) = events.split_at(events.len() * held_from / 100);
    import(store.as_mut(), &keys, first);
    let register = HeldRegister::default();
    held(&register, store.as_mut());
    let mut other = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
    other.set_checks(Checks::Groups);
    for batch in rest.chunks(batch) {
        import(other.as_mut(), &keys, batch);
        assert_eq!(held(&register, store.as_mut()), expected(store.as_mut()));
    }
    let fresh = HeldRegister::default();
    assert_eq!(
        held(&fresh, store.as_mut()),
        held(&register, store.as_mut())
    );
}

#[test]
fn the_index_catches_up_with_what_any_process_writes() {
    catches_up(300, 22, 75, 37);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]
    #[test]
    fn the_index_caught_up_is_the_whole_fold_after_every_batch(
        seed in proptest::prelude::any::<u64>(),
        held_from in 0usize..90,
        batch in 1usize..120,
    ) {
        catches_up(60, seed, held_from, batch);
    }
}

/// One case's record from its group is what the whole register's fold gives it, personal
/// fields opened.
#[test]
fn a_case_s_record_from_its_group_is_the_whole_register_s_fold() {
    let (_dir, url, keys) = setup();
    let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
    import(store.as_mut(), &keys, &generated(200, 23));
    let day = iku_domain::calendar::finnish_date(crate::now());
    let whole = store
        .load(Personals::Open(&keys))
        .unwrap_or_else(|e| panic!("{e}"))
        .view(None)
        .state_as_of(day);
    let mut with_names = 0;
    for (person, expected) in &whole.persons {
        let group = CaseGroup::read(store.as_mut(), person).unwrap_or_else(|e| panic!("{e}"));
        let record = group
            .record(store.as_mut(), &keys, person)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(record.as_ref(), Some(expected), "{person}");
        with_names += usize::from(expected.details.personal.name.is_some());
    }
    assert!(with_names > 0);
    let nobody = PersonId::parse("nobody").unwrap_or_else(|e| panic!("{e}"));
    let group = CaseGroup::read(store.as_mut(), &nobody).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        group.record(store.as_mut(), &keys, &nobody).ok(),
        Some(None)
    );
}

/// The groups kept for the next read: after any process's write, every case's group as the
/// held register gives it is the group as stored (a kept group the write touched is read
/// again), and the untouched ones are still kept.
#[test]
fn a_kept_group_is_never_older_than_the_stored_one() {
    let (_dir, url, keys) = setup();
    let events = generated(200, 24);
    let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
    let (first, rest) = events.split_at(events.len() * 3 / 4);
    import(store.as_mut(), &keys, first);
    let register = HeldRegister::default();
    let ids = |group: &CaseGroup| -> Vec<String> {
        group
            .register
            .events()
            .iter()
            .map(|e| e.id.as_str().to_owned())
            .collect()
    };
    let mut other = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
    other.set_checks(Checks::Groups);
    let mut kept_again = 0;
    for batch in rest.chunks(41) {
        let persons: Vec<PersonId> = held(&register, store.as_mut()).into_keys().collect();
        let before: Vec<Arc<CaseGroup>> = persons
            .iter()
            .map(|p| register.group(store.as_mut(), p, false))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"));
        import(other.as_mut(), &keys, batch);
        for (person, earlier) in persons.iter().zip(&before) {
            let given = register
                .group(store.as_mut(), person, false)
                .unwrap_or_else(|e| panic!("{e}"));
            let stored = CaseGroup::read(store.as_mut(), person).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(ids(&given), ids(&stored), "{person}");
            kept_again += usize::from(Arc::ptr_eq(&given, earlier));
        }
    }
    assert!(kept_again > 0, "no group was kept between reads");
}

#[test]
fn a_case_is_due_when_a_reflection_period_ends_soon_or_an_application_waited_long() {
    let today = Date::from_calendar_date(2026, time::Month::June, 15).unwrap_or(Date::MIN);
    let days = time::Duration::days;
    let summary = |ends: Vec<Date>, received: Vec<Date>| CaseSummary {
        person: PersonId::parse("p1").unwrap_or_else(|e| panic!("{e}")),
        waiting: received
            .into_iter()
            .map(|received| Waiting {
                application: ApplicationId::parse("a1").unwrap_or_else(|e| panic!("{e}")),
                received,
                referrer: Code::<Referrer>::all()
                    .next()
                    .unwrap_or_else(|| panic!("no referrer")),
            })
            .collect(),
        client: true,
        admitted: true,
        birth: None,
        children: 0,
        reflection_ends: ends,
        latest: today,
        latest_application: None,
        casework: Vec::new(),
        restricted: false,
    };
    assert!(!summary(vec![], vec![]).is_due(today));
    assert!(summary(vec![today], vec![]).is_due(today));
    assert!(summary(vec![today + days(14)], vec![]).is_due(today));
    assert!(!summary(vec![today + days(15)], vec![]).is_due(today));
    assert!(!summary(vec![today - days(1)], vec![]).is_due(today));
    assert!(!summary(vec![], vec![today - days(30)]).is_due(today));
    assert!(summary(vec![], vec![today - days(31)]).is_due(today));
}

#[test]
fn the_offices_and_caseworkers_held_follow_each_new_assignment() {
    let person = |p: &str| PersonId::parse(p).unwrap_or_else(|e| panic!("{e}"));
    let maria = Username::parse("maria").unwrap_or_else(|e| panic!("{e}"));
    let assign = |p: &str, office: &str, assignee: Option<&Username>| CaseAssignment {
        person: person(p),
        office: office.into(),
        assignee: assignee.cloned(),
        assigned_at: iku_domain::Timestamp::from_micros(0),
        assigned_by: "director".into(),
    };
    let mut index = Index::default();
    index.assign(
        2,
        vec![assign("p1", "helsinki", None), assign("p2", "oulu", None)],
    );
    let offices = |index: &Index| index.offices().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(offices(&index), ["helsinki", "oulu"]);
    // p2 moves to Tampere, to Maria: Oulu holds no case any more.
    index.assign(3, vec![assign("p2", "tampere", Some(&maria))]);
    assert_eq!(offices(&index), ["helsinki", "tampere"]);
    let placed: Vec<_> = index.placements().collect();
    assert_eq!(placed, [("helsinki", None), ("tampere", Some(&maria))]);
}
