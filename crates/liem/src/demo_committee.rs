//! The committees' own year in the demo: each provincial committee holds a
//! session a quarter, a standing-body meeting a month and a working group
//! now and then (about 600 across the provinces, as the national reports
//! count them), the central committee likewise; sessions and some meetings
//! issue conclusions whose directions give tasks to the province's agencies
//! (the centre's to the provinces), followed up to every state: done on time
//! or late, reported and awaiting review, overdue, still running, withdrawn.
//! And one screening round before the province's Party congress.

use crate::demo_cases::Province;
use anyhow::Result;
use jiff::civil::Date;
use jiff::ToSpan;
use liem_domain::calendar::Calendar;
use liem_domain::committee::{
    ConclusionKind, Due, MeetingKind, NewConclusion, NewDirection, NewMeeting, TaskMove,
};
use liem_domain::screening::{NewCandidate, NewRound, RoundKind};
use liem_store::audit::Actor;
use liem_store::committee as store;
use liem_store::units::UnitRecord;
use liem_store::Store;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DIRECTIONS: &[&str] = &[
    "Khẩn trương kết thúc điều tra, đề xuất xử lý vụ án theo đúng quy định.",
    "Hoàn thành thanh tra, kết luận và chuyển cơ quan điều tra các vụ việc có dấu hiệu tội phạm.",
    "Đẩy nhanh tiến độ truy tố, xét xử các vụ án thuộc diện Ban Chỉ đạo theo dõi.",
    "Tập trung thu hồi tài sản bị chiếm đoạt, thất thoát trong các vụ án đã xét xử.",
    "Rà soát, giải quyết dứt điểm các đơn thư tố cáo kéo dài, phức tạp.",
    "Báo cáo kết quả thực hiện kết luận của Ban Chỉ đạo về công tác kê khai tài sản, thu nhập.",
    "Kiểm tra việc thực hiện quy định về kiểm soát quyền lực trong công tác cán bộ.",
];

const AGENDA: &[&str] = &[
    "Tiến độ xử lý các vụ án, vụ việc thuộc diện Ban Chỉ đạo theo dõi",
    "Kết quả công tác phòng, chống tham nhũng, lãng phí, tiêu cực trong quý",
    "Chương trình công tác trọng tâm",
    "Công tác thu hồi tài sản",
];

/// What was generated: meetings, conclusions, tasks, screening rounds.
pub struct Generated {
    pub meetings: usize,
    pub conclusions: usize,
    pub tasks: usize,
}

struct Committee<'a> {
    unit: &'a UnitRecord,
    /// The units its tasks go to.
    owners: Vec<&'a UnitRecord>,
    /// Meetings a year: sessions, standing, working groups.
    plan: (u32, u32, u32),
}

