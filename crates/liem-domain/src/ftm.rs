//! FollowTheMoney (FtM) interchange: people, organisations and their links
//! as FtM entities (one JSON object per line), the format Aleph and
//! OpenSanctions read. Only data a screening or an investigator needs goes
//! out: names, birth year, identifiers, positions, links with dates. Never
//! a petition or a denouncer.

use crate::people::{LinkKind, ManagedLevel, OrgKind, Organisation, Person};
use jiff::civil::Date;
use serde_json::{json, Map, Value};

/// The FtM id of a person of this instance.
pub fn person_id(id: uuid::Uuid) -> String {
    format!("liem-person-{id}")
}

/// The FtM id of an organisation of this instance.
pub fn organisation_id(id: uuid::Uuid) -> String {
    format!("liem-org-{id}")
}

/// The FtM id of a link of this instance.
pub fn link_id(id: uuid::Uuid) -> String {
    format!("liem-link-{id}")
}

fn props(pairs: &[(&str, Option<String>)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            m.insert((*k).to_owned(), json!([v]));
        }
    }
    Value::Object(m)
}

/// A person as an FtM `Person`. Officials managed at some level are tagged
/// `role.pep` (politically exposed), as OpenSanctions does.
pub fn person_entity(ftm_id: &str, p: &Person) -> Value {
    let mut pr = props(&[
        ("name", Some(p.full_name.clone())),
        ("birthDate", p.birth_year.map(|y| format!("{y:04}"))),
        ("idNumber", p.id_number.clone()),
        ("position", p.position.clone()),
        ("country", Some("vn".into())),
        (
            "topics",
            (p.managed_level != ManagedLevel::None).then(|| "role.pep".to_owned()),
        ),
    ]);
    if let (Some(w), Value::Object(m)) = (&p.workplace, &mut pr) {
        m.insert("notes".into(), json!([format!("Workplace: {w}")]));
    }
    json!({"id": ftm_id, "schema": "Person", "properties": pr})
}

/// The FtM schema of an organisation kind.
pub fn org_schema(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Company | OrgKind::Bank => "Company",
        OrgKind::StateBody => "PublicBody",
        OrgKind::Other => "Organization",
    }
}

/// An organisation as an FtM `Company`, `PublicBody` or `Organization`.
pub fn organisation_entity(ftm_id: &str, o: &Organisation) -> Value {
    let pr = props(&[
        ("name", Some(o.name.clone())),
        ("taxNumber", o.tax_code.clone()),
        ("address", o.address.clone()),
        ("country", Some("vn".into())),
        (
            "sector",
            (o.kind == OrgKind::Bank).then(|| "banking".to_owned()),
        ),
    ]);
    json!({"id": ftm_id, "schema": org_schema(o.kind), "properties": pr})
}

/// The FtM schema and the properties of a link's two ends.
pub fn link_schema(kind: LinkKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        LinkKind::DirectorOf => ("Directorship", "director", "organization"),
        LinkKind::ShareholderOf => ("Ownership", "owner", "asset"),
        LinkKind::EmployedBy => ("Employment", "employee", "employer"),
        LinkKind::RelatedTo => ("UnknownLink", "subject", "object"),
    }
}

/// A link as an FtM interval entity.
pub fn link_entity(
    ftm_id: &str,
    kind: LinkKind,
    subject: &str,
    object: &str,
    start: Option<Date>,
    end: Option<Date>,
    role: Option<&str>,
) -> Value {
    let (schema, s, o) = link_schema(kind);
    let mut pr = props(&[
        ("startDate", start.map(|d| d.to_string())),
        ("endDate", end.map(|d| d.to_string())),
        ("role", role.map(str::to_owned)),
    ]);
    if let Value::Object(m) = &mut pr {
        m.insert(s.into(), json!([subject]));
        m.insert(o.into(), json!([object]));
    }
    json!({"id": ftm_id, "schema": schema, "properties": pr})
}

/// One entity read from an FtM file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A person.
    Person {
        /// Its FtM id.
        ftm_id: String,
        /// The person.
        person: Person,
    },
    /// An organisation.
    Organisation {
        /// Its FtM id.
        ftm_id: String,
        /// The organisation.
        organisation: Organisation,
    },
    /// A link between two entities of the file (or already imported).
    Link {
        /// Its FtM id.
        ftm_id: String,
        /// Kind.
        kind: LinkKind,
        /// The subject's FtM id.
        subject: String,
        /// The object's FtM id.
        object: String,
        /// Start.
        start: Option<Date>,
        /// End.
        end: Option<Date>,
        /// Role wording.
        role: Option<String>,
    },
    /// A schema Liêm does not keep (vessels, addresses, …): skipped.
    Skipped {
        /// Its schema.
        schema: String,
    },
}

