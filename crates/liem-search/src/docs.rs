//! The index's documents, read from the database: what each kind of record
//! makes searchable, and who may find it. Sealed identities and sealed
//! content are not read (the clear columns hold none).

use crate::{day_number, dupes, reach_terms, Fields, Kind, Result};
use liem_store::db::{query, AsExec, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tantivy::schema::Facet;
use tantivy::TantivyDocument;

/// The records a batch of changes touches.
#[derive(Debug, Default)]
pub(crate) struct Targets {
    pub ids: BTreeMap<Kind, BTreeSet<uuid::Uuid>>,
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

fn marks(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn ids_where(
    ex: &mut impl AsExec,
    sql: &str,
    col: &str,
    ids: &[uuid::Uuid],
) -> Result<Vec<uuid::Uuid>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        for r in fetch(&mut *ex, sql, chunk).await? {
            out.extend(r.opt_uuid(col)?);
        }
    }
    Ok(out)
}

/// Which records the changes touch: a matter's change touches its letters
/// (their states, handlers and limits are indexed with them); a case's
/// parties are indexed with it and its reach with them; a transfer or a
/// monitoring changes who may see a case.
pub(crate) async fn targets(
    ex: &mut impl AsExec,
    changes: &[(i64, String, String)],
) -> Result<Targets> {
    let mut t = Targets::default();
    let mut by: HashMap<&str, Vec<uuid::Uuid>> = HashMap::new();
    // A unit's change moves no record: paths are never rewritten (a merger
    // ends a unit, its records keep it), so the reach of every document
    // stays as indexed.
    for (_, entity, id) in changes {
        if let Ok(u) = id.parse() {
            by.entry(entity.as_str()).or_default().push(u);
        }
    }
    let get = |k: &str| by.get(k).cloned().unwrap_or_default();
    let mut letters = get("letter");
    letters.extend(get("letter_subjects"));
    let matters = get("matter");
    letters.extend(
        ids_where(
            ex,
            "SELECT letter_id FROM letter_matters WHERE matter_id IN ({ids})",
            "letter_id",
            &matters,
        )
        .await?,
    );
    let mut cases = get("case");
    cases.extend(
        ids_where(
            ex,
            "SELECT case_id FROM case_transfers WHERE id IN ({ids})",
            "case_id",
            &get("case_transfer"),
        )
        .await?,
    );
    cases.extend(
        ids_where(
            ex,
            "SELECT case_id FROM monitorings WHERE id IN ({ids})",
            "case_id",
            &get("monitoring"),
        )
        .await?,
    );
    let mut persons = get("person");
    let mut orgs = get("organisation");
    // A party's name is indexed with its cases.
    cases.extend(
        ids_where(
            ex,
            "SELECT case_id FROM case_parties WHERE person_id IN ({ids})",
            "case_id",
            &persons,
        )
        .await?,
    );
    cases.extend(
        ids_where(
            ex,
            "SELECT case_id FROM case_parties WHERE organisation_id IN ({ids})",
            "case_id",
            &orgs,
        )
        .await?,
    );
    // Who may find a party follows who may find its cases.
    persons.extend(
        ids_where(
            ex,
            "SELECT person_id FROM case_parties WHERE case_id IN ({ids})",
            "person_id",
            &cases,
        )
        .await?,
    );
    orgs.extend(
        ids_where(
            ex,
            "SELECT organisation_id FROM case_parties WHERE case_id IN ({ids})",
            "organisation_id",
            &cases,
        )
        .await?,
    );
    for (kind, ids) in [
        (Kind::Letter, letters),
        (Kind::Case, cases),
        (Kind::Person, persons),
        (Kind::Organisation, orgs),
    ] {
        if !ids.is_empty() {
            t.ids.entry(kind).or_default().extend(ids);
        }
    }
    Ok(t)
}

/// A page of documents of a kind in id order, after `after`; and the last
/// id when more may follow.
pub(crate) async fn page(
    ex: &mut impl AsExec,
    f: &Fields,
    kind: Kind,
    after: Option<uuid::Uuid>,
    size: i64,
) -> Result<(Vec<TantivyDocument>, Option<uuid::Uuid>)> {
    let table = match kind {
        Kind::Letter => "letters",
        Kind::Case => "cases",
        Kind::Person => "persons",
        Kind::Organisation => "organisations",
    };
    let rows = match after {
        None => {
            query(format!("SELECT id FROM {table} ORDER BY id LIMIT $1"))
                .bind(size)
                .fetch_all(&mut *ex)
                .await?
        }
        Some(a) => {
            query(format!(
                "SELECT id FROM {table} WHERE id > $1 ORDER BY id LIMIT $2"
            ))
            .bind(a)
            .bind(size)
            .fetch_all(&mut *ex)
            .await?
        }
    };
    let ids = rows
        .iter()
        .map(|r| r.uuid("id"))
        .collect::<Result<Vec<_>, _>>()?;
    let last = if ids.len() as i64 == size {
        ids.last().copied()
    } else {
        None
    };
    let mut docs = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        docs.extend(load(&mut *ex, f, kind, chunk).await?);
    }
    Ok((docs, last))
}