/// The year before `end` of every committee's work, and one screening round.
pub async fn generate(
    store: &Store,
    central: &UnitRecord,
    provinces: &[Province],
    end: Date,
) -> Result<Generated> {
    let mut rng = ChaCha8Rng::seed_from_u64(0xBCD);
    let cal = Calendar::computed();
    let system = Actor::system("demo");
    let start = end.checked_sub(12.months())?;
    let mut committees = vec![Committee {
        unit: central,
        owners: provinces.iter().map(|p| &p.unit).collect(),
        plan: (4, 24, 6),
    }];
    for p in provinces {
        let mut owners: Vec<&UnitRecord> = p.agencies.values().collect();
        owners.sort_by(|a, b| a.code.cmp(&b.code));
        committees.push(Committee {
            unit: &p.unit,
            owners,
            plan: (4, 12, 2),
        });
    }
    let mut g = Generated {
        meetings: 0,
        conclusions: 0,
        tasks: 0,
    };
    let span = i64::from((end - start).get_days().max(1));
    for c in &committees {
        let mut tx = store.begin().await?;
        let mut held: Vec<(MeetingKind, Date)> = Vec::new();
        for q in 0..c.plan.0 {
            let day = i64::from(q) * span / i64::from(c.plan.0) + rng.gen_range(10..40);
            held.push((
                MeetingKind::Session,
                start.checked_add(day.min(span).days())?,
            ));
        }
        for m in 0..c.plan.1 {
            let day = i64::from(m) * span / i64::from(c.plan.1) + rng.gen_range(0..20);
            held.push((
                MeetingKind::Standing,
                start.checked_add(day.min(span).days())?,
            ));
        }
        for _ in 0..c.plan.2 {
            held.push((
                MeetingKind::WorkingGroup,
                start.checked_add(rng.gen_range(0..=span).days())?,
            ));
        }
        held.sort_by_key(|h| h.1);
        let mut number = 0;
        let mut programme_done = false;
        for (kind, on) in held {
            let m = NewMeeting {
                kind,
                held_on: on,
                place: format!("Trụ sở {}", c.unit.name),
                chair: match kind {
                    MeetingKind::Session => "Trưởng Ban Chỉ đạo".into(),
                    MeetingKind::Standing => "Phó Trưởng Ban Thường trực".into(),
                    MeetingKind::WorkingGroup => "Tổ trưởng tổ công tác".into(),
                },
                members_total: 13,
                present: (1..=rng.gen_range(9..=13))
                    .map(|i| format!("Thành viên {i}"))
                    .collect(),
                excused: Vec::new(),
                quorum: true,
                agenda: AGENDA
                    .choose_multiple(&mut rng, 2)
                    .map(|t| liem_domain::committee::AgendaItem {
                        title: (*t).to_owned(),
                        case: None,
                    })
                    .collect(),
                minutes: None,
            };
            let meeting = store::insert_meeting(&mut tx, &system, c.unit.id, &m, &[]).await?;
            g.meetings += 1;
            if kind == MeetingKind::Session && !programme_done {
                programme_done = true;
                programme(&mut tx, &mut rng, &system, c, meeting, on, end, &cal).await?;
            }
            let concludes = kind == MeetingKind::Session
                || (kind == MeetingKind::Standing && rng.gen_bool(0.5));
            if !concludes || c.owners.is_empty() {
                continue;
            }
            number += 1;
            let issued = on.checked_add(rng.gen_range(1..6).days())?.min(end);
            let (ckind, suffix) = if kind == MeetingKind::Session {
                (ConclusionKind::Conclusion, "KL")
            } else {
                (ConclusionKind::Announcement, "TB")
            };
            let mut directions = Vec::new();
            let mut tasks = Vec::new();
            let n = rng.gen_range(2..=3);
            let chosen: Vec<&&str> = DIRECTIONS.choose_multiple(&mut rng, n).collect();
            for (i, text) in chosen.into_iter().enumerate() {
                let owner = *c.owners.choose(&mut rng).expect("owners");
                let due = Due::WorkingDays(rng.gen_range(10..60)).date(&cal, issued);
                tasks.push(store::TaskToWrite {
                    direction: i as i64 + 1,
                    owner: owner.id,
                    coordinating: Vec::new(),
                    title: (*text).to_owned(),
                    case_id: None,
                    due_on: due,
                    kind: None,
                    due_period: None,
                });
                directions.push(NewDirection {
                    text: (*text).to_owned(),
                    tasks: Vec::new(),
                });
            }
            let k = NewConclusion {
                kind: ckind,
                number: format!("{number}-{suffix}/BCĐ-{}", c.unit.code),
                issued_on: issued,
                summary: "Kết luận của Ban Chỉ đạo về tiến độ xử lý các vụ án, vụ việc.".into(),
                directions,
                inspection: None,
            };
            let (_, ids) =
                store::insert_conclusion(&mut tx, &system, c.unit.id, meeting, &k, &tasks).await?;
            g.conclusions += 1;
            for (id, t) in ids.into_iter().zip(&tasks) {
                g.tasks += 1;
                follow_up(&mut tx, &mut rng, &system, id, issued, t.due_on, end).await?;
            }
        }
        tx.commit().await?;
    }
    inspections(store, provinces, end, &cal).await?;
    screening(store, provinces, end).await?;
    Ok(g)
}

