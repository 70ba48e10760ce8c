//! The petitions register: letters, the matters they are grouped into, the
//! matters' events, sealed identities and attachments.

use crate::db::{query, values_rows, AsExec, Filter, Row, Value};
use crate::units::UnitRecord;
use crate::{audit, now, outbox, Insert, Result, StoreError, Tx};
use jiff::civil::Date;
use liem_domain::deadline::Deadline;
use liem_domain::ids::{AttachmentId, LetterId, MatterId, UnitId, UserId};
use liem_domain::petition::{search_text, Channel, NewLetter, PetitionKind, SenderKind};
use liem_domain::reference::{Reference, Register};
use liem_domain::role::Scope;
use liem_domain::unit::UnitCode;
use liem_domain::workflow::{MatterFacts, MatterState};
use serde::Serialize;

/// An encrypted identity, as stored apart from its letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBlob {
    /// Which key sealed it.
    pub key_id: String,
    /// The AEAD nonce.
    pub nonce: Vec<u8>,
    /// The ciphertext with its tag.
    pub ciphertext: Vec<u8>,
}

/// A matter in brief, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatterBrief {
    /// Id.
    pub id: MatterId,
    /// Reference.
    pub reference: String,
    /// Kind.
    pub kind: PetitionKind,
    /// State.
    pub state: MatterState,
    /// The running deadline.
    pub due_on: Option<Date>,
    /// The code of the rule that sets it.
    pub due_rule: Option<String>,
    /// The last day of the first duty owed beside it (a notice to send).
    pub duty_on: Option<Date>,
    /// That duty's limit code.
    pub duty_rule: Option<String>,
    /// The assigned handler.
    pub handler_id: Option<UserId>,
}

/// A letter as stored (never with a sealed identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LetterRecord {
    /// Id.
    pub id: LetterId,
    /// Registering unit.
    pub unit_id: UnitId,
    /// Its code.
    pub unit_code: String,
    /// Its tree path.
    #[serde(skip)]
    pub unit_path: String,
    /// Register reference.
    pub reference: String,
    /// Kinds.
    pub kinds: Vec<PetitionKind>,
    /// Channel.
    pub channel: Channel,
    /// Field code.
    pub field_code: String,
    /// Date of receipt.
    pub received_on: Date,
    /// Place of the matter.
    pub place: Option<String>,
    /// Sender kind.
    pub sender_kind: SenderKind,
    /// Sender's name; `None` when sealed or anonymous.
    pub sender_name: Option<String>,
    /// Identity number; `None` when sealed or absent.
    pub sender_id_number: Option<String>,
    /// Address; `None` when sealed or absent.
    pub sender_address: Option<String>,
    /// Telephone; `None` when sealed or absent.
    pub sender_phone: Option<String>,
    /// E-mail; `None` when sealed or absent.
    pub sender_email: Option<String>,
    /// Whether the identity is sealed.
    pub sealed: bool,
    /// Whether the summary and content are sealed (then stored empty here).
    pub content_sealed: bool,
    /// Signatories.
    pub signatories: i64,
    /// Five or more signatories.
    pub collective: bool,
    /// Person or body complained about or denounced.
    pub subject: Option<String>,
    /// Summary.
    pub summary: String,
    /// Content.
    pub content: String,
    /// Who forwarded it.
    pub forwarded_by: Option<String>,
    /// Who registered it (`None` for the public channel).
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: jiff::Timestamp,
    /// Acknowledge by (the unit's timer policy).
    pub ack_due: Option<Date>,
    /// Acknowledged on.
    pub ack_on: Option<Date>,
    /// Give feedback by.
    pub feedback_due: Option<Date>,
    /// Feedback given on.
    pub feedback_on: Option<Date>,
    /// The matters it belongs to.
    pub matters: Vec<MatterBrief>,
}

/// A matter as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatterRecord {
    /// Id.
    pub id: MatterId,
    /// Handling unit.
    pub unit_id: UnitId,
    /// Its tree path.
    #[serde(skip)]
    pub unit_path: String,
    /// Reference.
    pub reference: String,
    /// Field code.
    pub field_code: String,
    /// Summary (from the first letter).
    pub summary: String,
    /// Assigned handler.
    pub handler_id: Option<UserId>,
    /// The running deadline.
    pub due_on: Option<Date>,
    /// Which rule gives it.
    pub due_rule: Option<String>,
    /// The last day of the first duty owed beside it (a notice to send).
    pub duty_on: Option<Date>,
    /// That duty's limit code.
    pub duty_rule: Option<String>,
    /// Workflow facts.
    pub facts: MatterFacts,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// The letters grouped in it: id and reference.
    pub letters: Vec<(LetterId, String)>,
}

impl MatterRecord {
    /// The matter in brief, as a letter lists it.
    pub fn brief(&self) -> MatterBrief {
        MatterBrief {
            id: self.id,
            reference: self.reference.clone(),
            kind: self.facts.kind,
            state: self.facts.state,
            due_on: self.due_on,
            due_rule: self.due_rule.clone(),
            duty_on: self.duty_on,
            duty_rule: self.duty_rule.clone(),
            handler_id: self.handler_id,
        }
    }
}

/// One workflow event of a matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatterEvent {
    /// The action's name.
    pub action: String,
    /// The date it took effect.
    pub on_date: Date,
    /// State before.
    pub from_state: String,
    /// State after.
    pub to_state: String,
    /// Reason, outcome and other fields, as JSON.
    pub detail: serde_json::Value,
    /// Who.
    pub actor_id: Option<UserId>,
    /// When recorded.
    pub at: jiff::Timestamp,
}

/// An attachment's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentRecord {
    /// Id.
    pub id: AttachmentId,
    /// Letter.
    pub letter_id: LetterId,
    /// SHA-256 of the content (its storage address).
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// Checked media type.
    pub media_type: String,
    /// The name it was uploaded with.
    pub filename: String,
}

/// Allocates the next reference of a register, inside the transaction that
/// writes the entry: unique and gap-free, because a rolled-back transaction
/// rolls its number back too.
pub async fn next_reference(
    tx: &mut Tx,
    unit: &UnitRecord,
    register: Register,
    year: i16,
) -> Result<Reference> {
    let mut refs = next_references(tx, unit, year, &[(register, 1)]).await?;
    refs.pop()
        .ok_or_else(|| StoreError::Corrupt("no reference allocated".into()))
}

