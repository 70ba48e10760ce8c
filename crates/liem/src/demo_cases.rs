//! Demo cases and incidents: about 1,200 over four years, with ~3,000
//! people, companies and their links, charges, stages walked through the
//! domain's state machine, transfers between a province's agencies, asset
//! events, sanctions, and ~150 under a steering committee's monitoring.

use anyhow::Result;
use jiff::civil::Date;
use jiff::ToSpan;
use liem_domain::assets::{AssetEvent, AssetKind, AssetRoute};
use liem_domain::calendar::Calendar;
use liem_domain::case::{advance, stage_limit, CaseFacts, CrimeClass, Stage, StageAction};
use liem_domain::people::{
    Charge, LinkKind, ManagedLevel, Measure, OrgKind, Organisation, PartyRef, PartyRole, Person,
    Sanction, SanctionTrack,
};
use liem_domain::register::{
    transfer_ack_due, CaseKind, CaseSource, Milestone, NewCase, Target, TransferKind,
};
use liem_store::audit::Actor;
use liem_store::cases as store;
use liem_store::units::UnitRecord;
use liem_store::Store;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// A province's agencies, by kind.
pub struct Province {
    /// The province (its steering committee).
    pub unit: UnitRecord,
    /// Its agencies: inspectorate, police, procuracy, court, enforcement.
    pub agencies: HashMap<&'static str, UnitRecord>,
    /// Its weight (how many cases it gets).
    pub weight: u32,
}

const TITLES: &[&str] = &[
    "Sai phạm trong đấu thầu mua sắm thiết bị y tế",
    "Vi phạm quy định về quản lý đất đai tại dự án khu đô thị",
    "Nhận hối lộ trong cấp giấy phép xây dựng",
    "Tham ô tài sản tại công ty nhà nước",
    "Lợi dụng chức vụ trong cổ phần hóa doanh nghiệp",
    "Sai phạm trong đăng kiểm phương tiện",
    "Vi phạm quy định về đấu giá quyền sử dụng đất",
    "Đưa, nhận hối lộ trong cấp phép khai thác khoáng sản",
    "Sai phạm trong quản lý vốn đầu tư công",
    "Lạm quyền trong thi hành công vụ tại cơ quan thuế",
    "Thiếu trách nhiệm gây hậu quả nghiêm trọng trong quản lý ngân sách",
    "Sai phạm tại ngân hàng thương mại trong cho vay",
];

const COMPANY: &[&str] = &[
    "Công ty CP Đầu tư Xây dựng",
    "Công ty TNHH Thiết bị Y tế",
    "Công ty CP Bất động sản",
    "Công ty TNHH Khoáng sản",
    "Công ty CP Thương mại Dịch vụ",
    "Công ty CP Công nghệ",
];

const NAMES: &[&str] = &[
    "An Phát",
    "Hưng Thịnh",
    "Việt Á",
    "Tân Long",
    "Hoàng Gia",
    "Phú Mỹ",
    "Đại Dương",
    "Sao Mai",
    "Thành Công",
    "Hòa Bình",
];

const POSITIONS: &[&str] = &[
    "Giám đốc Sở",
    "Phó Giám đốc Sở",
    "Chủ tịch UBND xã",
    "Trưởng phòng",
    "Kế toán trưởng",
    "Giám đốc công ty",
    "Chủ tịch HĐQT",
    "Cán bộ địa chính",
    "Phó Chủ tịch UBND tỉnh",
    "Chuyên viên",
];

/// Articles with (clause, class) pairs: corruption crimes and other office crimes.
const ARTICLES: &[(u32, &[(u32, CrimeClass)])] = &[
    (
        353,
        &[
            (1, CrimeClass::Serious),
            (2, CrimeClass::VerySerious),
            (3, CrimeClass::EspeciallySerious),
            (4, CrimeClass::EspeciallySerious),
        ],
    ),
    (
        354,
        &[
            (1, CrimeClass::Serious),
            (2, CrimeClass::VerySerious),
            (3, CrimeClass::EspeciallySerious),
        ],
    ),
    (
        355,
        &[
            (1, CrimeClass::Serious),
            (2, CrimeClass::VerySerious),
            (3, CrimeClass::EspeciallySerious),
        ],
    ),
    (
        356,
        &[
            (1, CrimeClass::Serious),
            (2, CrimeClass::VerySerious),
            (3, CrimeClass::VerySerious),
        ],
    ),
    (
        357,
        &[(1, CrimeClass::Serious), (2, CrimeClass::VerySerious)],
    ),
    (
        358,
        &[(1, CrimeClass::Serious), (2, CrimeClass::VerySerious)],
    ),
    (
        360,
        &[
            (1, CrimeClass::Serious),
            (2, CrimeClass::Serious),
            (3, CrimeClass::VerySerious),
        ],
    ),
    (
        364,
        &[
            (1, CrimeClass::LessSerious),
            (2, CrimeClass::Serious),
            (3, CrimeClass::VerySerious),
        ],
    ),
    (
        365,
        &[(1, CrimeClass::LessSerious), (2, CrimeClass::Serious)],
    ),
];

