//! Why a use case did not do what was asked: a refusal the user can act on, or a failure of
//! the system (its cause is for the log, never for the user).

use iku_storage::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user's role or scope does not give access.
    #[error("forbidden")]
    Forbidden,
    #[error("no such record")]
    NotFound,
    /// The record is kept, what it held was erased (a document after the retention purge).
    #[error("erased")]
    Gone,
    /// A file not taken as a document (empty, too large, of a type not taken).
    #[error("the file: {0}")]
    FileRefused(iku_domain::documents::FileRefused),
    /// The request itself is not what the use case takes.
    #[error("bad request")]
    BadRequest,
    /// The register refuses the events (ids, fields and rules named; never a value).
    #[error("the register refuses this event: {0}")]
    InvalidEvent(String),
    /// The register refuses the events by one of its rules (the message as `InvalidEvent`).
    #[error("the register refuses this event: {1}")]
    RuleBroken(iku_domain::rules::Rule, String),
    /// An event sent to a case is about another case.
    #[error("the event is about another case")]
    OtherCase,
    /// A search that cannot be made (an empty query, a name without a year of birth).
    #[error("the search: {0}")]
    BadQuery(iku_domain::search::QueryError),
    #[error("opening a case outside the user's scope needs a reason")]
    ReasonRequired,
    #[error("an admin does not disable their own account, nor change its role")]
    OwnAccount,
    /// An account of that name exists already.
    #[error("an account of that name exists already")]
    AccountExists,
    /// A caseworker belongs to an office, and no other role has one.
    #[error("a caseworker has an office, and only a caseworker")]
    OfficeForRole,
    #[error("no caseworker works in this office")]
    UnknownOffice,
    #[error("a case is assigned to an enabled caseworker")]
    UnknownAssignee,
    /// Every failed login is the same to the user.
    #[error("login failed")]
    LoginFailed,
    #[error("not logged in")]
    Unauthenticated,
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("the new password is too weak")]
    WeakPassword,
    /// A publication refused: its disclosure audit found suppressed numbers that could be
    /// narrowed below the threshold.
    #[error(
        "not published: the audit found {unsafe_cells} suppressed numbers that could be narrowed to less than {threshold} persons"
    )]
    DisclosureAuditFailed { unsafe_cells: usize, threshold: u64 },
    #[error("storage: {0}")]
    Storage(#[from] StoreError),
    #[error("the review: {0}")]
    Review(#[from] crate::reviews::ReviewError),
    /// Something else of the system's, described for the log.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// Whether the system failed (rather than refusing the request): logged, answered as an
    /// internal error.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            AppError::Storage(_) | AppError::Review(_) | AppError::Internal(_)
        )
    }
}

impl From<iku_storage::KeyError> for AppError {
    fn from(e: iku_storage::KeyError) -> Self {
        AppError::Storage(e.into())
    }
}