/// The documents of these records (a record not found has none).
pub(crate) async fn load(
    ex: &mut impl AsExec,
    f: &Fields,
    kind: Kind,
    ids: &[uuid::Uuid],
) -> Result<Vec<TantivyDocument>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    match kind {
        Kind::Letter => letters(ex, f, ids).await,
        Kind::Case => cases(ex, f, ids).await,
        Kind::Person | Kind::Organisation => parties(ex, f, kind, ids).await,
    }
}

/// Runs `sql` with `{ids}` replaced by one placeholder per id (callers keep
/// `ids` to 500 at most).
async fn fetch(ex: &mut impl AsExec, sql: &str, ids: &[uuid::Uuid]) -> Result<Vec<Row>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = query(sql.replace("{ids}", &marks(ids.len())));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(ex).await?)
}

/// The searchable text of a record: its words (`body`) and, for phrases,
/// their adjacent pairs (`body_pairs`).
fn add_body(doc: &mut TantivyDocument, f: &Fields, text: &str) {
    doc.add_text(f.body, text);
    doc.add_text(f.body_pairs, text);
}

fn add_facet(doc: &mut TantivyDocument, f: &Fields, group: &str, value: &str) {
    if !value.is_empty() {
        doc.add_facet(f.facet, Facet::from_path([group, value]));
    }
}

fn add_reach(
    doc: &mut TantivyDocument,
    f: &Fields,
    paths: &BTreeSet<String>,
    readers: &BTreeSet<uuid::Uuid>,
) {
    let (at, within) = reach_terms(paths);
    for p in at {
        doc.add_text(f.at, p);
    }
    for p in within {
        doc.add_text(f.within, p);
    }
    for r in readers {
        doc.add_text(f.reader, r.to_string());
    }
}

fn newest(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

async fn letters(
    ex: &mut impl AsExec,
    f: &Fields,
    ids: &[uuid::Uuid],
) -> Result<Vec<TantivyDocument>> {
    let rows = fetch(
        &mut *ex,
        "SELECT l.id, l.unit_id, un.path, l.reference, l.kinds, l.field_code, l.received_on, l.place, \
         l.sender_name, l.sender_id_number, l.sender_address, l.sealed, l.content_sealed, l.subject, l.summary, \
         l.content, l.forwarded_by, l.created_at \
         FROM letters l JOIN units un ON un.id = l.unit_id WHERE l.id IN ({ids})",
        ids,
    )
    .await?;
    let matters = fetch(
        &mut *ex,
        "SELECT lm.letter_id, m.reference, m.state, m.handler_id, m.due_on, d.due_on AS duty_due \
         FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id \
         LEFT JOIN matter_duties d ON d.matter_id = m.id WHERE lm.letter_id IN ({ids})",
        ids,
    )
    .await?;
    let mut by_letter: HashMap<uuid::Uuid, Vec<&Row>> = HashMap::new();
    for m in &matters {
        by_letter.entry(m.uuid("letter_id")?).or_default().push(m);
    }
    let senders = fetch(
        &mut *ex,
        "SELECT letter_id, digest FROM letter_senders WHERE letter_id IN ({ids})",
        ids,
    )
    .await?;
    let mut keys_of: HashMap<uuid::Uuid, Vec<String>> = HashMap::new();
    for s in &senders {
        keys_of
            .entry(s.uuid("letter_id")?)
            .or_default()
            .push(s.text("digest")?);
    }
    let mut docs = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.uuid("id")?;
        let sealed = r.bool("sealed")?;
        let content_sealed = r.bool("content_sealed")?;
        let mut matters_of = Vec::new();
        for m in by_letter.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            matters_of.push(MatterFields {
                reference: m.text("reference")?,
                state: m.text("state")?,
                handler: m.opt_uuid("handler_id")?,
                due_on: m.opt_date("due_on")?,
                duty_due: m.opt_date("duty_due")?,
            });
        }
        let opt = |c: &str| r.opt_text(c);
        let letter = LetterFields {
            id,
            unit: r.uuid("unit_id")?,
            unit_path: r.text("path")?,
            reference: r.text("reference")?,
            kinds: r
                .text("kinds")?
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
            field: r.text("field_code")?,
            received_on: r.date("received_on")?,
            created_at: r.timestamp("created_at")?,
            summary: if content_sealed {
                String::new()
            } else {
                r.text("summary")?
            },
            content: if content_sealed {
                String::new()
            } else {
                r.text("content")?
            },
            subject: opt("subject")?,
            place: opt("place")?,
            forwarded_by: opt("forwarded_by")?,
            sender_name: if sealed { None } else { opt("sender_name")? },
            sender_id_number: if sealed {
                None
            } else {
                opt("sender_id_number")?
            },
            sender_keys: keys_of.remove(&id).unwrap_or_default(),
            matters: matters_of,
        };
        docs.push(letter_doc(f, &letter));
    }
    Ok(docs)
}

