//! A decision on an application as an administrative decision: the provisions it rests on
//! and the appeal it is open to. The acts were renamed and replaced over the years, so what a
//! decision cites follows its date (as every rule of the register does), and a decision
//! printed again years later cites what it cited on the day it was made.

use time::{Date, Month};

use crate::codes::Lang;
use crate::event::{Decision, identification_abolished};

/// Days from the notification of a decision within which an appeal may be lodged (under
/// both judicial procedure acts).
pub const APPEAL_DAYS: u32 = 30;

/// A provision (or act) a decision cites, with its citation in each language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provision {
    /// The reception act's chapter on the assistance system, from the 2015 reform on:
    /// the tasks (33 §), the application (34 §) and admission (35 §).
    AssistanceAct,
    /// The reception act as it read before the 2015 reform: no sections of its own on
    /// admission yet.
    ReceptionActBefore2015,
    /// Before the reception act came into force (1.9.2011), the assistance system's
    /// provisions were in the act on integration and reception of 1999.
    IntegrationActBefore2011,
    /// What a decision contains and why it gives its reasons (Administrative Procedure Act).
    AdministrativeProcedureAct,
    /// Where and how to appeal, from 2020.
    JudicialProcedureAct,
    /// Where and how to appeal, before 2020.
    JudicialProcedureActBefore2020,
    /// Why the document is secret: a client of social welfare, and private life.
    PublicityAct,
    /// Removal from the assistance system, from the 2015 reform on (38 f §).
    RemovalSection,
}

impl Provision {
    pub fn cite(self, lang: Lang) -> &'static str {
        let [fi, sv, en] = match self {
            Provision::AssistanceAct => [
                "Laki kansainvälistä suojelua hakevan vastaanotosta sekä ihmiskaupan uhrin tunnistamisesta ja auttamisesta (746/2011) 33, 34 ja 35 §",
                "Lag om mottagande av personer som söker internationellt skydd och om identifiering av och hjälp till offer för människohandel (746/2011) 33, 34 och 35 §",
                "Act on the Reception of Persons Applying for International Protection and on the Identification of and Assistance to Victims of Trafficking in Human Beings (746/2011), sections 33, 34 and 35",
            ],
            Provision::ReceptionActBefore2015 => [
                "Laki kansainvälistä suojelua hakevan vastaanotosta (746/2011), ihmiskaupan uhrin auttamista koskevat säännökset",
                "Lag om mottagande av personer som söker internationellt skydd (746/2011), bestämmelserna om hjälp till offer för människohandel",
                "Act on the Reception of Persons Applying for International Protection (746/2011), the provisions on assistance to victims of trafficking",
            ],
            Provision::IntegrationActBefore2011 => [
                "Laki maahanmuuttajien kotouttamisesta ja turvapaikanhakijoiden vastaanotosta (493/1999), ihmiskaupan uhrin auttamista koskevat säännökset",
                "Lag om integration av invandrare och mottagande av asylsökande (493/1999), bestämmelserna om hjälp till offer för människohandel",
                "Act on the Integration of Immigrants and Reception of Asylum Seekers (493/1999), the provisions on assistance to victims of trafficking",
            ],
            Provision::AdministrativeProcedureAct => [
                "Hallintolaki (434/2003) 44 ja 45 §",
                "Förvaltningslagen (434/2003) 44 och 45 §",
                "Administrative Procedure Act (434/2003), sections 44 and 45",
            ],
            Provision::JudicialProcedureAct => [
                "Laki oikeudenkäynnistä hallintoasioissa (808/2019)",
                "Lagen om rättegång i förvaltningsärenden (808/2019)",
                "Act on Administrative Court Procedure (808/2019)",
            ],
            Provision::JudicialProcedureActBefore2020 => [
                "Hallintolainkäyttölaki (586/1996)",
                "Förvaltningsprocesslagen (586/1996)",
                "Administrative Judicial Procedure Act (586/1996)",
            ],
            Provision::RemovalSection => [
                "Laki kansainvälistä suojelua hakevan vastaanotosta sekä ihmiskaupan uhrin tunnistamisesta ja auttamisesta (746/2011) 38 f §",
                "Lag om mottagande av personer som söker internationellt skydd och om identifiering av och hjälp till offer för människohandel (746/2011) 38 f §",
                "Act on the Reception of Persons Applying for International Protection and on the Identification of and Assistance to Victims of Trafficking in Human Beings (746/2011), section 38 f",
            ],
            Provision::PublicityAct => [
                "Laki viranomaisten toiminnan julkisuudesta (621/1999) 24 § 1 mom. 25 ja 32 kohta",
                "Lagen om offentlighet i myndigheternas verksamhet (621/1999) 24 § 1 mom. 25 och 32 punkten",
                "Act on the Openness of Government Activities (621/1999), section 24(1)(25) and (32)",
            ],
        };
        match lang {
            Lang::Fi => fi,
            Lang::Sv => sv,
            Lang::En => en,
        }
    }
}

