//! The server's integration tests, one binary: access through the router (`access`, which
//! also holds the shared test app), the pages in a real browser (`browser`), readiness
//! (`ready`).

mod access;
mod browser;
mod ready;