/// One of a letter's matters, as indexed with it.
#[derive(Debug, Clone)]
pub struct MatterFields {
    /// Its reference.
    pub reference: String,
    /// Its state's code.
    pub state: String,
    /// Its handler.
    pub handler: Option<uuid::Uuid>,
    /// Its running limit.
    pub due_on: Option<jiff::civil::Date>,
    /// The last day of a duty owed beside it.
    pub duty_due: Option<jiff::civil::Date>,
}

/// What the index holds of a letter: never a sealed identity (`sender_*`
/// are `None` then) nor sealed content (`summary` and `content` empty).
#[derive(Debug, Clone)]
pub struct LetterFields {
    /// Id.
    pub id: uuid::Uuid,
    /// Registering unit.
    pub unit: uuid::Uuid,
    /// Its tree path.
    pub unit_path: String,
    /// Register reference.
    pub reference: String,
    /// Kind codes.
    pub kinds: Vec<String>,
    /// Field code.
    pub field: String,
    /// Received on.
    pub received_on: jiff::civil::Date,
    /// Registered at.
    pub created_at: jiff::Timestamp,
    /// Summary (empty when sealed).
    pub summary: String,
    /// Content (empty when sealed).
    pub content: String,
    /// Who it is about.
    pub subject: Option<String>,
    /// Place.
    pub place: Option<String>,
    /// Who forwarded it.
    pub forwarded_by: Option<String>,
    /// Sender's name, unless sealed.
    pub sender_name: Option<String>,
    /// Sender's identity number, unless sealed.
    pub sender_id_number: Option<String>,
    /// The digests of the sender's marks (a sealed sender's too: they
    /// cannot be turned back without the instance's key).
    pub sender_keys: Vec<String>,
    /// Its matters.
    pub matters: Vec<MatterFields>,
}

/// The document of a letter.
pub(crate) fn letter_doc(f: &Fields, l: &LetterFields) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.key, Kind::Letter.key(l.id));
    doc.add_text(f.kind, "letter");
    let mut refs: Vec<&str> = vec![&l.reference];
    let mut body: Vec<&str> = vec![&l.reference, &l.summary, &l.content];
    for v in [&l.subject, &l.place, &l.forwarded_by]
        .into_iter()
        .flatten()
    {
        body.push(v);
    }
    let sender: Vec<&str> = [&l.sender_name, &l.sender_id_number]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    body.extend(sender.iter().copied());
    for k in &l.kinds {
        doc.add_text(f.petition_kind, k);
        add_facet(&mut doc, f, "kind", k);
    }
    doc.add_text(f.field, &l.field);
    add_facet(&mut doc, f, "field", &l.field);
    let unit = l.unit.to_string();
    doc.add_text(f.unit, &unit);
    add_facet(&mut doc, f, "unit", &unit);
    add_facet(&mut doc, f, "year", &l.received_on.year().to_string());
    doc.add_i64(f.received, day_number(l.received_on));
    doc.add_i64(f.newest, newest(l.created_at));
    let mut due: Option<i64> = None;
    let mut duty: Option<i64> = None;
    let mut states = BTreeSet::new();
    for m in &l.matters {
        refs.push(&m.reference);
        body.push(&m.reference);
        states.insert(m.state.as_str());
        if let Some(h) = m.handler {
            doc.add_text(f.handler, h.to_string());
        }
        if let Some(d) = m.due_on.map(day_number) {
            due = Some(due.map_or(d, |x| x.min(d)));
        }
        if let Some(d) = m.duty_due.map(day_number) {
            duty = Some(duty.map_or(d, |x| x.min(d)));
        }
    }
    for s in &states {
        doc.add_text(f.state, s);
        add_facet(&mut doc, f, "state", s);
    }
    if let Some(d) = due {
        doc.add_i64(f.due, d);
    }
    if let Some(d) = duty {
        doc.add_i64(f.duty_due, d);
    }
    doc.add_text(f.reference, refs.join(" "));
    add_body(&mut doc, f, &body.join("\n"));
    if !sender.is_empty() {
        doc.add_text(f.sender, sender.join(" "));
    }
    for k in &l.sender_keys {
        doc.add_text(f.sender_key, k);
    }
    if let Some(p) = &l.place {
        doc.add_text(f.place, p);
    }
    if let Some(s) = &l.subject {
        doc.add_text(f.subject, s);
    }
    let paths = BTreeSet::from([l.unit_path.clone()]);
    add_reach(&mut doc, f, &paths, &BTreeSet::new());
    let text = format!("{}\n{}", l.summary, l.content);
    for band in dupes::bands(&dupes::signature(&text)) {
        doc.add_u64(f.lsh, band);
    }
    doc
}