/// Allocates `count` consecutive references in each register asked, in one
/// statement, in the order asked (a register's numbers ascending). The
/// counters' rows stay locked until the transaction ends, so a writer calls
/// this as late as it can: after its reads, just before the inserts that
/// carry the numbers.
pub async fn next_references(
    tx: &mut Tx,
    unit: &UnitRecord,
    year: i16,
    wants: &[(Register, i64)],
) -> Result<Vec<Reference>> {
    let wants: Vec<Want<'_>> = wants
        .iter()
        .map(|&(register, count)| Want {
            unit,
            year,
            register,
            count,
        })
        .collect();
    Ok(allocate_references(tx, &wants)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// Numbers wanted in one register of a unit and year.
#[derive(Debug, Clone, Copy)]
pub struct Want<'a> {
    /// The numbering unit.
    pub unit: &'a UnitRecord,
    /// The year the numbers belong to.
    pub year: i16,
    /// The register.
    pub register: Register,
    /// How many.
    pub count: i64,
}

/// Allocates the references of several wants, of any units, registers and
/// years (a group of letters at intake), in one statement: for each want,
/// its `count` consecutive numbers, the wants of one counter served in the
/// order given. The counters' rows are locked in one order on every node
/// (unit id, register, year), so that two groups never wait on each other
/// in a circle.
pub async fn allocate_references(tx: &mut Tx, wants: &[Want<'_>]) -> Result<Vec<Vec<Reference>>> {
    take_references(tx, wants, false).await
}

/// As [`allocate_references`], but numbered from the counters' values this
/// node last committed when it knows them all, without a statement: the
/// next statement that writes rows moves the counters, only if they still
/// hold those values, and fails otherwise ([`crate::counters`]). For a
/// writer that writes its rows with [`insert_letters_with_matters`] next
/// and that tries again when the transaction fails (intake).
pub async fn allocate_references_known(
    tx: &mut Tx,
    wants: &[Want<'_>],
) -> Result<Vec<Vec<Reference>>> {
    take_references(tx, wants, true).await
}

async fn take_references(
    tx: &mut Tx,
    wants: &[Want<'_>],
    from_known: bool,
) -> Result<Vec<Vec<Reference>>> {
    // One row per counter (a counter twice in one upsert is an error on
    // PostgreSQL), in the locking order.
    let mut counters: std::collections::BTreeMap<crate::counters::Key, i64> = Default::default();
    for w in wants.iter().filter(|w| w.count > 0) {
        *counters
            .entry((w.unit.id.0, w.register.as_str(), w.year))
            .or_insert(0) += w.count;
    }
    let mut out: Vec<Vec<Reference>> = vec![Vec::new(); wants.len()];
    if counters.is_empty() {
        return Ok(out);
    }
    // The next number to hand out of each counter.
    let mut next: std::collections::BTreeMap<crate::counters::Key, i64> = Default::default();
    let keys: Vec<crate::counters::Key> = counters.keys().copied().collect();
    let known = if from_known {
        tx.known_counters(&keys)
    } else {
        None
    };
    if let Some(known) = known {
        let mut moves = Vec::with_capacity(keys.len());
        for ((key, n), last) in counters.iter().zip(known) {
            next.insert(*key, last + 1);
            moves.push((*key, last, last + n));
        }
        tx.guard_counters(moves);
    } else {
        // Numbers guessed earlier in this transaction are checked first:
        // the upsert below counts from what the database holds.
        tx.check_guard().await?;
        let mut values: Vec<Value> = Vec::with_capacity(counters.len() * 4);
        for ((unit, register, year), n) in &counters {
            values.extend::<[Value; 4]>([
                (*unit).into(),
                (*register).into(),
                i64::from(*year).into(),
                (*n).into(),
            ]);
        }
        let rows = query(format!(
            "INSERT INTO reference_counters (unit_id, register, year, last_seq) VALUES {} \
             ON CONFLICT (unit_id, register, year) DO UPDATE SET last_seq = reference_counters.last_seq + excluded.last_seq \
             RETURNING unit_id, register, year, last_seq",
            values_rows(counters.len(), 4, 1)
        ))
        .bind_all(values)
        .fetch_all(tx)
        .await?;
        let mut taken = Vec::with_capacity(rows.len());
        for r in &rows {
            let key = (
                r.uuid("unit_id")?,
                register_code(&r.text("register")?)?,
                i16::try_from(r.i64("year")?)
                    .map_err(|_| StoreError::Corrupt("a counter's year is out of range".into()))?,
            );
            let n = counters.get(&key).ok_or_else(|| {
                StoreError::Corrupt("a counter not asked for was returned".into())
            })?;
            let last = r.i64("last_seq")?;
            next.insert(key, last - n + 1);
            taken.push((key, last));
        }
        tx.took_counters(taken);
    }
    for (w, refs) in wants.iter().zip(out.iter_mut()) {
        if w.count <= 0 {
            continue;
        }
        let unit_code =
            UnitCode::parse(&w.unit.code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let first = next
            .get_mut(&(w.unit.id.0, w.register.as_str(), w.year))
            .ok_or_else(|| StoreError::Corrupt("a counter was not returned".into()))?;
        for seq in *first..*first + w.count {
            refs.push(Reference {
                unit: unit_code.clone(),
                register: w.register,
                year: w.year,
                seq,
            });
        }
        *first += w.count;
    }
    Ok(out)
}

/// A register's code as the counters store it.
fn register_code(code: &str) -> Result<&'static str> {
    code.parse::<Register>()
        .map(Register::as_str)
        .map_err(|_| StoreError::Corrupt(format!("unknown register {code:?}")))
}

/// Whether a field code is in the reference list and active.
pub async fn field_exists(ex: &mut impl AsExec, code: &str) -> Result<bool> {
    Ok(
        query("SELECT 1 AS one FROM fields WHERE code = $1 AND active = $2")
            .bind(code)
            .bind(true)
            .fetch_optional(ex)
            .await?
            .is_some(),
    )
}

/// The fields reference list: code, Vietnamese and English names.
pub async fn fields(ex: &mut impl AsExec) -> Result<Vec<(String, String, String)>> {
    query("SELECT code, name_vi, name_en FROM fields WHERE active = $1 ORDER BY code")
        .bind(true)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| Ok((r.text("code")?, r.text("name_vi")?, r.text("name_en")?)))
        .collect()
}

/// Adds or renames a field.
pub async fn upsert_field(
    tx: &mut Tx,
    actor: &audit::Actor,
    code: &str,
    name_vi: &str,
    name_en: &str,
) -> Result<()> {
    query(
        "INSERT INTO fields (code, name_vi, name_en, active) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, active = excluded.active",
    )
    .bind(code)
    .bind(name_vi)
    .bind(name_en)
    .bind(true)
    .execute(tx)
    .await?;
    audit::record_change(
        tx,
        actor,
        "field.upsert",
        "field",
        code,
        serde_json::json!({"name_vi": name_vi, "name_en": name_en}),
    )
    .await
}

/// What a letter is registered with, beyond its validated content.
pub struct LetterRegistration<'a> {
    /// The validated letter.
    pub letter: &'a NewLetter,
    /// Id to use (time-ordered).
    pub id: LetterId,
    /// Its reference in the letters register ([`next_references`]).
    pub reference: &'a Reference,
    /// The registering unit.
    pub unit: &'a UnitRecord,
    /// Who registers it (`None` for the public channel).
    pub created_by: Option<UserId>,
    /// The sealed identity, when the letter is sealed.
    pub sealed: Option<SealedBlob>,
    /// Acknowledge the sender by (the unit's timer policy).
    pub ack_due: Option<Date>,
    /// Give the sender feedback by (the unit's timer policy).
    pub feedback_due: Option<Date>,
    /// The digests of the sender's marks (`liem_domain::petition::sender_marks`
    /// under the instance's key), sealed identity or not.
    pub sender_keys: Vec<String>,
}

/// Registers a letter (without its matters) under its allocated reference;
/// the record as written, as [`get_letter`] reads it back (its matters
/// empty: they are linked after).
pub async fn insert_letter(
    tx: &mut Tx,
    actor: &audit::Actor,
    reg: &LetterRegistration<'_>,
) -> Result<LetterRecord> {
    let mut written = insert_letters(tx, &[(actor, reg)]).await?;
    written
        .pop()
        .ok_or_else(|| StoreError::Corrupt("no letter written".into()))
}

const LETTER_INSERT: &str = "INSERT INTO letters (id, unit_id, reference, ref_year, ref_seq, kinds, channel, field_code, received_on, place, \
     sender_kind, sender_name, sender_id_number, sender_address, sender_phone, sender_email, sealed, signatories, \
     collective, subject, summary, content, forwarded_by, search_text, created_by, created_at, content_sealed, ack_due, feedback_due)";
const LETTER_INSERT_COLS: usize = 29;

/// Registers letters, each by its own actor (with their senders' marks and
/// sealed identities): intake writes a group of letters at once. The
/// records as written, in the order given.
pub async fn insert_letters(
    tx: &mut Tx,
    regs: &[(&audit::Actor, &LetterRegistration<'_>)],
) -> Result<Vec<LetterRecord>> {
    Ok(insert_letters_with_matters(tx, regs, &[], &[]).await?.0)
}

/// Registers letters and opens matters, each by its own actor, with the
/// letters grouped into the matters opened for them (`links`, as
/// [`link_opened`] groups them): on PostgreSQL in one statement, on SQLite
/// one a table. The records as written, in the order given.
pub async fn insert_letters_with_matters(
    tx: &mut Tx,
    regs: &[(&audit::Actor, &LetterRegistration<'_>)],
    openings: &[(&audit::Actor, &MatterOpening<'_>)],
    links: &[(&audit::Actor, LetterId, MatterId)],
) -> Result<(Vec<LetterRecord>, Vec<MatterRecord>)> {
    let (mut parts, written) = letter_inserts(regs)?;
    let (matter_parts, matters) = matter_inserts(openings, links)?;
    parts.extend(matter_parts);
    tx.insert_rows(parts).await?;
    for ((actor, reg), record) in regs.iter().zip(&written) {
        let l = reg.letter;
        let detail = serde_json::json!({
            "reference": record.reference, "kinds": l.kinds, "channel": l.channel, "field": l.field,
            "sealed": l.sealed(), "content_sealed": l.seal_content, "unit": reg.unit.id,
        });
        audit::append(
            tx,
            actor,
            "letter.create",
            "letter",
            &reg.id.to_string(),
            detail.clone(),
        )
        .await?;
        outbox::append(tx, "letter", &reg.id.to_string(), "create", detail).await?;
    }
    matters_recorded(tx, openings, &matters).await?;
    linked(tx, links).await?;
    Ok((written, matters))
}

/// The rows of letters, their senders' marks and sealed identities, and
/// the letters' records as they will read back.
fn letter_inserts(
    regs: &[(&audit::Actor, &LetterRegistration<'_>)],
) -> Result<(Vec<Insert>, Vec<LetterRecord>)> {
    let mut values: Vec<Value> = Vec::with_capacity(regs.len() * LETTER_INSERT_COLS);
    let mut sealed: Vec<Value> = Vec::new();
    let mut written = Vec::with_capacity(regs.len());
    for (_, reg) in regs {
        let (record, row) = letter_row(reg)?;
        values.extend(row);
        if let Some(s) = &reg.sealed {
            sealed.extend([
                reg.id.0.into(),
                s.key_id.as_str().into(),
                s.nonce.clone().into(),
                s.ciphertext.clone().into(),
            ]);
        }
        written.push(record);
    }
    let senders: Vec<Value> = regs
        .iter()
        .flat_map(|(_, reg)| {
            let mut keys: Vec<&String> = reg.sender_keys.iter().collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .flat_map(move |k| [Value::from(reg.id.0), Value::from(k.as_str())])
        })
        .collect();
    let parts = vec![
        Insert {
            into: LETTER_INSERT,
            cols: LETTER_INSERT_COLS,
            values,
            entity: "letter",
            table: "letters",
            key: "id",
        },
        Insert {
            into: "INSERT INTO letter_senders (letter_id, digest)",
            cols: 2,
            values: senders,
            entity: "letter",
            table: "letter_senders",
            key: "letter_id",
        },
        Insert {
            into: "INSERT INTO sealed_identities (letter_id, key_id, nonce, ciphertext)",
            cols: 4,
            values: sealed,
            entity: "letter",
            table: "sealed_identities",
            key: "letter_id",
        },
    ];
    Ok((parts, written))
}

/// A letter's row of [`LETTER_INSERT`], and its record as it will read back.
fn letter_row(reg: &LetterRegistration<'_>) -> Result<(LetterRecord, Vec<Value>)> {
    let l = reg.letter;
    if (l.sealed() || l.seal_content) != reg.sealed.is_some() {
        return Err(StoreError::Corrupt(
            "a letter that seals anything needs its sealed blob, and only it".into(),
        ));
    }
    let reference = reg.reference;
    if reference.register != Register::Letters || reference.unit.as_str() != reg.unit.code {
        return Err(StoreError::Corrupt(
            "a letter's reference is one of its unit's letters register".into(),
        ));
    }
    let ref_text = reference.format();
    // A sealed identity never reaches the letters table.
    let open = if l.sealed() {
        None
    } else {
        l.identity.as_ref()
    };
    let kinds: Vec<&str> = l.kinds.iter().map(|k| k.as_str()).collect();
    // Sealed content stays only in the sealed blob.
    let (summary, content) = if l.seal_content {
        ("", "")
    } else {
        (l.summary.as_str(), l.content.as_str())
    };
    let created_at = now();
    let row: Vec<Value> = vec![
        reg.id.0.into(),
        reg.unit.id.0.into(),
        ref_text.as_str().into(),
        i64::from(reference.year).into(),
        reference.seq.into(),
        kinds.join(",").into(),
        l.channel.as_str().into(),
        l.field.as_str().into(),
        l.received_on.into(),
        l.place.as_deref().into(),
        l.sender_kind.as_str().into(),
        open.map(|i| i.name.as_str()).into(),
        open.and_then(|i| i.id_number.as_deref()).into(),
        open.and_then(|i| i.address.as_deref()).into(),
        open.and_then(|i| i.phone.as_deref()).into(),
        open.and_then(|i| i.email.as_deref()).into(),
        l.sealed().into(),
        i64::from(l.signatories).into(),
        l.collective().into(),
        l.subject.as_deref().into(),
        summary.into(),
        content.into(),
        l.forwarded_by.as_deref().into(),
        search_text(l, &ref_text).into(),
        reg.created_by.map(|u| u.0).into(),
        created_at.into(),
        l.seal_content.into(),
        reg.ack_due.into(),
        reg.feedback_due.into(),
    ];
    debug_assert_eq!(row.len(), LETTER_INSERT_COLS);
    let record = LetterRecord {
        id: reg.id,
        unit_id: reg.unit.id,
        unit_code: reg.unit.code.clone(),
        unit_path: reg.unit.path.clone(),
        reference: ref_text,
        kinds: l.kinds.clone(),
        channel: l.channel,
        field_code: l.field.clone(),
        received_on: l.received_on,
        place: l.place.clone(),
        sender_kind: l.sender_kind,
        sender_name: open.map(|i| i.name.clone()),
        sender_id_number: open.and_then(|i| i.id_number.clone()),
        sender_address: open.and_then(|i| i.address.clone()),
        sender_phone: open.and_then(|i| i.phone.clone()),
        sender_email: open.and_then(|i| i.email.clone()),
        sealed: l.sealed(),
        content_sealed: l.seal_content,
        signatories: i64::from(l.signatories),
        collective: l.collective(),
        subject: l.subject.clone(),
        summary: summary.to_owned(),
        content: content.to_owned(),
        forwarded_by: l.forwarded_by.clone(),
        created_by: reg.created_by,
        created_at,
        ack_due: reg.ack_due,
        ack_on: None,
        feedback_due: reg.feedback_due,
        feedback_on: None,
        matters: Vec::new(),
    };
    Ok((record, row))
}

/// What a new matter starts with.
pub struct MatterOpening<'a> {
    /// Id to use.
    pub id: MatterId,
    /// Handling unit.
    pub unit: &'a UnitRecord,
    /// Field code.
    pub field_code: &'a str,
    /// Summary.
    pub summary: &'a str,
    /// Initial facts.
    pub facts: &'a MatterFacts,
    /// The deadline running from the start.
    pub due: Option<&'a Deadline>,
    /// The first duty owed from the start (an official's report of
    /// corruption is handled within 15 days: `limits::next_duty`).
    pub duty: Option<&'a liem_domain::limits::Limit>,
    /// Its reference in the matters register ([`next_references`]).
    pub reference: &'a Reference,
}

/// Opens a matter under its allocated reference; the record as written, as
/// [`get_matter`] reads it back (its letters empty: they are linked after).
pub async fn insert_matter(
    tx: &mut Tx,
    actor: &audit::Actor,
    m: &MatterOpening<'_>,
) -> Result<MatterRecord> {
    let mut written = insert_matters(tx, &[(actor, m)], &[]).await?;
    written
        .pop()
        .ok_or_else(|| StoreError::Corrupt("no matter written".into()))
}

const MATTER_INSERT_COLS: usize = 14;

/// Opens matters, each by its own actor, with the letters grouped into them
/// (`links`, as [`link_opened`] groups them). The records as written, in
/// the order given.
pub async fn insert_matters(
    tx: &mut Tx,
    openings: &[(&audit::Actor, &MatterOpening<'_>)],
    links: &[(&audit::Actor, LetterId, MatterId)],
) -> Result<Vec<MatterRecord>> {
    Ok(insert_letters_with_matters(tx, &[], openings, links)
        .await?
        .1)
}

/// The rows of matters, their first duties and their links to letters, and
/// the matters' records as they will read back.
fn matter_inserts(
    openings: &[(&audit::Actor, &MatterOpening<'_>)],
    links: &[(&audit::Actor, LetterId, MatterId)],
) -> Result<(Vec<Insert>, Vec<MatterRecord>)> {
    let mut values: Vec<Value> = Vec::with_capacity(openings.len() * MATTER_INSERT_COLS);
    let mut written = Vec::with_capacity(openings.len());
    for (_, m) in openings {
        let reference = m.reference;
        if reference.register != Register::Matters || reference.unit.as_str() != m.unit.code {
            return Err(StoreError::Corrupt(
                "a matter's reference is one of its unit's matters register".into(),
            ));
        }
        let facts =
            serde_json::to_string(m.facts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let at = now();
        values.extend::<[Value; MATTER_INSERT_COLS]>([
            m.id.0.into(),
            m.unit.id.0.into(),
            reference.format().into(),
            m.facts.kind.as_str().into(),
            m.facts.state.as_str().into(),
            m.field_code.into(),
            m.facts.received_on.into(),
            m.due.map(|d| d.due).into(),
            m.due.map(|d| d.code.as_str()).into(),
            facts.into(),
            m.summary.into(),
            1i64.into(),
            at.into(),
            at.into(),
        ]);
        written.push(MatterRecord {
            id: m.id,
            unit_id: m.unit.id,
            unit_path: m.unit.path.clone(),
            reference: reference.format(),
            field_code: m.field_code.to_owned(),
            summary: m.summary.to_owned(),
            handler_id: None,
            due_on: m.due.map(|d| d.due),
            due_rule: m.due.map(|d| d.code.as_str().to_owned()),
            duty_on: m.duty.map(|l| l.on),
            duty_rule: m.duty.map(|l| l.code.as_str().to_owned()),
            facts: m.facts.clone(),
            version: 1,
            letters: Vec::new(),
        });
    }
    // The duties owed from the start.
    let mut duties: Vec<Value> = Vec::new();
    for (_, m) in openings {
        if let Some(l) = m.duty {
            duties.extend::<[Value; 3]>([m.id.0.into(), l.on.into(), l.code.as_str().into()]);
        }
    }
    let mut link_values: Vec<Value> = Vec::with_capacity(links.len() * 2);
    for (_, l, m) in links {
        link_values.extend::<[Value; 2]>([l.0.into(), m.0.into()]);
    }
    let parts = vec![
        Insert {
            into: "INSERT INTO matters (id, unit_id, reference, kind, state, field_code, received_on, due_on, due_rule, facts, summary, version, created_at, updated_at)",
            cols: MATTER_INSERT_COLS,
            values,
            entity: "matter",
            table: "matters",
            key: "id",
        },
        Insert {
            into: "INSERT INTO matter_duties (matter_id, due_on, rule)",
            cols: 3,
            values: duties,
            entity: "matter",
            table: "matter_duties",
            key: "matter_id",
        },
        Insert {
            into: "INSERT INTO letter_matters (letter_id, matter_id)",
            cols: 2,
            values: link_values,
            entity: "matter",
            table: "letter_matters",
            key: "matter_id",
        },
    ];
    Ok((parts, written))
}

/// The audit records and change-feed entries of matters opened.
async fn matters_recorded(
    tx: &mut Tx,
    openings: &[(&audit::Actor, &MatterOpening<'_>)],
    written: &[MatterRecord],
) -> Result<()> {
    for ((actor, m), record) in openings.iter().zip(written) {
        let detail = serde_json::json!({"reference": record.reference, "kind": m.facts.kind, "unit": m.unit.id});
        audit::append(
            tx,
            actor,
            "matter.create",
            "matter",
            &m.id.to_string(),
            detail.clone(),
        )
        .await?;
        outbox::append(tx, "matter", &m.id.to_string(), "create", detail).await?;
    }
    Ok(())
}

/// Which matter a letter is grouped into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// A matter opened in the same transaction for this letter: it is
    /// unclassified and holds no other letter, so the letter's figures stay
    /// as inserted (not processed) and nothing is recomputed.
    Opened(MatterId),
    /// A matter that exists: the figures of its letters are recomputed.
    Existing(MatterId),
}

/// Groups a letter into a matter.
pub async fn link(
    tx: &mut Tx,
    actor: &audit::Actor,
    letter: LetterId,
    grouping: Grouping,
) -> Result<()> {
    let matter = match grouping {
        Grouping::Opened(m) => return link_opened(tx, &[(actor, letter, m)]).await,
        Grouping::Existing(m) => m,
    };
    query("INSERT INTO letter_matters (letter_id, matter_id) VALUES ($1, $2)")
        .bind(letter.0)
        .bind(matter.0)
        .execute(&mut *tx)
        .await?;
    refresh_letter_figures(tx, &[matter]).await?;
    let detail = serde_json::json!({"letter": letter, "matter": matter});
    audit::append(
        tx,
        actor,
        "matter.link_letter",
        "matter",
        &matter.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "matter", &matter.to_string(), "link_letter", detail).await
}

/// Groups letters each into a matter opened for it in the same transaction
/// ([`Grouping::Opened`]), in one statement.
pub async fn link_opened(tx: &mut Tx, links: &[(&audit::Actor, LetterId, MatterId)]) -> Result<()> {
    let mut values: Vec<Value> = Vec::with_capacity(links.len() * 2);
    for (_, l, m) in links {
        values.extend::<[Value; 2]>([l.0.into(), m.0.into()]);
    }
    tx.insert_rows(vec![Insert {
        into: "INSERT INTO letter_matters (letter_id, matter_id)",
        cols: 2,
        values,
        entity: "matter",
        table: "letter_matters",
        key: "matter_id",
    }])
    .await?;
    linked(tx, links).await
}

/// The audit records and change-feed entries of letters grouped into the
/// matters opened for them.
async fn linked(tx: &mut Tx, links: &[(&audit::Actor, LetterId, MatterId)]) -> Result<()> {
    for (actor, l, m) in links {
        let detail = serde_json::json!({"letter": l, "matter": m});
        audit::append(
            tx,
            actor,
            "matter.link_letter",
            "matter",
            &m.to_string(),
            detail.clone(),
        )
        .await?;
        outbox::append(tx, "matter", &m.to_string(), "link_letter", detail).await?;
    }
    Ok(())
}

/// Recomputes the statistics columns of the letters grouped into a matter:
/// a letter is processed when the last of its matters is classified (or
/// closed without it: withdrawn, filed, before classification); it is
/// eligible when one of them is, and within competence when one of them is
/// eligible and within competence.
async fn refresh_letter_figures(tx: &mut Tx, matters: &[MatterId]) -> Result<()> {
    // The letters first, by the matters' index; then each letter's row by
    // its key (a condition over a subquery let PostgreSQL, on tables it has
    // no statistics of yet, scan every letter for each matter).
    let mut letters: Vec<uuid::Uuid> = Vec::new();
    for chunk in matters.chunks(IN_CHUNK) {
        let (marks, ids) = in_list(chunk.iter().map(|m| m.0).collect());
        for r in query(format!(
            "SELECT DISTINCT letter_id FROM letter_matters WHERE matter_id IN ({marks})"
        ))
        .bind_all(ids)
        .fetch_all(&mut *tx)
        .await?
        {
            letters.push(r.uuid("letter_id")?);
        }
    }
    letters.sort();
    letters.dedup();
    for l in &letters {
        audit::touch(tx, "letter", &l.to_string());
    }
    for chunk in letters.chunks(IN_CHUNK) {
        let (marks, ids) = in_list(chunk.to_vec());
        query(format!(
            "UPDATE letters SET processed_on = CASE \
               WHEN EXISTS (SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id \
                            WHERE lm.letter_id = letters.id AND COALESCE(m.classified_on, m.closed_on) IS NULL) THEN NULL \
               ELSE (SELECT CASE WHEN MAX(COALESCE(m.classified_on, m.closed_on)) < letters.received_on THEN letters.received_on \
                            ELSE MAX(COALESCE(m.classified_on, m.closed_on)) END \
                     FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id \
                     WHERE lm.letter_id = letters.id) END \
             WHERE id IN ({marks})"
        ))
        .bind_all(ids.clone())
        .execute(&mut *tx)
        .await?;
        query(format!(
            "UPDATE letters SET \
               eligible = CASE WHEN processed_on IS NULL THEN NULL ELSE EXISTS ( \
                 SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id \
                 WHERE lm.letter_id = letters.id AND m.eligible = TRUE) END, \
               competent = CASE WHEN processed_on IS NULL THEN NULL ELSE EXISTS ( \
                 SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id \
                 WHERE lm.letter_id = letters.id AND m.eligible = TRUE AND m.competent = TRUE) END \
             WHERE id IN ({marks})"
        ))
        .bind_all(ids)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Keys listed in one `IN (…)` at most.
const IN_CHUNK: usize = 512;

/// The placeholders of an `IN (…)` list and their values, the list padded
/// to a power of two by repeating its last key (the same answer), so that
/// a few statement texts serve every length.
fn in_list(mut keys: Vec<uuid::Uuid>) -> (String, Vec<Value>) {
    if let Some(last) = keys.last().copied() {
        keys.resize(keys.len().next_power_of_two(), last);
    }
    let marks = (1..=keys.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    (marks, keys.into_iter().map(Value::from).collect())
}

/// A workflow step to record.
pub struct Transition<'a> {
    /// The matter.
    pub matter: MatterId,
    /// The version the caller read; the update fails if it changed since.
    pub expected_version: i64,
    /// The state before.
    pub from: MatterState,
    /// Facts after the action.
    pub facts: &'a MatterFacts,
    /// The deadline now running.
    pub due: Option<&'a Deadline>,
    /// The first duty owed beside it, not done yet
    /// (`liem_domain::limits::next_duty`).
    pub duty: Option<&'a liem_domain::limits::Limit>,
    /// The action's name.
    pub action: &'a str,
    /// The date it took effect.
    pub on: Date,
    /// Reason, outcome and other fields.
    pub detail: serde_json::Value,
}

/// Stores the first duty a matter owes (its row while one is owed, none
/// otherwise), part of the matter's state: the caller's audit record
/// attests it.
pub(crate) async fn write_duty(
    tx: &mut Tx,
    matter: MatterId,
    duty: Option<&liem_domain::limits::Limit>,
) -> Result<()> {
    match duty {
        Some(l) => {
            query(
                "INSERT INTO matter_duties (matter_id, due_on, rule) VALUES ($1, $2, $3) \
                 ON CONFLICT (matter_id) DO UPDATE SET due_on = excluded.due_on, rule = excluded.rule",
            )
            .bind(matter.0)
            .bind(l.on)
            .bind(l.code.as_str())
            .execute(tx)
            .await?;
        }
        None => {
            query("DELETE FROM matter_duties WHERE matter_id = $1")
                .bind(matter.0)
                .execute(tx)
                .await?;
        }
    }
    Ok(())
}

/// Stores many matters' first duties ([`write_duty`]): the owed ones in one
/// statement, the cleared ones in another, a few hundred at a time.
async fn write_duties(
    tx: &mut Tx,
    duties: &[(MatterId, Option<&liem_domain::limits::Limit>)],
) -> Result<()> {
    if let [(matter, duty)] = duties {
        return write_duty(tx, *matter, *duty).await;
    }
    let owed: Vec<(MatterId, &liem_domain::limits::Limit)> = duties
        .iter()
        .filter_map(|(m, d)| d.map(|d| (*m, d)))
        .collect();
    for chunk in owed.chunks(EVENT_CHUNK) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
        for (m, l) in chunk {
            values.extend::<[Value; 3]>([m.0.into(), l.on.into(), l.code.as_str().into()]);
        }
        query(format!(
            "INSERT INTO matter_duties (matter_id, due_on, rule) VALUES {} \
             ON CONFLICT (matter_id) DO UPDATE SET due_on = excluded.due_on, rule = excluded.rule",
            values_rows(chunk.len(), 3, 1)
        ))
        .bind_all(values)
        .execute(&mut *tx)
        .await?;
    }
    let cleared: Vec<uuid::Uuid> = duties
        .iter()
        .filter(|(_, d)| d.is_none())
        .map(|(m, _)| m.0)
        .collect();
    for chunk in cleared.chunks(IN_CHUNK) {
        let (marks, ids) = in_list(chunk.to_vec());
        query(format!(
            "DELETE FROM matter_duties WHERE matter_id IN ({marks})"
        ))
        .bind_all(ids)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Records a workflow step: new facts, the event, the audit record.
pub async fn record_transition(
    tx: &mut Tx,
    actor: &audit::Actor,
    t: &Transition<'_>,
) -> Result<()> {
    record_transitions(tx, &[(actor, t)]).await
}

/// The update of a matter's row by its steps, before its `FROM (VALUES …)`:
/// the statistics columns mirror the facts; `late` is decided against the
/// row's own due date when the concluding step is the first one written
/// (`SET` expressions read the old row), else as the caller decided it.
const MATTER_STEPS: &str = "UPDATE matters SET state = v.column4, facts = v.column5, due_on = v.column6, \
     due_rule = v.column7, version = matters.version + v.column3, updated_at = v.column20, \
     classified_on = v.column8, eligible = v.column9, competent = v.column10, round = v.column11, \
     accepted_on = v.column12, concluded_on = v.column13, outcome = v.column14, closed_on = v.column15, \
     late = CASE WHEN v.column16 THEN (matters.due_on IS NOT NULL AND matters.due_on < v.column17) \
                 WHEN v.column18 THEN v.column19 ELSE matters.late END";

/// The values of a matter's row in [`MATTER_STEPS`].
const MATTER_STEP_COLS: usize = 20;

/// Matters' rows updated in one statement at most.
const MATTER_CHUNK: usize = 100;

/// Events written in one statement at most (9 values each).
const EVENT_CHUNK: usize = 200;

/// Records workflow steps, many matters' at once (the demo's bulk path, an
/// import): each matter's steps follow one another in the order given,
/// from the version its first step expects. What is written is what
/// [`record_transition`] writes step by step — each matter's row as its
/// last step leaves it (`late` decided at its concluding step, against the
/// deadline that ran until then), every step's event, audit record and
/// change-feed entry in the order given, its duty, its letters' figures —
/// in one statement per matter and a few for the rest.
pub async fn record_transitions(
    tx: &mut Tx,
    steps: &[(&audit::Actor, &Transition<'_>)],
) -> Result<()> {
    // Each matter's steps, in order, by first appearance.
    let mut groups: Vec<(MatterId, Vec<usize>)> = Vec::new();
    let mut place: std::collections::HashMap<MatterId, usize> = std::collections::HashMap::new();
    for (i, (_, t)) in steps.iter().enumerate() {
        let g = *place.entry(t.matter).or_insert_with(|| {
            groups.push((t.matter, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    let at = now();
    let mut refresh: Vec<MatterId> = Vec::new();
    let mut duties: Vec<(MatterId, Option<&liem_domain::limits::Limit>)> = Vec::new();
    // Each matter's row as its last step leaves it, in the order of
    // [`MATTER_STEPS`]'s columns.
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for (matter, idx) in &groups {
        let first = steps[idx[0]].1;
        for (k, &i) in idx.iter().enumerate() {
            if steps[i].1.expected_version != first.expected_version + k as i64 {
                return Err(StoreError::Conflict("version".into()));
            }
        }
        let last = steps[idx[idx.len() - 1]].1;
        let f = last.facts;
        let c = f.classification.as_ref();
        // The statistics columns mirror the facts. `late` is decided when
        // the matter is concluded, against the deadline that ran until then:
        // the row's due_on before this update when the concluding step is
        // the first (SET expressions read the old row), else the deadline
        // the step before it set.
        let concluding = idx.iter().rposition(|&i| {
            let t = steps[i].1;
            t.facts.state == MatterState::Concluded && t.from != MatterState::Concluded
        });
        let (from_row, late_known, concluded_on) = match concluding {
            Some(0) => (true, None, first.facts.concluded_on),
            Some(k) => {
                let t = steps[idx[k]].1;
                let before = steps[idx[k - 1]].1.due.map(|d| d.due);
                let late = matches!((before, t.facts.concluded_on), (Some(d), Some(on)) if d < on);
                (false, Some(late), t.facts.concluded_on)
            }
            None => (false, None, None),
        };
        let facts = serde_json::to_string(f).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        rows.push(vec![
            matter.0.into(),
            first.expected_version.into(),
            (idx.len() as i64).into(),
            f.state.as_str().into(),
            facts.into(),
            last.due.map(|d| d.due).into(),
            last.due.map(|d| d.code.as_str()).into(),
            f.classified_on.into(),
            c.map(|c| c.eligible).into(),
            c.map(|c| c.competent).into(),
            c.map(|c| i64::from(c.round)).into(),
            f.accepted_for_resolution().into(),
            f.concluded_on.into(),
            f.outcome.map(|o| o.as_str()).into(),
            f.closed_on.into(),
            from_row.into(),
            concluded_on.into(),
            late_known.is_some().into(),
            late_known.unwrap_or(false).into(),
            at.into(),
        ]);
        duties.push((*matter, last.duty));
        // Classified, or closed without it (withdrawn, filed): the letter
        // may be processed now.
        if idx.iter().any(|&i| {
            let t = steps[i].1;
            t.action == "classify" || t.facts.closed_on.is_some()
        }) {
            refresh.push(*matter);
        }
    }
    for chunk in rows.chunks(MATTER_CHUNK) {
        let sql = format!(
            "{MATTER_STEPS} FROM (VALUES {}) AS v WHERE matters.id = v.column1 AND matters.version = v.column2",
            values_rows(chunk.len(), MATTER_STEP_COLS, 1)
        );
        let n = query(sql)
            .bind_all(chunk.iter().flatten().cloned().collect())
            .execute(&mut *tx)
            .await?;
        if n != chunk.len() as u64 {
            return Err(StoreError::Conflict("version".into()));
        }
    }
    write_duties(tx, &duties).await?;
    refresh_letter_figures(tx, &refresh).await?;
    for chunk in steps.chunks(EVENT_CHUNK) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 9);
        for (actor, t) in chunk {
            values.extend([
                uuid::Uuid::now_v7().into(),
                t.matter.0.into(),
                t.action.into(),
                t.on.into(),
                t.from.as_str().into(),
                t.facts.state.as_str().into(),
                t.detail.to_string().into(),
                actor.user.map(|u| u.0).into(),
                at.into(),
            ]);
        }
        query(format!(
            "INSERT INTO matter_events (id, matter_id, action, on_date, from_state, to_state, detail, actor_id, at) VALUES {}",
            values_rows(chunk.len(), 9, 1)
        ))
        .bind_all(values)
        .execute(&mut *tx)
        .await?;
    }
    for (actor, t) in steps {
        let detail = serde_json::json!({
            "action": t.action, "on": t.on.to_string(), "from": t.from, "to": t.facts.state,
            "due_on": t.due.map(|d| d.due.to_string()),
        });
        audit::append(
            tx,
            actor,
            &format!("matter.{}", t.action),
            "matter",
            &t.matter.to_string(),
            detail.clone(),
        )
        .await?;
        outbox::append(tx, "matter", &t.matter.to_string(), "transition", detail).await?;
    }
    Ok(())
}

/// Assigns a handler to a matter.
pub async fn assign(
    tx: &mut Tx,
    actor: &audit::Actor,
    matter: MatterId,
    handler: Option<UserId>,
) -> Result<()> {
    assign_many(tx, &[(actor, matter, handler)]).await
}

/// Assigns handlers to matters (many at once on the demo's bulk path):
/// one statement a hundred matters, each audited and fed, in the order
/// given; `NotFound` when one of them does not exist.
pub async fn assign_many(
    tx: &mut Tx,
    assignments: &[(&audit::Actor, MatterId, Option<UserId>)],
) -> Result<()> {
    let at = now();
    for chunk in assignments.chunks(MATTER_CHUNK) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
        for (_, m, h) in chunk {
            values.extend::<[Value; 3]>([m.0.into(), h.map(|h| h.0).into(), at.into()]);
        }
        let n = query(format!(
            "UPDATE matters SET handler_id = v.column2, version = matters.version + 1, updated_at = v.column3 \
             FROM (VALUES {}) AS v WHERE matters.id = v.column1",
            values_rows(chunk.len(), 3, 1)
        ))
        .bind_all(values)
        .execute(&mut *tx)
        .await?;
        if n != chunk.len() as u64 {
            return Err(StoreError::NotFound);
        }
    }
    for (actor, matter, handler) in assignments {
        let detail = serde_json::json!({"handler": handler});
        audit::append(
            tx,
            actor,
            "matter.assign",
            "matter",
            &matter.to_string(),
            detail.clone(),
        )
        .await?;
        outbox::append(tx, "matter", &matter.to_string(), "assign", detail).await?;
    }
    Ok(())
}

/// Reads a sealed identity, auditing the read in the same transaction.
pub async fn unseal(
    tx: &mut Tx,
    actor: &audit::Actor,
    letter: LetterId,
    reason: &str,
) -> Result<SealedBlob> {
    let r = query("SELECT key_id, nonce, ciphertext FROM sealed_identities WHERE letter_id = $1")
        .bind(letter.0)
        .fetch_one(tx)
        .await?;
    audit::append(
        tx,
        actor,
        "identity.unseal",
        "letter",
        &letter.to_string(),
        serde_json::json!({"reason": reason}),
    )
    .await?;
    Ok(SealedBlob {
        key_id: r.text("key_id")?,
        nonce: r.bytes("nonce")?,
        ciphertext: r.bytes("ciphertext")?,
    })
}

/// Records an attachment's metadata (the content is already on disk).
pub async fn insert_attachment(
    tx: &mut Tx,
    actor: &audit::Actor,
    a: &AttachmentRecord,
) -> Result<()> {
    query(
        "INSERT INTO attachments (id, letter_id, sha256, size, media_type, filename, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.id.0)
    .bind(a.letter_id.0)
    .bind(a.sha256.as_str())
    .bind(a.size)
    .bind(a.media_type.as_str())
    .bind(a.filename.as_str())
    .bind(actor.user.map(|u| u.0))
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"letter": a.letter_id, "sha256": a.sha256, "size": a.size, "media_type": a.media_type});
    audit::append(
        tx,
        actor,
        "attachment.create",
        "attachment",
        &a.id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "attachment", &a.id.to_string(), "create", detail).await
}

const ATTACHMENT_COLS: &str = "id, letter_id, sha256, size, media_type, filename";

fn attachment_from(r: &Row) -> Result<AttachmentRecord> {
    Ok(AttachmentRecord {
        id: AttachmentId(r.uuid("id")?),
        letter_id: LetterId(r.uuid("letter_id")?),
        sha256: r.text("sha256")?,
        size: r.i64("size")?,
        media_type: r.text("media_type")?,
        filename: r.text("filename")?,
    })
}

/// The attachments of a letter.
pub async fn attachments(ex: &mut impl AsExec, letter: LetterId) -> Result<Vec<AttachmentRecord>> {
    query(format!(
        "SELECT {ATTACHMENT_COLS} FROM attachments WHERE letter_id = $1 ORDER BY id"
    ))
    .bind(letter.0)
    .fetch_all(ex)
    .await?
    .iter()
    .map(attachment_from)
    .collect()
}

/// One attachment.
pub async fn attachment(ex: &mut impl AsExec, id: AttachmentId) -> Result<AttachmentRecord> {
    let r = query(format!(
        "SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_one(ex)
    .await?;
    attachment_from(&r)
}

const LETTER_COLS: &str = "l.id, l.unit_id, un.code AS unit_code, un.path AS unit_path, l.reference, l.kinds, l.channel, \
    l.field_code, l.received_on, l.place, l.sender_kind, l.sender_name, l.sender_id_number, l.sender_address, \
    l.sender_phone, l.sender_email, l.sealed, l.content_sealed, l.signatories, l.collective, l.subject, l.summary, l.content, \
    l.forwarded_by, l.created_by, l.created_at, l.ack_due, l.ack_on, l.feedback_due, l.feedback_on";

fn letter_from(r: &Row) -> Result<LetterRecord> {
    let kinds = r
        .text("kinds")?
        .split(',')
        .filter(|k| !k.is_empty())
        .map(|k| {
            k.parse::<PetitionKind>()
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(LetterRecord {
        id: LetterId(r.uuid("id")?),
        unit_id: UnitId(r.uuid("unit_id")?),
        unit_code: r.text("unit_code")?,
        unit_path: r.text("unit_path")?,
        reference: r.text("reference")?,
        kinds,
        channel: r.code("channel")?,
        field_code: r.text("field_code")?,
        received_on: r.date("received_on")?,
        place: r.opt_text("place")?,
        sender_kind: r.code("sender_kind")?,
        sender_name: r.opt_text("sender_name")?,
        sender_id_number: r.opt_text("sender_id_number")?,
        sender_address: r.opt_text("sender_address")?,
        sender_phone: r.opt_text("sender_phone")?,
        sender_email: r.opt_text("sender_email")?,
        sealed: r.bool("sealed")?,
        content_sealed: r.bool("content_sealed")?,
        signatories: r.i64("signatories")?,
        collective: r.bool("collective")?,
        subject: r.opt_text("subject")?,
        summary: r.text("summary")?,
        content: r.text("content")?,
        forwarded_by: r.opt_text("forwarded_by")?,
        created_by: r.opt_uuid("created_by")?.map(UserId),
        created_at: r.timestamp("created_at")?,
        ack_due: r.opt_date("ack_due")?,
        ack_on: r.opt_date("ack_on")?,
        feedback_due: r.opt_date("feedback_due")?,
        feedback_on: r.opt_date("feedback_on")?,
        matters: Vec::new(),
    })
}

/// A letter by id, with its matters.
pub async fn get_letter(ex: &mut impl AsExec, id: LetterId) -> Result<LetterRecord> {
    let r = query(format!(
        "SELECT {LETTER_COLS} FROM letters l JOIN units un ON un.id = l.unit_id WHERE l.id = $1"
    ))
    .bind(id.0)
    .fetch_one(ex)
    .await?;
    let mut l = letter_from(&r)?;
    l.matters = briefs_for(ex, &[l.id])
        .await?
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    Ok(l)
}

/// A letter by its reference.
pub async fn letter_id_by_reference(
    ex: &mut impl AsExec,
    reference: &str,
) -> Result<Option<LetterId>> {
    Ok(query("SELECT id FROM letters WHERE reference = $1")
        .bind(reference.trim().to_ascii_uppercase())
        .fetch_optional(ex)
        .await?
        .map(|r| r.uuid("id"))
        .transpose()?
        .map(LetterId))
}

async fn briefs_for(
    ex: &mut impl AsExec,
    letters: &[LetterId],
) -> Result<Vec<(LetterId, MatterBrief)>> {
    if letters.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=letters.len()).map(|i| format!("${i}")).collect();
    let mut q = query(format!(
        "SELECT lm.letter_id, m.id, m.reference, m.kind, m.state, m.due_on, m.due_rule, m.handler_id, \
         d.due_on AS duty_on, d.rule AS duty_rule \
         FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id \
         LEFT JOIN matter_duties d ON d.matter_id = m.id WHERE lm.letter_id IN ({}) ORDER BY m.reference",
        placeholders.join(", ")
    ));
    for l in letters {
        q = q.bind(l.0);
    }
    q.fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok((
                LetterId(r.uuid("letter_id")?),
                MatterBrief {
                    id: MatterId(r.uuid("id")?),
                    reference: r.text("reference")?,
                    kind: r.code("kind")?,
                    state: r.code("state")?,
                    due_on: r.opt_date("due_on")?,
                    due_rule: r.opt_text("due_rule")?,
                    duty_on: r.opt_date("duty_on")?,
                    duty_rule: r.opt_text("duty_rule")?,
                    handler_id: r.opt_uuid("handler_id")?.map(UserId),
                },
            ))
        })
        .collect()
}

const MATTER_COLS: &str =
    "m.id, m.unit_id, un.path AS unit_path, m.reference, m.field_code, m.summary, m.handler_id, \
    m.due_on, m.due_rule, m.facts, m.version, \
    (SELECT d.due_on FROM matter_duties d WHERE d.matter_id = m.id) AS duty_on, \
    (SELECT d.rule FROM matter_duties d WHERE d.matter_id = m.id) AS duty_rule";

fn matter_from(r: &Row) -> Result<MatterRecord> {
    let facts: MatterFacts = serde_json::from_str(&r.text("facts")?)
        .map_err(|e| StoreError::Corrupt(format!("matter facts: {e}")))?;
    Ok(MatterRecord {
        id: MatterId(r.uuid("id")?),
        unit_id: UnitId(r.uuid("unit_id")?),
        unit_path: r.text("unit_path")?,
        reference: r.text("reference")?,
        field_code: r.text("field_code")?,
        summary: r.text("summary")?,
        handler_id: r.opt_uuid("handler_id")?.map(UserId),
        due_on: r.opt_date("due_on")?,
        due_rule: r.opt_text("due_rule")?,
        duty_on: r.opt_date("duty_on")?,
        duty_rule: r.opt_text("duty_rule")?,
        facts,
        version: r.i64("version")?,
        letters: Vec::new(),
    })
}

/// A matter by id, with its letters.
pub async fn get_matter(ex: &mut impl AsExec, id: MatterId) -> Result<MatterRecord> {
    let r = query(format!(
        "SELECT {MATTER_COLS} FROM matters m JOIN units un ON un.id = m.unit_id WHERE m.id = $1"
    ))
    .bind(id.0)
    .fetch_one(ex)
    .await?;
    let mut m = matter_from(&r)?;
    m.letters = query(
        "SELECT l.id, l.reference FROM letter_matters lm JOIN letters l ON l.id = lm.letter_id WHERE lm.matter_id = $1 ORDER BY l.id",
    )
    .bind(id.0)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| Ok((LetterId(r.uuid("id")?), r.text("reference")?)))
    .collect::<Result<_>>()?;
    Ok(m)
}

/// The events of a matter, oldest first.
pub async fn events(ex: &mut impl AsExec, matter: MatterId) -> Result<Vec<MatterEvent>> {
    query("SELECT action, on_date, from_state, to_state, detail, actor_id, at FROM matter_events WHERE matter_id = $1 ORDER BY id")
        .bind(matter.0)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(MatterEvent {
                action: r.text("action")?,
                on_date: r.date("on_date")?,
                from_state: r.text("from_state")?,
                to_state: r.text("to_state")?,
                detail: serde_json::from_str(&r.text("detail")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                actor_id: r.opt_uuid("actor_id")?.map(UserId),
                at: r.timestamp("at")?,
            })
        })
        .collect()
}

/// Filters for the register of letters.
#[derive(Debug, Clone, Default)]
pub struct LetterFilter {
    /// Letters with a matter in this state.
    pub state: Option<MatterState>,
    /// Letters holding this kind.
    pub kind: Option<PetitionKind>,
    /// Field code.
    pub field: Option<String>,
    /// Registering unit (exactly).
    pub unit: Option<UnitId>,
    /// Letters with an overdue matter (as of `today`).
    pub overdue: bool,
    /// Letters with a matter due within this many days (from `today`).
    pub due_within: Option<u32>,
    /// Letters with a matter assigned to this handler.
    pub handler: Option<UserId>,
    /// Words to find (reference, sender, identity number, content),
    /// matched without diacritics. Answered by the search index
    /// (`liem-search`), never by this crate: the SQL listing refuses it.
    pub text: Option<String>,
    /// With `text`, the results skipped (a search's pages are numbered).
    pub offset: Option<u32>,
    /// Received on or after.
    pub received_from: Option<Date>,
    /// Received on or before.
    pub received_to: Option<Date>,
    /// The date overdue and due-within are counted from.
    pub today: Option<Date>,
    /// The order of the list (counts ignore it).
    pub sort: LetterSort,
    /// With a sort by the day received, the day of the cursor's letter (the
    /// cursor is that day and its id).
    pub cursor_received: Option<Date>,
}

/// The order of the register.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LetterSort {
    /// Newest registered first (the default).
    #[default]
    Registered,
    /// By the day received, latest first.
    ReceivedDesc,
    /// By the day received, earliest first.
    ReceivedAsc,
    /// Most relevant first (a search only).
    Relevance,
}

impl LetterSort {
    /// Parses `received`, `-received` (or nothing: the default).
    pub fn parse(code: &str) -> Option<LetterSort> {
        match code {
            "" | "registered" => Some(LetterSort::Registered),
            "received" => Some(LetterSort::ReceivedAsc),
            "-received" => Some(LetterSort::ReceivedDesc),
            "relevance" => Some(LetterSort::Relevance),
            _ => None,
        }
    }

    /// Its code in a query string.
    pub fn code(self) -> &'static str {
        match self {
            LetterSort::Registered => "registered",
            LetterSort::ReceivedAsc => "received",
            LetterSort::ReceivedDesc => "-received",
            LetterSort::Relevance => "relevance",
        }
    }
}

/// The units of a scope as a subquery (`SELECT id FROM units WHERE …`),
/// the scope's path written into it when it can be
/// ([`crate::db::path_literal`]), else bound: `value` then holds what each
/// use of `sql` binds; `None` for an empty scope.
pub(crate) struct ScopeUnits {
    /// The subquery.
    pub sql: String,
    /// The value each use of it binds, if any.
    pub value: Option<Value>,
}

impl ScopeUnits {
    /// The values `uses` uses of the subquery bind, in order.
    pub fn values(&self, uses: usize) -> Vec<Value> {
        self.value
            .iter()
            .flat_map(|v| std::iter::repeat_n(v.clone(), uses))
            .collect()
    }
}

/// The units of a scope ([`ScopeUnits`]), on [`crate::db::path_scope`]'s
/// choice of literal or bound path; `None` for an empty scope.
pub(crate) fn scope_units(scope: &Scope) -> Option<ScopeUnits> {
    let (cond, value) = crate::db::path_scope(scope, "path", 1)?;
    Some(ScopeUnits {
        sql: format!("SELECT id FROM units WHERE {}", cond.replace("$1", "?")),
        value: value.map(Into::into),
    })
}

/// Keeps rows whose `unit_col` lies in the scope.
pub(crate) fn scope_condition(f: &mut Filter, scope: &Scope, unit_col: &str) {
    match scope_units(scope) {
        None => f.and("1 = 0", vec![]),
        Some(u) => f.and(&format!("{unit_col} IN ({})", u.sql), u.values(1)),
    }
}

fn letter_filter(scope: &Scope, lf: &LetterFilter) -> Filter {
    let mut f = Filter::default();
    scope_condition(&mut f, scope, "l.unit_id");
    let today = lf
        .today
        .unwrap_or_else(|| liem_domain::calendar::civil_date(jiff::Timestamp::now()));
    let matter_cond = |f: &mut Filter, cond: &str, values: Vec<Value>| {
        f.and(
            &format!("EXISTS (SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id WHERE lm.letter_id = l.id AND {cond})"),
            values,
        )
    };
    if let Some(s) = lf.state {
        matter_cond(&mut f, "m.state = ?", vec![s.as_str().into()]);
    }
    if let Some(k) = lf.kind {
        f.and("l.kinds LIKE ?", vec![format!("%{}%", k.as_str()).into()]);
    }
    if let Some(fc) = &lf.field {
        f.and("l.field_code = ?", vec![fc.clone().into()]);
    }
    if let Some(u) = lf.unit {
        f.and("l.unit_id = ?", vec![u.0.into()]);
    }
    if lf.overdue {
        // What the law makes late: a matter past its statutory limit. A
        // matter that has reached a final state carries no limit (its
        // `due_on` is cleared), and a unit's own acknowledgement and
        // feedback timers are not law: they are counted apart
        // (`timer_counts`).
        // A duty owed beside the running limit (a notice not sent) is law
        // too (`matter_duties`).
        matter_cond(
            &mut f,
            "(m.due_on < ? OR m.id IN (SELECT d.matter_id FROM matter_duties d WHERE d.due_on < ?))",
            vec![today.into(), today.into()],
        );
    }
    if let Some(n) = lf.due_within {
        let end = today
            .checked_add(jiff::Span::new().days(i64::from(n)))
            .unwrap_or(today);
        matter_cond(
            &mut f,
            "m.due_on >= ? AND m.due_on <= ?",
            vec![today.into(), end.into()],
        );
    }
    if let Some(h) = lf.handler {
        matter_cond(&mut f, "m.handler_id = ?", vec![h.0.into()]);
    }
    if let Some(d) = lf.received_from {
        f.and("l.received_on >= ?", vec![d.into()]);
    }
    if let Some(d) = lf.received_to {
        f.and("l.received_on <= ?", vec![d.into()]);
    }
    f
}

/// Words are found by the search index, not by scanning the register.
fn refuse_text(lf: &LetterFilter) -> Result<()> {
    if lf.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        return Err(StoreError::Config(
            "words are searched in the search index, not in the register's rows".into(),
        ));
    }
    Ok(())
}

/// A page of results and the cursor of the next one.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from up to `limit + 1` fetched items, the extra one only
    /// telling that more follow; the cursor is the last kept item's.
    pub fn cut(mut items: Vec<T>, limit: u32, cursor_of: impl Fn(&T) -> String) -> Page<T> {
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = if more {
            items.last().map(cursor_of)
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

/// Letters in scope matching the filter, newest first; `cursor` is the id
/// of the last letter of the previous page.
pub async fn list_letters(
    ex: &mut impl AsExec,
    scope: &Scope,
    lf: &LetterFilter,
    cursor: Option<LetterId>,
    limit: u32,
) -> Result<Page<LetterRecord>> {
    refuse_text(lf)?;
    let mut f = letter_filter(scope, lf);
    // Keyset pages: after the cursor's letter in the list's order.
    match (lf.sort, cursor, lf.cursor_received) {
        (_, None, _) => {}
        (LetterSort::Registered | LetterSort::Relevance, Some(c), _) | (_, Some(c), None) => {
            f.and("l.id < ?", vec![c.0.into()])
        }
        (LetterSort::ReceivedDesc, Some(c), Some(d)) => f.and(
            "(l.received_on < ? OR (l.received_on = ? AND l.id < ?))",
            vec![d.into(), d.into(), c.0.into()],
        ),
        (LetterSort::ReceivedAsc, Some(c), Some(d)) => f.and(
            "(l.received_on > ? OR (l.received_on = ? AND l.id > ?))",
            vec![d.into(), d.into(), c.0.into()],
        ),
    }
    let order = match lf.sort {
        LetterSort::Registered | LetterSort::Relevance => "l.id DESC",
        LetterSort::ReceivedDesc => "l.received_on DESC, l.id DESC",
        LetterSort::ReceivedAsc => "l.received_on ASC, l.id ASC",
    };
    let limit = limit.clamp(1, 500);
    let n = f.next_placeholder();
    let sql = format!(
        "SELECT {LETTER_COLS} FROM letters l JOIN units un ON un.id = l.unit_id{} ORDER BY {order} LIMIT ${n}",
        f.where_clause()
    );
    let rows = f
        .query(sql)
        .bind(i64::from(limit) + 1)
        .fetch_all(ex)
        .await?;
    let items = rows.iter().map(letter_from).collect::<Result<Vec<_>>>()?;
    let mut page = match lf.sort {
        LetterSort::Registered | LetterSort::Relevance => {
            Page::cut(items, limit, |l| l.id.to_string())
        }
        _ => Page::cut(items, limit, |l| format!("{}~{}", l.received_on, l.id)),
    };
    let ids: Vec<LetterId> = page.items.iter().map(|l| l.id).collect();
    for (lid, brief) in briefs_for(ex, &ids).await? {
        if let Some(l) = page.items.iter_mut().find(|l| l.id == lid) {
            l.matters.push(brief);
        }
    }
    Ok(page)
}

/// How many letters in scope match the filter.
pub async fn count_letters(ex: &mut impl AsExec, scope: &Scope, lf: &LetterFilter) -> Result<i64> {
    refuse_text(lf)?;
    let f = letter_filter(scope, lf);
    let sql = format!("SELECT COUNT(*) AS n FROM letters l{}", f.where_clause());
    f.query(sql).fetch_one(ex).await?.i64("n")
}

/// These letters, in the order given (an id not found, or outside `scope`,
/// is left out), each with its matters.
pub async fn letters_by_ids(
    ex: &mut impl AsExec,
    scope: &Scope,
    ids: &[LetterId],
) -> Result<Vec<LetterRecord>> {
    let mut found: std::collections::HashMap<LetterId, LetterRecord> =
        std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut f = Filter::default();
        scope_condition(&mut f, scope, "l.unit_id");
        f.and_in("l.id", chunk.iter().map(|i| i.0.into()).collect());
        let sql = format!(
            "SELECT {LETTER_COLS} FROM letters l JOIN units un ON un.id = l.unit_id{}",
            f.where_clause()
        );
        for r in f.query(sql).fetch_all(&mut *ex).await? {
            let l = letter_from(&r)?;
            found.insert(l.id, l);
        }
        for (lid, brief) in briefs_for(ex, chunk).await? {
            if let Some(l) = found.get_mut(&lid) {
                l.matters.push(brief);
            }
        }
    }
    Ok(ids.iter().filter_map(|i| found.remove(i)).collect())
}

/// Counts of running deadlines for one unit and handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineCount {
    /// Unit code.
    pub unit_code: String,
    /// Handler's login name, if assigned.
    pub handler: Option<String>,
    /// Matters past their deadline.
    pub overdue: i64,
    /// Matters due within the window.
    pub due_soon: i64,
}

/// Overdue and due-soon matters in scope, per unit and handler.
pub async fn deadline_counts(
    ex: &mut impl AsExec,
    scope: &Scope,
    today: Date,
    within_days: u32,
) -> Result<Vec<DeadlineCount>> {
    let mut f = Filter::default();
    scope_condition(&mut f, scope, "m.unit_id");
    f.and("(m.due_on IS NOT NULL OR d.due_on IS NOT NULL)", vec![]);
    let end = today
        .checked_add(jiff::Span::new().days(i64::from(within_days)))
        .unwrap_or(today);
    let a = f.next_placeholder();
    let sql = format!(
        "SELECT un.code AS unit_code, u.username AS handler, \
         SUM(CASE WHEN m.due_on < ${a} OR d.due_on < ${a} THEN 1 ELSE 0 END) AS overdue, \
         SUM(CASE WHEN m.due_on < ${a} OR d.due_on < ${a} THEN 0 \
                  WHEN (m.due_on >= ${a} AND m.due_on <= ${b}) OR (d.due_on >= ${a} AND d.due_on <= ${b}) THEN 1 \
                  ELSE 0 END) AS due_soon \
         FROM matters m JOIN units un ON un.id = m.unit_id LEFT JOIN users u ON u.id = m.handler_id \
         LEFT JOIN matter_duties d ON d.matter_id = m.id{} \
         GROUP BY un.code, u.username ORDER BY un.code, COALESCE(u.username, '')",
        f.where_clause(),
        b = a + 1
    );
    f.query(sql)
        .bind(today)
        .bind(end)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(DeadlineCount {
                unit_code: r.text("unit_code")?,
                handler: r.opt_text("handler")?,
                overdue: r.i64("overdue")?,
                due_soon: r.i64("due_soon")?,
            })
        })
        .filter(|c: &Result<DeadlineCount>| c.as_ref().map_or(true, |c| c.overdue + c.due_soon > 0))
        .collect()
}

/// Records a contact with the sender (once per kind): an acknowledgement,
/// with the feedback timer that follows from it, or feedback. Returns whether
/// it was the first of its kind.
pub async fn record_contact(
    tx: &mut Tx,
    actor: &audit::Actor,
    letter: LetterId,
    contact: liem_domain::timers::Contact,
    on: Date,
    feedback_due: Option<Date>,
) -> Result<bool> {
    use liem_domain::timers::Contact;
    let (update, action) = match contact {
        Contact::Acknowledgement => (
            query("UPDATE letters SET ack_on = $1, feedback_due = COALESCE($2, feedback_due) WHERE id = $3 AND ack_on IS NULL")
                .bind(on)
                .bind(feedback_due),
            "letter.acknowledge",
        ),
        Contact::Feedback => (
            query("UPDATE letters SET feedback_on = $1, feedback_due = COALESCE($2, feedback_due) WHERE id = $3 AND feedback_on IS NULL")
                .bind(on)
                .bind(feedback_due),
            "letter.feedback",
        ),
    };
    let first = update.bind(letter.0).execute(tx).await? > 0;
    if first {
        let detail = serde_json::json!({"on": on.to_string()});
        audit::record_change(tx, actor, action, "letter", &letter.to_string(), detail).await?;
    }
    Ok(first)
}

/// Letters per unit whose acknowledgement or feedback is overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimerCount {
    /// Unit code.
    pub unit_code: String,
    /// Not acknowledged in time.
    pub ack_overdue: i64,
    /// No feedback in time.
    pub feedback_overdue: i64,
}

/// Overdue acknowledgements and feedback in scope, per unit.
pub async fn timer_counts(
    ex: &mut impl AsExec,
    scope: &Scope,
    today: Date,
) -> Result<Vec<TimerCount>> {
    let mut f = Filter::default();
    scope_condition(&mut f, scope, "l.unit_id");
    let a = f.next_placeholder();
    let sql = format!(
        "SELECT un.code AS unit_code, \
         SUM(CASE WHEN l.ack_on IS NULL AND l.ack_due < ${a} THEN 1 ELSE 0 END) AS ack_overdue, \
         SUM(CASE WHEN l.feedback_on IS NULL AND l.feedback_due < ${a} THEN 1 ELSE 0 END) AS feedback_overdue \
         FROM letters l JOIN units un ON un.id = l.unit_id{} GROUP BY un.code ORDER BY un.code",
        f.where_clause()
    );
    f.query(sql)
        .bind(today)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok(TimerCount {
                unit_code: r.text("unit_code")?,
                ack_overdue: r.i64("ack_overdue")?,
                feedback_overdue: r.i64("feedback_overdue")?,
            })
        })
        .filter(|c: &Result<TimerCount>| {
            c.as_ref()
                .map_or(true, |c| c.ack_overdue + c.feedback_overdue > 0)
        })
        .collect()
}

/// A transfer of a letter (and its matters) to another unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferRecord {
    /// Id.
    pub id: uuid::Uuid,
    /// The letter.
    pub letter_id: LetterId,
    /// From.
    pub from_unit_id: UnitId,
    /// To.
    pub to_unit_id: UnitId,
    /// The day it left the sending unit (and arrived at the receiving one).
    pub on_date: Date,
    /// Why.
    pub reason: String,
    /// When it was recorded.
    pub transferred_at: jiff::Timestamp,
    /// When a custodian of the sending unit re-sealed the identity (sealed letters).
    pub resealed_at: Option<jiff::Timestamp>,
}

fn transfer_from(r: &Row) -> Result<TransferRecord> {
    Ok(TransferRecord {
        id: r.uuid("id")?,
        letter_id: LetterId(r.uuid("letter_id")?),
        from_unit_id: UnitId(r.uuid("from_unit_id")?),
        to_unit_id: UnitId(r.uuid("to_unit_id")?),
        on_date: match r.opt_date("on_date")? {
            Some(d) => d,
            None => r
                .timestamp("transferred_at")?
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date(),
        },
        reason: r.text("reason")?,
        transferred_at: r.timestamp("transferred_at")?,
        resealed_at: r
            .get::<Option<jiff_sqlx::Timestamp>>("resealed_at")?
            .map(|t| t.to_jiff()),
    })
}

const TRANSFER_COLS: &str =
    "id, letter_id, from_unit_id, to_unit_id, reason, transferred_at, resealed_at, \
     (SELECT d.on_date FROM letter_departures d WHERE d.transfer_id = id) AS on_date";

/// The day the unit holding a letter received it: the day it was received,
/// or the day it arrived by its last transfer.
pub async fn letter_arrival(ex: &mut impl AsExec, letter: LetterId) -> Result<Date> {
    let r = query(
        "SELECT l.received_on, (SELECT MAX(d.on_date) FROM letter_departures d WHERE d.letter_id = l.id) AS arrived_on \
         FROM letters l WHERE l.id = $1",
    )
    .bind(letter.0)
    .fetch_optional(ex)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(r.opt_date("arrived_on")?.unwrap_or(r.date("received_on")?))
}

/// Keeps a date of a stay that began on `arrived` (`None` for the first
/// stay, which began at receipt): one before the arrival was the sending
/// unit's.
fn in_stay(d: Option<Date>, arrived: Option<Date>) -> Option<Date> {
    d.filter(|d| arrived.is_none_or(|a| *d >= a))
}

/// Moves a letter and its matters to another unit on the day `on` (on or
/// after the day the sending unit received it). What the sending unit did
/// with them is kept as their departures, which its figures count: the
/// letter processed when it left (transferred) unless processed before,
/// each matter as it stood, closed at the sending unit on that day.
pub async fn transfer(
    tx: &mut Tx,
    actor: &audit::Actor,
    letter: LetterId,
    from: UnitId,
    to: UnitId,
    on: Date,
    reason: &str,
) -> Result<TransferRecord> {
    let id = uuid::Uuid::now_v7();
    let at = now();
    let l = query(
        "SELECT l.received_on, l.processed_on, l.eligible, l.competent, \
           (SELECT MAX(d.on_date) FROM letter_departures d WHERE d.letter_id = l.id) AS arrived_on, \
           (SELECT COUNT(*) FROM letter_departures d WHERE d.letter_id = l.id) AS stays \
         FROM letters l WHERE l.id = $1 AND l.unit_id = $2",
    )
    .bind(letter.0)
    .bind(from.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let arrived = l.opt_date("arrived_on")?;
    let arrival = arrived.unwrap_or(l.date("received_on")?);
    if on < arrival {
        return Err(StoreError::Conflict(format!(
            "a transfer on {on} is before the unit received the letter ({arrival})"
        )));
    }
    let processed = in_stay(l.opt_date("processed_on")?, arrived).filter(|d| *d <= on);
    let (processed_on, eligible, competent) = match processed {
        Some(d) => (
            d,
            l.get::<Option<bool>>("eligible")?.unwrap_or(true),
            l.get::<Option<bool>>("competent")?.unwrap_or(false),
        ),
        // Transferring is processing it: to the competent unit.
        None => (on, true, false),
    };
    let moving = query(
        "SELECT m.id, m.state, m.received_on, m.classified_on, m.eligible, m.competent, CAST(m.round AS BIGINT) AS round, m.accepted_on, \
           m.concluded_on, m.outcome, m.late, m.closed_on, m.due_on, \
           (SELECT MAX(d.on_date) FROM matter_departures d WHERE d.matter_id = m.id) AS arrived_on \
         FROM matters m WHERE m.unit_id = $1 AND m.id IN (SELECT matter_id FROM letter_matters WHERE letter_id = $2) \
         ORDER BY m.id",
    )
    .bind(from.0)
    .bind(letter.0)
    .fetch_all(&mut *tx)
    .await?;
    query("UPDATE letters SET unit_id = $1 WHERE id = $2 AND unit_id = $3")
        .bind(to.0)
        .bind(letter.0)
        .bind(from.0)
        .execute(&mut *tx)
        .await?;
    query("INSERT INTO letter_transfers (id, letter_id, from_unit_id, to_unit_id, reason, transferred_by, transferred_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id)
        .bind(letter.0)
        .bind(from.0)
        .bind(to.0)
        .bind(reason)
        .bind(actor.user.map(|u| u.0))
        .bind(at)
        .execute(&mut *tx)
        .await?;
    query("INSERT INTO letter_departures (transfer_id, letter_id, seq, unit_id, arrived_on, on_date, processed_on, eligible, competent) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(id)
        .bind(letter.0)
        .bind(l.i64("stays")? + 1)
        .bind(from.0)
        .bind(arrival)
        .bind(on)
        .bind(processed_on)
        .bind(eligible)
        .bind(competent)
        .execute(&mut *tx)
        .await?;
    for m in &moving {
        let matter = m.uuid("id")?;
        audit::touch(tx, "matter", &matter.to_string());
        let arrived = m.opt_date("arrived_on")?;
        let classified = in_stay(m.opt_date("classified_on")?, arrived);
        let concluded = in_stay(m.opt_date("concluded_on")?, arrived);
        let when_classified = |col: &str| -> Result<Value> {
            Ok(match classified {
                Some(_) => Value::from(m.get::<Option<bool>>(col)?),
                None => Value::from(None::<bool>),
            })
        };
        query("INSERT INTO matter_departures (id, transfer_id, matter_id, unit_id, arrived_on, on_date, state, classified_on, eligible, \
               competent, round, accepted_on, concluded_on, outcome, late, closed_on, due_on) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)")
            .bind(uuid::Uuid::now_v7())
            .bind(id)
            .bind(matter)
            .bind(from.0)
            .bind(arrived.unwrap_or(m.date("received_on")?))
            .bind(on)
            .bind(m.text("state")?)
            .bind(classified)
            .bind(when_classified("eligible")?)
            .bind(when_classified("competent")?)
            .bind(match classified {
                Some(_) => m.get::<Option<i64>>("round")?,
                None => None,
            })
            .bind(stay_accepted(m.opt_date("accepted_on")?, arrived))
            .bind(concluded)
            .bind(concluded.and(m.opt_text("outcome")?))
            .bind(match concluded {
                Some(_) => m.get::<Option<bool>>("late")?,
                None => None,
            })
            .bind(in_stay(m.opt_date("closed_on")?, arrived).unwrap_or(on))
            .bind(m.opt_date("due_on")?)
            .execute(&mut *tx)
            .await?;
    }
    query("UPDATE matters SET unit_id = $1, version = version + 1, updated_at = $2 WHERE unit_id = $3 AND id IN (SELECT matter_id FROM letter_matters WHERE letter_id = $4)")
        .bind(to.0)
        .bind(at)
        .bind(from.0)
        .bind(letter.0)
        .execute(&mut *tx)
        .await?;
    let detail =
        serde_json::json!({"transfer": id, "from": from, "to": to, "on": on, "reason": reason});
    audit::append(
        tx,
        actor,
        "letter.transfer",
        "letter",
        &letter.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "letter", &letter.to_string(), "transfer", detail).await?;
    Ok(TransferRecord {
        id,
        letter_id: letter,
        from_unit_id: from,
        to_unit_id: to,
        on_date: on,
        reason: reason.to_owned(),
        transferred_at: at,
        resealed_at: None,
    })
}

/// A matter accepted before it arrived is, for the unit it arrived at, in
/// its resolution from the day it arrived.
pub(crate) fn stay_accepted(d: Option<Date>, arrived: Option<Date>) -> Option<Date> {
    d.map(|d| match arrived {
        Some(a) if d < a => a,
        _ => d,
    })
}

/// The transfers of a letter, oldest first.
pub async fn transfers_of(ex: &mut impl AsExec, letter: LetterId) -> Result<Vec<TransferRecord>> {
    query(format!(
        "SELECT {TRANSFER_COLS} FROM letter_transfers WHERE letter_id = $1 ORDER BY id"
    ))
    .bind(letter.0)
    .fetch_all(ex)
    .await?
    .iter()
    .map(transfer_from)
    .collect()
}

/// Transfers out of a unit of sealed letters not yet re-sealed.
pub async fn pending_reseals(ex: &mut impl AsExec, from: UnitId) -> Result<Vec<TransferRecord>> {
    query(format!(
        "SELECT {TRANSFER_COLS} FROM letter_transfers t WHERE from_unit_id = $1 AND resealed_at IS NULL \
         AND EXISTS (SELECT 1 FROM sealed_identities s WHERE s.letter_id = t.letter_id) ORDER BY id"
    ))
    .bind(from.0)
    .fetch_all(ex)
    .await?
    .iter()
    .map(transfer_from)
    .collect()
}

/// One transfer.
pub async fn transfer_record(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<TransferRecord> {
    let r = query(format!(
        "SELECT {TRANSFER_COLS} FROM letter_transfers WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(ex)
    .await?;
    transfer_from(&r)
}

/// Marks a transfer re-sealed.
pub async fn mark_resealed(
    tx: &mut Tx,
    actor: &audit::Actor,
    transfer: &TransferRecord,
) -> Result<()> {
    let n = query("UPDATE letter_transfers SET resealed_by = $1, resealed_at = $2 WHERE id = $3 AND resealed_at IS NULL")
        .bind(actor.user.map(|u| u.0))
        .bind(now())
        .bind(transfer.id)
        .execute(tx)
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict("already re-sealed".into()));
    }
    let detail = serde_json::json!({"transfer": transfer.id, "to": transfer.to_unit_id});
    audit::record_change(
        tx,
        actor,
        "identity.reseal",
        "letter",
        &transfer.letter_id.to_string(),
        detail,
    )
    .await
}

/// Which of `keys` a unit has imported already (rows of an old register,
/// see `liem_domain::register_import`).
pub async fn imported_keys(
    ex: &mut impl AsExec,
    unit: UnitId,
    keys: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in keys.chunks(200) {
        let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT source_key FROM letter_imports WHERE unit_id = $1 AND source_key IN ({})",
            marks.join(", ")
        );
        let mut q = query(sql).bind(unit.0);
        for k in chunk {
            q = q.bind(k.as_str());
        }
        for r in q.fetch_all(&mut *ex).await? {
            found.insert(r.text("source_key")?);
        }
    }
    Ok(found)
}

/// Records that a row of an old register (by its key) became a letter.
pub async fn record_import(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    key: &str,
    letter: LetterId,
) -> Result<()> {
    query("INSERT INTO letter_imports (unit_id, source_key, letter_id, imported_at) VALUES ($1, $2, $3, $4)")
        .bind(unit.0)
        .bind(key)
        .bind(letter.0)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    audit::record_change(
        tx,
        actor,
        "letter.imported",
        "letter",
        &letter.to_string(),
        serde_json::json!({"key": key}),
    )
    .await
}

/// The sender digests of letters, by letter.
pub async fn sender_keys_of(
    ex: &mut impl AsExec,
    ids: &[LetterId],
) -> Result<std::collections::HashMap<LetterId, Vec<String>>> {
    let mut out: std::collections::HashMap<LetterId, Vec<String>> = Default::default();
    for chunk in ids.chunks(500) {
        let mut f = crate::db::Filter::default();
        f.and_in(
            "letter_id",
            chunk.iter().map(|i| Value::from(i.0)).collect(),
        );
        for r in f
            .query(format!(
                "SELECT letter_id, digest FROM letter_senders{} ORDER BY letter_id, digest",
                f.where_clause()
            ))
            .fetch_all(&mut *ex)
            .await?
        {
            out.entry(LetterId(r.uuid("letter_id")?))
                .or_default()
                .push(r.text("digest")?);
        }
    }
    Ok(out)
}
