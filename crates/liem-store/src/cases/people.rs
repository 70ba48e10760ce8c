//! People and organisations, the links between them, the parties of a case
//! with their charges, sanctions on the three tracks, a person's dossier and
//! the FollowTheMoney export; who sees whom.

use super::*;
use crate::audit;
use crate::db::query;
use crate::db::AsExec;
use crate::db::Filter;
use crate::db::Row;
use crate::db::Value;
use crate::now;
use crate::outbox;
use crate::petitions;
use crate::Result;
use crate::StoreError;
use crate::Tx;
use jiff::civil::Date;
use liem_domain::ids::UnitId;
use liem_domain::people::Charge;
use liem_domain::people::LinkKind;
use liem_domain::people::Organisation;
use liem_domain::people::PartyRef;
use liem_domain::people::PartyRole;
use liem_domain::people::Person;
use liem_domain::people::Sanction;
use liem_domain::role::Scope;
use serde::Serialize;

/// Who sees a person (`table` = `persons`) or an organisation
/// (`organisations`) under the alias `alias`: they are seen through the
/// cases they stand in — a case the viewer may see, so that a restricted
/// case's parties stay as hidden as the case — or, when they stand in no
/// case, through the unit that recorded them.
pub(crate) fn party_visible_sql(v: &Viewer, table: &str, alias: &str) -> (String, Vec<Value>) {
    let column = if table == "persons" {
        "person_id"
    } else {
        "organisation_id"
    };
    let (cases, mut values) = visible_sql(v);
    match petitions::scope_units(&v.scope) {
        None => (
            format!(
                "EXISTS (SELECT 1 FROM case_parties cp JOIN cases c ON c.id = cp.case_id WHERE cp.{column} = {alias}.id AND {cases})"
            ),
            values,
        ),
        Some(u) => {
            values.extend(u.values(1));
            let units = &u.sql;
            (
                format!(
                    "(EXISTS (SELECT 1 FROM case_parties cp JOIN cases c ON c.id = cp.case_id WHERE cp.{column} = {alias}.id AND {cases}) \
                     OR (NOT EXISTS (SELECT 1 FROM case_parties cq WHERE cq.{column} = {alias}.id) AND {alias}.unit_id IN ({units})))"
                ),
                values,
            )
        }
    }
}

/// A person as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonRow {
    /// Id.
    pub id: uuid::Uuid,
    /// The person.
    #[serde(flatten)]
    pub person: Person,
    /// FtM id when imported.
    pub ftm_id: Option<String>,
}

/// An organisation as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationRow {
    /// Id.
    pub id: uuid::Uuid,
    /// The organisation.
    #[serde(flatten)]
    pub organisation: Organisation,
    /// FtM id when imported.
    pub ftm_id: Option<String>,
}

fn person_search(p: &Person) -> String {
    liem_domain::text::fold(&format!(
        "{} {} {}",
        p.full_name,
        p.id_number.as_deref().unwrap_or(""),
        p.position.as_deref().unwrap_or("")
    ))
}