fn days(d: Date, n: i64) -> Date {
    d.checked_add(n.days()).unwrap_or(d)
}

fn billions(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    rng.gen_range(lo..hi) * 1_000_000_000 + rng.gen_range(0..1000) * 1_000_000
}

/// Generates `count` entries. Returns (entries, persons, monitored).
#[allow(clippy::too_many_lines)]
/// The tables the demo's cases fill.
const CASE_TABLES: &[&str] = &[
    "cases",
    "case_events",
    "case_parties",
    "case_letters",
    "case_access",
    "charges",
    "asset_events",
    "persons",
    "organisations",
    "party_links",
    "sanctions",
    "monitorings",
    "monitoring_targets",
];

pub async fn generate(
    store: &Store,
    rng: &mut ChaCha8Rng,
    central: &UnitRecord,
    provinces: &[Province],
    count: usize,
    today: Date,
    name: &mut dyn FnMut(&mut ChaCha8Rng) -> String,
) -> Result<(usize, usize, usize)> {
    let cal = Calendar::new();
    let total_weight: u32 = provinces.iter().map(|p| p.weight).sum();
    let (mut persons, mut monitored) = (0usize, 0usize);
    let start = days(today, -4 * 365);
    let mut tax_seq = 100_000u64;
    let mut shown = crate::progress::Progress::new("demo cases", count as u64);
    let mut open: Option<liem_store::Tx> = None;
    for i in 0..count {
        shown.advance(1);
        let mut pick = rng.gen_range(0..total_weight);
        let prov = provinces
            .iter()
            .find(|p| {
                if pick < p.weight {
                    true
                } else {
                    pick -= p.weight;
                    false
                }
            })
            .expect("weights cover the range");
        let ag = |k: &str| prov.agencies[k].clone();
        let opened = days(
            start,
            rng.gen_range(0..(today - start).get_days() as i64 - 10),
        );
        let incident = rng.gen_bool(0.35);
        let (register_unit, source) = if incident {
            (
                ag("TT"),
                *[CaseSource::Inspection, CaseSource::Audit, CaseSource::Press]
                    .choose(rng)
                    .expect("non-empty"),
            )
        } else {
            (
                ag("CA"),
                *[
                    CaseSource::Investigation,
                    CaseSource::Press,
                    CaseSource::Inspection,
                ]
                .choose(rng)
                .expect("non-empty"),
            )
        };
        let actor = Actor {
            user: None,
            unit: Some(register_unit.id),
            source: "demo".into(),
        };
        // Charges decide the class: pick them first.
        let n_accused = rng.gen_range(1..=4usize);
        let (article, clauses) = ARTICLES.choose(rng).expect("non-empty");
        let charges: Vec<Charge> = (0..n_accused)
            .map(|_| {
                let (clause, class) = *clauses.choose(rng).expect("non-empty");
                Charge {
                    article: *article,
                    clause,
                    // The Penal Code table's class where it holds the
                    // clause; the listed one for the others.
                    class: liem_domain::penal::class_of(*article, clause).unwrap_or(class),
                }
            })
            .collect();
        let class = charges
            .iter()
            .map(|c| c.class)
            .max()
            .unwrap_or(CrimeClass::Serious);
        let title = format!(
            "{} ({})",
            TITLES.choose(rng).expect("non-empty"),
            prov.unit.name
        );
        let new = NewCase {
            kind: if incident {
                CaseKind::Incident
            } else {
                CaseKind::Case
            },
            title,
            summary: "Dữ liệu minh họa: vụ việc được tạo tự động cho bản trình diễn.".into(),
            source,
            field: (*[
                "corruption",
                "corruption",
                "admin_land",
                "admin_other",
                "party",
            ]
            .choose(rng)
            .expect("non-empty"))
            .into(),
            place: Some(prov.unit.name.clone()),
            opened_on: opened,
            class,
            holder: None,
            restricted: rng.gen_bool(0.03),
            letters: Vec::new(),
            complex: rng.gen_bool(0.2),
        };
        let mut facts = if incident {
            CaseFacts::verifying(class, new.complex, opened)
        } else {
            CaseFacts::reported(class, new.complex, opened)
        };
        // Fifty cases a transaction: one durable commit each, not one a case.
        if open.is_none() {
            open = Some(store.begin().await?);
        }
        let tx = open.as_mut().expect("just opened");
        let (id, _) = store::insert_case(
            tx,
            &actor,
            &store::CaseOpening {
                unit: &register_unit,
                case: &new,
                holder: register_unit.id,
                facts: &facts,
                stage_due: stage_limit(&facts, &cal).map(|l| l.due),
                letters: &[],
                creator: None,
            },
        )
        .await?;
        // Parties: a company and its people; the accused among them.
        let org = if rng.gen_bool(0.6) {
            tax_seq += 1;
            let o = Organisation {
                name: format!(
                    "{} {}",
                    COMPANY.choose(rng).expect("non-empty"),
                    NAMES.choose(rng).expect("non-empty")
                ),
                kind: if rng.gen_bool(0.1) {
                    OrgKind::Bank
                } else {
                    OrgKind::Company
                },
                tax_code: Some(format!("01{:08}", tax_seq)),
                address: Some(prov.unit.name.clone()),
            };
            Some(store::insert_organisation(tx, &actor, prov.unit.id, &o, None).await?)
        } else {
            None
        };
        let mut people = Vec::new();
        for k in 0..n_accused {
            let official = k == 0 || rng.gen_bool(0.5);
            let p = Person {
                full_name: name(rng),
                birth_year: Some(rng.gen_range(1955..1995)),
                id_number: Some(format!(
                    "0{:02}{:09}",
                    rng.gen_range(1..96),
                    rng.gen_range(0..1_000_000_000u32)
                )),
                position: Some((*POSITIONS.choose(rng).expect("non-empty")).into()),
                workplace: None,
                managed_level: if official {
                    *[
                        ManagedLevel::Province,
                        ManagedLevel::Province,
                        ManagedLevel::Commune,
                        ManagedLevel::Central,
                    ]
                    .choose(rng)
                    .expect("non-empty")
                } else {
                    ManagedLevel::None
                },
                party_member: official,
            };
            let pid = store::insert_person(tx, &actor, prov.unit.id, &p, None).await?;
            persons += 1;
            if let Some(o) = org {
                if !official || rng.gen_bool(0.3) {
                    let kind = *[
                        LinkKind::DirectorOf,
                        LinkKind::ShareholderOf,
                        LinkKind::EmployedBy,
                    ]
                    .choose(rng)
                    .expect("non-empty");
                    store::insert_link(
                        tx,
                        &actor,
                        &store::NewLink {
                            kind,
                            subject: PartyRef::Person(pid),
                            object: PartyRef::Organisation(o),
                            start: Some(days(opened, -rng.gen_range(300..3000))),
                            end: None,
                            role: (kind == LinkKind::ShareholderOf).then_some("cổ đông lớn"),
                            ftm_id: None,
                        },
                    )
                    .await?;
                }
            }
            people.push((pid, official));
        }
        if people.len() >= 2 && rng.gen_bool(0.3) {
            store::insert_link(
                tx,
                &actor,
                &store::NewLink {
                    kind: LinkKind::RelatedTo,
                    subject: PartyRef::Person(people[0].0),
                    object: PartyRef::Person(people[1].0),
                    start: None,
                    end: None,
                    role: Some("người thân"),
                    ftm_id: None,
                },
            )
            .await?;
        }
        let damage = billions(rng, 1, 800);
        store::add_asset(
            tx,
            &actor,
            id,
            &AssetEvent {
                kind: AssetKind::Damage,
                route: if incident {
                    AssetRoute::Inspection
                } else {
                    AssetRoute::Investigation
                },
                on: days(opened, 5),
                amount_vnd: damage,
                land_m2: if rng.gen_bool(0.2) {
                    rng.gen_range(500..50_000)
                } else {
                    0
                },
                item: None,
            },
        )
        .await?;

        // Walk the stages.
        let mut holder = register_unit.clone();
        let mut on = opened;
        let mut row = store::get_case_unchecked(tx, id).await?;
        let mut prosecuted: Option<Date> = None;
        let mut party_ids = Vec::new();
        let mut to_recover = 0i64;
        let mut enforced = false;
        let plan: Vec<StageAction> = {
            let mut p = Vec::new();
            if incident {
                p.push(if rng.gen_bool(0.15) {
                    StageAction::Close
                } else {
                    StageAction::ReportCrime
                });
            }
            p.push(if rng.gen_bool(0.07) {
                StageAction::DeclineToProsecute
            } else {
                StageAction::Prosecute
            });
            if rng.gen_bool(0.3) {
                p.push(StageAction::Extend);
            }
            // The file's receipt starts the next agency's clock (CPC arts.
            // 174, 240, 277); a few are left unrecorded.
            let receive = |p: &mut Vec<StageAction>, rng: &mut ChaCha8Rng| {
                if rng.gen_bool(0.9) {
                    p.push(StageAction::ReceiveFile);
                }
            };
            p.push(StageAction::ConcludeInvestigation);
            receive(&mut p, rng);
            if rng.gen_bool(0.12) {
                p.push(StageAction::ReturnForSupplement);
                receive(&mut p, rng);
                p.push(StageAction::ConcludeInvestigation);
                receive(&mut p, rng);
            }
            p.push(StageAction::Indict);
            receive(&mut p, rng);
            p.push(StageAction::Judge);
            if rng.gen_bool(0.35) {
                p.push(StageAction::Appeal);
            }
            p.extend([StageAction::MakeFinal, StageAction::Close]);
            p
        };
        for action in plan {
            if !facts.allowed().contains(&action) {
                break;
            }
            // Most steps land near the stage's limit; some run late.
            let gap = match stage_limit(&facts, &cal) {
                Some(l) => {
                    let len = (l.due - facts.stage_since).get_days().max(5) as i64;
                    rng.gen_range(len / 2..=len + len / 4)
                }
                None => rng.gen_range(20..120),
            };
            let gap = match action {
                StageAction::Appeal => rng.gen_range(3..14),
                StageAction::ReceiveFile => rng.gen_range(1..6),
                _ => gap,
            };
            let next_on = days(on.max(facts.stage_since), gap);
            if next_on > today {
                break;
            }
            on = next_on;
            let Ok(next) = advance(&facts, action, on) else {
                break;
            };
            let to_kind = match action {
                StageAction::ReportCrime | StageAction::ReturnForSupplement => Some("CA"),
                StageAction::ConcludeInvestigation => Some("VKS"),
                StageAction::Indict => Some("TA"),
                StageAction::MakeFinal => Some("THA"),
                _ => None,
            };
            store::record_stage(
                tx,
                &actor,
                &row,
                &store::StageRecord {
                    action,
                    on,
                    note: None,
                    next: &next,
                    stage_due: stage_limit(&next, &cal).map(|l| l.due),
                    holder: holder.id,
                    unit: &register_unit,
                },
            )
            .await?;
            if let Some(k) = to_kind {
                let to = ag(k);
                if to.id != holder.id {
                    let tid = store::send_transfer(
                        tx,
                        &actor,
                        id,
                        &store::TransferSend {
                            kind: if action == StageAction::ReturnForSupplement {
                                TransferKind::Return
                            } else {
                                TransferKind::Forward
                            },
                            from: holder.id,
                            to: to.id,
                            sent_on: on,
                            ack_due: transfer_ack_due(&cal, on),
                            note: None,
                        },
                    )
                    .await?;
                    // Most files are acknowledged within days; a few never.
                    if rng.gen_bool(0.93) {
                        let ack = days(on, rng.gen_range(1..6)).min(today);
                        store::acknowledge_transfer(
                            tx,
                            &Actor {
                                unit: Some(to.id),
                                ..actor.clone()
                            },
                            tid,
                            ack,
                            None,
                        )
                        .await?;
                    }
                    holder = to;
                }
            }
            facts = next;
            match action {
                StageAction::Prosecute => {
                    prosecuted = Some(on);
                    for (k, (pid, _)) in people.iter().enumerate() {
                        // The last one is sometimes added later (khởi tố bổ sung).
                        let later = k > 0 && k == people.len() - 1 && rng.gen_bool(0.3);
                        let p_on = if later {
                            days(on, rng.gen_range(20..60)).min(today)
                        } else {
                            on
                        };
                        let party = store::add_party(
                            tx,
                            &actor,
                            id,
                            PartyRef::Person(*pid),
                            PartyRole::Accused,
                            Some(p_on),
                            liem_domain::people::is_added(Some(p_on), Some(on)),
                        )
                        .await?;
                        store::add_charge(tx, &actor, id, party, &charges[k]).await?;
                        party_ids.push((party, *pid));
                    }
                    if rng.gen_bool(0.5) {
                        store::add_asset(
                            tx,
                            &actor,
                            id,
                            &AssetEvent {
                                kind: AssetKind::Seized,
                                route: AssetRoute::Investigation,
                                on: days(on, 30).min(today),
                                amount_vnd: damage / rng.gen_range(3..10),
                                land_m2: 0,
                                item: rng.gen_bool(0.3).then(|| "Ô tô, sổ tiết kiệm".into()),
                            },
                        )
                        .await?;
                    }
                }
                StageAction::Judge => {
                    to_recover = damage * rng.gen_range(50..=100) / 100;
                    store::add_asset(
                        tx,
                        &actor,
                        id,
                        &AssetEvent {
                            kind: AssetKind::ToRecover,
                            route: AssetRoute::Court,
                            on,
                            amount_vnd: to_recover,
                            land_m2: 0,
                            item: None,
                        },
                    )
                    .await?;
                }
                StageAction::MakeFinal => {
                    enforced = true;
                    for (_, pid) in &party_ids {
                        let m = rng.gen_range(24..240u32);
                        let s = Sanction {
                            track: SanctionTrack::Criminal,
                            measure: if m < 36 && rng.gen_bool(0.3) {
                                Measure::SuspendedPrison
                            } else {
                                Measure::Prison
                            },
                            decided_on: on,
                            authority: holder.name.replace("Thi hành án dân sự", "Tòa án nhân dân"),
                            months: Some(m),
                            fine_vnd: None,
                        };
                        store::add_sanction(tx, &actor, PartyRef::Person(*pid), Some(id), &s)
                            .await?;
                    }
                }
                _ => {}
            }
            row = store::get_case_unchecked(tx, id).await?;
        }
        // Party discipline for officials once prosecuted.
        if let Some(prosecuted_on) = prosecuted {
            for (_, pid) in &party_ids {
                let official = people.iter().any(|(p, o)| p == pid && *o);
                if official && rng.gen_bool(0.6) {
                    let s = Sanction {
                        track: SanctionTrack::Party,
                        measure: *[
                            Measure::Expulsion,
                            Measure::Expulsion,
                            Measure::RemovalFromPost,
                            Measure::Warning,
                        ]
                        .choose(rng)
                        .expect("non-empty"),
                        decided_on: days(prosecuted_on, 10).min(today),
                        authority: format!("Ủy ban Kiểm tra {}", prov.unit.name),
                        months: None,
                        fine_vnd: None,
                    };
                    store::add_sanction(tx, &actor, PartyRef::Person(*pid), Some(id), &s).await?;
                }
            }
        }
        if enforced && to_recover > 0 {
            let got = to_recover * rng.gen_range(10..=100) / 100;
            store::add_asset(
                tx,
                &actor,
                id,
                &AssetEvent {
                    kind: AssetKind::Recovered,
                    route: AssetRoute::Enforcement,
                    on: days(on, 30).min(today),
                    amount_vnd: got,
                    land_m2: 0,
                    item: None,
                },
            )
            .await?;
        }
        // About one in eight is placed under a committee's monitoring.
        if i % 8 == 3 {
            let central_pick = rng.gen_bool(0.4);
            let committee = if central_pick { central } else { &prov.unit };
            let decided = days(prosecuted.unwrap_or(opened), rng.gen_range(5..60)).min(today);
            let mut targets = Vec::new();
            let mut due = decided;
            for m in [
                Milestone::ConcludeInvestigation,
                Milestone::Indict,
                Milestone::FirstInstanceTrial,
                Milestone::RecoverAssets,
            ] {
                due = days(due, rng.gen_range(60..180));
                targets.push(Target {
                    milestone: m,
                    due_on: due,
                    note: None,
                });
            }
            let session = format!("Phiên họp thứ {}", rng.gen_range(18..30));
            let committee_actor = Actor {
                unit: Some(committee.id),
                ..actor.clone()
            };
            let mid = store::place_monitoring(
                tx,
                &committee_actor,
                id,
                committee.id,
                &session,
                decided,
                &targets,
            )
            .await?;
            // A closed case leaves the list by a later session's decision.
            if facts.stage == Stage::Closed {
                let removed = days(on.max(decided), 30).min(today);
                store::remove_monitoring(
                    tx,
                    &committee_actor,
                    mid,
                    removed,
                    &format!("Phiên họp thứ {}", rng.gen_range(30..34)),
                )
                .await?;
            }
            monitored += 1;
        }
        if (i + 1) % 50 == 0 {
            if let Some(tx) = open.take() {
                tx.commit().await?;
            }
            let groups = (i + 1) / 50;
            if groups.is_power_of_two() {
                crate::demo::fresh_statistics(store, CASE_TABLES).await?;
            }
        }
    }
    if let Some(tx) = open.take() {
        tx.commit().await?;
    }
    shown.clear();
    Ok((count, persons, monitored))
}
