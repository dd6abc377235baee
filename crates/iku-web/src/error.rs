//! The one error type of the HTTP layer: a status, a stable code for programs and a message
//! for people (crates.io's `util/errors.rs` is the model). Handlers use `?` on the
//! application's errors (`From<AppError>`); a failure's cause travels on its response to the
//! one place that logs it (`log_causes`), never to the client, and never carries a personal
//! value.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use iku_app::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: &'static str,
    /// What exactly was wrong with the input, where that helps (never a personal value: the
    /// interchange format's errors name fields and codes, not what was typed).
    pub detail: Option<String>,
    /// Why the system failed, for the log (once, by `log_causes`), never for the client.
    pub cause: Option<String>,
    /// The register's rule an event broke, if that was why it was refused (the pages say
    /// it in the user's language).
    pub rule: Option<iku_domain::rules::Rule>,
}

/// A failure's cause, carried by its response to the one place that logs it.
#[derive(Debug, Clone)]
pub(crate) struct Cause(pub String);

impl ApiError {
    pub const fn new(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self {
            status,
            code,
            message,
            detail: None,
            cause: None,
            rule: None,
        }
    }

    /// The system failed: `internal` to the client, the cause to the log.
    pub fn internal(cause: String) -> Self {
        Self {
            cause: Some(cause),
            ..Self::INTERNAL
        }
    }

    /// Puts the cause (if any) on the response, for `log_causes`.
    pub(crate) fn mark(&self, response: &mut Response) {
        if let Some(cause) = &self.cause {
            response.extensions_mut().insert(Cause(cause.clone()));
        }
    }