fn day(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MIN)
}

/// The provisions a decision dated `on` applies.
pub fn provisions_applied(on: Date) -> [Provision; 2] {
    let assistance = if on >= day(2015, Month::July, 1) {
        Provision::AssistanceAct
    } else if on >= day(2011, Month::September, 1) {
        Provision::ReceptionActBefore2015
    } else {
        Provision::IntegrationActBefore2011
    };
    [assistance, Provision::AdministrativeProcedureAct]
}

/// The provisions a removal from the assistance system dated `on` applies: 38 f § from the
/// 2015 reform, the act's assistance provisions of its day before.
pub fn removal_provisions(on: Date) -> [Provision; 2] {
    let removal = if on >= day(2015, Month::July, 1) {
        Provision::RemovalSection
    } else {
        provisions_applied(on)[0]
    };
    [removal, Provision::AdministrativeProcedureAct]
}

/// The act that governs an appeal against a decision dated `on`.
pub fn appeal_act(on: Date) -> Provision {
    if on >= day(2020, Month::January, 1) {
        Provision::JudicialProcedureAct
    } else {
        Provision::JudicialProcedureActBefore2020
    }
}

/// Whether admitting on `on` is also the identification as a victim (from 1.1.2023); before,
/// identification was a separate decision.
pub fn admission_identifies(decision: Decision, on: Date) -> bool {
    matches!(decision, Decision::Admitted) && on >= identification_abolished()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_cites_the_law_of_its_own_date() {
        let before = day(2015, Month::June, 30);
        let reform = day(2015, Month::July, 1);
        assert_eq!(
            provisions_applied(before)[0],
            Provision::ReceptionActBefore2015
        );
        assert_eq!(provisions_applied(reform)[0], Provision::AssistanceAct);
        assert_eq!(
            provisions_applied(day(2011, Month::August, 31))[0],
            Provision::IntegrationActBefore2011
        );
        assert_eq!(
            provisions_applied(day(2011, Month::September, 1))[0],
            Provision::ReceptionActBefore2015
        );
        assert_eq!(
            appeal_act(day(2019, Month::December, 31)),
            Provision::JudicialProcedureActBefore2020
        );
        assert_eq!(
            appeal_act(day(2020, Month::January, 1)),
            Provision::JudicialProcedureAct
        );
    }

    #[test]
    fn a_removal_cites_38_f_from_the_2015_reform_on() {
        let reform = day(2015, Month::July, 1);
        assert_eq!(removal_provisions(reform)[0], Provision::RemovalSection);
        assert_eq!(
            removal_provisions(day(2015, Month::June, 30))[0],
            Provision::ReceptionActBefore2015
        );
    }

    #[test]
    fn only_an_admission_from_2023_is_the_identification() {
        let (old, new) = (day(2022, Month::December, 31), day(2023, Month::January, 1));
        assert!(!admission_identifies(Decision::Admitted, old));
        assert!(admission_identifies(Decision::Admitted, new));
        assert!(!admission_identifies(Decision::Withdrawn, new));
    }

    #[test]
    fn every_citation_is_there_in_every_language() {
        let all = [
            Provision::AssistanceAct,
            Provision::ReceptionActBefore2015,
            Provision::IntegrationActBefore2011,
            Provision::AdministrativeProcedureAct,
            Provision::JudicialProcedureAct,
            Provision::JudicialProcedureActBefore2020,
            Provision::PublicityAct,
            Provision::RemovalSection,
        ];
        for p in all {
            let cited: Vec<&str> = Lang::ALL.iter().map(|l| p.cite(*l)).collect();
            assert!(cited.iter().all(|c| c.contains(char::is_numeric)), "{p:?}");
            assert!(cited[0] != cited[1] && cited[1] != cited[2], "{p:?}");
        }
    }
}
