//! The `iku` binary end to end: one test binary, a shared `Iku` builder giving each test its
//! own data directory (`support`), a file per topic.

mod accounts;
mod lifecycle;
mod personal_data;
mod register;
mod reviews;
mod server;
mod support;
