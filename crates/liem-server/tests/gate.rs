//! The one gate, probed as an attacker would: every route the application
//! serves (the list comes from the router itself, so a new route cannot be
//! forgotten) × every role of a province × {a record of the caller's own
//! unit, of a child unit, of another province, a restricted case the caller
//! is not named on, a record that does not exist}, against one table of
//! expected outcomes. Nothing outside the caller's scope is read or written,
//! and an out-of-scope record answers exactly like a missing one. On SQLite
//! and PostgreSQL.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use liem_domain::role::{Right, Role};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use tower::ServiceExt;

on_both!(
    a_province_administrator_cannot_change_national_reference_data,
    a_central_administrators_calendar_or_rule_change_recomputes_open_due_dates,
    every_route_every_role_every_scope_against_the_table,
    a_province_administrator_manages_the_users_and_units_of_its_own_tree_only,
);

fn letter(kind: &str, subject: &str) -> Value {
    json!({
        "kinds": [kind],
        "channel": "post",
        "field": "corruption",
        "received_on": "2026-11-02",
        "place": "Hà Nội",
        "sender": {"kind": "person", "name": "Nguyễn Văn Dân", "address": "12 Phố Huế"},
        "subject": subject,
        "summary": "Tố cáo nhận hối lộ khi cấp phép xây dựng",
        "content": "Nội dung chi tiết."
    })
}