/// Records a person; `ftm_id` when imported.
pub async fn insert_person(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    p: &Person,
    ftm_id: Option<&str>,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query(
        "INSERT INTO persons (id, unit_id, full_name, birth_year, id_number, position, workplace, managed_level, \
         party_member, ftm_id, search_text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(unit.0)
    .bind(p.full_name.as_str())
    .bind(p.birth_year.map(i64::from))
    .bind(p.id_number.as_deref())
    .bind(p.position.as_deref())
    .bind(p.workplace.as_deref())
    .bind(p.managed_level.as_str())
    .bind(p.party_member)
    .bind(ftm_id)
    .bind(person_search(p))
    .bind(now())
    .execute(tx)
    .await?;
    // Names stay out of the audit detail and the change feed.
    let detail = serde_json::json!({"unit": unit, "ftm_id": ftm_id});
    audit::append(
        tx,
        actor,
        "person.create",
        "person",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "person", &id.to_string(), "create", detail).await?;
    Ok(id)
}

/// Records an organisation; `ftm_id` when imported.
pub async fn insert_organisation(
    tx: &mut Tx,
    actor: &audit::Actor,
    unit: UnitId,
    o: &Organisation,
    ftm_id: Option<&str>,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query(
        "INSERT INTO organisations (id, unit_id, name, kind, tax_code, address, ftm_id, search_text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(unit.0)
    .bind(o.name.as_str())
    .bind(o.kind.as_str())
    .bind(o.tax_code.as_deref())
    .bind(o.address.as_deref())
    .bind(ftm_id)
    .bind(liem_domain::text::fold(&format!(
        "{} {}",
        o.name,
        o.tax_code.as_deref().unwrap_or("")
    )))
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"unit": unit, "kind": o.kind, "ftm_id": ftm_id});
    audit::append(
        tx,
        actor,
        "organisation.create",
        "organisation",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "organisation", &id.to_string(), "create", detail).await?;
    Ok(id)
}

const PERSON_COLS: &str = "id, full_name, birth_year, id_number, position, workplace, managed_level, party_member, ftm_id";

const PERSON_COLS_PE: &str = "pe.id, pe.full_name, pe.birth_year, pe.id_number, pe.position, pe.workplace, pe.managed_level, pe.party_member, pe.ftm_id";

fn person_from(r: &Row) -> Result<PersonRow> {
    Ok(PersonRow {
        id: r.uuid("id")?,
        person: Person {
            full_name: r.text("full_name")?,
            birth_year: r.get::<Option<i64>>("birth_year")?.map(|y| y as i32),
            id_number: r.opt_text("id_number")?,
            position: r.opt_text("position")?,
            workplace: r.opt_text("workplace")?,
            managed_level: r.code("managed_level")?,
            party_member: r.bool("party_member")?,
        },
        ftm_id: r.opt_text("ftm_id")?,
    })
}

fn organisation_from(r: &Row) -> Result<OrganisationRow> {
    Ok(OrganisationRow {
        id: r.uuid("id")?,
        organisation: Organisation {
            name: r.text("name")?,
            kind: r.code("kind")?,
            tax_code: r.opt_text("tax_code")?,
            address: r.opt_text("address")?,
        },
        ftm_id: r.opt_text("ftm_id")?,
    })
}

