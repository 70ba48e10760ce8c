//! An old register — the spreadsheet a unit kept until now, Excel or CSV —
//! imported as letters of a unit: a dry run that names each refused row
//! and cell and why, then the import of the rows that pass, in one
//! transaction. A row imported once (known by the old register's number,
//! or by its cells) is never registered again.

use crate::admin::service::shared_rules;
use crate::clock::today;
use crate::petitions::intake::register_many_in_tx;
use crate::petitions::service::unit_in_scope;
use crate::state::AppState;
use crate::web::error::AppResult;
use crate::web::write::Writer;
use liem_domain::ids::LetterId;
use liem_domain::register_import::{self, Column, Mapping};
use liem_domain::role::Right;
use liem_store::petitions;
use serde::Serialize;

pub use crate::web::sheet::{read_sheet, Sheet, MAX_ROWS};

/// A row or cell refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportRefusal {
    /// The row's number in the sheet.
    pub row: usize,
    /// The cell's column (`A`, `B`, …), when the rule is about one cell.
    pub column: Option<String>,
    /// That column's heading.
    pub heading: Option<String>,
    /// The letter's field the cell fills.
    pub field: String,
    /// The rule broken.
    pub rule: String,
    /// Why, in English.
    pub message: String,
}

/// What an import did, or, dry, would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// Rows read (empty ones passed over).
    pub rows: usize,
    /// Rows that make letters.
    pub accepted: usize,
    /// Of those, rows imported before (left as they are).
    pub already_imported: usize,
    /// Letters registered now.
    pub written: usize,
    /// The references they got, in the sheet's order.
    pub references: Vec<String>,
    /// Each refused row and cell.
    pub refused: Vec<ImportRefusal>,
}

/// Imports the sheet's rows as letters of the unit `unit_code` (in the
/// caller's reach, where they may register letters), `named` mapping
/// headings the guess missed; `dry_run` checks only.
pub async fn import_register(
    state: &AppState,
    who: &Writer,
    unit_code: &str,
    sheet: &Sheet,
    named: &[(String, String)],
    dry_run: bool,
) -> AppResult<ImportReport> {
    let unit = unit_in_scope(state, who, unit_code).await?;
    let permit = who.permit(
        Right::RegisterLetter,
        &unit.path,
        "registering letters is a clerk's work",
    )?;
    let mapping = Mapping::new(&sheet.headings, named)?;
    let (rows, refused) = register_import::read(&mapping, &sheet.rows, sheet.first_row, today());
    let mut refused: Vec<ImportRefusal> = refused
        .into_iter()
        .map(|e| ImportRefusal {
            row: e.row,
            column: e.column,
            heading: e.heading,
            field: e.error.field,
            rule: e.error.rule,
            message: e.error.message,
        })
        .collect();
    let at = |c: Column| -> (Option<String>, Option<String>) {
        let i = mapping.columns.iter().position(|x| *x == Some(c));
        (
            i.map(register_import::column_name),
            i.and_then(|i| mapping.headings.get(i).cloned()),
        )
    };
    // The field must be one of the reference list's; a key, once a file.
    let mut conn = state.store.conn().await?;
    let fields: std::collections::HashSet<String> = petitions::fields(&mut conn)
        .await?
        .into_iter()
        .map(|(code, ..)| code)
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut good = Vec::new();
    for r in rows {
        if !fields.contains(&r.letter.field) {
            let (column, heading) = at(Column::Field);
            refused.push(ImportRefusal {
                row: r.row,
                column,
                heading,
                field: "field".into(),
                rule: "unknown_value".into(),
                message: "must be a field of the reference list".into(),
            });
        } else if !seen.insert(r.key.clone()) {
            let (column, heading) = at(Column::Number);
            refused.push(ImportRefusal {
                row: r.row,
                column,
                heading,
                field: "number".into(),
                rule: "duplicate".into(),
                message: "the same row, or the same number, stands earlier in the file".into(),
            });
        } else {
            good.push(r);
        }
    }
    refused.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    let keys: Vec<String> = good.iter().map(|r| r.key.clone()).collect();
    let before = petitions::imported_keys(&mut conn, unit.id, &keys).await?;
    drop(conn);
    let read = sheet
        .rows
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .count();
    let accepted = good.len();
    let new: Vec<_> = good
        .into_iter()
        .filter(|r| !before.contains(&r.key))
        .collect();
    let mut report = ImportReport {
        dry_run,
        rows: read,
        accepted,
        already_imported: accepted - new.len(),
        written: 0,
        references: Vec::new(),
        refused,
    };
    if dry_run || new.is_empty() {
        return Ok(report);
    }
    let rules = shared_rules(state).await?;
    let letters: Vec<_> = new
        .iter()
        .map(|r| (r.letter.clone(), LetterId::new()))
        .collect();
    let mut tx = permit.begin(&state.store).await?;
    let refs = register_many_in_tx(
        &mut tx,
        permit.actor(),
        &unit,
        Some(who.user.id),
        &letters,
        &rules.0,
        &rules.1,
        &state.sender_key,
    )
    .await?;
    for (r, (_, id)) in new.iter().zip(&letters) {
        petitions::record_import(&mut tx, permit.actor(), unit.id, &r.key, *id).await?;
    }
    tx.commit().await?;
    report.written = refs.len();
    report.references = refs.iter().map(|r| r.format()).collect();
    Ok(report)
}