async fn register(app: &common::App, who: &str, body: Value) -> Value {
    let (s, v) = app
        .call("POST", "/api/v1/letters", Some(who), Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn matter_due(app: &common::App, matter: &str) -> (String, String) {
    let (s, m) = app
        .call(
            "GET",
            &format!("/api/v1/matters/{matter}"),
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    (
        m["due_on"].as_str().unwrap_or_default().to_owned(),
        m["due_rule"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn a_province_administrator_cannot_change_national_reference_data(app: common::App) {
    let before = (
        app.count("audit_log").await,
        app.count("calendar_days").await,
        app.count("rule_units").await,
    );
    for (method, uri, body) in [
        (
            "PUT",
            "/api/v1/calendar/days/2026-11-05",
            Some(json!({"kind": "day_off", "name": "Nghỉ bù"})),
        ),
        ("DELETE", "/api/v1/calendar/days/2026-11-05", None),
        (
            "PUT",
            "/api/v1/rules/denunciation_register",
            Some(json!({"unit": "days"})),
        ),
    ] {
        let (s, p) = app.call(method, uri, Some("admin.hni"), body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {uri}: {p}");
    }
    assert_eq!(
        (
            app.count("audit_log").await,
            app.count("calendar_days").await,
            app.count("rule_units").await,
        ),
        before,
        "a refused change writes nothing"
    );
    // The province's administrator still manages its own units' policies,
    // and not another province's.
    let (s, _) = app
        .call(
            "PUT",
            "/api/v1/units/HNI/policy",
            Some("admin.hni"),
            Some(json!({"policy": "eu"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, p) = app
        .call(
            "PUT",
            "/api/v1/units/HCM/policy",
            Some("admin.hni"),
            Some(json!({"policy": "eu"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
}

async fn login(app: &common::App, username: &str, password: &str) -> StatusCode {
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/session",
            None,
            Some(json!({"username": username, "password": password})),
        )
        .await;
    s
}

async fn a_province_administrator_manages_the_users_and_units_of_its_own_tree_only(
    app: common::App,
) {
    let password = "mật khẩu ban đầu của xã";
    let created = "audit_log WHERE action IN ('unit.create', 'user.create')";
    let created_before = app.count(created).await;
    // A commune under the province: created, with its recovery key shown once.
    let (s, u) = app
        .call(
            "POST",
            "/api/v1/units",
            Some("admin.hni"),
            Some(
                json!({"code": "HNI-M02", "name": "Xã Phù Đổng", "kind": "commune",
                        "parent": "HNI", "valid_from": "2025-07-01"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    assert!(
        u["path"].as_str().unwrap().ends_with("/HNI/HNI-M02/"),
        "{u}"
    );
    assert!(u["recovery_key"].as_str().is_some_and(|k| k.len() > 20));
    // Not under another province, nor beside the province at the centre.
    let units_before = app.count("units").await;
    let audit_before = app.count("audit_log").await;
    for parent in ["HCM", "TW", "NOWHERE"] {
        let (s, p) = app
            .call(
                "POST",
                "/api/v1/units",
                Some("admin.hni"),
                Some(json!({"code": "HCM-M77", "name": "Xã lạ", "kind": "commune", "parent": parent})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{parent}: {p}");
        assert_eq!(p["errors"][0]["field"], "parent", "{p}");
        assert_eq!(p["errors"][0]["rule"], "unknown_value", "{p}");
    }
    // A clerk for the new commune, who can then log in.
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/users",
            Some("admin.hni"),
            Some(
                json!({"username": "Clerk.M02", "display_name": "Lê Thị Văn Thư", "unit": "HNI-M02",
                        "roles": ["intake_clerk"], "password": password, "locale": "vi"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["username"], "clerk.m02");
    assert_eq!(login(&app, "clerk.m02", password).await, StatusCode::OK);
    // The same name again is a conflict; a user in another province's unit,
    // at the centre or with a bad field is refused, naming the field.
    let (s, _) = app
        .call(
            "POST",
            "/api/v1/users",
            Some("admin.hni"),
            Some(
                json!({"username": "clerk.m02", "display_name": "Trùng", "unit": "HNI",
                        "roles": ["intake_clerk"], "password": password}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    for (body, field, rule) in [
        (json!({"unit": "HCM"}), "unit", "unknown_value"),
        (json!({"unit": "TW"}), "unit", "unknown_value"),
        (json!({"roles": ["king"]}), "roles[0]", "unknown_value"),
        (json!({"roles": []}), "roles", "required"),
        (json!({"password": "ngắn"}), "password", "password_length"),
        (json!({"username": "x"}), "username", "username_format"),
    ] {
        let mut b = json!({"username": "outsider", "display_name": "Người ngoài", "unit": "HNI",
                           "roles": ["administrator"], "password": password});
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (s, p) = app
            .call("POST", "/api/v1/users", Some("admin.hni"), Some(b))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
        assert_eq!(p["errors"][0]["rule"], rule, "{body}: {p}");
    }
    assert_eq!(
        login(&app, "outsider", password).await,
        StatusCode::UNAUTHORIZED
    );
    // Only the two successful acts above were written.
    assert_eq!(app.count("units").await, units_before);
    assert_eq!(
        app.count(created).await,
        created_before + 2,
        "the commune, its clerk and nothing else"
    );
    assert!(app.count("audit_log").await > audit_before);
    // The list holds the province's users, not another's.
    let (s, l) = app
        .call("GET", "/api/v1/users", Some("admin.hni"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    let names: Vec<&str> = l
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"clerk.hni") && names.contains(&"clerk.m02"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.ends_with(".hcm")), "{names:?}");
    assert!(!l.to_string().contains("password"), "{l}");
    // Stopping: another province's user is not found and keeps working.
    let (s, _) = app
        .call(
            "PUT",
            "/api/v1/users/clerk.hcm/active",
            Some("admin.hni"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.call("GET", "/api/v1/me", Some("clerk.hcm"), None).await;
    assert_eq!(s, StatusCode::OK);
    // One's own is stopped at once, and let in again.
    let (s, p) = app
        .call(
            "PUT",
            "/api/v1/users/clerk.hni/active",
            Some("admin.hni"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{p}");
    let (s, _) = app.call("GET", "/api/v1/me", Some("clerk.hni"), None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "a stopped account's token stops"
    );
    assert_eq!(
        login(&app, "clerk.hni", common::PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    let (s, _) = app
        .call(
            "PUT",
            "/api/v1/users/clerk.hni/active",
            Some("admin.hni"),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        login(&app, "clerk.hni", common::PASSWORD).await,
        StatusCode::OK
    );
    // An administrator cannot stop themselves; nobody else may manage users.
    let (s, p) = app
        .call(
            "PUT",
            "/api/v1/users/admin.hni/active",
            Some("admin.hni"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    for who in ["leader.hni", "handler.hni"] {
        let (s, _) = app.call("GET", "/api/v1/users", Some(who), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        let (s, _) = app
            .call(
                "POST",
                "/api/v1/users",
                Some(who),
                Some(
                    json!({"username": "sneaky", "display_name": "x", "unit": "HNI",
                            "roles": ["administrator"], "password": password}),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
}

async fn a_central_administrators_calendar_or_rule_change_recomputes_open_due_dates(
    app: common::App,
) {
    let v = register(
        &app,
        "clerk.hni",
        letter("denunciation", "Cán bộ địa chính"),
    )
    .await;
    let matter = v["matter_views"][0]["id"].as_str().unwrap().to_owned();
    // Received Monday 2 November 2026: 7 working days to register and
    // classify (Law on Denunciations art. 24(1)) end on Wednesday 11 November.
    assert_eq!(
        matter_due(&app, &matter).await,
        ("2026-11-11".to_owned(), "denunciation_register".to_owned())
    );
    let (s, p) = app
        .call(
            "PUT",
            "/api/v1/calendar/days/2026-11-05",
            Some("admin"),
            Some(json!({"kind": "day_off", "name": "Nghỉ bù"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{p}");
    // Thursday 5 November is now off: the seventh working day is the 12th,
    // stored in the same transaction that entered the day.
    assert_eq!(matter_due(&app, &matter).await.0, "2026-11-12");
    let (_, overdue) = app
        .call(
            "GET",
            "/api/v1/letters?overdue=true",
            Some("leader.hni"),
            None,
        )
        .await;
    assert_eq!(
        overdue["total"], 1,
        "the stored date is what the list reads"
    );
    // Counted in plain days instead, 7 days from 2 November is Monday the 9th.
    let (s, p) = app
        .call(
            "PUT",
            "/api/v1/rules/denunciation_register",
            Some("admin"),
            Some(json!({"unit": "days"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{p}");
    assert_eq!(matter_due(&app, &matter).await.0, "2026-11-09");
    let (s, _) = app
        .call(
            "DELETE",
            "/api/v1/calendar/days/2026-11-05",
            Some("admin"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app
        .call(
            "PUT",
            "/api/v1/rules/denunciation_register",
            Some("admin"),
            Some(json!({"unit": "working_days"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(matter_due(&app, &matter).await.0, "2026-11-11");
}

// ------------------------------------------------------------ the matrix

/// What a route's path parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Obj {
    /// No record: a list, a form, the caller's own things.
    None,
    Letter,
    LetterRef,
    Attachment,
    Matter,
    UnsealRequest,
    Reseal,
    Case,
    Party,
    Monitoring,
    CaseTransfer,
    Person,
    Unit,
    User,
    Token,
    Meeting,
    Task,
    Round,
    Inspection,
    Alert,
}

/// Who may use a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// No login (the public channel, probes, static files, the login).
    Public,
    /// Any signed-in caller.
    Anyone,
    /// Reading needs the first right; a write also the second. Without the
    /// first, 403 whatever the record; with it, a record outside its reach
    /// is a 404; with the first but not the second, a reachable record is a
    /// 403.
    Rights(Right, Option<Right>),
    /// Either right will do.
    Either(Right, Right),
    /// Any signed-in caller, on their own records only: another's answers
    /// like a missing one (404).
    Own,
    /// A rule of its own (the custodians of the letter's unit, the
    /// receiving agency, the central level): only the scope half of the
    /// table is checked — outside the reach it is a 403 or 404 and answers
    /// like a missing record; inside, what the rule says.
    Special(Right),
}

struct Spec {
    access: Access,
    obj: Obj,
    /// A body that passes deserialisation, so that the probe reaches the gate.
    body: Option<Value>,
}

fn spec(method: &str, path: &str) -> Option<Spec> {
    use Access::*;
    use Obj as O;
    use Right as R;
    let s = |access, obj, body: Option<Value>| Some(Spec { access, obj, body });
    let reason = Some(json!({"reason": "Cần xác minh danh tính người tố cáo"}));
    let password = Some(json!({"password": common::PASSWORD}));
    let form_body = Some(json!({}));
    match (method, path) {
        (
            "GET",
            "/api/v1/openapi.json" | "/static/app.css" | "/static/pow.js" | "/healthz" | "/readyz",
        )
        | ("POST", "/api/v1/session")
        | ("GET" | "POST", "/report" | "/follow" | "/login")
        | ("GET", "/report/{kind}" | "/")
        | ("POST", "/follow/reply" | "/language") => s(Public, O::None, None),
        ("DELETE", "/api/v1/session")
        | ("GET", "/api/v1/me")
        | ("GET" | "POST", "/api/v1/tokens") => s(Anyone, O::None, None),
        ("DELETE", "/api/v1/tokens/{id}") => s(Own, O::Token, None),
        ("GET", "/api/v1/calendar/{year}" | "/api/v1/rules" | "/api/v1/fields" | "/calendar") => {
            s(Anyone, O::None, None)
        }
        ("POST", "/logout") => s(Anyone, O::None, form_body),
        // One's own account: every signed-in caller, on their own only.
        ("GET", "/account") => s(Anyone, O::None, None),
        ("POST", "/account/password") => s(
            Anyone,
            O::None,
            Some(
                json!({"current_password": "sai mật khẩu", "new_password": "mật khẩu mới đủ dài", "repeat_password": "khác"}),
            ),
        ),
        ("POST", "/account/factor") => s(Anyone, O::None, form_body),
        ("POST", "/account/factor/confirm" | "/account/factor/remove") => {
            s(Anyone, O::None, Some(json!({"code": "000000"})))
        }
        ("POST", "/account/sessions/end") => s(Anyone, O::None, Some(json!({"session": "00"}))),
        ("GET", "/api/v1/units") => s(Either(R::ReadPetitions, R::Administer), O::None, None),
        // An unknown unit: the gate is passed, nothing is created.
        ("POST", "/api/v1/units") => s(
            Rights(R::Administer, Some(R::Administer)),
            O::None,
            Some(json!({"code": "HNI-M99", "name": "Xã thử", "kind": "commune", "parent": "ZZZ"})),
        ),
        ("GET", "/api/v1/users") => s(Rights(R::Administer, None), O::None, None),
        ("POST", "/api/v1/users") => s(
            Rights(R::Administer, Some(R::Administer)),
            O::None,
            Some(
                json!({"username": "probe.user", "display_name": "Thử", "unit": "ZZZ",
                        "roles": ["handler"], "password": "một mật khẩu đủ dài"}),
            ),
        ),
        ("PUT", "/api/v1/users/{username}/active") => s(
            Rights(R::Administer, Some(R::Administer)),
            O::User,
            Some(json!({"active": true})),
        ),
        ("POST", "/admin/users/{username}/active") => s(
            Rights(R::Administer, Some(R::Administer)),
            O::User,
            Some(json!({"active": "true"})),
        ),
        // Without the box ticked: the gate is passed, nothing is reset.
        ("POST", "/api/v1/users/{username}/password-reset" | "/admin/users/{username}/reset") => {
            s(Rights(R::Administer, Some(R::Administer)), O::User, None)
        }
        ("GET", "/admin/users") => s(Rights(R::Administer, None), O::None, None),
        // National data: the gate's rule of its own (the central level).
        ("POST", "/calendar/days") => s(
            Special(R::Administer),
            O::None,
            Some(json!({"date": "2026-12-31", "kind": "day_off", "name": "Thử"})),
        ),
        ("POST", "/calendar/days/{date}/remove") => s(Special(R::Administer), O::None, form_body),
        ("GET", "/admin/rules") => s(Anyone, O::None, None),
        ("GET", "/admin/units") => s(Rights(R::Administer, None), O::None, None),
        // An unknown parent: the gate is passed, nothing is created.
        ("POST", "/admin/units") => s(
            Rights(R::Administer, Some(R::Administer)),
            O::None,
            Some(json!({"code": "HNI-M99", "name": "Xã thử", "kind": "commune", "parent": "ZZZ"})),
        ),
        ("POST", "/admin/units/{code}/policy") => s(
            Rights(R::Administer, Some(R::Administer)),
            O::Unit,
            Some(json!({"policy": "vn"})),
        ),
        ("POST", "/admin/rules/{code}") => s(
            Special(R::Administer),
            O::None,
            Some(json!({"unit": "working_days"})),
        ),
        ("POST", "/admin/users") => s(
            Rights(R::Administer, Some(R::Administer)),
            O::None,
            Some(json!({"username": "x"})),
        ),
        ("PUT", "/api/v1/units/{code}/policy") => s(
            Rights(R::Administer, Some(R::Administer)),
            O::Unit,
            Some(json!({"policy": "vn"})),
        ),
        ("PUT" | "DELETE", "/api/v1/calendar/days/{date}") | ("PUT", "/api/v1/rules/{code}") => s(
            Special(R::Administer),
            O::None,
            Some(json!({"kind": "day_off", "name": "x", "unit": "days"})),
        ),
        ("POST", "/api/v1/rules/{code}/versions") => s(
            Special(R::Administer),
            O::None,
            Some(
                json!({"valid_from": "2999-01-01", "amount": 7, "unit": "days", "citation": "Thử ma trận"}),
            ),
        ),
        // A node's figures: the central level's administrators.
        ("GET", "/metrics") => s(Special(R::Administer), O::None, None),
        ("GET", "/api/v1/audit/verify" | "/api/v1/audit/checkpoint") => {
            s(Rights(R::ReadAudit, None), O::None, None)
        }
        ("GET", "/api/v1/letters" | "/api/v1/deadlines" | "/petitions") => {
            s(Rights(R::ReadPetitions, None), O::None, None)
        }
        ("POST", "/api/v1/letters") => s(
            Rights(R::RegisterLetter, None),
            O::None,
            Some(letter("complaint", "Ma trận")),
        ),
        ("GET", "/petitions/new" | "/petitions/import") => s(Anyone, O::None, None),
        ("POST", "/petitions/import") => s(
            Rights(R::ReadPetitions, Some(R::RegisterLetter)),
            O::None,
            None,
        ),
        ("POST", "/petitions") => s(Rights(R::RegisterLetter, None), O::None, None),
        ("GET", "/api/v1/letters/by-reference/{reference}") => {
            s(Rights(R::ReadPetitions, None), O::LetterRef, None)
        }
        ("GET", "/api/v1/letters/{id}" | "/api/v1/letters/{id}/messages" | "/petitions/{id}") => {
            s(Rights(R::ReadPetitions, None), O::Letter, None)
        }
        // The probe's file is no register: refused (422) once the gate
        // lets the caller in.
        ("POST", "/api/v1/letters/import") => s(
            Rights(R::ReadPetitions, Some(R::RegisterLetter)),
            O::None,
            None,
        ),
        ("POST", "/api/v1/letters/{id}/attachments") => s(
            Rights(R::ReadPetitions, Some(R::RegisterLetter)),
            O::Letter,
            None,
        ),
        ("POST", "/api/v1/letters/{id}/acknowledge" | "/petitions/{id}/acknowledge") => s(
            Rights(R::ReadPetitions, Some(R::HandleMatter)),
            O::Letter,
            form_body,
        ),
        ("GET", "/api/v1/letters/{id}/similar") => {
            s(Rights(R::ReadPetitions, None), O::Letter, None)
        }
        ("POST", "/api/v1/letters/{id}/join" | "/petitions/{id}/join") => s(
            Rights(R::ReadPetitions, Some(R::RegisterLetter)),
            O::Letter,
            // A matter that is nowhere: the gate is passed, nothing is joined.
            Some(json!({"matter_id": "00000000-0000-4000-8000-000000000000"})),
        ),
        ("POST", "/api/v1/letters/{id}/transfer") => s(
            Rights(R::ReadPetitions, Some(R::HandleMatter)),
            O::Letter,
            // An unknown unit: the gate is passed, nothing is moved.
            Some(json!({"to_unit": "ZZZ", "reason": "Không thuộc thẩm quyền"})),
        ),
        ("POST", "/api/v1/letters/{id}/messages" | "/petitions/{id}/messages") => s(
            Rights(R::ReadPetitions, Some(R::HandleMatter)),
            O::Letter,
            Some(json!({"body": "Xin cung cấp thêm tài liệu."})),
        ),
        ("POST", "/api/v1/letters/{id}/unseal-requests" | "/petitions/{id}/unseal-request") => {
            s(Special(R::ReadPetitions), O::Letter, reason)
        }
        ("POST", "/api/v1/letters/{id}/identity" | "/petitions/{id}/identity") => {
            s(Special(R::ReadPetitions), O::Letter, password)
        }
        ("GET", "/api/v1/attachments/{id}") => {
            s(Rights(R::ReadPetitions, None), O::Attachment, None)
        }
        ("GET", "/api/v1/matters/{id}") => s(Rights(R::ReadPetitions, None), O::Matter, None),
        ("POST", "/api/v1/matters/{id}/actions" | "/matters/{id}/actions") => s(
            Rights(R::ReadPetitions, Some(R::HandleMatter)),
            O::Matter,
            Some(json!({"action": "start_verification", "letter": "LETTER"})),
        ),
        ("POST", "/api/v1/matters/{id}/assign") => s(
            Rights(R::ReadPetitions, Some(R::ConcludeMatter)),
            O::Matter,
            Some(json!({"handler": null})),
        ),
        ("POST", "/matters/{id}/assign") => s(
            Rights(R::ReadPetitions, Some(R::ConcludeMatter)),
            O::Matter,
            Some(json!({"handler": "", "letter": "LETTER"})),
        ),
        ("GET", "/api/v1/unseal-requests" | "/api/v1/reseals" | "/custody") => {
            s(Rights(R::ApproveUnseal, None), O::None, None)
        }
        ("POST", "/api/v1/unseal-requests/{id}/decision" | "/custody/{id}") => s(
            Special(R::ApproveUnseal),
            O::UnsealRequest,
            Some(json!({"approve": false, "note": "Chưa đủ căn cứ"})),
        ),
        ("POST", "/api/v1/reseals/{id}" | "/custody/reseal/{id}") => {
            s(Special(R::ApproveUnseal), O::Reseal, password)
        }
        ("GET", "/operator") => s(Anyone, O::None, None),
        ("POST", "/operator" | "/api/v1/operator/reports") => s(
            Rights(R::RegisterLetter, None),
            O::None,
            Some(json!({"channel": "hotline"})),
        ),
        ("GET", "/committee/inspections" | "/api/v1/committee/inspections") => {
            s(Rights(R::ReadCommitteeWork, None), O::None, None)
        }
        ("POST", "/committee/inspections" | "/api/v1/committee/inspections") => {
            s(Rights(R::RunCommittee, None), O::None, Some(json!({})))
        }
        ("GET", "/committee/inspections/{id}" | "/api/v1/committee/inspections/{id}") => {
            s(Rights(R::ReadCommitteeWork, None), O::Inspection, None)
        }
        ("POST", "/committee/inspections/{id}" | "/api/v1/committee/inspections/{id}/findings") => {
            s(
                Rights(R::ReadCommitteeWork, Some(R::RunCommittee)),
                O::Inspection,
                Some(json!({"findings": "Phát hiện thiếu sót"})),
            )
        }
        ("GET", "/committee" | "/committee/tasks")
        | (
            "GET",
            "/api/v1/committee/meetings"
            | "/api/v1/committee/tasks"
            | "/api/v1/committee/figures"
            | "/api/v1/committee/figures/by-committee"
            | "/committee/figures.xlsx"
            | "/api/v1/meetings.ics",
        ) => s(Rights(R::ReadCommitteeWork, None), O::None, None),
        ("POST", "/committee" | "/api/v1/committee/meetings") => {
            s(Rights(R::RunCommittee, None), O::None, Some(json!({})))
        }
        ("GET", "/committee/meetings/{id}" | "/api/v1/committee/meetings/{id}") => {
            s(Rights(R::ReadCommitteeWork, None), O::Meeting, None)
        }
        ("POST", "/committee/meetings/{id}" | "/api/v1/committee/meetings/{id}/conclusions") => s(
            Rights(R::ReadCommitteeWork, Some(R::RunCommittee)),
            O::Meeting,
            Some(json!({})),
        ),
        // A meeting's documents: added by its committee's leaders (the form
        // names no right the table knows); opened within the reach.
        ("POST", "/committee/meetings/{id}/documents")
        | ("GET", "/committee/meetings/{id}/documents/{doc}") => {
            s(Special(R::ReadCommitteeWork), O::Meeting, None)
        }
        ("GET", "/committee/tasks/{id}" | "/api/v1/committee/tasks/{id}") => {
            s(Rights(R::ReadCommitteeWork, None), O::Task, None)
        }
        ("POST", "/api/v1/committee/tasks/{id}/steps") => s(
            Rights(R::ReadCommitteeWork, Some(R::RunCommittee)),
            O::Task,
            Some(json!({"action": "accept"})),
        ),
        // The owner's report or the committee's decision, by the action
        // the form names; a document of a step: the scope half.
        ("POST", "/committee/tasks/{id}") | ("GET", "/committee/tasks/{id}/documents/{sha}") => {
            s(Special(R::ReadCommitteeWork), O::Task, None)
        }
        ("GET", "/screening" | "/api/v1/screening/rounds") => {
            s(Rights(R::ScreenPersons, None), O::None, None)
        }
        ("POST", "/screening" | "/api/v1/screening/rounds") => {
            s(Rights(R::ScreenPersons, None), O::None, Some(json!({})))
        }
        // A round is not there for whoever lacks the right (404, not 403).
        (
            "GET",
            "/screening/{id}" | "/api/v1/screening/rounds/{id}" | "/screening/{id}/reply.xlsx",
        ) => s(Special(R::ScreenPersons), O::Round, None),
        ("POST", "/screening/{id}/import" | "/api/v1/screening/rounds/{id}/candidates") => {
            s(Special(R::ScreenPersons), O::Round, None)
        }
        (
            "POST",
            "/screening/{id}/candidates/{candidate}"
            | "/api/v1/screening/rounds/{id}/candidates/{candidate}/answer",
        ) => s(Special(R::ScreenPersons), O::Round, Some(json!({}))),
        ("POST", "/api/v1/letters/{id}/subjects") => s(
            Rights(R::ReadPetitions, Some(R::HandleMatter)),
            O::Letter,
            Some(json!({"person": "00000000-0000-0000-0000-000000000000"})),
        ),
        ("GET", "/reception") => s(Rights(R::ReadPetitions, None), O::None, None),
        ("POST", "/reception" | "/api/v1/reception/sessions") => {
            s(Rights(R::RegisterLetter, None), O::None, Some(json!({})))
        }
        ("GET", "/api/v1/reception/figures" | "/api/v1/reception/compliance") => {
            s(Rights(R::ReadPetitions, None), O::None, None)
        }
        ("GET", "/api/v1/reception/schedules") => s(Rights(R::ReadPetitions, None), O::None, None),
        ("PUT", "/api/v1/reception/schedules") => s(
            Either(R::ConcludeMatter, R::Administer),
            O::None,
            Some(json!({"head": "x"})),
        ),
        (
            "GET",
            "/api/v1/cases"
            | "/api/v1/watchlist"
            | "/api/v1/case-deadlines"
            | "/api/v1/case-transfers"
            | "/cases"
            | "/watchlist",
        ) => s(Rights(R::ReadCases, None), O::None, None),
        ("GET", "/cases/new") => s(Rights(R::HandleCases, None), O::None, None),
        ("POST", "/api/v1/cases" | "/cases") => {
            s(Rights(R::HandleCases, None), O::None, Some(json!({})))
        }
        ("GET", "/api/v1/cases/{id}" | "/cases/{id}") => {
            s(Rights(R::ReadCases, None), O::Case, None)
        }
        ("POST", "/api/v1/cases/{id}/stage") => s(
            Rights(R::ReadCases, Some(R::HandleCases)),
            O::Case,
            Some(json!({"action": "extend", "on": "2026-11-20"})),
        ),
        ("POST", "/api/v1/cases/{id}/transfers") => s(
            Rights(R::ReadCases, Some(R::HandleCases)),
            O::Case,
            Some(json!({"to": "VKS-HNI", "sent_on": "2026-11-20"})),
        ),
        ("POST", "/api/v1/cases/{id}/parties") => s(
            Rights(R::ReadCases, Some(R::HandleCases)),
            O::Case,
            Some(json!({"person": {"full_name": "Trần Văn Ma"}, "role": "witness"})),
        ),
        ("POST", "/api/v1/cases/{id}/assets") => s(
            Rights(R::ReadCases, Some(R::HandleCases)),
            O::Case,
            Some(
                json!({"kind": "damage", "route": "inspection", "on": "2026-11-20", "amount_vnd": 1}),
            ),
        ),
        ("POST", "/cases/{id}/{form}") => s(
            Rights(R::ReadCases, Some(R::HandleCases)),
            O::Case,
            Some(json!({"action": "extend", "on": "2026-11-20"})),
        ),
        ("POST", "/api/v1/cases/{id}/access") => s(
            Rights(R::ReadCases, Some(R::DecideMonitoring)),
            O::Case,
            Some(json!({"username": "leader.tw"})),
        ),
        ("POST", "/api/v1/cases/{id}/monitoring") => s(
            Rights(R::ReadCases, Some(R::DecideMonitoring)),
            O::Case,
            // An unknown committee: the gate is passed, nothing is placed.
            Some(json!({"committee": "ZZZ", "session": "Phiên 3", "decided_on": "2026-11-20"})),
        ),
        (
            "POST",
            "/api/v1/case-transfers/{id}/acknowledge" | "/case-transfers/{id}/acknowledge",
        ) => s(Special(R::ReadCases), O::CaseTransfer, form_body),
        ("POST", "/api/v1/monitorings/{id}/targets") => s(
            Rights(R::ReadCases, Some(R::DecideMonitoring)),
            O::Monitoring,
            Some(json!({"milestone": "indicted", "due_on": "2027-06-30"})),
        ),
        ("POST", "/api/v1/monitorings/{id}/removal") => s(
            Rights(R::ReadCases, Some(R::DecideMonitoring)),
            O::Monitoring,
            Some(json!({"session": "Phiên 4", "on": "2026-11-25"})),
        ),
        ("POST", "/api/v1/case-parties/{id}/charges") => s(
            Rights(R::ReadCases, Some(R::HandleCases)),
            O::Party,
            Some(json!({"article": 354, "clause": 2, "class": "very_serious"})),
        ),
        (
            "POST",
            "/api/v1/sanctions" | "/api/v1/persons" | "/api/v1/organisations" | "/api/v1/links",
        ) => s(Rights(R::HandleCases, None), O::None, Some(json!({}))),
        ("GET", "/api/v1/persons" | "/api/v1/organisations") => {
            s(Rights(R::HandleCases, None), O::None, None)
        }
        ("GET", "/api/v1/persons/{id}" | "/persons/{id}") => {
            s(Rights(R::ScreenPersons, None), O::Person, None)
        }
        ("GET", "/api/v1/export/ftm") => s(Rights(R::ScreenPersons, None), O::None, None),
        (
            "GET",
            "/api/v1/reports"
            | "/api/v1/reports/{form}"
            | "/api/v1/reports/{form}/cells/{column}"
            | "/api/v1/reports/{form}/issued"
            | "/api/v1/summary"
            | "/api/v1/case-figures"
            | "/reports"
            | "/reports/{form}"
            | "/reports/{form}/cells/{column}"
            | "/dashboard",
        ) => s(Rights(R::ReadStatistics, None), O::None, None),
        ("GET", "/api/v1/hotspots" | "/hotspots") => {
            s(Rights(R::ReadStatistics, None), O::None, None)
        }
        ("GET", "/api/v1/hotspots/{id}") => s(Rights(R::ReadStatistics, None), O::Alert, None),
        ("POST", "/api/v1/hotspots/scan" | "/hotspots/scan") => {
            s(Rights(R::WatchHotSpots, None), O::None, Some(json!({})))
        }
        ("POST", "/api/v1/hotspots/{id}/acknowledge" | "/hotspots/{id}/acknowledge") => s(
            Rights(R::ReadStatistics, Some(R::WatchHotSpots)),
            O::Alert,
            Some(json!({"note": "Đã giao Thanh tra tỉnh nắm tình hình"})),
        ),
        ("POST", "/api/v1/reports/{form}/issue" | "/reports/{form}/issue") => s(
            Rights(R::IssueReports, None),
            O::None,
            Some(json!({"period": "2026-Q4", "unit": "HNI", "tree": "as_of"})),
        ),
        _ => None,
    }
}

/// The callers: one user of each role in Hà Nội.
const CALLERS: [(&str, &[Role]); 7] = [
    ("clerk.hni", &[Role::IntakeClerk]),
    ("handler.hni", &[Role::Handler]),
    ("leader.hni", &[Role::Leader, Role::Handler]),
    ("analyst.hni", &[Role::Analyst]),
    ("auditor.hni", &[Role::Auditor]),
    ("custodian.hni", &[Role::Custodian]),
    ("admin.hni", &[Role::Administrator]),
];

/// Where a record lies, relative to the callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Own,
    Child,
    Other,
    Restricted,
    Missing,
}

/// The records the probes point at, per kind and target.
#[derive(Default)]
struct World {
    ids: BTreeMap<(&'static str, Target), String>,
    /// Texts of records outside the callers' reach that no answer may hold.
    secrets: Vec<String>,
    /// The own letter (for page forms that name it).
    own_letter: String,
}

impl World {
    fn put(&mut self, kind: &'static str, t: Target, id: impl Into<String>) {
        self.ids.insert((kind, t), id.into());
    }
}

fn kind_of(o: Obj) -> &'static str {
    match o {
        Obj::None => "none",
        Obj::Letter => "letter",
        Obj::LetterRef => "letter_ref",
        Obj::Attachment => "attachment",
        Obj::Matter => "matter",
        Obj::UnsealRequest => "unseal_request",
        Obj::Reseal => "reseal",
        Obj::Case => "case",
        Obj::Party => "party",
        Obj::Monitoring => "monitoring",
        Obj::CaseTransfer => "case_transfer",
        Obj::Person => "person",
        Obj::Unit => "unit",
        Obj::User => "user",
        Obj::Token => "token",
        Obj::Meeting => "meeting",
        Obj::Task => "task",
        Obj::Round => "round",
        Obj::Inspection => "inspection",
        Obj::Alert => "alert",
    }
}

async fn ok(app: &common::App, method: &str, uri: &str, who: &str, body: Value) -> Value {
    let (s, v) = app.call(method, uri, Some(who), Some(body)).await;
    assert!(s.is_success(), "{method} {uri} as {who}: {s} {v}");
    v
}

/// Builds the records: in Hà Nội, in its commune or its police agency, in
/// Hồ Chí Minh City, and a restricted case in Hà Nội naming nobody probed.
async fn world(app: &mut common::App) -> World {
    use liem_domain::unit::UnitKind;
    common::staff(
        app,
        "HNI-M01",
        UnitKind::Commune,
        "HNI",
        jiff::civil::date(2025, 7, 1),
        "clerk.m01",
        vec![Role::IntakeClerk],
    )
    .await;
    common::staff(
        app,
        "CA-HCM",
        UnitKind::PoliceInvestigation,
        "HCM",
        jiff::civil::date(2025, 7, 1),
        "handler.cahcm",
        vec![Role::Handler],
    )
    .await;
    let mut w = World::default();
    // Letters, their matters and attachments; sealed ones with requests.
    for (t, clerk, handler) in [
        (Target::Own, "clerk.hni", "handler.hni"),
        (Target::Child, "clerk.m01", ""),
        (Target::Other, "clerk.hcm", "handler.hcm"),
    ] {
        let mut body = letter("denunciation", &format!("Thư {t:?}"));
        body["seal_identity"] = json!(!handler.is_empty());
        let v = ok(app, "POST", "/api/v1/letters", clerk, body).await;
        let id = v["id"].as_str().unwrap().to_owned();
        let reference = v["reference"].as_str().unwrap().to_owned();
        w.put("letter", t, &id);
        w.put("letter_ref", t, &reference);
        w.put("matter", t, v["matter_views"][0]["id"].as_str().unwrap());
        let (ct, bytes) =
            common::multipart(&[], &[("file", "scan.pdf", b"%PDF-1.4 matrix\n%%EOF")]);
        let req = Request::builder()
            .method("POST")
            .uri(format!("/api/v1/letters/{id}/attachments"))
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.tokens[clerk]),
            )
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(bytes))
            .unwrap();
        let (s, a) = app.raw(req, "10.0.0.9").await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        let a: Value = serde_json::from_str(&a).unwrap();
        w.put("attachment", t, a[0]["id"].as_str().unwrap());
        if t == Target::Own {
            w.own_letter = id.clone();
        }
        if t == Target::Other {
            w.secrets.push(reference);
        }
        if !handler.is_empty() {
            let r = ok(
                app,
                "POST",
                &format!("/api/v1/letters/{id}/unseal-requests"),
                handler,
                json!({"reason": "Cần xác minh danh tính người tố cáo"}),
            )
            .await;
            w.put("unseal_request", t, r["id"].as_str().unwrap());
        }
    }
    // Sealed letters transferred out, waiting to be re-sealed.
    for (t, clerk, handler, to) in [
        (Target::Own, "clerk.hni", "handler.hni", "TW"),
        (Target::Other, "clerk.hcm", "handler.hcm", "CA-HCM"),
    ] {
        let mut body = letter("denunciation", "Chuyển đi");
        body["seal_identity"] = json!(true);
        let v = ok(app, "POST", "/api/v1/letters", clerk, body).await;
        let id = v["id"].as_str().unwrap();
        let tr = ok(
            app,
            "POST",
            &format!("/api/v1/letters/{id}/transfer"),
            handler,
            json!({"to_unit": to, "reason": "Không thuộc thẩm quyền"}),
        )
        .await;
        w.put("reseal", t, tr["id"].as_str().unwrap());
    }
    // Cases, with a party, a monitoring and a transfer each.
    let case = |title: &str| {
        json!({"kind": "case", "title": title, "summary": "Sai phạm đấu thầu", "source": "inspection",
               "field": "corruption", "opened_on": "2026-10-01", "class": "very_serious"})
    };
    for (t, handler, leader, committee, agency) in [
        (Target::Own, "handler.hni", "leader.hni", "HNI", "CA-HNI"),
        (Target::Child, "handler.ca", "", "", "VKS-HNI"),
        (Target::Other, "handler.hcm", "leader.hcm", "HCM", "CA-HCM"),
        (Target::Restricted, "handler.ca", "", "", "VKS-HNI"),
    ] {
        let mut body = case(&format!("Vụ án {t:?}"));
        if t == Target::Restricted {
            body["restricted"] = json!(true);
        }
        let c = ok(app, "POST", "/api/v1/cases", handler, body).await;
        let id = c["id"].as_str().unwrap().to_owned();
        w.put("case", t, &id);
        ok(
            app,
            "POST",
            &format!("/api/v1/cases/{id}/stage"),
            handler,
            json!({"action": "prosecute", "on": "2026-10-05"}),
        )
        .await;
        let p = ok(
            app,
            "POST",
            &format!("/api/v1/cases/{id}/parties"),
            handler,
            json!({"person": {"full_name": format!("Bị can {t:?}")}, "role": "accused", "prosecuted_on": "2026-10-05"}),
        )
        .await;
        w.put("party", t, p["id"].as_str().unwrap());
        let (_, party) = app
            .call("GET", &format!("/api/v1/cases/{id}"), Some(handler), None)
            .await;
        if let Some(pid) = party["parties"][0]["party"]["id"].as_str() {
            w.put("person", t, pid);
        }
        let tr = ok(
            app,
            "POST",
            &format!("/api/v1/cases/{id}/transfers"),
            handler,
            json!({"to": agency, "sent_on": "2026-10-10"}),
        )
        .await;
        w.put("case_transfer", t, tr["id"].as_str().unwrap());
        if !committee.is_empty() {
            let m = ok(
                app,
                "POST",
                &format!("/api/v1/cases/{id}/monitoring"),
                leader,
                json!({"committee": committee, "session": "Phiên 1", "decided_on": "2026-10-15"}),
            )
            .await;
            w.put("monitoring", t, m["id"].as_str().unwrap());
        }
        if matches!(t, Target::Other | Target::Restricted) {
            w.secrets.push(format!("Vụ án {t:?}"));
        }
    }
    // Committee meetings with a conclusion giving a task to an agency.
    for (t, leader, agency) in [
        (Target::Own, "leader.hni", "CA-HNI"),
        (Target::Other, "leader.hcm", "CA-HCM"),
    ] {
        let m = ok(
            app,
            "POST",
            "/api/v1/committee/meetings",
            leader,
            json!({"kind": "session", "held_on": "2026-10-20", "place": format!("Phòng họp {t:?}"),
                   "chair": "Trưởng ban", "members_total": 9, "present": ["A", "B"], "quorum": true}),
        )
        .await;
        let mid = m["id"].as_str().unwrap().to_owned();
        ok(
            app,
            "POST",
            &format!("/api/v1/committee/meetings/{mid}/conclusions"),
            leader,
            json!({"kind": "conclusion", "number": "01-KL/BCĐ", "issued_on": "2026-10-21",
                   "summary": format!("Kết luận {t:?}"),
                   "directions": [{"text": "Đẩy nhanh điều tra", "tasks": [{"owner": agency, "due_working_days": 10}]}]}),
        )
        .await;
        let (_, v) = app
            .call(
                "GET",
                &format!("/api/v1/committee/meetings/{mid}"),
                Some(leader),
                None,
            )
            .await;
        let i = ok(
            app,
            "POST",
            "/api/v1/committee/inspections",
            leader,
            json!({"kind": "regular", "title": format!("Kiểm tra {t:?}"), "subjects": [agency],
                   "team": ["Trưởng đoàn"], "from": "2026-10-01", "to": "2026-10-15"}),
        )
        .await;
        w.put("inspection", t, i["id"].as_str().unwrap());
        if t == Target::Other {
            w.secrets.push(format!("Kiểm tra {t:?}"));
        }
        w.put("meeting", t, &mid);
        w.put("task", t, v["tasks"][0]["id"].as_str().unwrap());
        if t == Target::Other {
            w.secrets.push(format!("Kết luận {t:?}"));
        }
    }
    // Screening rounds.
    for (t, leader) in [(Target::Own, "leader.hni"), (Target::Other, "leader.hcm")] {
        let r = ok(
            app,
            "POST",
            "/api/v1/screening/rounds",
            leader,
            json!({"kind": "congress", "title": format!("Đại hội {t:?}"), "level": "tỉnh",
                   "requested_by": "Ban Tổ chức", "deadline": "2026-12-20",
                   "candidates": [{"full_name": format!("Ứng viên {t:?}")}]}),
        )
        .await;
        w.put("round", t, r["id"].as_str().unwrap());
        if t == Target::Other {
            w.secrets.push(format!("Ứng viên {t:?}"));
        }
    }
    // Hot-spot alerts, one in each unit, as a scan would have raised them.
    {
        let mut c = app.state.store.conn().await.unwrap();
        let mut found = Vec::new();
        for code in ["HNI", "HNI-M01", "HCM"] {
            let u = liem_store::units::by_code(&mut c, code).await.unwrap();
            found.push(liem_store::hotspots::Found {
                unit: u.id,
                field: "admin_land".into(),
                window_from: jiff::civil::date(2026, 11, 1),
                window_to: jiff::civil::date(2026, 11, 28),
                observed: 12,
                letters: 11,
                collective: 2,
                delegations: 1,
                expected_milli: 3000,
                llr_milli: 8000,
                p_micro: 1000,
            });
        }
        drop(c);
        let mut tx = app.state.store.begin().await.unwrap();
        liem_store::hotspots::record_run(
            &mut tx,
            &liem_store::audit::Actor::system("test"),
            &liem_store::hotspots::RunFacts {
                as_of: jiff::civil::date(2026, 11, 28),
                nightly: true,
                weeks: 56,
                max_window: 4,
                replicas: 999,
                cells: 3,
                counted: 36,
                millis: 1,
                requested_by: None,
            },
            &found,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut c = app.state.store.conn().await.unwrap();
        let all = liem_store::hotspots::alerts(
            &mut c,
            &liem_domain::role::Scope::Subtree("/".into()),
            &Default::default(),
            10,
        )
        .await
        .unwrap();
        for (t, code) in [
            (Target::Own, "HNI"),
            (Target::Child, "HNI-M01"),
            (Target::Other, "HCM"),
        ] {
            let a = all.iter().find(|a| a.unit == code).expect("an alert");
            w.put("alert", t, a.id.to_string());
        }
    }
    w.put("unit", Target::Own, "HNI");
    w.put("unit", Target::Child, "HNI-M01");
    w.put("unit", Target::Other, "HCM");
    // Records that do not exist.
    let missing = uuid::Uuid::now_v7().to_string();
    for k in [
        "letter",
        "attachment",
        "matter",
        "unseal_request",
        "reseal",
        "case",
        "party",
        "monitoring",
        "case_transfer",
        "person",
        "meeting",
        "task",
        "round",
        "inspection",
        "alert",
    ] {
        w.put(k, Target::Missing, &missing);
    }
    w.put("letter_ref", Target::Missing, "HNI-2026-999999");
    w.put("unit", Target::Missing, "ZZZ");
    let t = ok(app, "POST", "/api/v1/tokens", "clerk.hcm", json!({})).await;
    w.put("token", Target::Other, t["id"].as_str().unwrap());
    w.put("token", Target::Missing, uuid::Uuid::now_v7().to_string());
    w.put("user", Target::Own, "clerk.hni");
    w.put("user", Target::Child, "clerk.m01");
    w.put("user", Target::Other, "clerk.hcm");
    w.put("user", Target::Missing, "nobody.zzz");
    w
}

/// The concrete path of a route for a record.
fn fill(path: &str, id: Option<&str>) -> String {
    let mut p = path.replace("/cases/{id}/{form}", "/cases/{id}/stage");
    for (k, v) in [
        ("{year}", "2026"),
        ("{date}", "2026-11-05"),
        ("{form}", "01-TCD"),
        ("{column}", "sessions"),
        ("{kind}", "denunciation"),
    ] {
        p = p.replace(k, v);
    }
    if p.contains("/rules/{code}") {
        p = p.replace("{code}", "letter_handling");
    }
    for k in ["{id}", "{reference}", "{code}", "{username}"] {
        if let Some(id) = id {
            p = p.replace(k, id);
        }
    }
    // Routes whose query the handler needs to read at all.
    for q in [
        "/api/v1/case-figures",
        "/api/v1/reception/figures",
        "/api/v1/reception/compliance",
        "/api/v1/committee/meetings",
        "/api/v1/committee/figures",
        "/api/v1/committee/figures/by-committee",
    ] {
        if p == q {
            p.push_str("?from=2026-01-01&to=2026-12-31");
        }
    }
    if p == "/api/v1/meetings.ics" {
        p.push_str("?unit=HNI");
    }
    p = p.replace("{sha}", "00");
    p = p.replace("{doc}", "00000000-0000-0000-0000-000000000000");
    p = p.replace("{candidate}", "00000000-0000-0000-0000-000000000000");
    p
}

/// One probe's answer.
struct Answer {
    status: StatusCode,
    body: String,
}

async fn probe(
    app: &common::App,
    method: &str,
    uri: &str,
    caller: &str,
    page: Option<&(String, String)>,
    body: Option<&Value>,
    own_letter: &str,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    let multipart = method == "POST"
        && (uri.ends_with("/attachments")
            || uri == "/petitions"
            || uri == "/api/v1/letters/import"
            || uri == "/petitions/import"
            || (uri.starts_with("/committee/tasks/") && !uri.contains("/documents/"))
            || (uri.starts_with("/screening/") && uri.ends_with("/import"))
            || (uri.starts_with("/committee/meetings/") && uri.ends_with("/documents"))
            || (uri.starts_with("/api/v1/screening/rounds/") && uri.ends_with("/candidates")));
    let body = match page {
        _ if multipart => {
            match page {
                Some((cookie, _)) => req = req.header(header::COOKIE, cookie.as_str()),
                None => {
                    req = req.header(
                        header::AUTHORIZATION,
                        format!("Bearer {}", app.tokens[caller]),
                    )
                }
            }
            let csrf = page.map_or("", |(_, c)| c.as_str());
            let (ct, bytes) = common::multipart(
                &[
                    ("csrf", csrf),
                    ("kinds", "complaint"),
                    ("channel", "post"),
                    ("field", "corruption"),
                ],
                &[("file", "scan.pdf", b"%PDF-1.4 probe\n%%EOF")],
            );
            req = req.header(header::CONTENT_TYPE, ct);
            Body::from(bytes)
        }
        None => {
            req = req.header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.tokens[caller]),
            );
            match body {
                Some(b) => {
                    req = req.header(header::CONTENT_TYPE, "application/json");
                    Body::from(b.to_string())
                }
                None => Body::empty(),
            }
        }
        Some((cookie, csrf)) => {
            req = req.header(header::COOKIE, cookie.as_str());
            if method == "GET" {
                Body::empty()
            } else {
                let mut pairs = form_urlencoded::Serializer::new(String::new());
                pairs.append_pair("csrf", csrf);
                if let Some(Value::Object(m)) = body {
                    for (k, v) in m {
                        let v = match v {
                            Value::String(s) if s == "LETTER" => own_letter.to_owned(),
                            Value::String(s) => s.clone(),
                            Value::Null => continue,
                            v => v.to_string(),
                        };
                        pairs.append_pair(k, &v);
                    }
                }
                req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(pairs.finish())
            }
        }
    };
    let resp = app
        .router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn grants(roles: &[Role], right: Right) -> bool {
    roles.iter().any(|r| r.grants(right))
}

fn reaches_children(roles: &[Role], right: Right) -> bool {
    roles
        .iter()
        .any(|r| r.grants(right) && r.reaches_descendants())
}

fn is_page(path: &str) -> bool {
    !path.starts_with("/api/")
}

async fn every_route_every_role_every_scope_against_the_table(mut app: common::App) {
    let w = world(&mut app).await;
    let routes = liem_server::route_list();
    // The table covers the router, route by route.
    let unlisted: Vec<String> = routes
        .iter()
        .filter(|r| spec(r.method, r.path).is_none())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        unlisted.is_empty(),
        "routes the table does not cover: {unlisted:?}"
    );
    // The list is the router's: each declared method is served, others not.
    let paths: BTreeSet<&str> = routes.iter().map(|r| r.path).collect();
    for path in &paths {
        let declared: BTreeSet<&str> = routes
            .iter()
            .filter(|r| r.path == *path)
            .map(|r| r.method)
            .collect();
        for m in ["GET", "POST", "PUT", "DELETE"] {
            let a = probe(
                &app,
                m,
                &fill(path, Some(&uuid::Uuid::now_v7().to_string())),
                "leader.hni",
                None,
                None,
                &w.own_letter,
            )
            .await;
            assert_eq!(
                a.status == StatusCode::METHOD_NOT_ALLOWED,
                !declared.contains(m),
                "{m} {path}: {}",
                a.status
            );
        }
    }
    let mut sessions = BTreeMap::new();
    for (user, _) in CALLERS {
        sessions.insert(user, common::session(&app, user).await);
    }
    let mut probes = 0usize;
    let mut failures = Vec::new();
    for r in &routes {
        let Some(sp) = spec(r.method, r.path) else {
            continue;
        };
        if matches!(sp.access, Access::Public) || r.path == "/logout" {
            continue;
        }
        for (caller, roles) in CALLERS {
            let page = is_page(r.path).then(|| &sessions[caller]);
            let targets: Vec<Target> = if sp.obj == Obj::None {
                vec![Target::Own]
            } else {
                [
                    Target::Own,
                    Target::Child,
                    Target::Other,
                    Target::Restricted,
                    Target::Missing,
                ]
                .into_iter()
                .filter(|t| w.ids.contains_key(&(kind_of(sp.obj), *t)))
                .collect()
            };
            let mut answers = BTreeMap::new();
            for t in targets {
                let id = w.ids.get(&(kind_of(sp.obj), t)).map(String::as_str);
                let uri = fill(r.path, id);
                let audit_before = app.count("audit_log").await;
                let a = probe(
                    &app,
                    r.method,
                    &uri,
                    caller,
                    page,
                    sp.body.as_ref(),
                    &w.own_letter,
                )
                .await;
                probes += 1;
                let s = a.status.as_u16();
                let denied = matches!(s, 403 | 404);
                let name = format!("{} {uri} as {caller} ({t:?})", r.method);
                if s >= 500 {
                    failures.push(format!("{name}: {s} {}", a.body));
                }
                if s == 422 && a.body.contains("json_type") {
                    failures.push(format!(
                        "{name}: the probe's body did not reach the gate: {}",
                        a.body
                    ));
                }
                if denied && r.method != "GET" && app.count("audit_log").await != audit_before {
                    failures.push(format!(
                        "{name}: refused with {s} yet wrote to the audit trail"
                    ));
                }
                if matches!(t, Target::Other | Target::Restricted | Target::Missing) && !denied {
                    failures.push(format!("{name}: {s} — outside the caller's reach"));
                }
                let hidden = s == 404;
                let expected = match sp.access {
                    Access::Public => continue,
                    Access::Anyone => Some(!denied),
                    Access::Own => Some(match t {
                        Target::Own => !denied,
                        _ => hidden,
                    }),
                    Access::Either(a, b) => Some(if grants(roles, a) || grants(roles, b) {
                        !denied
                    } else {
                        s == 403
                    }),
                    Access::Special(read) => {
                        if !grants(roles, read) {
                            Some(s == 403 || hidden)
                        } else {
                            None
                        }
                    }
                    Access::Rights(read, write) => {
                        let has_read = grants(roles, read);
                        let reach = match t {
                            Target::Own => true,
                            Target::Child => reaches_children(roles, read),
                            _ => false,
                        };
                        let may_write = write.is_none_or(|wr| grants(roles, wr));
                        Some(if !has_read {
                            s == 403
                        } else if !reach {
                            // Out of reach: 404, or a 403 given before the
                            // lookup to one who may not write at all.
                            hidden || (!may_write && s == 403)
                        } else {
                            match write {
                                // Without the right to write, a record is
                                // refused (403) whether or not it is there.
                                Some(wr) if !grants(roles, wr) => s == 403,
                                Some(wr) if t == Target::Child && !reaches_children(roles, wr) => {
                                    s == 403
                                }
                                _ => !denied,
                            }
                        })
                    }
                };
                if expected == Some(false) {
                    failures.push(format!(
                        "{name}: {s} is not what the table says ({:?})",
                        sp.access
                    ));
                }
                // Nothing outside the caller's reach in any answer.
                for secret in &w.secrets {
                    if a.body.contains(secret.as_str()) {
                        failures.push(format!("{name}: the answer holds {secret}"));
                    }
                }
                answers.insert(t, a);
            }
            if let (Some(o), Some(m)) = (answers.get(&Target::Other), answers.get(&Target::Missing))
            {
                if o.status != m.status || o.body != m.body {
                    failures.push(format!(
                        "{} {} as {caller}: another province's record ({} {}) answers unlike a missing one ({} {})",
                        r.method, r.path, o.status, o.body, m.status, m.body
                    ));
                }
            }
        }
    }
    eprintln!(
        "authorisation matrix: {} routes, {probes} probes",
        routes.len()
    );
    assert!(probes > 1000, "{probes} probes");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
