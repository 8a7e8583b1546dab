//! Who is calling and what their role lets them do. Tokens are checked against the store on
//! every request (which trusts a token it read less than `TOKEN_RECHECK` ago: a revocation
//! holds at once in the server that made it, within a second in every other process), and
//! each authenticated token then takes one request from its rate-limit bucket.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::ApiError;
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Records facts, reads everything.
    Recorder,
    /// Reads everything, exports.
    Finance,
    /// Reads everything, verifies and replays.
    Inspector,
    /// Aggregates only: never names, birth dates, or rows about one household or child.
    Dashboard,
    /// Manages tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Recorder,
        Role::Finance,
        Role::Inspector,
        Role::Dashboard,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recorder => "recorder",
            Role::Finance => "finance",
            Role::Inspector => "inspector",
            Role::Dashboard => "dashboard",
            Role::Admin => "admin",
        }
    }

    pub fn may(self, access: Access) -> bool {
        use Access::*;
        match self {
            Role::Recorder => matches!(access, Write | Aggregates | Details),
            Role::Finance => matches!(access, Aggregates | Details | Export),
            Role::Inspector => matches!(access, Aggregates | Details | Export | Inspect),
            Role::Dashboard => matches!(access, Aggregates),
            Role::Admin => matches!(access, Tokens),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role {s:?}: use recorder, finance, inspector, dashboard or admin")
            })
    }
}

/// What a route needs. Each route names exactly one; the OpenAPI document lists it as the
/// operation's security scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Record facts.
    Write,
    /// Totals and counts with no row about one person or household.
    Aggregates,
    /// Rows about single entities, events, histories.
    Details,
    /// Spreadsheet exports.
    Export,
    /// Verification and replay.
    Inspect,
    /// Token administration.
    Tokens,
}

impl Access {
    pub const ALL: [Access; 6] = [
        Access::Write,
        Access::Aggregates,
        Access::Details,
        Access::Export,
        Access::Inspect,
        Access::Tokens,
    ];

    /// The access an OpenAPI security scope names.
    pub fn from_scope(scope: &str) -> Option<Access> {
        Access::ALL.into_iter().find(|a| a.scope() == scope)
    }

    pub fn scope(self) -> &'static str {
        match self {
            Access::Write => "write",
            Access::Aggregates => "aggregates",
            Access::Details => "details",
            Access::Export => "export",
            Access::Inspect => "inspect",
            Access::Tokens => "tokens",
        }
    }
}

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    pub token_id: String,
    pub name: String,
    pub role: Role,
}

impl Caller {
    pub fn require(&self, access: Access) -> Result<(), ApiError> {
        if self.role.may(access) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                role: self.role.to_string(),
                needed: access.scope(),
            })
        }
    }

    /// The principal recorded as `recorded_by` on events this caller appends.
    pub fn principal(&self) -> String {
        format!("token:{}:{}", self.token_id, self.name)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        let record = state
            .store
            .authenticate(presented.trim())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        // Only now is the id known to be real, so only real tokens ever get a bucket.
        state.rate_limiter.check(&record.id)?;
        let role = record.role.parse().map_err(|e: String| {
            ApiError::Internal(format!("token {} has a bad role: {e}", record.id))
        })?;
        Ok(Caller {
            token_id: record.id,
            name: record.name,
            role,
        })
    }
}

/// A scope a route needs, as a type, so the check runs as an extractor: before the body is
/// read, so a caller without the role learns nothing from validation errors.
pub trait Scope: Send + Sync + 'static {
    const ACCESS: Access;
}

macro_rules! scopes {
    ($($name:ident => $access:ident),* $(,)?) => {
        pub mod scope {
            $(
                pub struct $name;
                impl super::Scope for $name {
                    const ACCESS: super::Access = super::Access::$access;
                }
            )*
        }
    };
}

scopes!(
    Write => Write,
    Aggregates => Aggregates,
    Details => Details,
    Export => Export,
    Inspect => Inspect,
    Tokens => Tokens,
);

/// A caller whose role grants `S`; rejects with 401 or 403 otherwise.
pub struct Authorized<S: Scope> {
    pub caller: Caller,
    scope: PhantomData<S>,
}

impl<S: Scope> FromRequestParts<AppState> for Authorized<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(S::ACCESS)?;
        Ok(Authorized {
            caller,
            scope: PhantomData,
        })
    }
}
