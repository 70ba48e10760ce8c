//! The demo instance: a seeded generator of the unit tree (34 provinces
//! with communes and agencies), about forty users, and letters over the last
//! 24 months in every kind, channel, field and state — some overdue, some
//! collective, some repeated. Generated once; later runs reuse the data.

use crate::config::{write_private, Config};
use anyhow::{Context, Result};
use jiff::civil::Date;
use jiff::ToSpan;
use liem_domain::calendar::Calendar;
use liem_domain::deadline::Deadline;
use liem_domain::deadline::{current_deadline, RuleBook};
use liem_domain::ids::{uuid_at, LetterId, MatterId, UnitId, UserId};
use liem_domain::petition::{LetterInput, NewLetter, SenderInput};
use liem_domain::role::{Role, Username};
use liem_domain::unit::{UnitCode, UnitKind};
use liem_domain::workflow::{
    apply, Action, Classification, CompetentBody, IneligibilityReason, MatterFacts, MatterState,
    Outcome,
};
use liem_server::clock::today;
use liem_server::crypto::{random_password, random_token, token_hash, PasswordPolicy};
use liem_server::petitions::intake::{register_group_in_tx, GroupLetter};
use liem_server::petitions::service::{action_detail, register_in_tx};
use liem_store::audit::Actor;
use liem_store::db::query;
use liem_store::petitions::{self, MatterRecord, Transition};
use liem_store::units::{self, NewUnit, UnitRecord};
use liem_store::{users, Store};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// The logins printed by `liem demo`.
pub struct Credentials {
    /// Administrator (also leader of the central committee).
    pub admin: (String, String),
    /// Intake clerk of Hà Nội.
    pub clerk: (String, String),
    /// API token of the administrator.
    pub token: String,
    /// One login for each other role: (role, login name, password) — a
    /// handler, a leader and a custodian of Hà Nội, the central auditor and
    /// analyst.
    pub others: Vec<(String, String, String)>,
}

/// The other roles the demo prints a login for: (role, login name).
const OTHER_LOGINS: [(&str, &str); 5] = [
    ("handler", "xuly.hni"),
    ("leader", "lanhdao.hni"),
    ("custodian", "baomat.hni"),
    ("auditor", "kiemtoan"),
    ("analyst", "phantich"),
];

const PROVINCES: &[(&str, &str, u32)] = &[
    ("HNI", "Thành phố Hà Nội", 14),
    ("HCM", "Thành phố Hồ Chí Minh", 16),
    ("HPG", "Thành phố Hải Phòng", 5),
    ("DNG", "Thành phố Đà Nẵng", 4),
    ("CTO", "Thành phố Cần Thơ", 4),
    ("HUE", "Thành phố Huế", 2),
    ("LCU", "Tỉnh Lai Châu", 1),
    ("DBN", "Tỉnh Điện Biên", 1),
    ("SLA", "Tỉnh Sơn La", 2),
    ("LSN", "Tỉnh Lạng Sơn", 1),
    ("QNH", "Tỉnh Quảng Ninh", 3),
    ("THA", "Tỉnh Thanh Hóa", 4),
    ("NAN", "Tỉnh Nghệ An", 4),
    ("HTH", "Tỉnh Hà Tĩnh", 2),
    ("CBG", "Tỉnh Cao Bằng", 1),
    ("TQG", "Tỉnh Tuyên Quang", 2),
    ("LCI", "Tỉnh Lào Cai", 2),
    ("TNN", "Tỉnh Thái Nguyên", 2),
    ("PTO", "Tỉnh Phú Thọ", 3),
    ("BNH", "Tỉnh Bắc Ninh", 3),
    ("HYN", "Tỉnh Hưng Yên", 3),
    ("NBH", "Tỉnh Ninh Bình", 3),
    ("QTI", "Tỉnh Quảng Trị", 2),
    ("QNI", "Tỉnh Quảng Ngãi", 2),
    ("GLI", "Tỉnh Gia Lai", 3),
    ("KHA", "Tỉnh Khánh Hòa", 3),
    ("LDG", "Tỉnh Lâm Đồng", 3),
    ("DLK", "Tỉnh Đắk Lắk", 3),
    ("DNI", "Tỉnh Đồng Nai", 4),
    ("TNH", "Tỉnh Tây Ninh", 3),
    ("VLG", "Tỉnh Vĩnh Long", 3),
    ("DTP", "Tỉnh Đồng Tháp", 3),
    ("CMU", "Tỉnh Cà Mau", 2),
    ("AGG", "Tỉnh An Giang", 3),
];

const AGENCIES: &[(&str, UnitKind, &str)] = &[
    ("NC", UnitKind::InternalAffairs, "Ban Nội chính"),
    ("TT", UnitKind::Inspectorate, "Thanh tra"),
    (
        "CA",
        UnitKind::PoliceInvestigation,
        "Cơ quan Cảnh sát điều tra, Công an",
    ),
    ("VKS", UnitKind::Procuracy, "Viện kiểm sát nhân dân"),
    ("TA", UnitKind::Court, "Tòa án nhân dân"),
    ("THA", UnitKind::Enforcement, "Thi hành án dân sự"),
];

pub(crate) const COMMUNE_NAMES: &[&str] = &[
    "Phường Trung Tâm",
    "Phường Hòa Bình",
    "Xã Tân Thành",
    "Xã Phú Thịnh",
    "Phường Đông Hải",
    "Xã An Phú",
    "Xã Hưng Đạo",
    "Phường Quang Trung",
    "Xã Thống Nhất",
    "Phường Bình Minh",
    "Xã Tân Lập",
    "Xã Đồng Tâm",
];