fn first(pr: &Map<String, Value>, key: &str) -> Option<String> {
    match pr.get(key)? {
        Value::Array(a) => a
            .iter()
            .find_map(|v| v.as_str())
            .map(|s| s.trim().to_owned()),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

fn date_prefix(s: Option<String>) -> Option<Date> {
    // FtM dates may be partial: `1970`, `1970-05`, `1970-05-01`.
    let s = s?;
    if s.len() >= 10 {
        s[..10].parse().ok()
    } else if s.len() == 7 {
        format!("{s}-01").parse().ok()
    } else if s.len() == 4 {
        format!("{s}-01-01").parse().ok()
    } else {
        None
    }
}

/// Parses one line of an FtM file. Errors say what is wrong with it.
pub fn parse_line(line: &str) -> Result<Imported, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .ok_or("missing \"id\"")?
        .to_owned();
    let schema = v
        .get("schema")
        .and_then(Value::as_str)
        .ok_or("missing \"schema\"")?;
    let empty = Map::new();
    let pr = v
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let id_for_errors = id.clone();
    let name = || first(pr, "name").ok_or_else(|| format!("{schema} {id_for_errors} has no name"));
    Ok(match schema {
        "Person" => {
            let birth_year =
                first(pr, "birthDate").and_then(|d| d.get(..4).and_then(|y| y.parse::<i32>().ok()));
            let mut full_name = name()?;
            full_name.truncate(
                full_name
                    .char_indices()
                    .nth(200)
                    .map_or(full_name.len(), |(i, _)| i),
            );
            Imported::Person {
                ftm_id: id,
                person: Person {
                    full_name,
                    birth_year,
                    id_number: first(pr, "idNumber").filter(|n| {
                        (n.len() == 12 || n.len() == 9) && n.bytes().all(|b| b.is_ascii_digit())
                    }),
                    position: first(pr, "position"),
                    workplace: None,
                    managed_level: if first(pr, "topics").as_deref() == Some("role.pep") {
                        ManagedLevel::Province
                    } else {
                        ManagedLevel::None
                    },
                    party_member: false,
                },
            }
        }
        "Company" | "Organization" | "PublicBody" | "LegalEntity" => {
            let kind = match schema {
                "Company" if first(pr, "sector").as_deref() == Some("banking") => OrgKind::Bank,
                "Company" => OrgKind::Company,
                "PublicBody" => OrgKind::StateBody,
                _ => OrgKind::Other,
            };
            Imported::Organisation {
                ftm_id: id,
                organisation: Organisation {
                    name: name()?,
                    kind,
                    tax_code: first(pr, "taxNumber").filter(|t| crate::people::valid_tax_code(t)),
                    address: first(pr, "address"),
                },
            }
        }
        "Directorship" | "Ownership" | "Employment" | "UnknownLink" | "Associate" | "Family" => {
            let (kind, s, o) = match schema {
                "Directorship" => (LinkKind::DirectorOf, "director", "organization"),
                "Ownership" => (LinkKind::ShareholderOf, "owner", "asset"),
                "Employment" => (LinkKind::EmployedBy, "employee", "employer"),
                "Associate" => (LinkKind::RelatedTo, "person", "associate"),
                "Family" => (LinkKind::RelatedTo, "person", "relative"),
                _ => (LinkKind::RelatedTo, "subject", "object"),
            };
            Imported::Link {
                kind,
                subject: first(pr, s).ok_or_else(|| format!("{schema} {id} has no {s}"))?,
                object: first(pr, o).ok_or_else(|| format!("{schema} {id} has no {o}"))?,
                start: date_prefix(first(pr, "startDate")),
                end: date_prefix(first(pr, "endDate")),
                role: first(pr, "role").or_else(|| first(pr, "relationship")),
                ftm_id: id,
            }
        }
        other => Imported::Skipped {
            schema: other.to_owned(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_round_trips() {
        let p = Person {
            full_name: "Trần Văn Bình".into(),
            birth_year: Some(1968),
            id_number: Some("001068001234".into()),
            position: Some("Giám đốc Sở Y tế".into()),
            workplace: None,
            managed_level: ManagedLevel::Province,
            party_member: true,
        };
        let e = person_entity("liem-person-1", &p);
        assert_eq!(e["schema"], "Person");
        assert_eq!(e["properties"]["topics"][0], "role.pep");
        match parse_line(&e.to_string()).unwrap() {
            Imported::Person { ftm_id, person } => {
                assert_eq!(ftm_id, "liem-person-1");
                assert_eq!(person.full_name, p.full_name);
                assert_eq!(person.birth_year, Some(1968));
                assert_eq!(person.id_number, p.id_number);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn links_use_the_schema_of_their_kind() {
        let e = link_entity(
            "l1",
            LinkKind::ShareholderOf,
            "p1",
            "o1",
            Some(jiff::civil::date(2019, 3, 1)),
            None,
            Some("30%"),
        );
        assert_eq!(e["schema"], "Ownership");
        assert_eq!(e["properties"]["owner"][0], "p1");
        assert_eq!(e["properties"]["asset"][0], "o1");
        match parse_line(&e.to_string()).unwrap() {
            Imported::Link {
                kind,
                subject,
                start,
                ..
            } => {
                assert_eq!(kind, LinkKind::ShareholderOf);
                assert_eq!(subject, "p1");
                assert_eq!(start, Some(jiff::civil::date(2019, 3, 1)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(parse_line("{").unwrap_err().starts_with("not JSON"));
        assert_eq!(
            parse_line(r#"{"schema":"Person"}"#).unwrap_err(),
            "missing \"id\""
        );
        assert_eq!(
            parse_line(r#"{"id":"x","schema":"Person","properties":{}}"#).unwrap_err(),
            "Person x has no name"
        );
        assert!(matches!(
            parse_line(r#"{"id":"v","schema":"Vessel","properties":{"name":["Sea"]}}"#).unwrap(),
            Imported::Skipped { .. }
        ));
    }
}