/// Who may find a case: the unit paths it is visible through (none when
/// restricted) and the users granted it.
#[derive(Debug, Default, Clone)]
struct Access {
    paths: BTreeSet<String>,
    readers: BTreeSet<uuid::Uuid>,
}

async fn case_access(
    ex: &mut impl AsExec,
    ids: &[uuid::Uuid],
) -> Result<HashMap<uuid::Uuid, Access>> {
    let mut out: HashMap<uuid::Uuid, Access> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows = fetch(
            &mut *ex,
            "SELECT c.id, c.restricted, u.path AS unit_path, h.path AS holder_path FROM cases c \
             JOIN units u ON u.id = c.unit_id JOIN units h ON h.id = c.holder_id WHERE c.id IN ({ids})",
            chunk,
        )
        .await?;
        let mut open = BTreeSet::new();
        for r in &rows {
            let id = r.uuid("id")?;
            let a = out.entry(id).or_default();
            if !r.bool("restricted")? {
                open.insert(id);
                a.paths.insert(r.text("unit_path")?);
                a.paths.insert(r.text("holder_path")?);
            }
        }
        for r in fetch(
            &mut *ex,
            "SELECT t.case_id, fu.path AS a, tu.path AS b FROM case_transfers t \
             JOIN units fu ON fu.id = t.from_unit_id JOIN units tu ON tu.id = t.to_unit_id WHERE t.case_id IN ({ids})",
            chunk,
        )
        .await?
        {
            let id = r.uuid("case_id")?;
            if open.contains(&id) {
                let a = out.entry(id).or_default();
                a.paths.insert(r.text("a")?);
                a.paths.insert(r.text("b")?);
            }
        }
        for r in fetch(
            &mut *ex,
            "SELECT mo.case_id, u.path FROM monitorings mo JOIN units u ON u.id = mo.committee_id \
             WHERE mo.case_id IN ({ids})",
            chunk,
        )
        .await?
        {
            let id = r.uuid("case_id")?;
            if open.contains(&id) {
                out.entry(id).or_default().paths.insert(r.text("path")?);
            }
        }
        for r in fetch(
            &mut *ex,
            "SELECT case_id, user_id FROM case_access WHERE case_id IN ({ids})",
            chunk,
        )
        .await?
        {
            out.entry(r.uuid("case_id")?)
                .or_default()
                .readers
                .insert(r.uuid("user_id")?);
        }
    }
    Ok(out)
}