const SURNAMES: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan",
    "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Xuân", "Hồng", "Công",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh",
    "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Phúc", "Phương", "Quân", "Sơn",
    "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Vân", "Yến",
];
pub(crate) const SUBJECTS: &[&str] = &[
    "Chủ tịch UBND xã",
    "UBND phường",
    "Sở Nông nghiệp và Môi trường",
    "Văn phòng đăng ký đất đai",
    "Ban quản lý dự án đầu tư xây dựng",
    "Trưởng Công an xã",
    "Hiệu trưởng trường THCS",
    "Giám đốc Trung tâm Y tế",
    "Chi cục Thuế khu vực",
    "Công ty TNHH Xây dựng Thành Đạt",
    "Cán bộ địa chính xã",
    "Hội đồng bồi thường, hỗ trợ tái định cư",
];
pub(crate) const PROJECTS: &[&str] = &[
    "mở rộng quốc lộ",
    "khu đô thị mới phía Nam",
    "cụm công nghiệp",
    "đường vành đai",
    "kè chống sạt lở",
    "trường mầm non",
    "khu tái định cư",
    "nâng cấp chợ trung tâm",
];

pub(crate) fn name(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{} {} {}",
        SURNAMES.choose(rng).expect("non-empty"),
        MIDDLE.choose(rng).expect("non-empty"),
        GIVEN.choose(rng).expect("non-empty")
    )
}

/// Field, kind, summary and content of a plausible letter.
fn matter_text(
    rng: &mut ChaCha8Rng,
    place: &str,
) -> (&'static str, Vec<&'static str>, String, String) {
    let subject = *SUBJECTS.choose(rng).expect("non-empty");
    let project = *PROJECTS.choose(rng).expect("non-empty");
    let year = rng.gen_range(2015..2026);
    let roll = rng.gen_range(0..100);
    let (field, kinds, summary, content): (&str, Vec<&str>, String, String) = match roll {
        0..=29 => (
            "admin_land",
            vec!["complaint"],
            format!("Khiếu nại về bồi thường, hỗ trợ khi thu hồi đất dự án {project}"),
            format!("Gia đình tôi bị thu hồi đất để thực hiện dự án {project} tại {place}. Mức bồi thường thấp hơn giá thị trường, chưa được bố trí tái định cư. Đề nghị {subject} xem xét lại quyết định thu hồi đất năm {year}."),
        ),
        30..=39 => (
            "admin_land",
            vec!["recommendation"],
            "Kiến nghị cấp giấy chứng nhận quyền sử dụng đất".to_owned(),
            format!("Tôi đã nộp hồ sơ đề nghị cấp giấy chứng nhận quyền sử dụng đất tại {place} từ năm {year} nhưng đến nay chưa được giải quyết, không được trả lời bằng văn bản."),
        ),
        40..=49 => (
            "admin_policy",
            vec!["complaint"],
            "Khiếu nại về chế độ, chính sách".to_owned(),
            format!("Tôi không được hưởng chế độ trợ cấp theo quy định dù đủ điều kiện. Đề nghị {subject} xem xét lại việc xét duyệt hồ sơ năm {year}."),
        ),
        50..=57 => (
            "admin_other",
            vec!["reflection"],
            "Phản ánh ô nhiễm môi trường".to_owned(),
            format!("Cơ sở sản xuất tại {place} xả thải ra kênh, gây mùi hôi và ô nhiễm nguồn nước. Người dân đã nhiều lần phản ánh nhưng chưa được xử lý."),
        ),
        58..=63 => (
            "judicial",
            vec!["complaint"],
            "Khiếu nại việc thi hành án chậm".to_owned(),
            format!("Bản án có hiệu lực từ năm {year} nhưng cơ quan thi hành án chưa tổ chức thi hành, gây thiệt hại cho gia đình tôi."),
        ),
        64..=65 => (
            "other",
            vec!["recommendation"],
            "Kiến nghị sửa chữa đường giao thông".to_owned(),
            format!("Tuyến đường liên xã qua {place} xuống cấp nghiêm trọng, đề nghị sớm sửa chữa để bảo đảm an toàn cho người dân."),
        ),
        66..=67 => (
            "party",
            vec!["reflection"],
            "Phản ánh đảng viên vi phạm quy định".to_owned(),
            format!("Phản ánh một đảng viên tại {place} vi phạm những điều đảng viên không được làm, sử dụng tài sản công vào việc riêng."),
        ),
        68..=95 => {
            let (s, c) = match rng.gen_range(0..4) {
                0 => (
                    format!("Tố cáo {subject} nhận hối lộ"),
                    format!("Tố cáo {subject} tại {place} có hành vi nhận tiền của người dân khi giải quyết hồ sơ đất đai, mỗi hồ sơ từ 5 đến 20 triệu đồng."),
                ),
                1 => (
                    "Tố cáo sai phạm trong đấu thầu".to_owned(),
                    format!("Tố cáo sai phạm trong đấu thầu gói thầu thuộc dự án {project}: thông thầu, nâng khống giá trị, gây thất thoát ngân sách nhà nước."),
                ),
                2 => (
                    "Tố cáo lợi dụng chức vụ chiếm đoạt tiền hỗ trợ".to_owned(),
                    format!("Tố cáo cán bộ lợi dụng chức vụ, quyền hạn lập hồ sơ khống để chiếm đoạt tiền hỗ trợ của người dân tại {place} năm {year}."),
                ),
                _ => (
                    "Tố cáo tham nhũng, tiêu cực trong tuyển dụng".to_owned(),
                    format!("Tố cáo {subject} nhận tiền để bố trí việc làm, tuyển dụng viên chức không đúng quy định."),
                ),
            };
            ("corruption", vec!["denunciation"], s, c)
        }
        _ => (
            "admin_land",
            vec!["complaint", "denunciation"],
            format!("Khiếu nại và tố cáo liên quan dự án {project}"),
            format!("Khiếu nại quyết định thu hồi đất dự án {project}, đồng thời tố cáo {subject} làm sai lệch hồ sơ bồi thường."),
        ),
    };
    (field, kinds, summary, content)
}