/// One person.
pub async fn get_person(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<PersonRow> {
    person_from(
        &query(format!("SELECT {PERSON_COLS} FROM persons WHERE id = $1"))
            .bind(id)
            .fetch_one(ex)
            .await?,
    )
}

/// One person, if the viewer sees them (see [`party_visible_sql`]).
pub async fn visible_person(ex: &mut impl AsExec, v: &Viewer, id: uuid::Uuid) -> Result<PersonRow> {
    let (rule, values) = party_visible_sql(v, "persons", "pe");
    let mut f = Filter::default();
    f.and("pe.id = ?", vec![id.into()]);
    f.and(&rule, values);
    let sql = format!(
        "SELECT {} FROM persons pe{}",
        PERSON_COLS_PE,
        f.where_clause()
    );
    person_from(&f.query(sql).fetch_one(ex).await?)
}

/// One organisation, if the viewer sees it (see [`party_visible_sql`]).
pub async fn visible_organisation(
    ex: &mut impl AsExec,
    v: &Viewer,
    id: uuid::Uuid,
) -> Result<OrganisationRow> {
    let (rule, values) = party_visible_sql(v, "organisations", "o");
    let mut f = Filter::default();
    f.and("o.id = ?", vec![id.into()]);
    f.and(&rule, values);
    let sql = format!(
        "SELECT o.id, o.name, o.kind, o.tax_code, o.address, o.ftm_id FROM organisations o{}",
        f.where_clause()
    );
    organisation_from(&f.query(sql).fetch_one(ex).await?)
}

/// One organisation.
pub async fn get_organisation(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<OrganisationRow> {
    organisation_from(
        &query("SELECT id, name, kind, tax_code, address, ftm_id FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_one(ex)
            .await?,
    )
}

/// These people, in the order given, those the viewer may see (the search
/// index found them; the visibility rule is checked here again).
pub async fn persons_by_ids(
    ex: &mut impl AsExec,
    v: &Viewer,
    ids: &[uuid::Uuid],
) -> Result<Vec<PersonRow>> {
    let sql = format!("SELECT {PERSON_COLS_PE} FROM persons pe");
    let rows = visible_parties(ex, v, ("persons", "pe"), &sql, ids).await?;
    let mut found = std::collections::HashMap::new();
    for r in &rows {
        let p = person_from(r)?;
        found.insert(p.id, p);
    }
    Ok(ids.iter().filter_map(|i| found.remove(i)).collect())
}

/// These organisations, in the order given, those the viewer may see.
pub async fn organisations_by_ids(
    ex: &mut impl AsExec,
    v: &Viewer,
    ids: &[uuid::Uuid],
) -> Result<Vec<OrganisationRow>> {
    let sql = "SELECT o.id, o.name, o.kind, o.tax_code, o.address, o.ftm_id FROM organisations o";
    let rows = visible_parties(ex, v, ("organisations", "o"), sql, ids).await?;
    let mut found = std::collections::HashMap::new();
    for r in &rows {
        let o = organisation_from(r)?;
        found.insert(o.id, o);
    }
    Ok(ids.iter().filter_map(|i| found.remove(i)).collect())
}

/// The rows of `select` (a table and its alias) among `ids` that the viewer
/// may see.
async fn visible_parties(
    ex: &mut impl AsExec,
    v: &Viewer,
    (table, alias): (&str, &str),
    select: &str,
    ids: &[uuid::Uuid],
) -> Result<Vec<crate::db::Row>> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut f = Filter::default();
        let (rule, values) = party_visible_sql(v, table, alias);
        f.and(&rule, values);
        f.and_in(
            &format!("{alias}.id"),
            chunk.iter().map(|i| (*i).into()).collect(),
        );
        let sql = format!("{select}{}", f.where_clause());
        rows.extend(f.query(sql).fetch_all(&mut *ex).await?);
    }
    Ok(rows)
}

/// A person or organisation's id for an FtM id, if imported or exported before.
pub async fn party_by_ftm_id(ex: &mut impl AsExec, ftm_id: &str) -> Result<Option<PartyRef>> {
    if let Some(r) = query("SELECT id FROM persons WHERE ftm_id = $1")
        .bind(ftm_id)
        .fetch_optional(ex)
        .await?
    {
        return Ok(Some(PartyRef::Person(r.uuid("id")?)));
    }
    Ok(query("SELECT id FROM organisations WHERE ftm_id = $1")
        .bind(ftm_id)
        .fetch_optional(ex)
        .await?
        .map(|r| r.uuid("id"))
        .transpose()?
        .map(PartyRef::Organisation))
}

/// A link between two parties.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkRow {
    /// Id.
    pub id: uuid::Uuid,
    /// Kind.
    pub kind: LinkKind,
    /// Subject.
    pub subject: PartyRef,
    /// Subject's name.
    pub subject_name: String,
    /// Object.
    pub object: PartyRef,
    /// Object's name.
    pub object_name: String,
    /// From.
    pub start: Option<Date>,
    /// Until.
    pub end: Option<Date>,
    /// Role wording.
    pub role: Option<String>,
    /// FtM id when imported.
    pub ftm_id: Option<String>,
}

fn split(p: PartyRef) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    match p {
        PartyRef::Person(u) => (Some(u), None),
        PartyRef::Organisation(u) => (None, Some(u)),
    }
}

