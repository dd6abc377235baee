//! Reading one case's group, and the groups written since a seq: folding what they return
//! gives, for their persons, what folding the whole register gives.

use iku_domain::Register;
use iku_domain::ids::PersonId;
use iku_domain::state::RegisterState;
use iku_storage::Personals;

use super::{TestDb, file_of, import, keys, sample};

fn state_of(events: Vec<iku_domain::Event>) -> RegisterState {
    let register = Register::new(events).unwrap_or_else(|v| panic!("{v}"));
    register.view(None).state_as_of(time::Date::MAX)
}

fn a_case_s_group_folds_to_what_the_whole_register_gives_it(db: &TestDb) {
    let keys = keys();
    let mut store = db.open();
    import(store.as_mut(), &keys, &file_of(&sample(150, 12))).unwrap_or_else(|e| panic!("{e}"));
    let whole = store
        .load(Personals::Leave)
        .unwrap_or_else(|e| panic!("{e}"));
    let whole_state = whole.view(None).state_as_of(time::Date::MAX);
    assert!(whole_state.persons.len() > 100);
    for (person, expected) in &whole_state.persons {
        let group = store.group_of(person).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(group.seqs.len(), group.events.len());
        for (seq, e) in group.seqs.iter().zip(&group.events) {
            assert_eq!(whole.seq_of(&e.id).map(|s| s as i64 + 1), Some(*seq));
        }
        let state = state_of(group.events);
        assert_eq!(state.persons.get(person), Some(expected), "{person}");
    }
    let nobody = PersonId::parse("nobody").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        store
            .group_of(&nobody)
            .map(|g| g.events.is_empty())
            .unwrap_or(false)
    );
}

fn the_groups_written_since_a_seq_hold_every_later_event(db: &TestDb) {
    let keys = keys();
    let mut events = sample(120, 13);
    events.sort_by_key(|e| e.recorded_at);
    let (first, rest) = events.split_at(events.len() * 2 / 3);
    let mut store = db.open();
    import(store.as_mut(), &keys, &file_of(first)).unwrap_or_else(|e| panic!("{e}"));
    let seen = store.count().unwrap_or_default();
    let (unchanged_last, nothing) = store.groups_since(seen).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((unchanged_last, nothing.events.len()), (seen, 0));
    import(store.as_mut(), &keys, &file_of(rest)).unwrap_or_else(|e| panic!("{e}"));
    let (last, group) = store.groups_since(seen).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(last, store.count().unwrap_or_default());
    assert_eq!(store.heads().ok(), Some((last, 0)));
    for seq in seen as i64 + 1..=last as i64 {
        assert!(
            group.seqs.contains(&seq),
            "event {seq} is not in the groups"
        );
    }
    let whole = store
        .load(Personals::Leave)
        .unwrap_or_else(|e| panic!("{e}"));
    let whole_state = whole.view(None).state_as_of(time::Date::MAX);
    let state = state_of(group.events);
    assert!(!state.persons.is_empty());
    for (person, folded) in &state.persons {
        assert_eq!(whole_state.persons.get(person), Some(folded), "{person}");
    }
}

contract!(
    a_case_s_group_folds_to_what_the_whole_register_gives_it,
    the_groups_written_since_a_seq_hold_every_later_event,
);