/// Creates the demo data once; returns the logins to print.
pub async fn ensure(
    store: &Store,
    cfg: &Config,
    seed: u64,
    count: usize,
    cases: usize,
    writer: Writer,
) -> Result<Credentials> {
    let creds_file = cfg.data_dir.join("demo-credentials.txt");
    let mut c = store.conn().await?;
    let existing = query("SELECT COUNT(*) AS n FROM units")
        .fetch_one(&mut c)
        .await?
        .i64("n")?;
    drop(c);
    if existing > 0 {
        let text = std::fs::read_to_string(&creds_file).with_context(|| {
            format!(
                "this database already has data; the demo logins are in {}, which is missing",
                creds_file.display()
            )
        })?;
        return parse_credentials(&text);
    }
    let started = std::time::Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let system = Actor::system("demo");
    let sender_key = liem_server::crypto::SenderKey::of_instance(&cfg.seal_key(false)?);
    let founded = Date::constant(2025, 7, 1);

    // The unit tree.
    let mut tx = store.begin().await?;
    let mk = |code: String, name: String, kind: UnitKind, parent: Option<UnitId>| NewUnit {
        code: UnitCode::parse(&code).expect("generated codes are valid"),
        name,
        kind,
        parent,
        valid_from: founded,
    };
    let central = units::create(
        &mut tx,
        &system,
        &mk(
            "TW".into(),
            "Ban Chỉ đạo Trung ương về phòng, chống tham nhũng, lãng phí, tiêu cực".into(),
            UnitKind::CentralCommittee,
            None,
        ),
    )
    .await?;
    for (suffix, kind, name) in AGENCIES {
        units::create(
            &mut tx,
            &system,
            &mk(
                format!("TW-{suffix}"),
                format!("{name} Trung ương"),
                *kind,
                Some(central.id),
            ),
        )
        .await?;
    }
    let mut provinces: Vec<(UnitRecord, Vec<UnitRecord>, u32)> = Vec::new();
    let mut case_provinces: Vec<crate::demo_cases::Province> = Vec::new();
    for (code, name, weight) in PROVINCES {
        let p = units::create(
            &mut tx,
            &system,
            &mk(
                (*code).into(),
                (*name).into(),
                UnitKind::Province,
                Some(central.id),
            ),
        )
        .await?;
        let mut handling = vec![p.clone()];
        let mut agencies = HashMap::new();
        for (suffix, kind, aname) in AGENCIES {
            let a = units::create(
                &mut tx,
                &system,
                &mk(
                    format!("{code}-{suffix}"),
                    format!("{aname} {name}"),
                    *kind,
                    Some(p.id),
                ),
            )
            .await?;
            agencies.insert(*suffix, a.clone());
            if matches!(kind, UnitKind::InternalAffairs | UnitKind::Inspectorate) {
                handling.push(a);
            }
        }
        let mut names: Vec<&str> = COMMUNE_NAMES.to_vec();
        names.shuffle(&mut rng);
        for (i, cname) in names.iter().take(4).enumerate() {
            let cu = units::create(
                &mut tx,
                &system,
                &mk(
                    format!("{code}-X{:02}", i + 1),
                    format!("{cname}, {name}"),
                    UnitKind::Commune,
                    Some(p.id),
                ),
            )
            .await?;
            handling.push(cu);
        }
        case_provinces.push(crate::demo_cases::Province {
            unit: p.clone(),
            agencies,
            weight: *weight,
        });
        provinces.push((p, handling, *weight));
    }
    // Every unit gets a recovery key. The demo keeps none of the private
    // halves: in a real deployment each is printed once and kept offline.
    for u in units::list(&mut tx).await? {
        liem_server::sealing::provision_recovery_key(&mut tx, &system, u.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    tx.commit().await?;

    // About forty users.
    let policy = PasswordPolicy::default();
    let admin_pw = random_password();
    let clerk_pw = random_password();
    let mut tx = store.begin().await?;
    let add_user =
        |username: String, display: String, unit: UnitId, roles: Vec<Role>, pw: String| {
            let hash = policy.hash(&pw);
            (
                users::NewUser {
                    username: Username::parse(&username).expect("valid"),
                    display_name: display,
                    unit_id: unit,
                    password_hash: hash,
                    roles,
                    locale: None,
                },
                pw,
            )
        };
    let mut new_users = vec![
        add_user(
            "admin".into(),
            "Quản trị hệ thống".into(),
            central.id,
            vec![Role::Administrator, Role::Leader],
            admin_pw.clone(),
        ),
        add_user(
            "kiemtoan".into(),
            name(&mut rng),
            central.id,
            vec![Role::Auditor],
            random_password(),
        ),
        add_user(
            "phantich".into(),
            name(&mut rng),
            central.id,
            vec![Role::Analyst],
            random_password(),
        ),
        add_user(
            "lanhdao.tw".into(),
            name(&mut rng),
            central.id,
            vec![Role::Leader],
            random_password(),
        ),
    ];
    let staffed = [
        "HNI", "HCM", "DNG", "HPG", "CTO", "NAN", "THA", "QNH", "KHA", "LDG",
    ];
    for (p, handling, _) in &provinces {
        if !staffed.contains(&p.code.as_str()) {
            continue;
        }
        let lc = p.code.to_lowercase();
        let pw = if p.code == "HNI" {
            clerk_pw.clone()
        } else {
            random_password()
        };
        new_users.push(add_user(
            format!("tiepnhan.{lc}"),
            name(&mut rng),
            p.id,
            vec![Role::IntakeClerk],
            pw,
        ));
        new_users.push(add_user(
            format!("xuly.{lc}"),
            name(&mut rng),
            p.id,
            vec![Role::Handler],
            random_password(),
        ));
        new_users.push(add_user(
            format!("lanhdao.{lc}"),
            name(&mut rng),
            p.id,
            vec![Role::Leader, Role::Handler],
            random_password(),
        ));
        if p.code == "HNI" || p.code == "HCM" {
            let tt = handling
                .iter()
                .find(|u| u.kind == UnitKind::Inspectorate)
                .expect("an inspectorate");
            new_users.push(add_user(
                format!("thanhtra.{lc}"),
                name(&mut rng),
                tt.id,
                vec![Role::IntakeClerk, Role::Handler],
                random_password(),
            ));
            let x = handling
                .iter()
                .find(|u| u.kind == UnitKind::Commune)
                .expect("a commune");
            new_users.push(add_user(
                format!("xa.{lc}"),
                name(&mut rng),
                x.id,
                vec![Role::IntakeClerk, Role::Handler],
                random_password(),
            ));
            // The province's custodian of sealed identities.
            new_users.push(add_user(
                format!("baomat.{lc}"),
                name(&mut rng),
                p.id,
                vec![Role::Custodian],
                random_password(),
            ));
        }
    }
    let mut user_ids: HashMap<String, UserId> = HashMap::new();
    let mut handlers: HashMap<UnitId, Vec<UserId>> = HashMap::new();
    let mut clerks: HashMap<UnitId, UserId> = HashMap::new();
    let others: Vec<(String, String, String)> = OTHER_LOGINS
        .iter()
        .filter_map(|(role, login)| {
            new_users
                .iter()
                .find(|(u, _)| u.username.as_str() == *login)
                .map(|(_, pw)| ((*role).to_owned(), (*login).to_owned(), pw.clone()))
        })
        .collect();
    for (u, pw) in &new_users {
        let id = users::create(&mut tx, &system, u).await?;
        liem_server::sealing::provision_user_key(&mut tx, &system, id, pw, policy)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        user_ids.insert(u.username.as_str().to_owned(), id);
        if u.roles.contains(&Role::Handler) {
            handlers.entry(u.unit_id).or_default().push(id);
        }
        if u.roles.contains(&Role::IntakeClerk) {
            clerks.insert(u.unit_id, id);
        }
    }
    let admin_id = user_ids["admin"];
    let token = random_token();
    // The demo's token lives a year (its logins are printed on every run).
    let expires = users::token_expiry(366).expect("366 days is allowed");
    users::create_token(
        &mut tx,
        &system,
        admin_id,
        "demo",
        &token_hash(&token),
        expires,
    )
    .await?;
    tx.commit().await?;

    // Letters over the last 24 months, registered in date order.
    let end = today();
    let start = end.checked_sub(24.months()).expect("in range");
    let span_days = (end - start).get_days();
    // The build-up planted for the hot-spot page is part of the count.
    let build_up: u16 = if count >= 200 { 12 } else { 0 };
    let mut dates: Vec<Date> = (0..count - usize::from(build_up))
        .map(|_| {
            start
                .checked_add(i64::from(rng.gen_range(0..=span_days)).days())
                .expect("in range")
        })
        .collect();
    dates.sort();
    let total_weight: u32 = provinces.iter().map(|p| p.2).sum();
    let cal = Calendar::new();
    let book = RuleBook::default();
    let mut recent: HashMap<(UnitId, &'static str), Vec<liem_domain::ids::MatterId>> =
        HashMap::new();
    let batch = 500;
    let mut i = 0;
    let mut groups = 0u32;
    let mut shown = crate::progress::Progress::new("demo letters", dates.len() as u64);
    while i < dates.len() {
        // A group of letters is generated, then written; then the matters
        // they opened are moved along. Joins reach matters of earlier
        // groups only, so both writers see the same draws.
        let mut specs: Vec<(UnitRecord, Actor, UserId, NewLetter, LetterId)> = Vec::new();
        for (n, received) in dates[i..(i + batch).min(dates.len())].iter().enumerate() {
            let mut w = rng.gen_range(0..total_weight);
            let (prov, handling, _) = provinces
                .iter()
                .find(|p| {
                    if w < p.2 {
                        true
                    } else {
                        w -= p.2;
                        false
                    }
                })
                .expect("weights cover the range");
            let unit = if rng.gen_bool(0.55) {
                prov
            } else {
                handling.choose(&mut rng).expect("non-empty")
            };
            let place = format!(
                "{}, {}",
                COMMUNE_NAMES.choose(&mut rng).expect("non-empty"),
                prov.name
            );
            let (field, kinds, summary, content) = matter_text(&mut rng, &place);
            let anonymous =
                kinds.contains(&"denunciation") && rng.gen_bool(0.15) || rng.gen_bool(0.03);
            let org = !anonymous && rng.gen_bool(0.06);
            let collective = !anonymous && rng.gen_bool(0.05);
            let sender = if anonymous {
                SenderInput {
                    kind: Some("anonymous".into()),
                    ..Default::default()
                }
            } else {
                SenderInput {
                    kind: Some(if org { "organisation" } else { "person" }.into()),
                    name: Some(if org {
                        format!(
                            "Công ty TNHH {}",
                            GIVEN.choose(&mut rng).expect("non-empty")
                        )
                    } else {
                        name(&mut rng)
                    }),
                    id_number: (!org).then(|| {
                        format!(
                            "0{:02}{}{:08}",
                            rng.gen_range(1..97),
                            rng.gen_range(0..4),
                            rng.gen_range(0..100_000_000u32)
                        )
                    }),
                    address: Some(format!("Số {}, {}", rng.gen_range(1..300), place)),
                    phone: rng
                        .gen_bool(0.6)
                        .then(|| format!("09{:08}", rng.gen_range(0..100_000_000u32))),
                    email: None,
                }
            };
            let channel = *[
                "reception_desk",
                "post",
                "post",
                "drop_box",
                "web",
                "hotline",
                "forwarded",
                "press",
                "leader_referral",
            ]
            .choose(&mut rng)
            .expect("non-empty");
            // Now and then an official reports corruption where they work
            // to the head of the unit (Anti-Corruption Law 2018, art. 66).
            let channel = if !anonymous
                && !collective
                && field == "corruption"
                && kinds
                    .iter()
                    .all(|k| *k == "denunciation" || *k == "reflection")
                && rng.gen_bool(0.2)
            {
                "internal_report"
            } else {
                channel
            };
            let kind0 = kinds[0];
            let join = (rng.gen_bool(0.03))
                .then(|| {
                    recent
                        .get(&(unit.id, kind0))
                        .and_then(|v| v.last().copied())
                })
                .flatten();
            let input = LetterInput {
                kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
                channel: Some(channel.into()),
                field: Some(field.into()),
                received_on: Some(received.to_string()),
                place: Some(place.clone()),
                sender,
                signatories: Some(if collective { rng.gen_range(5..60) } else { 1 }),
                subject: Some((*SUBJECTS.choose(&mut rng).expect("non-empty")).into()),
                summary: Some(summary),
                content: Some(content),
                forwarded_by: (channel == "forwarded")
                    .then(|| "Ban Dân nguyện, Ủy ban Thường vụ Quốc hội".to_owned()),
                seal_identity: false,
                seal_content: false,
                join_matter: join.map(|m| m.0),
            };
            let letter = NewLetter::parse(&input, end)
                .map_err(|e| anyhow::anyhow!("generated letter invalid: {e}"))?;
            let created_by = clerks.get(&unit.id).copied().unwrap_or(admin_id);
            let actor = Actor {
                user: Some(created_by),
                unit: Some(unit.id),
                source: "demo".into(),
            };
            let at = received
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .unwrap_or_else(|_| jiff::Timestamp::now());
            let id = LetterId(uuid_at(at, ((i + n) % 4096) as u16));
            specs.push((unit.clone(), actor, created_by, letter, id));
        }
        let group: Vec<GroupLetter<'_>> = specs
            .iter()
            .map(|(unit, actor, created_by, letter, id)| GroupLetter {
                actor,
                unit,
                created_by: Some(*created_by),
                letter,
                id: *id,
            })
            .collect();
        let mut tx = match writer {
            Writer::Bulk => Some(store.begin().await?),
            Writer::Live => None,
        };
        let written = match &mut tx {
            Some(tx) => register_group_in_tx(tx, &group, &cal, &book, &sender_key)
                .await
                .map_err(|e| anyhow::anyhow!("registering demo letters: {e}"))?,
            None => {
                let mut out = Vec::with_capacity(group.len());
                for g in &group {
                    let mut tx = store.begin().await?;
                    out.extend(
                        register_group_in_tx(
                            &mut tx,
                            std::slice::from_ref(g),
                            &cal,
                            &book,
                            &sender_key,
                        )
                        .await
                        .map_err(|e| anyhow::anyhow!("registering a demo letter: {e}"))?,
                    );
                    tx.commit().await?;
                }
                out
            }
        };
        let mut plans = Vec::new();
        for ((unit, ..), w) in specs.iter().zip(&written) {
            for m in &w.opened {
                recent
                    .entry((unit.id, m.facts.kind.as_str()))
                    .or_default()
                    .push(m.id);
                plans.push(plan_progress(
                    &mut rng, m, unit.id, &handlers, end, &cal, &book,
                ));
            }
        }
        write_progress(store, tx.as_mut(), &plans).await?;
        if let Some(tx) = tx {
            tx.commit().await?;
        }
        groups += 1;
        if groups.is_power_of_two() {
            fresh_statistics(store, LETTER_TABLES).await?;
        }
        shown.advance(batch.min(dates.len() - i) as u64);
        i += batch;
    }
    shown.finish(&format!(
        "generated {count} demo letters in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    // A build-up to see on the hot-spot page: a commune of the first
    // province, whose land letters usually trickle in, receives a dozen on
    // one compensation decision over the last ten days.
    if let Some(commune) = provinces
        .first()
        .and_then(|p| p.1.iter().find(|u| u.kind == UnitKind::Commune))
        .filter(|_| build_up > 0)
    {
        let mut tx = store.begin().await?;
        let created_by = clerks.get(&commune.id).copied().unwrap_or(admin_id);
        let actor = Actor {
            user: Some(created_by),
            unit: Some(commune.id),
            source: "demo".into(),
        };
        for k in 0..build_up {
            let received = end.checked_sub(i64::from(k % 10).days()).expect("in range");
            let collective = k % 4 == 0;
            let input = LetterInput {
                kinds: vec!["complaint".into()],
                channel: Some(if k % 3 == 0 { "reception_desk" } else { "post" }.into()),
                field: Some("admin_land".into()),
                received_on: Some(received.to_string()),
                place: Some(commune.name.clone()),
                sender: SenderInput {
                    kind: Some("person".into()),
                    name: Some(name(&mut rng)),
                    address: Some(format!("Thôn {}, {}", k + 1, commune.name)),
                    ..Default::default()
                },
                signatories: Some(if collective { rng.gen_range(8..40) } else { 1 }),
                subject: Some(format!("Ủy ban nhân dân {}", commune.name)),
                summary: Some(
                    "Khiếu nại quyết định phê duyệt phương án bồi thường khi thu hồi đất làm khu tái định cư"
                        .into(),
                ),
                content: Some(format!(
                    "Gia đình tôi bị thu hồi đất tại {} để làm khu tái định cư. Đơn giá bồi thường thấp hơn nhiều so với giá chuyển nhượng thực tế; đề nghị xem xét lại quyết định phê duyệt phương án bồi thường.",
                    commune.name
                )),
                forwarded_by: None,
                seal_identity: false,
                seal_content: false,
                join_matter: None,
            };
            let letter = NewLetter::parse(&input, end)
                .map_err(|e| anyhow::anyhow!("generated letter invalid: {e}"))?;
            let at = received
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
                .unwrap_or_else(|_| jiff::Timestamp::now());
            register_in_tx(
                &mut tx,
                &actor,
                commune,
                Some(created_by),
                &letter,
                LetterId(uuid_at(at, 4000 + k)),
                &cal,
                &book,
                &sender_key,
            )
            .await
            .map_err(|e| anyhow::anyhow!("registering a demo letter: {e}"))?;
        }
        tx.commit().await?;
    }
    let cases_started = std::time::Instant::now();
    let (n_cases, n_persons, n_monitored) = crate::demo_cases::generate(
        store,
        &mut rng,
        &central,
        &case_provinces,
        cases,
        end,
        &mut name,
    )
    .await?;
    eprintln!(
        "generated {n_cases} demo cases and incidents with {n_persons} people, {n_monitored} monitored, in {:.1} s",
        cases_started.elapsed().as_secs_f64()
    );
    let sessions = reception(store, &provinces, start, end).await?;
    eprintln!("generated {sessions} demo citizen-reception sessions");
    let work = crate::demo_committee::generate(store, &central, &case_provinces, end).await?;
    eprintln!(
        "generated the committees' year: {} meetings, {} conclusions, {} tasks, one screening round",
        work.meetings, work.conclusions, work.tasks
    );
    let creds = Credentials {
        admin: ("admin".into(), admin_pw),
        clerk: ("tiepnhan.hni".into(), clerk_pw),
        token,
        others,
    };
    let mut text = format!(
        "admin {} {}\nclerk {} {}\ntoken {}\n",
        creds.admin.0, creds.admin.1, creds.clerk.0, creds.clerk.1, creds.token
    );
    for (role, user, pw) in &creds.others {
        text.push_str(&format!("{role} {user} {pw}\n"));
    }
    write_private(&creds_file, &text)?;
    Ok(creds)
}

fn parse_credentials(text: &str) -> Result<Credentials> {
    let mut admin = None;
    let mut clerk = None;
    let mut token = None;
    let mut others = Vec::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["admin", u, p] => admin = Some(((*u).to_owned(), (*p).to_owned())),
            ["clerk", u, p] => clerk = Some(((*u).to_owned(), (*p).to_owned())),
            ["token", t] => token = Some((*t).to_owned()),
            [role, u, p] if OTHER_LOGINS.iter().any(|(r, _)| r == role) => {
                others.push(((*role).to_owned(), (*u).to_owned(), (*p).to_owned()))
            }
            _ => {}
        }
    }
    match (admin, clerk, token) {
        (Some(admin), Some(clerk), Some(token)) => Ok(Credentials {
            admin,
            clerk,
            token,
            others,
        }),
        _ => anyhow::bail!("the demo credentials file is incomplete"),
    }
}

/// Has PostgreSQL gather the tables' statistics, as a bulk load grows them
/// (its own gathering waits for a minute to pass and a tenth of a table to
/// change): without them its planner takes the first groups' tables for
/// empty and keeps scanning them whole as they grow.
pub(crate) async fn fresh_statistics(store: &Store, tables: &[&str]) -> Result<()> {
    if store.dialect() == liem_store::db::Dialect::Postgres {
        query(format!("ANALYZE {}", tables.join(", ")))
            .execute(&mut store.conn().await?)
            .await?;
    }
    Ok(())
}

/// The tables the demo's letters fill.
const LETTER_TABLES: &[&str] = &[
    "letters",
    "letter_senders",
    "letter_matters",
    "matters",
    "matter_events",
    "matter_duties",
];

/// How the demo writes its letters and their matters' steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Writer {
    /// A group of letters and their steps in one transaction, the letters
    /// in grouped statements, the steps in one statement per matter.
    Bulk,
    /// Each letter, assignment and step in its own transaction, through the
    /// functions the server's handlers call: slow, for comparison.
    Live,
}

/// A matter's steps, planned before they are written.
struct MatterPlan {
    id: MatterId,
    actor: Actor,
    handler: Option<UserId>,
    /// The version its first step expects (after the assignment).
    version: i64,
    steps: Vec<PlannedStep>,
}

/// One planned workflow step.
struct PlannedStep {
    from: MatterState,
    facts: MatterFacts,
    due: Option<Deadline>,
    duty: Option<liem_domain::limits::Limit>,
    action: &'static str,
    on: Date,
    detail: serde_json::Value,
}

impl MatterPlan {
    /// Its steps as the store records them.
    fn transitions(&self) -> impl Iterator<Item = Transition<'_>> {
        self.steps.iter().enumerate().map(|(k, s)| Transition {
            matter: self.id,
            expected_version: self.version + k as i64,
            from: s.from,
            facts: &s.facts,
            due: s.due.as_ref(),
            duty: s.duty.as_ref(),
            action: s.action,
            on: s.on,
            detail: s.detail.clone(),
        })
    }
}

/// Writes the planned steps: in the bulk writer's transaction, or each
/// assignment and step in its own (the live writer).
async fn write_progress(
    store: &Store,
    tx: Option<&mut liem_store::Tx>,
    plans: &[MatterPlan],
) -> Result<()> {
    match tx {
        Some(tx) => {
            let assignments: Vec<_> = plans
                .iter()
                .filter(|p| p.handler.is_some())
                .map(|p| (&p.actor, p.id, p.handler))
                .collect();
            petitions::assign_many(tx, &assignments).await?;
            let transitions: Vec<(&Actor, Transition<'_>)> = plans
                .iter()
                .flat_map(|p| p.transitions().map(move |t| (&p.actor, t)))
                .collect();
            let steps: Vec<(&Actor, &Transition<'_>)> =
                transitions.iter().map(|(a, t)| (*a, t)).collect();
            petitions::record_transitions(tx, &steps).await?;
        }
        None => {
            for p in plans {
                if let Some(h) = p.handler {
                    let mut tx = store.begin().await?;
                    petitions::assign(&mut tx, &p.actor, p.id, Some(h)).await?;
                    tx.commit().await?;
                }
                for t in p.transitions() {
                    let mut tx = store.begin().await?;
                    petitions::record_transition(&mut tx, &p.actor, &t).await?;
                    tx.commit().await?;
                }
            }
        }
    }
    Ok(())
}

/// Plans a fresh matter's steps along its workflow as far as its age
/// allows; a few stall on purpose, so that the register shows overdue
/// matters.
fn plan_progress(
    rng: &mut ChaCha8Rng,
    m: &MatterRecord,
    unit: UnitId,
    handlers: &HashMap<UnitId, Vec<UserId>>,
    today: Date,
    cal: &Calendar,
    book: &RuleBook,
) -> MatterPlan {
    let id = m.id;
    let mut facts = m.facts.clone();
    let mut version = m.version;
    let mut day = facts.received_on;
    let stall = rng.gen_bool(0.08);
    let handler = handlers.get(&unit).and_then(|h| h.choose(rng).copied());
    let actor = Actor {
        user: handler,
        unit: Some(unit),
        source: "demo".into(),
    };
    let mut plan: Vec<(i64, Action)> = Vec::new();
    let eligible = rng.gen_bool(0.78);
    let competent = rng.gen_bool(0.85);
    let classification = Classification {
        eligible,
        ineligibility: (!eligible).then(|| {
            *[
                IneligibilityReason::Unsigned,
                IneligibilityReason::SentToSeveral,
                IneligibilityReason::AlreadyGuided,
                IneligibilityReason::FinallyDecided,
            ]
            .choose(rng)
            .expect("non-empty")
        }),
        competent,
        competent_body: (!competent).then(|| *CompetentBody::ALL.choose(rng).expect("non-empty")),
        has_originals: rng.gen_bool(0.6),
        bypass_level: rng.gen_bool(0.1),
        repeated: rng.gen_bool(0.05),
        complex: rng.gen_bool(0.2),
        especially_complex: false,
        continued: false,
        remote_area: rng.gen_bool(0.1),
        multi_place: rng.gen_bool(0.1),
        decision_known_on: None,
        obstacle_days: 0,
        round: if facts.kind == liem_domain::petition::PetitionKind::Complaint && rng.gen_bool(0.15)
        {
            2
        } else {
            1
        },
    };
    plan.push((rng.gen_range(1..6), Action::Classify(classification)));
    if facts.anonymous
        && facts.kind == liem_domain::petition::PetitionKind::Denunciation
        && eligible
        && competent
    {
        plan.push((rng.gen_range(1..5), Action::CheckForManagement));
        plan.push((
            rng.gen_range(10..40),
            Action::Conclude {
                outcome: Outcome::ManagementChecked,
                summary: "Đã kiểm tra, xử lý theo thẩm quyền quản lý.".into(),
            },
        ));
        plan.push((rng.gen_range(1..5), Action::Close));
    } else if !eligible {
        plan.push((
            rng.gen_range(1..4),
            Action::File {
                reason: "Đơn không đủ điều kiện xử lý".into(),
            },
        ));
    } else if !competent {
        if facts.kind == liem_domain::petition::PetitionKind::Denunciation {
            plan.push((
                rng.gen_range(1..6),
                Action::Transfer {
                    to_body: "Cơ quan có thẩm quyền".into(),
                },
            ));
        } else {
            plan.push((
                rng.gen_range(1..4),
                Action::Guide {
                    note: "Hướng dẫn gửi đơn đến cơ quan có thẩm quyền".into(),
                },
            ));
        }
    } else if rng.gen_bool(0.02) {
        plan.push((
            rng.gen_range(1..10),
            Action::Withdraw {
                reason: "Người gửi rút đơn".into(),
            },
        ));
    } else if facts.kind == liem_domain::petition::PetitionKind::Complaint && rng.gen_bool(0.04) {
        plan.push((
            rng.gen_range(1..9),
            Action::Refuse {
                reason: "Khiếu nại không đủ điều kiện thụ lý".into(),
            },
        ));
    } else {
        let denunciation = facts.kind == liem_domain::petition::PetitionKind::Denunciation;
        plan.push((rng.gen_range(1..9), Action::Accept));
        // Most denunciations are told of their acceptance within the five
        // working days (art. 29(2)), some later, a few not yet.
        if denunciation && rng.gen_bool(0.95) {
            plan.push((rng.gen_range(1..10), Action::SendAcceptanceNotice));
        }
        plan.push((rng.gen_range(2..10), Action::StartVerification));
        if !stall {
            if rng.gen_bool(0.1) {
                plan.push((
                    rng.gen_range(3..15),
                    Action::Suspend {
                        reason: "Chờ kết quả giám định".into(),
                    },
                ));
                if denunciation && rng.gen_bool(0.9) {
                    plan.push((rng.gen_range(1..9), Action::SendSuspensionNotice));
                }
                plan.push((rng.gen_range(5..30), Action::Resume));
            }
            if facts.kind == liem_domain::petition::PetitionKind::Denunciation && rng.gen_bool(0.15)
            {
                plan.push((
                    rng.gen_range(10..25),
                    Action::Extend {
                        reason: "Vụ việc phức tạp".into(),
                        especially_complex: false,
                    },
                ));
            }
            let round = if let Action::Classify(c) = &plan[0].1 {
                c.round
            } else {
                1
            };
            let outcome = match facts.kind {
                liem_domain::petition::PetitionKind::Complaint if round == 2 => {
                    *[Outcome::Upheld, Outcome::AnnulledOrAmended]
                        .choose(rng)
                        .expect("non-empty")
                }
                liem_domain::petition::PetitionKind::Complaint => *[
                    Outcome::Right,
                    Outcome::PartlyRight,
                    Outcome::Wrong,
                    Outcome::Wrong,
                ]
                .choose(rng)
                .expect("non-empty"),
                liem_domain::petition::PetitionKind::Denunciation => *[
                    Outcome::True,
                    Outcome::PartlyTrue,
                    Outcome::False,
                    Outcome::False,
                ]
                .choose(rng)
                .expect("non-empty"),
                _ => Outcome::Answered,
            };
            plan.push((
                rng.gen_range(10..45),
                Action::Conclude {
                    outcome,
                    summary: "Kết luận nội dung giải quyết".into(),
                },
            ));
            plan.push((rng.gen_range(1..4), Action::Notify));
            plan.push((rng.gen_range(1..10), Action::Close));
        }
    }
    if handler.is_some() {
        version += 1;
    }
    let mut steps = Vec::new();
    for (after, action) in plan {
        let next_day = cal.add_days(day, after as u32, |_| false);
        if next_day > today {
            break;
        }
        let Ok(next) = apply(&facts, &action, next_day) else {
            break;
        };
        let due = current_deadline(&next, cal, book);
        let duty = liem_domain::limits::next_duty(&next, cal);
        steps.push(PlannedStep {
            from: facts.state,
            facts: next.clone(),
            due,
            duty,
            action: action.kind().as_str(),
            on: next_day,
            detail: action_detail(&action),
        });
        facts = next;
        day = next_day;
        if facts.state == MatterState::Closed {
            break;
        }
    }
    MatterPlan {
        id,
        actor,
        handler,
        version,
        steps,
    }
}

/// Citizen-reception sessions over the demo's two years: each province and
/// its communes receive citizens every few weeks, the heads in person or by
/// delegation, sometimes a delegation of many people. A generator of its own
/// keeps the letters and cases as they were.
async fn reception(
    store: &Store,
    provinces: &[(UnitRecord, Vec<UnitRecord>, u32)],
    start: Date,
    end: Date,
) -> Result<usize> {
    use liem_domain::petition::PetitionKind;
    use liem_domain::reception::{
        HostMode, NewSession, RaisedMatter, Session, SessionKind, Visit, VisitOutcome,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0x7CD);
    let system = Actor::system("demo");
    let span = (end - start).get_days();
    let mut n = 0;
    let mut tx = store.begin().await?;
    for (_, handling, weight) in provinces {
        for unit in handling
            .iter()
            .filter(|u| matches!(u.kind, UnitKind::Province | UnitKind::Commune))
        {
            for _ in 0..(4 + weight * 2) {
                let held_on = start
                    .checked_add(i64::from(rng.gen_range(0..=span)).days())
                    .expect("in range");
                let (kind, host) = match rng.gen_range(0..6) {
                    0..=2 => (SessionKind::Regular, HostMode::Office),
                    3 | 4 => (SessionKind::Periodic, HostMode::HeadInPerson),
                    _ => (SessionKind::AdHoc, HostMode::Delegated),
                };
                let visits = (0..rng.gen_range(1..5))
                    .map(|_| {
                        let people = if rng.gen_bool(0.1) {
                            rng.gen_range(5..40)
                        } else {
                            rng.gen_range(1..3)
                        };
                        let delegation = people >= 5;
                        Visit {
                            people,
                            delegation,
                            representatives: if delegation { 2.min(people) } else { 0 },
                            matters: (0..rng.gen_range(1..3))
                                .map(|_| RaisedMatter {
                                    kind: *PetitionKind::ALL.choose(&mut rng).expect("kinds"),
                                    repeat: rng.gen_bool(0.3),
                                })
                                .collect(),
                            outcome: VisitOutcome::Guided,
                        }
                    })
                    .collect::<Vec<_>>();
                let count = visits.len();
                let s = NewSession {
                    session: Session {
                        held_on,
                        kind,
                        host,
                        visits,
                    },
                    host_name: "Chủ tịch Ủy ban nhân dân".into(),
                    notes: vec![None; count],
                    online: None,
                };
                liem_store::reception::insert_session(
                    &mut tx,
                    &system,
                    unit.id,
                    &s,
                    &vec![None; count],
                    &vec![None; count],
                )
                .await?;
                n += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(n)
}