/// A link to record.
pub struct NewLink<'a> {
    /// Kind.
    pub kind: LinkKind,
    /// Subject.
    pub subject: PartyRef,
    /// Object.
    pub object: PartyRef,
    /// From.
    pub start: Option<Date>,
    /// Until.
    pub end: Option<Date>,
    /// Role wording.
    pub role: Option<&'a str>,
    /// FtM id when imported.
    pub ftm_id: Option<&'a str>,
}

/// Records a link.
pub async fn insert_link(tx: &mut Tx, actor: &audit::Actor, l: &NewLink<'_>) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    let (sp, so) = split(l.subject);
    let (op, oo) = split(l.object);
    query(
        "INSERT INTO party_links (id, kind, subject_person_id, subject_org_id, object_person_id, object_org_id, \
         start_date, end_date, role, ftm_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(l.kind.as_str())
    .bind(sp)
    .bind(so)
    .bind(op)
    .bind(oo)
    .bind(l.start)
    .bind(l.end)
    .bind(l.role)
    .bind(l.ftm_id)
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"kind": l.kind, "subject": l.subject, "object": l.object});
    audit::append(
        tx,
        actor,
        "link.create",
        "party_link",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "party_link", &id.to_string(), "create", detail).await?;
    Ok(id)
}

const LINK_SELECT: &str = "SELECT l.id, l.kind, l.subject_person_id, l.subject_org_id, l.object_person_id, l.object_org_id, \
    COALESCE(sp.full_name, so.name) AS subject_name, COALESCE(op.full_name, oo.name) AS object_name, \
    l.start_date, l.end_date, l.role, l.ftm_id FROM party_links l \
    LEFT JOIN persons sp ON sp.id = l.subject_person_id LEFT JOIN organisations so ON so.id = l.subject_org_id \
    LEFT JOIN persons op ON op.id = l.object_person_id LEFT JOIN organisations oo ON oo.id = l.object_org_id";

fn party_of(r: &Row, person: &str, org: &str) -> Result<PartyRef> {
    match (r.opt_uuid(person)?, r.opt_uuid(org)?) {
        (Some(p), _) => Ok(PartyRef::Person(p)),
        (None, Some(o)) => Ok(PartyRef::Organisation(o)),
        _ => Err(StoreError::Corrupt(
            "a link end is neither person nor organisation".into(),
        )),
    }
}

fn link_from(r: &Row) -> Result<LinkRow> {
    Ok(LinkRow {
        id: r.uuid("id")?,
        kind: r.code("kind")?,
        subject: party_of(r, "subject_person_id", "subject_org_id")?,
        subject_name: r.text("subject_name")?,
        object: party_of(r, "object_person_id", "object_org_id")?,
        object_name: r.text("object_name")?,
        start: r.opt_date("start_date")?,
        end: r.opt_date("end_date")?,
        role: r.opt_text("role")?,
        ftm_id: r.opt_text("ftm_id")?,
    })
}

/// The links of a party (as subject or object).
pub async fn links_of(ex: &mut impl AsExec, p: PartyRef) -> Result<Vec<LinkRow>> {
    let (cols, id) = match p {
        PartyRef::Person(u) => (("l.subject_person_id", "l.object_person_id"), u),
        PartyRef::Organisation(u) => (("l.subject_org_id", "l.object_org_id"), u),
    };
    query(format!(
        "{LINK_SELECT} WHERE {} = $1 OR {} = $1 ORDER BY l.start_date, l.id",
        cols.0, cols.1
    ))
    .bind(id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(link_from)
    .collect()
}

/// A party in an entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyRow {
    /// Id.
    pub id: uuid::Uuid,
    /// The entry.
    pub case_id: uuid::Uuid,
    /// Who.
    pub party: PartyRef,
    /// Their name.
    pub name: String,
    /// Role.
    pub role: PartyRole,
    /// Prosecuted (khởi tố bị can) on.
    pub prosecuted_on: Option<Date>,
    /// Added to a case already prosecuted.
    pub added: bool,
    /// Charges.
    pub charges: Vec<Charge>,
}

