//! The server's integration tests, one binary: access through the router (`access`, which
//! also holds the shared test app), the application layer as the server uses it
//! (`app_layer`), the admins' account actions and accounts (`admin`), the audit log's pages
//! and its file (`audit_log`), the pages in a real browser
//! (`browser`), the caseworker's day in it (`caseworker_day`), the cases page
//! (`cases_list`), readiness
//! (`ready`), finding a person (`search`), publishing and reading reviews (`statistics`), the public form's mistakes (`referral_form`), placing public referrals
//! (`routing`), corrections and the register's rules on the write path
//! (`corrections`), the history of a case (`history`), locks after failed logins
//! (`lockout`), what probing the server found (`hardening`), the decision document
//! (`decision`), duplicates at intake (`duplicates`), dates and refusals in the
//! user's language (`dates`),
//! the menu by role (`navigation`), every kind of page in its error, refusal and confirmation
//! states under axe (`page_states`), the client plan (`plan`) and two servers on one PostgreSQL database
//! (`two_servers`), the caseworker's work (`work`); `support` holds
//! what several share.

mod access;
mod admin;
mod app_layer;
mod audit_log;
mod browser;
mod cases_list;
mod caseworker_day;
mod client_lifecycle;
mod consent;
mod corrections;
mod dates;
mod decision;
mod documents;
mod duplicates;
mod hardening;
mod history;
mod journal;
mod lockout;
mod mail;
mod navigation;
mod page_states;
mod person_data;
mod plan;
mod ready;
mod referral_form;
mod routing;
mod search;
mod statistics;
mod support;
mod two_servers;
mod work;
