//! The public channel's operations: a report from the form or taken down by
//! an operator, the mailbox opened with a receipt code, the reporter's reply.

use crate::admin::service::rules;
use crate::auth::gate::Permit;
use crate::clock::today;
use crate::files::Upload;
use crate::guard::Verdict;
use crate::i18n::Tr;
use crate::petitions::service;
use crate::petitions::service::register_in_tx;
use crate::state::AppState;
use crate::web::error::AppError;
use crate::web::error::AppResult;
use crate::web::write::Writer;
use liem_domain::deadline::current_deadline;
use liem_domain::ids::LetterId;
use liem_domain::petition::NewLetter;
use liem_domain::receipt::ReceiptCode;
use liem_domain::report::ReportInput;
use liem_domain::role::Right;
use liem_domain::unit::UnitKind;
use liem_domain::ValidationErrors;
use liem_store::audit::Actor;
use liem_store::petitions;
use liem_store::public;
use liem_store::public::ReceiptRecord;
use liem_store::units;

/// A report taken down by a clerk on the reporter's behalf.
pub struct Operator<'a> {
    /// The clerk.
    pub clerk: &'a Writer,
    /// `hotline` or `reception_desk`.
    pub channel: liem_domain::petition::Channel,
}

/// Registers a public report and returns its receipt code (shown once).
/// With an operator, the letter is registered in the clerk's unit through
/// the channel they took it on, and audited as theirs.
pub async fn submit_report(
    state: &AppState,
    input: &ReportInput,
    uploads: Vec<Upload>,
    operator: Option<Operator<'_>>,
) -> AppResult<(LetterId, ReceiptCode)> {
    let mut input = input.clone();
    if let Some(op) = &operator {
        // The clerk's own unit handles what it takes down.
        input.unit = Some(op.clerk.user.unit_code.clone());
    }
    let (mut letter_input, unit_code) = input.to_letter(today())?;
    if let Some(op) = &operator {
        letter_input.channel = Some(op.channel.as_str().to_owned());
    }
    let letter = NewLetter::parse(&letter_input, today())?;
    let mut errs = ValidationErrors::new();
    let mut conn = state.store.conn().await?;
    let unit = match units::by_code(&mut conn, &unit_code).await {
        Ok(u) if operator.is_some() => Some(u),
        Ok(u) if u.kind == UnitKind::Province || u.kind == UnitKind::CentralCommittee => Some(u),
        Ok(_) | Err(liem_store::StoreError::NotFound) => {
            errs.add(
                "unit",
                "unknown_value",
                "must be one of the listed provinces",
            );
            None
        }
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    let checked = service::check_uploads(state, &uploads, "attachments", &mut errs);
    errs.into_result(())?;
    let Some(unit) = unit else {
        return Err(AppError::Internal(
            "a report passed its checks without a unit".into(),
        ));
    };
    let (cal, book) = rules(state).await?;
    let id = LetterId::new();
    let stored = service::store_uploads(state, checked, id)?;
    let code = ReceiptCode::generate(|| {
        use rand::Rng;
        rand::rngs::OsRng.gen_range(0..10)
    });
    let code_hash = state.passwords.hash(code.secret());
    let (permit, created_by) = match &operator {
        Some(op) => (
            op.clerk.permit_own(Right::RegisterLetter)?,
            Some(op.clerk.user.id),
        ),
        // The public form: its proof of work was checked before the body.
        None => (
            Permit::unattended(Actor {
                user: None,
                unit: Some(unit.id),
                source: "public".into(),
            }),
            None,
        ),
    };
    let actor = permit.actor();
    let mut tx = permit.begin(&state.store).await?;
    register_in_tx(
        &mut tx,
        actor,
        &unit,
        created_by,
        &letter,
        id,
        &cal,
        &book,
        &state.sender_key,
    )
    .await?;
    // The receipt code is the acknowledgement: given at once.
    service::record_contact_in_tx(
        &mut tx,
        actor,
        id,
        liem_domain::timers::Contact::Acknowledgement,
        today(),
    )
    .await?;
    if operator.is_some() {
        liem_store::audit::append(
            &mut tx,
            actor,
            "report.operator_confirmed",
            "letter",
            &id.to_string(),
            serde_json::json!({"transcript_read_back": true, "confirmed_by_reporter": true}),
        )
        .await?;
    }
    for a in &stored {
        petitions::insert_attachment(&mut tx, actor, a).await?;
    }
    let lang = input.lang.clone().unwrap_or_else(|| "vi".into());
    public::insert_receipt(
        &mut tx,
        actor,
        &ReceiptRecord {
            letter_id: id,
            locator: code.locator().to_owned(),
            code_hash,
            lang,
        },
    )
    .await
    .map_err(|e| match e {
        // A locator collision (one in ten million per pair): ask to resubmit.
        liem_store::StoreError::Conflict(_) => AppError::Conflict("please submit again".into()),
        e => e.into(),
    })?;
    tx.commit().await?;
    Ok((id, code))
}

/// One line of a report's progress, as the reporter may know it.
#[derive(Debug, Clone)]
pub struct ProgressLine {
    /// The date.
    pub on: String,
    /// The text, in the reporter's language.
    pub text: String,
}

/// What the reporter sees.
pub struct Mailbox {
    /// The letter.
    pub letter: LetterId,
    /// Its reference.
    pub reference: String,
    /// Progress, oldest first.
    pub progress: Vec<ProgressLine>,
    /// The next legal deadline.
    pub deadline: Option<String>,
    /// The conversation.
    pub messages: Vec<public::Message>,
}

/// Why a code check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// Wrong code.
    Wrong,
    /// Too many failures from this client.
    Refused,
}

