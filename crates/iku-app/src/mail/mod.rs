//! Notices of new work by e-mail: at once when a case comes in (to the caseworkers of its
//! office; to the directors when it has no office yet or is a child's matter), and a daily
//! digest of what is overdue and due this week. A message names no person and no case,
//! not even by reference: only that there is work, how much, and a link to the page where it
//! is (mail leaves the system's protection). Each message sent is on record. Texts are in
//! Finnish, Swedish and English in every message, as staff accounts have no language.

pub mod smtp;

use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex, OnceLock};

use iku_domain::access::{Role, StaffEmail, Username};
use iku_domain::ids::PersonId;
use iku_domain::reminders::When;
use time::Date;

use crate::access::Actor;
use crate::audit::{Action, entry};
use crate::{App, AppError};
use smtp::{Message, Relay};

/// Where mail goes and what its links point to.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub relay: Relay,
    /// The server's address as staff reach it (`https://iku.example`), for links.
    pub site: String,
}

/// The messages waiting to be sent, and the thread that sends them (started at the first).
pub(crate) struct Outbox {
    queue: OnceLock<Mutex<Sender<Vec<Message>>>>,
}

impl Outbox {
    pub(crate) fn new() -> Self {
        Outbox {
            queue: OnceLock::new(),
        }
    }
}

/// Why a case's notice is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    NewCase,
    ChildsMatter,
}

fn notice(site: &str, why: Notice, to: StaffEmail) -> Message {
    let (subject, lines) = match why {
        Notice::NewCase => (
            "iku: uusi asia – nytt ärende – a new case",
            [
                "Uusi asia on tullut käsiteltäväksi. Saapuneet:",
                "Ett nytt ärende har kommit in. Inkorgen:",
                "A new case has come in. The inbox:",
            ],
        ),
        Notice::ChildsMatter => (
            "iku: lapsen asia – barnets ärende – a child's matter",
            [
                "Lapsen asia on tullut käsiteltäväksi, ja se käsitellään heti. Saapuneet:",
                "Ett barns ärende har kommit in och behandlas genast. Inkorgen:",
                "A child's matter has come in and is handled at once. The inbox:",
            ],
        ),
    };
    let text = [("fi", lines[0]), ("sv", lines[1]), ("en", lines[2])]
        .iter()
        .map(|(code, line)| format!("{line}\n{site}/{code}/staff/\n"))
        .collect::<Vec<_>>()
        .join("\n");
    Message {
        to,
        subject: subject.into(),
        text: text + FOOTER,
    }
}

const FOOTER: &str = "\n--\nTämä viesti ei kerro asiasta enempää: tiedot ovat vain järjestelmässä.\n\
    Meddelandet säger inget mer om ärendet: uppgifterna finns bara i systemet.\n\
    This message says nothing more of the case: its details are in the system only.\n";

/// How much work is waiting for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Workload {
    pub overdue: usize,
    pub this_week: usize,
}

fn digest(site: &str, work: Workload, to: StaffEmail) -> Message {
    let Workload { overdue, this_week } = work;
    let text = format!(
        "Myöhässä {overdue}, tällä viikolla erääntyy {this_week}. Omat työt:\n{site}/fi/staff/work\n\n\
         Försenade {overdue}, förfaller denna vecka {this_week}. Mitt arbete:\n{site}/sv/staff/work\n\n\
         Overdue {overdue}, due this week {this_week}. My work:\n{site}/en/staff/work\n"
    );
    Message {
        to,
        subject: "iku: työt – arbete – work".into(),
        text: text + FOOTER,
    }
}

impl App {
    fn mail(&self) -> Option<&MailConfig> {
        self.config().mail.as_ref()
    }

    /// Hands messages to the thread that sends them; a failure is logged (without an
    /// address) and the messages dropped: a notice is a convenience, the work is in the
    /// system whatever happens to it.
    fn post(&self, messages: Vec<Message>) {
        let Some(config) = self.mail() else { return };
        if messages.is_empty() {
            return;
        }
        let queue = self.outbox.queue.get_or_init(|| {
            let (send, receive) = channel::<Vec<Message>>();
            let (relay, log) = (config.relay.clone(), self.config().log.clone());
            let spawned = std::thread::Builder::new()
                .name("iku-mail".into())
                .spawn(move || {
                    for batch in receive {
                        if let Err(e) = smtp::send(&relay, &batch) {
                            log.line(&format!("error: {} messages not sent: {e}", batch.len()));
                        }
                    }
                });
            if spawned.is_err() {
                self.config()
                    .log
                    .line("error: the mail thread did not start");
            }
            Mutex::new(send)
        });
        let _ = queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(messages);
    }