/// Adds a party to an entry.
pub async fn add_party(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    party: PartyRef,
    role: PartyRole,
    prosecuted_on: Option<Date>,
    added: bool,
) -> Result<uuid::Uuid> {
    let dup = match party {
        PartyRef::Person(u) => {
            query("SELECT 1 AS one FROM case_parties WHERE case_id = $1 AND person_id = $2")
                .bind(case)
                .bind(u)
        }
        PartyRef::Organisation(u) => {
            query("SELECT 1 AS one FROM case_parties WHERE case_id = $1 AND organisation_id = $2")
                .bind(case)
                .bind(u)
        }
    }
    .fetch_optional(tx)
    .await?;
    if dup.is_some() {
        return Err(StoreError::Conflict("already a party to this case".into()));
    }
    let id = uuid::Uuid::now_v7();
    let (p, o) = split(party);
    query(
        "INSERT INTO case_parties (id, case_id, person_id, organisation_id, role, prosecuted_on, added, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(case)
    .bind(p)
    .bind(o)
    .bind(role.as_str())
    .bind(prosecuted_on)
    .bind(added)
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({
        "party": party, "role": role, "prosecuted_on": prosecuted_on.map(|d| d.to_string()), "added": added,
    });
    audit::append(
        tx,
        actor,
        "case.party",
        "case",
        &case.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.to_string(), "party", detail).await?;
    Ok(id)
}

/// Records a charge against a party.
pub async fn add_charge(
    tx: &mut Tx,
    actor: &audit::Actor,
    case: uuid::Uuid,
    party: uuid::Uuid,
    c: &Charge,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    query("INSERT INTO charges (id, party_id, article, clause, class, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(party)
        .bind(i64::from(c.article))
        .bind(i64::from(c.clause))
        .bind(c.class.as_str())
        .bind(now())
        .execute(tx)
        .await?;
    let detail = serde_json::json!({"party": party, "charge": c});
    audit::append(
        tx,
        actor,
        "case.charge",
        "case",
        &case.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "case", &case.to_string(), "charge", detail).await?;
    Ok(id)
}

const PARTY_SELECT: &str = "SELECT cp.id, cp.case_id, cp.person_id, cp.organisation_id, COALESCE(p.full_name, o.name) AS name, \
    cp.role, cp.prosecuted_on, cp.added FROM case_parties cp LEFT JOIN persons p ON p.id = cp.person_id \
    LEFT JOIN organisations o ON o.id = cp.organisation_id";

async fn parties_from(ex: &mut impl AsExec, rows: Vec<Row>) -> Result<Vec<PartyRow>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id = r.uuid("id")?;
        let charges = query("SELECT article, clause, class FROM charges WHERE party_id = $1 ORDER BY article, clause")
            .bind(id)
            .fetch_all(ex)
            .await?
            .iter()
            .map(|c| {
                Ok(Charge {
                    article: c.i64("article")? as u32,
                    clause: c.i64("clause")? as u32,
                    class: c.code("class")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(PartyRow {
            id,
            case_id: r.uuid("case_id")?,
            party: party_of(&r, "person_id", "organisation_id")?,
            name: r.text("name")?,
            role: r.code("role")?,
            prosecuted_on: r.opt_date("prosecuted_on")?,
            added: r.bool("added")?,
            charges,
        });
    }
    Ok(out)
}

/// An entry's parties with their charges.
pub async fn parties_of(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<PartyRow>> {
    let rows = query(format!(
        "{PARTY_SELECT} WHERE cp.case_id = $1 ORDER BY cp.created_at, cp.id"
    ))
    .bind(case)
    .fetch_all(ex)
    .await?;
    parties_from(ex, rows).await
}

/// One party row.
pub async fn party(ex: &mut impl AsExec, id: uuid::Uuid) -> Result<PartyRow> {
    let rows = query(format!("{PARTY_SELECT} WHERE cp.id = $1"))
        .bind(id)
        .fetch_all(ex)
        .await?;
    parties_from(ex, rows)
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// A sanction as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SanctionRow {
    /// Id.
    pub id: uuid::Uuid,
    /// On whom.
    pub subject: PartyRef,
    /// In which entry, if any.
    pub case_id: Option<uuid::Uuid>,
    /// The sanction.
    #[serde(flatten)]
    pub sanction: Sanction,
}

/// Records a sanction on a person or organisation.
pub async fn add_sanction(
    tx: &mut Tx,
    actor: &audit::Actor,
    subject: PartyRef,
    case: Option<uuid::Uuid>,
    s: &Sanction,
) -> Result<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    let (p, o) = split(subject);
    query(
        "INSERT INTO sanctions (id, person_id, organisation_id, case_id, track, measure, decided_on, authority, months, fine_vnd, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(p)
    .bind(o)
    .bind(case)
    .bind(s.track.as_str())
    .bind(s.measure.as_str())
    .bind(s.decided_on)
    .bind(s.authority.as_str())
    .bind(s.months.map(i64::from))
    .bind(s.fine_vnd)
    .bind(now())
    .execute(tx)
    .await?;
    let detail = serde_json::json!({"subject": subject, "case": case, "track": s.track, "measure": s.measure});
    audit::append(
        tx,
        actor,
        "sanction.create",
        "sanction",
        &id.to_string(),
        detail.clone(),
    )
    .await?;
    outbox::append(tx, "sanction", &id.to_string(), "create", detail).await?;
    Ok(id)
}

fn sanction_from(r: &Row) -> Result<SanctionRow> {
    Ok(SanctionRow {
        id: r.uuid("id")?,
        subject: party_of(r, "person_id", "organisation_id")?,
        case_id: r.opt_uuid("case_id")?,
        sanction: Sanction {
            track: r.code("track")?,
            measure: r.code("measure")?,
            decided_on: r.date("decided_on")?,
            authority: r.text("authority")?,
            months: r.get::<Option<i64>>("months")?.map(|m| m as u32),
            fine_vnd: r.get::<Option<i64>>("fine_vnd")?,
        },
    })
}

const SANCTION_SELECT: &str = "SELECT id, person_id, organisation_id, case_id, track, measure, decided_on, authority, months, fine_vnd FROM sanctions";

/// The sanctions of a person or organisation.
pub async fn sanctions_of(ex: &mut impl AsExec, p: PartyRef) -> Result<Vec<SanctionRow>> {
    let col = match p {
        PartyRef::Person(_) => "person_id",
        PartyRef::Organisation(_) => "organisation_id",
    };
    query(format!(
        "{SANCTION_SELECT} WHERE {col} = $1 ORDER BY decided_on, id"
    ))
    .bind(p.id())
    .fetch_all(ex)
    .await?
    .iter()
    .map(sanction_from)
    .collect()
}

/// The sanctions decided in an entry.
pub async fn sanctions_in_case(ex: &mut impl AsExec, case: uuid::Uuid) -> Result<Vec<SanctionRow>> {
    query(format!(
        "{SANCTION_SELECT} WHERE case_id = $1 ORDER BY decided_on, id"
    ))
    .bind(case)
    .fetch_all(ex)
    .await?
    .iter()
    .map(sanction_from)
    .collect()
}

/// What a person's page shows: everything linked to them that the viewer
/// may see.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dossier {
    /// The person.
    pub person: PersonRow,
    /// Their links.
    pub links: Vec<LinkRow>,
    /// Their roles in visible entries: (entry, party row).
    pub cases: Vec<(CaseRow, PartyRow)>,
    /// Their sanctions on all three tracks.
    pub sanctions: Vec<SanctionRow>,
    /// Letters in the viewer's petition scope whose subject a handler linked
    /// to them, or linked to their cases: (reference, received on, summary).
    pub letters: Vec<(String, Date, String)>,
}

/// A person's dossier as the viewer may see it.
pub async fn dossier(
    ex: &mut impl AsExec,
    v: &Viewer,
    petition_scope: &Scope,
    person: uuid::Uuid,
) -> Result<Dossier> {
    let p = visible_person(ex, v, person).await?;
    let links = links_of(ex, PartyRef::Person(person)).await?;
    let party_rows = query(format!(
        "{PARTY_SELECT} WHERE cp.person_id = $1 ORDER BY cp.created_at"
    ))
    .bind(person)
    .fetch_all(ex)
    .await?;
    let mut cases = Vec::new();
    for pr in parties_from(ex, party_rows).await? {
        match get_case(ex, v, pr.case_id).await {
            Ok(c) => cases.push((c, pr)),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let sanctions = sanctions_of(ex, PartyRef::Person(person)).await?;
    let mut f = Filter::default();
    petitions::scope_condition(&mut f, petition_scope, "l.unit_id");
    let case_ids: Vec<Value> = cases.iter().map(|(c, _)| c.id.into()).collect();
    let in_cases = if case_ids.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!(
            "l.id IN (SELECT letter_id FROM case_letters WHERE case_id IN ({}))",
            vec!["?"; case_ids.len()].join(", ")
        )
    };
    // Letters a handler linked to this person (not every letter that names
    // someone of the same name), and those of their cases.
    let mut values: Vec<Value> = vec![person.into()];
    values.extend(case_ids);
    f.and(
        &format!(
            "(l.id IN (SELECT ls.letter_id FROM letter_subjects ls WHERE ls.person_id = ?) OR {in_cases})"
        ),
        values,
    );
    let sql = format!(
        "SELECT l.reference, l.received_on, l.summary FROM letters l{} ORDER BY l.received_on DESC LIMIT 200",
        f.where_clause()
    );
    let letters = f
        .query(sql)
        .fetch_all(ex)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.text("reference")?,
                r.date("received_on")?,
                r.text("summary")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Dossier {
        person: p,
        links,
        cases,
        sanctions,
        letters,
    })
}

/// The people, organisations and links for an FtM export (in id order):
/// everything for the instance's operator (`None`), else what the viewer
/// sees — a link only when they see both of its ends.
pub async fn all_for_export(
    ex: &mut impl AsExec,
    v: Option<&Viewer>,
) -> Result<(Vec<PersonRow>, Vec<OrganisationRow>, Vec<LinkRow>)> {
    let rule = |table: &str, alias: &str| {
        let mut f = Filter::default();
        if let Some(v) = v {
            let (rule, values) = party_visible_sql(v, table, alias);
            f.and(&rule, values);
        }
        f
    };
    let f = rule("persons", "pe");
    let persons = f
        .query(format!(
            "SELECT {PERSON_COLS_PE} FROM persons pe{} ORDER BY pe.id",
            f.where_clause()
        ))
        .fetch_all(&mut *ex)
        .await?
        .iter()
        .map(person_from)
        .collect::<Result<Vec<_>>>()?;
    let f = rule("organisations", "o");
    let orgs = f
        .query(format!(
            "SELECT o.id, o.name, o.kind, o.tax_code, o.address, o.ftm_id FROM organisations o{} ORDER BY o.id",
            f.where_clause()
        ))
        .fetch_all(&mut *ex)
        .await?
        .iter()
        .map(organisation_from)
        .collect::<Result<Vec<_>>>()?;
    let seen: std::collections::HashSet<uuid::Uuid> = persons
        .iter()
        .map(|p| p.id)
        .chain(orgs.iter().map(|o| o.id))
        .collect();
    let links = query(format!("{LINK_SELECT} ORDER BY l.id"))
        .fetch_all(ex)
        .await?
        .iter()
        .map(link_from)
        .filter(|l| {
            l.as_ref().map_or(true, |l| {
                seen.contains(&l.subject.id()) && seen.contains(&l.object.id())
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((persons, orgs, links))
}