/// Two of Hà Nội's: an inspection concluded with recommendations under way,
/// and a thematic supervision whose findings wait for a conclusion.
async fn inspections(
    store: &Store,
    provinces: &[Province],
    end: Date,
    cal: &Calendar,
) -> Result<()> {
    use liem_domain::committee::{InspectionKind, NewInspection};
    let Some(p) = provinces.iter().find(|p| p.unit.code == "HNI") else {
        return Ok(());
    };
    let (Some(police), Some(inspectorate)) = (p.agencies.get("CA"), p.agencies.get("TT")) else {
        return Ok(());
    };
    let system = Actor::system("demo");
    let mut tx = store.begin().await?;
    let code = |u: &UnitRecord| liem_domain::unit::UnitCode::parse(&u.code);
    let started = end.checked_sub(3.months())?;
    let inspection = store::insert_inspection(
        &mut tx,
        &system,
        p.unit.id,
        &NewInspection {
            kind: InspectionKind::Regular,
            title: "Kiểm tra công tác lãnh đạo, chỉ đạo phát hiện, xử lý tham nhũng".into(),
            subjects: vec![code(police)?, code(inspectorate)?],
            team: vec![
                "Phó Trưởng Ban Nội chính (Trưởng đoàn)".into(),
                "Chuyên viên".into(),
            ],
            from: started,
            to: started.checked_add(20.days())?,
        },
    )
    .await?;
    let reported = started.checked_add(25.days())?;
    store::report_findings(
        &mut tx,
        &system,
        inspection,
        "Một số vụ việc chậm chuyển cơ quan điều tra; việc thu hồi tài sản còn thấp.",
        reported,
    )
    .await?;
    let held = reported.checked_add(5.days())?;
    let meeting = store::insert_meeting(
        &mut tx,
        &system,
        p.unit.id,
        &NewMeeting {
            kind: MeetingKind::Standing,
            held_on: held,
            place: format!("Trụ sở {}", p.unit.name),
            chair: "Phó Trưởng Ban Thường trực".into(),
            members_total: 5,
            present: (1..=5).map(|i| format!("Thành viên {i}")).collect(),
            excused: Vec::new(),
            quorum: true,
            agenda: vec![liem_domain::committee::AgendaItem {
                title: "Kết quả kiểm tra".into(),
                case: None,
            }],
            minutes: None,
        },
        &[],
    )
    .await?;
    let recs = [
        (
            police,
            "Chuyển ngay các vụ việc có dấu hiệu tội phạm sang cơ quan điều tra.",
        ),
        (
            inspectorate,
            "Tập trung thu hồi tài sản theo kết luận thanh tra.",
        ),
    ];
    let tasks: Vec<store::TaskToWrite> = recs
        .iter()
        .enumerate()
        .map(|(i, (u, t))| store::TaskToWrite {
            direction: i as i64 + 1,
            owner: u.id,
            coordinating: Vec::new(),
            title: (*t).to_owned(),
            case_id: None,
            due_on: Due::WorkingDays(30).date(cal, held),
            kind: None,
            due_period: None,
        })
        .collect();
    let k = NewConclusion {
        kind: ConclusionKind::Announcement,
        number: "KT-01-TB/BCĐ-HNI".into(),
        issued_on: held,
        summary: "Thông báo kết luận kiểm tra.".into(),
        directions: recs
            .iter()
            .map(|(_, t)| NewDirection {
                text: (*t).to_owned(),
                tasks: Vec::new(),
            })
            .collect(),
        inspection: Some(inspection),
    };
    let (kid, _) =
        store::insert_conclusion(&mut tx, &system, p.unit.id, meeting, &k, &tasks).await?;
    store::conclude_inspection(&mut tx, &system, inspection, kid).await?;
    let supervision = store::insert_inspection(
        &mut tx,
        &system,
        p.unit.id,
        &NewInspection {
            kind: InspectionKind::ThematicSupervision,
            title: "Giám sát chuyên đề việc kê khai, kiểm soát tài sản, thu nhập".into(),
            subjects: vec![code(inspectorate)?],
            team: vec!["Ủy viên Ban Chỉ đạo (Trưởng đoàn)".into()],
            from: end.checked_sub(1.months())?,
            to: end.checked_sub(10.days())?,
        },
    )
    .await?;
    store::report_findings(
        &mut tx,
        &system,
        supervision,
        "Việc kê khai còn chậm ở một số đơn vị.",
        end,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The year's key work programme, adopted at the committee's first session:
/// an item of each kind, due within a quarter, some already done.
#[allow(clippy::too_many_arguments)]
async fn programme(
    tx: &mut liem_store::Tx,
    rng: &mut ChaCha8Rng,
    actor: &Actor,
    c: &Committee<'_>,
    meeting: uuid::Uuid,
    on: Date,
    end: Date,
    cal: &Calendar,
) -> Result<()> {
    use liem_domain::committee::ItemKind;
    const ITEMS: &[(ItemKind, &str)] = &[
        (
            ItemKind::Project,
            "Đề án nâng cao hiệu quả thu hồi tài sản tham nhũng",
        ),
        (
            ItemKind::Report,
            "Báo cáo sơ kết công tác phòng, chống tham nhũng 6 tháng",
        ),
        (
            ItemKind::Inspection,
            "Kiểm tra việc lãnh đạo, chỉ đạo công tác phòng, chống tham nhũng",
        ),
        (
            ItemKind::Supervision,
            "Giám sát chuyên đề việc kê khai tài sản, thu nhập",
        ),
        (ItemKind::Conference, "Hội nghị tổng kết công tác năm"),
    ];
    if c.owners.is_empty() {
        return Ok(());
    }
    let year = on.year();
    let mut directions = Vec::new();
    let mut tasks = Vec::new();
    for (i, (kind, text)) in ITEMS.iter().enumerate() {
        let due = Due::Quarter {
            year,
            quarter: (i as i8 % 4) + 1,
        };
        let due_on = due.date(cal, on).max(on);
        tasks.push(store::TaskToWrite {
            direction: i as i64 + 1,
            owner: c.owners.choose(rng).expect("owners").id,
            coordinating: Vec::new(),
            title: (*text).to_owned(),
            case_id: None,
            due_on,
            kind: Some(kind.as_str().to_owned()),
            due_period: due.label(),
        });
        directions.push(NewDirection {
            text: (*text).to_owned(),
            tasks: Vec::new(),
        });
    }
    let k = NewConclusion {
        kind: ConclusionKind::Programme,
        number: format!("01-CTr/BCĐ-{}-{year}", c.unit.code),
        issued_on: on,
        summary: format!("Chương trình công tác trọng tâm năm {year} của Ban Chỉ đạo."),
        directions,
        inspection: None,
    };
    let (_, ids) = store::insert_conclusion(tx, actor, c.unit.id, meeting, &k, &tasks).await?;
    for (id, t) in ids.into_iter().zip(&tasks) {
        follow_up(tx, rng, actor, id, on, t.due_on, end).await?;
    }
    Ok(())
}

/// Takes a task through its follow-up, as far as its dates allow: most
/// tasks due by `end` are done (mostly on time), some wait for review, some
/// are overdue, a few withdrawn; of those due later, some are done early,
/// some under way.
async fn follow_up(
    tx: &mut liem_store::Tx,
    rng: &mut ChaCha8Rng,
    actor: &Actor,
    id: uuid::Uuid,
    issued: Date,
    due: Date,
    end: Date,
) -> Result<()> {
    let mut moves: Vec<(TaskMove, Date)> = Vec::new();
    let between = |rng: &mut ChaCha8Rng, a: Date, b: Date| -> Date {
        let days = (b - a).get_days().max(0);
        a.checked_add(rng.gen_range(0..=days).days())
            .unwrap_or(a)
            .min(end)
    };
    let roll: u32 = rng.gen_range(0..100);
    if due < end {
        match roll {
            0..=54 => {
                let r = between(rng, issued, due);
                moves.push((TaskMove::Progress, between(rng, issued, r)));
                moves.push((TaskMove::ReportDone, r));
                moves.push((
                    TaskMove::Accept,
                    between(rng, r, r.saturating_add(5.days())),
                ));
            }
            55..=69 => {
                let r = between(rng, due, due.saturating_add(20.days()));
                moves.push((TaskMove::ReportDone, r));
                moves.push((
                    TaskMove::Accept,
                    between(rng, r, r.saturating_add(5.days())),
                ));
            }
            70..=77 => moves.push((TaskMove::ReportDone, between(rng, issued, due))),
            78..=94 => moves.push((TaskMove::Progress, between(rng, issued, due))),
            _ => moves.push((TaskMove::Cancel, between(rng, issued, due))),
        }
    } else {
        match roll {
            0..=19 => {
                let r = between(rng, issued, end);
                moves.push((TaskMove::ReportDone, r));
                moves.push((TaskMove::Accept, between(rng, r, end)));
            }
            20..=49 => moves.push((TaskMove::Progress, between(rng, issued, end))),
            _ => {}
        }
    }
    let mut t = store::task_by_id(&mut *tx, id).await?;
    for (m, on) in moves {
        let on = on.max(t.facts.last_on).min(end.max(t.facts.last_on));
        let Ok(next) = t.facts.apply(&m, on) else {
            break;
        };
        let note = match m {
            TaskMove::Progress => Some("Đang triển khai, đã hoàn thành một phần."),
            TaskMove::Cancel => Some("Nội dung đã được giải quyết theo kết luận khác."),
            _ => None,
        };
        store::record_step(tx, actor, &t, m.action(), &next, note, None).await?;
        t.facts = next;
    }
    Ok(())
}

/// One screening round before Hà Nội's Party congress: three candidates,
/// two of them people the case register knows.
async fn screening(store: &Store, provinces: &[Province], end: Date) -> Result<()> {
    let Some(p) = provinces.iter().find(|p| p.unit.code == "HNI") else {
        return Ok(());
    };
    let mut tx = store.begin().await?;
    let known = liem_store::db::query(
        "SELECT pe.id, pe.full_name, pe.birth_year FROM persons pe JOIN case_parties cp ON cp.person_id = pe.id \
         JOIN cases c ON c.id = cp.case_id JOIN units un ON un.id = c.unit_id \
         WHERE un.path LIKE $1 ORDER BY pe.full_name, pe.id LIMIT 2",
    )
    .bind(format!("{}%", p.unit.path))
    .fetch_all(&mut tx)
    .await?;
    let mut candidates = Vec::new();
    for r in &known {
        candidates.push(NewCandidate {
            full_name: r.text("full_name")?,
            birth_year: r.get::<Option<i64>>("birth_year")?.map(|y| y as i32),
            position: "Ủy viên Ban Thường vụ".into(),
            person: Some(r.uuid("id")?),
        });
    }
    candidates.push(NewCandidate {
        full_name: "Đỗ Minh Khang".into(),
        birth_year: Some(1976),
        position: "Giám đốc Sở Tài chính".into(),
        person: None,
    });
    let round = NewRound {
        kind: RoundKind::Congress,
        title: "Đại hội Đảng bộ thành phố Hà Nội nhiệm kỳ 2025–2030 (bổ sung)".into(),
        level: "tỉnh".into(),
        requested_by: "Ban Tổ chức Thành ủy".into(),
        deadline: end.checked_add(14.days())?,
    };
    liem_store::screening::insert_round(
        &mut tx,
        &Actor::system("demo"),
        p.unit.id,
        &round,
        &candidates,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
