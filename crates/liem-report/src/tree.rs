//! The unit tree a report is laid out on: as it stood during the period, or
//! today's tree with the units that ceased mapped onto their successors
//! through the merger map.

use jiff::civil::Date;
use liem_domain::ids::UnitId;
use liem_store::stats::Merger;
use liem_store::units::UnitRecord;
use serde::Serialize;
use std::collections::HashMap;

/// Which tree a report uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TreeMode {
    /// The tree as it stood during the period: facts stay with the unit
    /// that registered them.
    AsOf,
    /// Today's tree: facts of a unit that ceased go to its successor.
    Current,
}

impl TreeMode {
    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            TreeMode::AsOf => "as_of",
            TreeMode::Current => "current",
        }
    }

    /// Parses `as_of` / `current` (also `old` / `new`).
    pub fn parse(s: &str) -> Option<TreeMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "as_of" | "as-of" | "old" | "then" => Some(TreeMode::AsOf),
            "current" | "new" | "today" => Some(TreeMode::Current),
            _ => None,
        }
    }
}

/// The unit tree with its merger map.
#[derive(Debug, Clone)]
pub struct Tree {
    units: HashMap<UnitId, UnitRecord>,
    order: Vec<UnitId>,
    successor: HashMap<UnitId, UnitId>,
}

impl Tree {
    /// Builds the tree from every unit and every merger.
    pub fn new(units: Vec<UnitRecord>, mergers: &[Merger]) -> Tree {
        let order = units.iter().map(|u| u.id).collect();
        Tree {
            units: units.into_iter().map(|u| (u.id, u)).collect(),
            order,
            successor: mergers.iter().map(|m| (m.from, m.to)).collect(),
        }
    }

    /// A unit.
    pub fn get(&self, id: UnitId) -> Option<&UnitRecord> {
        self.units.get(&id)
    }

    /// Every unit, in tree order.
    pub fn all_ids(&self) -> Vec<UnitId> {
        self.order.clone()
    }

    /// A unit by code.
    pub fn by_code(&self, code: &str) -> Option<&UnitRecord> {
        let code = code.trim().to_ascii_uppercase();
        self.units.values().find(|u| u.code == code)
    }

    /// The root (the central committee): the nation's scope.
    pub fn root(&self) -> Option<&UnitRecord> {
        self.order
            .iter()
            .filter_map(|id| self.units.get(id))
            .find(|u| u.parent_id.is_none())
    }

    /// Where the facts of `unit` are counted: itself on the tree as it
    /// stood; its last successor on today's tree.
    pub fn attribute(&self, unit: UnitId, mode: TreeMode) -> UnitId {
        match mode {
            TreeMode::AsOf => unit,
            TreeMode::Current => {
                let mut u = unit;
                for _ in 0..64 {
                    match self.successor.get(&u) {
                        Some(next) => u = *next,
                        None => break,
                    }
                }
                u
            }
        }
    }

    fn exists(&self, u: &UnitRecord, mode: TreeMode, from: Date, to: Date, today: Date) -> bool {
        match mode {
            TreeMode::AsOf => u.valid_from <= to && u.valid_to.is_none_or(|end| end >= from),
            TreeMode::Current => u.valid_from <= today && u.valid_to.is_none_or(|end| end >= today),
        }
    }

    /// The units a report on `scope` has rows for: the children of `scope`
    /// that existed (during the period, or today), in tree order.
    pub fn children(
        &self,
        scope: UnitId,
        mode: TreeMode,
        from: Date,
        to: Date,
        today: Date,
    ) -> Vec<UnitId> {
        self.order
            .iter()
            .filter_map(|id| self.units.get(id))
            .filter(|u| u.parent_id == Some(scope) && self.exists(u, mode, from, to, today))
            .map(|u| u.id)
            .collect()
    }

    /// The row a unit's facts go to in a report on `scope`: `Some(scope)`
    /// for its own, `Some(child)` for those of a child's subtree, `None`
    /// when outside the scope.
    pub fn row_of(&self, unit: UnitId, scope: UnitId, mode: TreeMode) -> Option<UnitId> {
        let mut u = self.attribute(unit, mode);
        if u == scope {
            return Some(scope);
        }
        for _ in 0..64 {
            let parent = self.units.get(&u)?.parent_id?;
            if parent == scope {
                return Some(u);
            }
            u = parent;
        }
        None
    }

    /// Every stored unit whose facts count in `scope` (for the query's
    /// filter), or `None` when that is every unit.
    pub fn units_in(&self, scope: UnitId, mode: TreeMode) -> Option<Vec<UnitId>> {
        if self
            .units
            .get(&scope)
            .is_some_and(|u| u.parent_id.is_none())
        {
            return None;
        }
        Some(
            self.order
                .iter()
                .copied()
                .filter(|u| self.row_of(*u, scope, mode).is_some())
                .collect(),
        )
    }
}