async fn cases(
    ex: &mut impl AsExec,
    f: &Fields,
    ids: &[uuid::Uuid],
) -> Result<Vec<TantivyDocument>> {
    let rows = fetch(
        &mut *ex,
        "SELECT id, unit_id, reference, incident_reference, title, summary, place, field_code, kind, stage, \
         opened_on, created_at FROM cases WHERE id IN ({ids})",
        ids,
    )
    .await?;
    let access = case_access(&mut *ex, ids).await?;
    let parties = fetch(
        &mut *ex,
        "SELECT cp.case_id, p.full_name, p.id_number, o.name, o.tax_code FROM case_parties cp \
         LEFT JOIN persons p ON p.id = cp.person_id LEFT JOIN organisations o ON o.id = cp.organisation_id \
         WHERE cp.case_id IN ({ids})",
        ids,
    )
    .await?;
    let mut names: HashMap<uuid::Uuid, Vec<String>> = HashMap::new();
    for p in &parties {
        let v = names.entry(p.uuid("case_id")?).or_default();
        for col in ["full_name", "id_number", "name", "tax_code"] {
            if let Some(s) = p.opt_text(col)? {
                v.push(s);
            }
        }
    }
    let mut docs = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.uuid("id")?;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, Kind::Case.key(id));
        doc.add_text(f.kind, "case");
        let mut refs = vec![r.text("reference")?];
        refs.extend(r.opt_text("incident_reference")?);
        let mut body = refs.clone();
        body.push(r.text("title")?);
        body.push(r.text("summary")?);
        if let Some(p) = r.opt_text("place")? {
            doc.add_text(f.place, &p);
            body.push(p);
        }
        if let Some(n) = names.get(&id) {
            doc.add_text(f.subject, n.join(" "));
            body.extend(n.iter().cloned());
        }
        doc.add_text(f.reference, refs.join(" "));
        add_body(&mut doc, f, &body.join("\n"));
        let field = r.text("field_code")?;
        doc.add_text(f.field, &field);
        add_facet(&mut doc, f, "field", &field);
        let kind = r.text("kind")?;
        doc.add_text(f.petition_kind, &kind);
        add_facet(&mut doc, f, "kind", &kind);
        let stage = r.text("stage")?;
        doc.add_text(f.state, &stage);
        add_facet(&mut doc, f, "stage", &stage);
        let unit = r.uuid("unit_id")?;
        doc.add_text(f.unit, unit.to_string());
        add_facet(&mut doc, f, "unit", &unit.to_string());
        let opened = r.date("opened_on")?;
        add_facet(&mut doc, f, "year", &opened.year().to_string());
        doc.add_i64(f.received, day_number(opened));
        doc.add_i64(f.newest, newest(r.timestamp("created_at")?));
        let a = access.get(&id).cloned().unwrap_or_default();
        add_reach(&mut doc, f, &a.paths, &a.readers);
        docs.push(doc);
    }
    Ok(docs)
}

async fn parties(
    ex: &mut impl AsExec,
    f: &Fields,
    kind: Kind,
    ids: &[uuid::Uuid],
) -> Result<Vec<TantivyDocument>> {
    let (sql, link) = match kind {
        Kind::Person => (
            "SELECT pe.id, un.path, pe.full_name AS name, pe.id_number AS code, pe.position AS extra, \
             pe.workplace AS extra2, pe.created_at FROM persons pe JOIN units un ON un.id = pe.unit_id WHERE pe.id IN ({ids})",
            "SELECT person_id AS party, case_id FROM case_parties WHERE person_id IN ({ids})",
        ),
        _ => (
            "SELECT o.id, un.path, o.name, o.tax_code AS code, o.address AS extra, o.kind AS extra2, o.created_at \
             FROM organisations o JOIN units un ON un.id = o.unit_id WHERE o.id IN ({ids})",
            "SELECT organisation_id AS party, case_id FROM case_parties WHERE organisation_id IN ({ids})",
        ),
    };
    let rows = fetch(&mut *ex, sql, ids).await?;
    let links = fetch(&mut *ex, link, ids).await?;
    let mut cases_of: HashMap<uuid::Uuid, Vec<uuid::Uuid>> = HashMap::new();
    for l in &links {
        cases_of
            .entry(l.uuid("party")?)
            .or_default()
            .push(l.uuid("case_id")?);
    }
    let all_cases: Vec<uuid::Uuid> = cases_of
        .values()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let access = case_access(&mut *ex, &all_cases).await?;
    let mut docs = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = r.uuid("id")?;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, kind.key(id));
        doc.add_text(f.kind, kind.code());
        let name = r.text("name")?;
        let mut body = vec![name.clone()];
        if let Some(c) = r.opt_text("code")? {
            doc.add_text(f.reference, &c);
            body.push(c);
        }
        for col in ["extra", "extra2"] {
            if let Some(v) = r.opt_text(col)? {
                body.push(v);
            }
        }
        doc.add_text(f.sender, &name);
        add_body(&mut doc, f, &body.join("\n"));
        doc.add_i64(f.newest, newest(r.timestamp("created_at")?));
        // Visible through its cases (a restricted one only to its readers);
        // a party of no case through its own unit.
        let mut paths = BTreeSet::new();
        let mut readers = BTreeSet::new();
        match cases_of.get(&id) {
            Some(cs) => {
                for c in cs {
                    if let Some(a) = access.get(c) {
                        paths.extend(a.paths.iter().cloned());
                        readers.extend(a.readers.iter().copied());
                    }
                }
            }
            None => {
                paths.insert(r.text("path")?);
            }
        }
        add_reach(&mut doc, f, &paths, &readers);
        docs.push(doc);
    }
    Ok(docs)
}