    /// An event the register refuses, with the reason.
    pub fn invalid_event(detail: String) -> Self {
        Self {
            detail: Some(detail),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_event",
                "the register refuses this event",
            )
        }
    }

    /// An event that is not about the case it was sent to.
    pub const OTHER_CASE: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "other_case",
        "the event is about another case than the one in the address",
    );

    /// Not logged in, or the session ended or timed out.
    pub const UNAUTHENTICATED: Self = Self::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "log in first (or again: the session ended)",
    );
    /// The same answer for a wrong name, password or code, a locked or disabled account.
    pub const LOGIN_FAILED: Self = Self::new(
        StatusCode::UNAUTHORIZED,
        "login_failed",
        "the name, password or code is wrong, or the account cannot log in now",
    );
    pub const FORBIDDEN: Self = Self::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "your role or office does not give access to this",
    );
    pub const PASSWORD_CHANGE_REQUIRED: Self = Self::new(
        StatusCode::FORBIDDEN,
        "password_change_required",
        "choose your own password first (POST /api/password)",
    );
    pub const WEAK_PASSWORD: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "weak_password",
        "a password is 12 to 200 characters, and not the one it replaces",
    );
    pub const OIDC_UNAVAILABLE: Self = Self::new(
        StatusCode::BAD_GATEWAY,
        "oidc_unavailable",
        "the identity provider does not answer",
    );
    pub const CSRF: Self = Self::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "the request lacks the session's X-CSRF-Token header",
    );
    pub const RATE_LIMITED: Self = Self::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "too many attempts from this address; wait a minute",
    );
    pub const NOT_FOUND: Self = Self::new(StatusCode::NOT_FOUND, "not_found", "no such record");
    pub const GONE: Self = Self::new(
        StatusCode::GONE,
        "gone",
        "the record is kept, but what it held was erased by the retention purge",
    );
    pub const FILE_EMPTY: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_empty",
        "the file is empty",
    );
    pub const FILE_TOO_LARGE: Self = Self::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        "the file is larger than 20 MB",
    );
    pub const FILE_TYPE: Self = Self::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "file_type",
        "the file is not a PDF, PNG, JPEG or office document (docx, xlsx, pptx, odt, ods, odp)",
    );
    pub const BAD_REQUEST: Self = Self::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        "the request is not what this endpoint takes",
    );
    pub const OWN_ACCOUNT: Self = Self::new(
        StatusCode::CONFLICT,
        "own_account",
        "an admin does not disable their own account",
    );
    pub const ACCOUNT_EXISTS: Self = Self::new(
        StatusCode::CONFLICT,
        "account_exists",
        "an account of that name exists already",
    );
    pub const OFFICE_FOR_ROLE: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "office_for_role",
        "a caseworker has an office (lowercase letters, digits and -), and only a caseworker",
    );
    pub const QUERY_EMPTY: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "query_empty",
        "nothing to search for: give a name with a year of birth, a phone number, an e-mail address or an identity code",
    );
    pub const QUERY_NAME_WITHOUT_YEAR: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "query_name_without_year",
        "a name is searched for with a year of birth, for example Maria Nguyen 1990",
    );
    pub const REASON_REQUIRED: Self = Self::new(
        StatusCode::BAD_REQUEST,
        "reason_required",
        "opening a case outside your scope needs a reason (10 to 500 characters of text)",
    );
    pub const UNKNOWN_OFFICE: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_office",
        "no caseworker works in this office: a case there would be in nobody's scope",
    );
    pub const UNKNOWN_ASSIGNEE: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_assignee",
        "a case is assigned to an enabled caseworker's account",
    );
    pub const DISCLOSURE_AUDIT_FAILED: Self = Self::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "disclosure_audit_failed",
        "the release cannot be made safe: its disclosure audit failed; nothing was published",
    );
    pub const INTERNAL: Self = Self::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on the server; it has been logged",
    );
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "code": self.code, "message": self.message });
        if let Some(detail) = &self.detail {
            body["detail"] = serde_json::Value::String(detail.clone());
        }
        if let Some(rule) = self.rule {
            body["rule"] = serde_json::Value::String(rule.name().to_owned());
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        self.mark(&mut response);
        response
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let with_detail = |error: ApiError, detail: String| ApiError {
            detail: Some(detail),
            ..error
        };
        match e {
            AppError::Forbidden => ApiError::FORBIDDEN,
            AppError::NotFound => ApiError::NOT_FOUND,
            AppError::Gone => ApiError::GONE,
            AppError::FileRefused(refused) => {
                use iku_domain::documents::FileRefused;
                match refused {
                    FileRefused::Empty => ApiError::FILE_EMPTY,
                    FileRefused::TooLarge { .. } => ApiError::FILE_TOO_LARGE,
                    FileRefused::UnknownType => ApiError::FILE_TYPE,
                }
            }
            AppError::BadRequest => ApiError::BAD_REQUEST,
            AppError::InvalidEvent(why) => ApiError::invalid_event(why),
            AppError::RuleBroken(rule, why) => ApiError {
                rule: Some(rule),
                ..ApiError::invalid_event(why)
            },
            AppError::OtherCase => ApiError::OTHER_CASE,
            AppError::ReasonRequired => ApiError::REASON_REQUIRED,
            AppError::BadQuery(iku_domain::search::QueryError::Empty) => ApiError::QUERY_EMPTY,
            AppError::BadQuery(iku_domain::search::QueryError::NameWithoutYear) => {
                ApiError::QUERY_NAME_WITHOUT_YEAR
            }
            AppError::OwnAccount => ApiError::OWN_ACCOUNT,
            AppError::AccountExists => ApiError::ACCOUNT_EXISTS,
            AppError::OfficeForRole => ApiError::OFFICE_FOR_ROLE,
            AppError::UnknownOffice => ApiError::UNKNOWN_OFFICE,
            AppError::UnknownAssignee => ApiError::UNKNOWN_ASSIGNEE,
            AppError::LoginFailed => ApiError::LOGIN_FAILED,
            AppError::Unauthenticated => ApiError::UNAUTHENTICATED,
            AppError::PasswordChangeRequired => ApiError::PASSWORD_CHANGE_REQUIRED,
            AppError::WeakPassword => ApiError::WEAK_PASSWORD,
            refused @ AppError::DisclosureAuditFailed { .. } => {
                with_detail(ApiError::DISCLOSURE_AUDIT_FAILED, refused.to_string())
            }
            failure @ (AppError::Storage(_) | AppError::Review(_) | AppError::Internal(_)) => {
                ApiError::internal(failure.to_string())
            }
        }
    }
}