/// Checks a receipt code for a client, slowed and then refused after
/// repeated failures. Never logs the code.
pub async fn open_mailbox(
    state: &AppState,
    client: &str,
    code_text: &str,
) -> Result<LetterId, CodeRefusal> {
    // Counted before it runs: a burst gets no more checks than the limit.
    match state.limiter.attempt(&state.store, client).await {
        Verdict::Refused => return Err(CodeRefusal::Refused),
        Verdict::Proceed(delay) if !delay.is_zero() => tokio::time::sleep(delay).await,
        Verdict::Proceed(_) => {}
    }
    let found = match ReceiptCode::parse(code_text) {
        Some(code) => {
            let rec = match state.store.conn().await {
                Ok(mut c) => public::receipt_by_locator(&mut c, code.locator())
                    .await
                    .ok()
                    .flatten(),
                Err(_) => None,
            };
            // An unknown locator spends the same time as a real check.
            let hash = rec.as_ref().map(|r| r.code_hash.as_str());
            match state.verify_secret(code.secret(), hash).await {
                Ok(true) => rec.map(|r| r.letter_id),
                Ok(false) => None,
                Err(_) => return Err(CodeRefusal::Refused),
            }
        }
        None => None,
    };
    match found {
        Some(id) => {
            state.limiter.forgive(&state.store, client).await;
            Ok(id)
        }
        None => Err(CodeRefusal::Wrong),
    }
}

/// The reporter's view of a letter.
pub async fn mailbox(state: &AppState, tr: &Tr, id: LetterId) -> AppResult<Mailbox> {
    let mut c = state.store.conn().await?;
    let letter = petitions::get_letter(&mut c, id).await?;
    let mut progress = vec![ProgressLine {
        on: letter.received_on.to_string(),
        text: tr.t("pub-event-received"),
    }];
    let mut next_due = None;
    drop(c);
    let (cal, book) = rules(state).await?;
    for brief in &letter.matters {
        let mut c = state.store.conn().await?;
        let m = petitions::get_matter(&mut c, brief.id).await?;
        for e in petitions::events(&mut c, brief.id).await? {
            let detail = ["reason", "note", "to_body"]
                .iter()
                .find_map(|k| e.detail.get(*k).and_then(|v| v.as_str()).map(str::to_owned))
                .or_else(|| {
                    e.detail
                        .get("outcome")
                        .and_then(|v| v.as_str())
                        .map(|o| tr.code("outcome", o))
                })
                .unwrap_or_default();
            progress.push(ProgressLine {
                on: e.on_date.to_string(),
                text: tr.t1(&format!("pub-event-{}", e.action), "detail", detail),
            });
        }
        if let Some(d) = current_deadline(&m.facts, &cal, &book) {
            next_due = Some(next_due.map_or(d.due, |n: jiff::civil::Date| n.min(d.due)));
        }
    }
    let mut c = state.store.conn().await?;
    for r in liem_store::keys::unseal_requests_of_letter(&mut c, id).await? {
        if let (true, Some(at)) = (r.status == "approved", r.decided_at) {
            let on = liem_domain::calendar::civil_date(at);
            progress.push(ProgressLine {
                on: on.to_string(),
                text: tr.t("pub-event-disclosed"),
            });
        }
    }
    for t in petitions::transfers_of(&mut c, id).await? {
        let on = liem_domain::calendar::civil_date(t.transferred_at);
        progress.push(ProgressLine {
            on: on.to_string(),
            text: tr.t("pub-event-moved"),
        });
    }
    progress.sort_by(|a, b| a.on.cmp(&b.on));
    let messages = public::messages(&mut c, id).await?;
    Ok(Mailbox {
        letter: id,
        reference: letter.reference,
        progress,
        deadline: next_due.map(|d| d.to_string()),
        messages,
    })
}

