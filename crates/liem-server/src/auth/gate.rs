//! The one gate every read and write passes (after lldap's access control:
//! no handle that can write without the check).
//!
//! - [`Principal::grant`] checks that the caller's roles grant a right and
//!   yields a [`Grant`] with the part of the unit tree it reaches: list and
//!   count queries take its scope, and a single record outside it is
//!   reported as not found ([`Grant::reach`]), never as forbidden, so that
//!   nobody learns what another unit holds.
//! - [`Writer::permit`] checks a right over one unit and yields a
//!   [`Permit`], and a permit is the only thing in the server that opens a
//!   database transaction ([`Permit::begin`]). A [`Writer`] exists only for
//!   a token, the command line, or a session whose CSRF token checked out.
//!   Writes made for nobody in particular — the public form after its proof
//!   of work, a mailbox after its receipt code, a login after its password,
//!   the command line's maintenance — take [`Permit::unattended`], which a
//!   test confines to the places that may.

use crate::auth::Principal;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::write::Writer;
use liem_domain::ids::UnitId;
use liem_domain::role::Right;
use liem_domain::role::Scope;
use liem_domain::unit::is_root_path;
use liem_store::audit::Actor;
use liem_store::Store;
use liem_store::Tx;

/// Proof that the caller holds a right, and where.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    who: &'a Principal,
    right: Right,
    scope: Scope,
}

impl Principal {
    /// The caller's grant of `right`; 403 when no role of theirs grants it
    /// (which says nothing about any record).
    pub fn grant(&self, right: Right) -> AppResult<Grant<'_>> {
        match self.scope(right) {
            Scope::None => Err(AppError::Forbidden(format!(
                "your roles do not grant {right:?}"
            ))),
            scope => Ok(Grant {
                who: self,
                right,
                scope,
            }),
        }
    }
}

impl Grant<'_> {
    /// The part of the tree the grant reaches, for list and count queries.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The right granted.
    pub fn right(&self) -> Right {
        self.right
    }

    /// Whether a unit (by its path) lies in the grant's reach.
    pub fn covers(&self, unit_path: &str) -> bool {
        self.scope.contains(unit_path)
    }

    /// Checks a record of the unit at `unit_path`: outside the reach it is
    /// not found, exactly as if it did not exist.
    pub fn reach(&self, unit_path: &str) -> AppResult<()> {
        if self.covers(unit_path) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The caller.
    pub fn who(&self) -> &Principal {
        self.who
    }

    /// A permit to record in the audit trail that the grant's holder read
    /// something whose every view is audited (a dossier, an export) — in
    /// the transaction that reads it.
    pub fn audited_read(&self) -> Permit {
        Permit {
            actor: self.who.actor(),
        }
    }
}

/// Proof that a write may happen: the right was checked over the unit it
/// touches (or the write is one of the unattended ones). It opens the
/// transaction and names the actor its audit records carry.
#[derive(Debug)]
pub struct Permit {
    actor: Actor,
}

impl Writer {
    /// A permit for `right` over the unit at `unit_path`; 403 with `why`
    /// when the caller's roles do not reach it. Check that the caller may
    /// read the record first, so that a record they cannot see is a 404.
    pub fn permit(&self, right: Right, unit_path: &str, why: &str) -> AppResult<Permit> {
        if self.scope(right).contains(unit_path) {
            Ok(Permit {
                actor: self.actor(),
            })
        } else {
            Err(AppError::Forbidden(why.to_owned()))
        }
    }

    /// A permit for `right` in the caller's own unit (what they register
    /// there), or 403 when no role of theirs grants it.
    pub fn permit_own(&self, right: Right) -> AppResult<Permit> {
        self.grant(right)?;
        Ok(Permit {
            actor: self.actor(),
        })
    }

    /// A permit for `right` in the unit `unit` itself, for acts that only
    /// its own members may take (asking to unseal, deciding as a custodian);
    /// 403 with `why` otherwise.
    pub fn permit_member(&self, right: Right, unit: UnitId, why: &str) -> AppResult<Permit> {
        if self.can(right) && self.user.unit_id == unit {
            Ok(Permit {
                actor: self.actor(),
            })
        } else {
            Err(AppError::Forbidden(why.to_owned()))
        }
    }

    /// A permit for national reference data (the calendar, the deadline
    /// rules): `right` held at the root of the unit tree, i.e. at the
    /// central level; 403 for everyone else.
    pub fn permit_national(&self, right: Right) -> AppResult<Permit> {
        match self.scope(right) {
            Scope::Subtree(p) if is_root_path(&p) => Ok(Permit {
                actor: self.actor(),
            }),
            _ => Err(AppError::Forbidden(
                "national reference data is changed by the central level's administrators".into(),
            )),
        }
    }

    /// A permit for what concerns only the caller (their session, tokens,
    /// language, key): any signed-in writer has it.
    pub fn permit_self(&self) -> Permit {
        Permit {
            actor: self.actor(),
        }
    }
}

impl Permit {
    /// A write made for nobody signed in: the public form after its proof of
    /// work, a reporter's mailbox after its receipt code, a login after its
    /// password, the command line's maintenance. `actor` says which.
    pub(crate) fn unattended(actor: Actor) -> Permit {
        Permit { actor }
    }

    /// Who writes, for the audit records.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Opens the transaction the write goes through.
    pub async fn begin(&self, store: &Store) -> AppResult<Tx> {
        Ok(store.begin().await?)
    }
}