    /// The enabled caseworkers and directors who have an e-mail address.
    fn reachable(&self) -> Result<Vec<(Actor, StaffEmail)>, AppError> {
        let mut lease = self.lease()?;
        let accounts = lease.with(|s| s.accounts())?;
        let contacts = lease.with(|s| s.contacts())?;
        Ok(accounts
            .into_iter()
            .filter(|a| !a.disabled && matches!(a.role, Role::Caseworker | Role::Director))
            .filter_map(|a| {
                let email = contacts
                    .iter()
                    .find(|(name, _)| name == &a.username)
                    .and_then(|(_, c)| c.email.clone())?;
                let actor = Actor {
                    username: a.username,
                    role: a.role,
                    office: a.office,
                };
                Some((actor, email))
            })
            .collect())
    }

    /// Tells those who handle a new case that it came in: the caseworkers of its office, and
    /// the directors if it has no office yet or is a child's matter. Does nothing without
    /// mail configured; how many were told (the notice on record, the messages sent in the
    /// background).
    pub fn notify_new_case(&self, person: &PersonId, today: Date) -> Result<usize, AppError> {
        let Some(config) = self.mail() else {
            return Ok(0);
        };
        let mut lease = self.lease()?;
        let (office, child) = lease.with(|s| {
            self.register.catch_up(s)?;
            self.register.read(s, |index| {
                let office = index.assignment(person).map(|a| a.office.clone());
                let child = index.case(person).is_some_and(|c| c.childs_matter(today));
                (office, child)
            })
        })?;
        drop(lease);
        let why = if child {
            Notice::ChildsMatter
        } else {
            Notice::NewCase
        };
        let told: Vec<Message> = self
            .reachable()?
            .into_iter()
            .filter(|(a, _)| match a.role {
                Role::Caseworker => office.is_some() && a.office == office,
                Role::Director => office.is_none() || child,
                _ => false,
            })
            .map(|(_, email)| notice(&config.site, why, email))
            .collect();
        if told.is_empty() {
            return Ok(0);
        }
        let reason = match why {
            Notice::NewCase => "new_case",
            Notice::ChildsMatter => "childs_matter",
        };
        let n = told.len();
        self.audit(entry(
            "system",
            Action::MailNotice,
            &format!("{} {n} recipients", person.as_str()),
            reason,
        ))?;
        self.post(told);
        Ok(n)
    }

    /// What is waiting for `actor` on `today`: reminders of the cases in their scope and
    /// their open tasks, overdue and due this week (as "my work" counts them).
    pub fn workload(&self, actor: &Actor, today: Date) -> Result<Workload, AppError> {
        let mut scope = actor.cases(self)?;
        let log = scope.task_log()?;
        let dates: Vec<Date> = scope
            .due(today, &log)?
            .into_iter()
            .map(|d| d.due)
            .chain(scope.open_in(log).into_iter().map(|t| t.due))
            .collect();
        let mut work = Workload::default();
        for day in dates {
            match When::of(day, today) {
                Some(When::Overdue) => work.overdue += 1,
                Some(When::ThisWeek) => work.this_week += 1,
                _ => {}
            }
        }
        Ok(work)
    }

    /// Sends the daily digest to every caseworker and director with an address and work
    /// overdue or due this week; each on record. How many were sent (to the relay, in one
    /// connection, before this returns).
    pub fn send_digests(&self, today: Date) -> Result<usize, AppError> {
        let Some(config) = self.mail() else {
            return Ok(0);
        };
        let mut messages = Vec::new();
        let mut sent_to: Vec<Username> = Vec::new();
        for (actor, email) in self.reachable()? {
            let work = self.workload(&actor, today)?;
            if work != Workload::default() {
                messages.push(digest(&config.site, work, email));
                sent_to.push(actor.username);
            }
        }
        smtp::send(&config.relay, &messages)
            .map_err(|e| AppError::Internal(format!("the digest: {e}")))?;
        for name in &sent_to {
            self.audit(entry("system", Action::MailDigest, name.as_str(), ""))?;
        }
        Ok(messages.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to() -> StaffEmail {
        StaffEmail::parse("maria@iku.example").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_notice_links_the_inbox_in_every_language_and_says_nothing_of_the_case() {
        let m = notice("https://iku.example", Notice::ChildsMatter, to());
        for code in ["fi", "sv", "en"] {
            assert!(
                m.text
                    .contains(&format!("https://iku.example/{code}/staff/\n"))
            );
        }
        assert!(m.subject.contains("lapsen asia"));
        let d = digest(
            "https://iku.example",
            Workload {
                overdue: 2,
                this_week: 5,
            },
            to(),
        );
        assert!(d.text.contains("Myöhässä 2, tällä viikolla erääntyy 5."));
        assert!(d.text.contains("https://iku.example/sv/staff/work"));
    }
}