/// Adds the reporter's answer (and files) to the conversation.
pub async fn reporter_reply(
    state: &AppState,
    id: LetterId,
    body: &str,
    uploads: Vec<Upload>,
) -> AppResult<()> {
    let body = body.trim();
    let mut errs = ValidationErrors::new();
    if body.is_empty() && uploads.is_empty() {
        errs.add("body", "required", "must not be empty");
    }
    if body.chars().count() > 10_000 {
        errs.add("body", "max_length", "must be at most 10000 characters");
    }
    let checked = service::check_uploads(state, &uploads, "attachments", &mut errs);
    errs.into_result(())?;
    let stored = service::store_uploads(state, checked, id)?;
    let mut c = state.store.conn().await?;
    let letter = petitions::get_letter(&mut c, id).await?;
    drop(c);
    // The mailbox was opened with its receipt code.
    let permit = Permit::unattended(Actor {
        user: None,
        unit: Some(letter.unit_id),
        source: "public".into(),
    });
    let actor = permit.actor();
    let mut tx = permit.begin(&state.store).await?;
    if !body.is_empty() {
        public::add_message(&mut tx, actor, id, None, body).await?;
    }
    for a in &stored {
        petitions::insert_attachment(&mut tx, actor, a).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What a clerk sends to record a call or a walk-in.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct OperatorInput {
    /// The report as the reporter gave it (kind, who, what, …; `unit` is ignored).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub report: ReportInput,
    /// `hotline` or `reception_desk`.
    pub channel: Option<String>,
    /// The clerk read the transcript back and the reporter confirmed it.
    #[serde(default)]
    pub confirmed_by_reporter: bool,
}

/// A clerk records a phone call or a walk-in for the reporter, who confirmed
/// the transcript read back to them; returns the receipt code to give them.
pub async fn operator_report(
    state: &AppState,
    who: &Writer,
    input: &OperatorInput,
) -> AppResult<(LetterId, ReceiptCode)> {
    who.grant(Right::RegisterLetter)?;
    let mut errs = ValidationErrors::new();
    let channel = liem_domain::validation::required_code::<liem_domain::petition::Channel>(
        &mut errs,
        "channel",
        input.channel.as_deref(),
    );
    if channel.is_some_and(|c| {
        !matches!(
            c,
            liem_domain::petition::Channel::Hotline | liem_domain::petition::Channel::ReceptionDesk
        )
    }) {
        errs.add(
            "channel",
            "operator_channel",
            "must be hotline or reception_desk",
        );
    }
    if !input.confirmed_by_reporter {
        errs.add(
            "confirmed_by_reporter",
            "must_confirm",
            "read the transcript back to the reporter and record their confirmation",
        );
    }
    errs.into_result(())?;
    let Some(channel) = channel else {
        return Err(AppError::Internal(
            "an operator report passed its checks without a channel".into(),
        ));
    };
    submit_report(
        state,
        &input.report,
        Vec::new(),
        Some(Operator {
            clerk: who,
            channel,
        }),
    )
    .await
}

pub(super) async fn provinces(state: &AppState) -> AppResult<Vec<(String, String)>> {
    let mut c = state.store.conn().await?;
    Ok(units::list(&mut c)
        .await?
        .into_iter()
        .filter(|u| u.kind == UnitKind::Province && u.valid_to.is_none())
        .map(|u| (u.code, u.name))
        .collect())
}
