//! `liem bench-search`: the search index, repeated-letter detection and
//! their peers on one synthetic corpus of Vietnamese letters, in one run.
//!
//! - **Search**: Liêm's index (scope in the query, exact total, top 20 by
//!   relevance) beside SQLite FTS5 (`unicode61`, the text folded by the
//!   same function) and PostgreSQL `tsvector` + GIN over `unaccent` (when a
//!   PostgreSQL URL is given), each answering the same queries with the
//!   exact count and the 20 best.
//! - **Repeats**: near-duplicates planted in the corpus (a tenth of the
//!   words changed, a sentence added, the formulas retyped), looked up by
//!   their MinHash bands: recall of the planted original among the first
//!   five candidates, candidates per query, and the time to sketch and
//!   look up.
//!
//! Nothing here is a register: the corpus is indexed directly, not
//! written as letters.

use anyhow::{Context, Result};
use liem_domain::role::Scope;
use liem_search::docs::{LetterFields, MatterFields};
use liem_search::{Kind, Request, SearchIndex, SortOrder};
use liem_store::db::{query, values_rows, Value};
use liem_store::{Location, Store};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to measure.
pub struct Plan {
    /// Letters in the corpus.
    pub letters: usize,
    /// Repetitions of each query.
    pub runs: usize,
    /// Where the index and the FTS5 file go (a new directory).
    pub dir: PathBuf,
    /// PostgreSQL for the `tsvector` peer (a new schema is made and dropped).
    pub postgres: Option<String>,
    /// A Python with `datasketch`, for the MinHash LSH peer.
    pub python: Option<PathBuf>,
    /// Only the repeats against datasketch (no index, no search peers).
    pub repeats_only: bool,
    /// Keep the index and the FTS5 file in `dir` and use them again when
    /// they hold this corpus (the corpus is the same for the same size).
    pub reuse: bool,
    /// Only Liêm's search (no peers, repeats or hot spots).
    pub liem_only: bool,
}

const PROVINCES: &[&str] = &["HNI", "HCM", "DNG", "HPG", "CTO", "NAN", "THA", "QNI"];

const OPENINGS: &[&str] = &[
    "Kính gửi Ủy ban nhân dân.",
    "Kính gửi Chủ tịch UBND.",
    "Kính gửi Thanh tra tỉnh.",
    "Tôi xin trình bày sự việc như sau:",
    "Nay tôi làm đơn này",
];
const CLOSINGS: &[&str] = &[
    "Xin chân thành cảm ơn.",
    "Trân trọng cảm ơn.",
    "Tôi xin cam đoan những nội dung trên là đúng sự thật.",
    "Kính mong quý cơ quan xem xét giải quyết.",
];
const SENTENCES: &[&str] = &[
    "{s} có hành vi tham nhũng khi giải quyết hồ sơ đất đai của người dân tại {p}.",
    "Ông {n} đã nhận tiền của nhiều hộ dân, mỗi hộ từ {k} triệu đồng, để làm giấy chứng nhận quyền sử dụng đất.",
    "Việc bồi thường, hỗ trợ tái định cư dự án {j} không đúng quy định, mức giá thấp hơn thị trường.",
    "Cán bộ {s} nhũng nhiễu, gây khó khăn, yêu cầu nộp thêm giấy tờ không có trong văn bản hướng dẫn.",
    "Gói thầu thuộc dự án {j} có dấu hiệu thông thầu, nâng khống giá trị, gây thất thoát ngân sách.",
    "Tố cáo hành vi tham ô tài sản của hợp tác xã tại {p} trong năm {y}.",
    "Cơ sở sản xuất tại {p} xả thải ra kênh, gây ô nhiễm môi trường và nguồn nước sinh hoạt.",
    "Bản án có hiệu lực từ năm {y} nhưng cơ quan thi hành án chưa tổ chức thi hành.",
    "Gia đình tôi đã nhiều lần gửi đơn đến {s} nhưng chưa nhận được văn bản trả lời.",
    "Hồ sơ đề nghị cấp phép xây dựng nộp từ năm {y} đến nay chưa được giải quyết.",
    "Tôi đề nghị làm rõ việc {s} lập hồ sơ khống để chiếm đoạt tiền hỗ trợ của người dân.",
    "Trường học tại {p} thu thêm các khoản ngoài quy định, phụ huynh không được họp bàn trước.",
    "Tuyến đường liên xã qua {p} xuống cấp nghiêm trọng do xe quá tải của công ty {j}.",
    "Việc tuyển dụng viên chức năm {y} tại {p} không công khai, có dấu hiệu nhận tiền để bố trí việc làm.",
    "Người dân phản ánh việc sử dụng tài sản công vào việc riêng của cán bộ {s}.",
    "Đề nghị cơ quan có thẩm quyền thanh tra việc quản lý quỹ đất công tại {p}.",
    "Số tiền chi cho dự án {j} không được công khai, nhiều hạng mục chưa thi công đã nghiệm thu.",
    "Văn bản của {s} ban hành trái thẩm quyền, ảnh hưởng quyền lợi hợp pháp của gia đình tôi.",
];

/// A letter of the corpus.
struct Doc {
    fields: LetterFields,
}

fn fill(rng: &mut ChaCha8Rng, t: &str, place: &str) -> String {
    t.replace("{s}", crate::demo::SUBJECTS.choose(rng).expect("non-empty"))
        .replace("{p}", place)
        .replace("{j}", crate::demo::PROJECTS.choose(rng).expect("non-empty"))
        .replace("{n}", &crate::demo::name(rng))
        .replace("{k}", &rng.gen_range(2..30).to_string())
        .replace("{y}", &rng.gen_range(2012..2027).to_string())
}

fn corpus(n: usize, rng: &mut ChaCha8Rng) -> Vec<Doc> {
    let units: Vec<(uuid::Uuid, String)> = PROVINCES
        .iter()
        .enumerate()
        .map(|(i, p)| (uuid::Uuid::from_u64_pair(1, i as u64), format!("/TW/{p}/")))
        .collect();
    let mut seq = vec![0u32; PROVINCES.len()];
    let start = jiff::Timestamp::from_second(1_700_000_000).expect("valid");
    (0..n)
        .map(|i| {
            let u = rng.gen_range(0..units.len());
            seq[u] += 1;
            let place = format!(
                "{}, {}",
                crate::demo::COMMUNE_NAMES.choose(rng).expect("non-empty"),
                PROVINCES[u]
            );
            let mut content = vec![OPENINGS.choose(rng).expect("non-empty").to_string()];
            for _ in 0..rng.gen_range(3..7) {
                let t = *SENTENCES.choose(rng).expect("non-empty");
                content.push(fill(rng, t, &place));
            }
            content.push(CLOSINGS.choose(rng).expect("non-empty").to_string());
            let received = jiff::civil::date(2026, 1, 1)
                .checked_add(jiff::Span::new().days(rng.gen_range(0..330)))
                .expect("in range");
            Doc {
                fields: LetterFields {
                    // Fixed ids (not drawn from `rng`: the corpus stays the
                    // one earlier runs measured), so that a kept index
                    // (`--reuse`) names the same letters.
                    id: uuid::Uuid::from_u64_pair(2, i as u64),
                    unit: units[u].0,
                    unit_path: units[u].1.clone(),
                    reference: format!("{}-2026-{:06}", PROVINCES[u], seq[u]),
                    kinds: vec!["denunciation".into()],
                    field: "corruption".into(),
                    received_on: received,
                    created_at: start
                        .checked_add(jiff::SignedDuration::from_secs(i as i64 * 30))
                        .expect("in range"),
                    summary: {
                        let t = *SENTENCES.choose(rng).expect("non-empty");
                        fill(rng, t, &place)
                    },
                    content: content.join(" "),
                    subject: Some(
                        crate::demo::SUBJECTS
                            .choose(rng)
                            .expect("non-empty")
                            .to_string(),
                    ),
                    place: Some(place),
                    forwarded_by: None,
                    sender_name: Some(crate::demo::name(rng)),
                    sender_id_number: Some(format!("0010{:08}", rng.gen_range(0..100_000_000))),
                    // The planted repeats measure the text alone.
                    sender_keys: Vec::new(),
                    matters: vec![MatterFields {
                        reference: format!("{}-VV-2026-{:06}", PROVINCES[u], seq[u]),
                        state: "received".into(),
                        handler: None,
                        due_on: None,
                        duty_due: None,
                    }],
                },
            }
        })
        .collect()
}

/// Everything a peer database indexes: the searchable text of a letter.
fn text_of(d: &Doc) -> String {
    let f = &d.fields;
    format!(
        "{} {} {} {} {} {}",
        f.reference,
        f.summary,
        f.content,
        f.place.as_deref().unwrap_or(""),
        f.subject.as_deref().unwrap_or(""),
        f.sender_name.as_deref().unwrap_or("")
    )
}

/// The queries, as typed, and as each peer writes them.
const QUERIES: &[&str] = &[
    "tham nhung",
    "đất đai",
    "Nguyễn Văn Hùng",
    "\"tham ô tài sản\"",
    "\"tài sản\"",
    "boi thuong tai dinh cu",
    "nhan tien giay chung nhan",
    "o nhiem moi truong",
    "thong thau nang khong",
];

fn fts5_query(q: &str) -> String {
    match q.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(p) => format!("\"{}\"", liem_domain::text::fold(p)),
        None => liem_domain::text::fold(q)
            .split(' ')
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn dir_mib(p: &Path) -> f64 {
    let mut total = 0u64;
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            if let Ok(m) = e.metadata() {
                total += if m.is_dir() { 0 } else { m.len() };
            }
        }
    }
    total as f64 / (1024.0 * 1024.0)
}

struct Timing {
    p50: Duration,
    p95: Duration,
    total: i64,
}

/// Runs the benchmark and prints its tables.
pub async fn run(plan: Plan) -> Result<()> {
    std::fs::create_dir_all(&plan.dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let rss0 = rss_mib();
    let t = Instant::now();
    let docs = corpus(plan.letters, &mut rng);
    println!(
        "corpus: {} letters generated in {:.1} s",
        docs.len(),
        t.elapsed().as_secs_f64()
    );
    if plan.repeats_only {
        return versus_datasketch(&docs, &plan);
    }

    // Liêm.
    let index_dir = plan.dir.join("liem-index");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut ix = SearchIndex::open_with(&index_dir, 512 * 1024 * 1024, cores)?;
    let rss1 = rss_mib();
    if plan.reuse && ix.len() == docs.len() as u64 {
        println!(
            "liem: the index in {} holds the corpus; not indexed again",
            index_dir.display()
        );
    } else {
        if !ix.is_empty() {
            drop(ix);
            std::fs::remove_dir_all(&index_dir)?;
            ix = SearchIndex::open_with(&index_dir, 512 * 1024 * 1024, cores)?;
        }
        let t = Instant::now();
        // As a rebuild does: chunk after chunk, one commit at the end.
        for chunk in docs.chunks(20_000) {
            let fields: Vec<LetterFields> = chunk.iter().map(|d| d.fields.clone()).collect();
            ix.add_letters(&fields).await?;
        }
        ix.commit_added().await?;
        let liem_secs = t.elapsed().as_secs_f64();
        let rss2 = rss_mib();
        println!(
            "liem: indexed in {liem_secs:.1} s ({:.0} letters/s), {:.0} MiB on disk, {:.0} MiB more resident",
            docs.len() as f64 / liem_secs,
            dir_mib(&index_dir),
            rss2 - rss1
        );
    }
    println!("liem: {} segments", ix.segments());
    let scope = Scope::Subtree("/TW/".into());
    let mut liem = Vec::new();
    let mut liem_faceted = Vec::new();
    for q in QUERIES {
        let req = Request {
            kind: Kind::Letter,
            text: (*q).to_owned(),
            scope: scope.clone(),
            reader: None,
            filter: liem_search::Filter::default(),
            order: SortOrder::Relevance,
            offset: 0,
            limit: 20,
            facets: false,
        };
        // As the peers answer (the 20 best and the exact total), then as
        // the register asks (with the counts by facet).
        let mut times = Vec::with_capacity(plan.runs);
        let mut with_facets = Vec::with_capacity(plan.runs);
        let mut total = 0;
        let faceted = Request {
            facets: true,
            ..req.clone()
        };
        for _ in 0..plan.runs {
            let t = Instant::now();
            let h = ix.search_now(&req)?;
            times.push(t.elapsed());
            total = h.total as i64;
            let t = Instant::now();
            ix.search_now(&faceted)?;
            with_facets.push(t.elapsed());
        }
        liem.push(Timing {
            p50: percentile(&mut times, 0.5),
            p95: percentile(&mut times, 0.95),
            total,
        });
        liem_faceted.push(percentile(&mut with_facets, 0.95));
    }

    if plan.liem_only {
        println!("\n| query | Liêm p50 | Liêm p95 | Liêm p95 with facets | total |");
        println!("|---|---|---|---|---|");
        for (i, q) in QUERIES.iter().enumerate() {
            let l = &liem[i];
            println!(
                "| `{q}` | {} | {} | {} | {} |",
                ms(l.p50),
                ms(l.p95),
                ms(liem_faceted[i]),
                l.total
            );
        }
        return Ok(());
    }

    // SQLite FTS5.
    let fts_path = plan.dir.join("fts5.sqlite3");
    let fts = Store::open(
        &Location::SqliteFile(fts_path.clone()),
        liem_store::audit::AuditKeys::derive(b"bench-search"),
    )
    .await?;
    let mut c = fts.conn().await?;
    let held = if plan.reuse {
        query("SELECT COUNT(*) AS n FROM f")
            .fetch_one(&mut c)
            .await
            .and_then(|r| r.i64("n"))
            .ok()
    } else {
        None
    };
    drop(c);
    if held == Some(docs.len() as i64) {
        println!(
            "fts5: {} holds the corpus; not indexed again",
            fts_path.display()
        );
    } else {
        let mut tx = fts.begin().await?;
        query("DROP TABLE IF EXISTS f").execute(&mut tx).await?;
        query(
            "CREATE VIRTUAL TABLE f USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')",
        )
        .execute(&mut tx)
        .await
        .context("FTS5")?;
        let t = Instant::now();
        for chunk in docs.chunks(400) {
            let values: Vec<Value> = chunk
                .iter()
                .map(|d| liem_domain::text::fold(&text_of(d)).into())
                .collect();
            query(format!(
                "INSERT INTO f (body) VALUES {}",
                values_rows(chunk.len(), 1, 1)
            ))
            .bind_all(values)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        let fts_secs = t.elapsed().as_secs_f64();
        println!(
            "fts5: indexed in {fts_secs:.1} s ({:.0} letters/s), {:.0} MiB on disk",
            docs.len() as f64 / fts_secs,
            std::fs::metadata(&fts_path).map_or(0, |m| m.len()) as f64 / (1024.0 * 1024.0)
        );
    }
    let mut c = fts.conn().await?;
    let mut fts5 = Vec::new();
    for q in QUERIES {
        let m = fts5_query(q);
        let mut times = Vec::with_capacity(plan.runs);
        let mut total = 0;
        for _ in 0..plan.runs {
            let t = Instant::now();
            query("SELECT rowid FROM f WHERE f MATCH $1 ORDER BY rank LIMIT 20")
                .bind(m.as_str())
                .fetch_all(&mut c)
                .await?;
            total = query("SELECT COUNT(*) AS n FROM f WHERE f MATCH $1")
                .bind(m.as_str())
                .fetch_one(&mut c)
                .await?
                .i64("n")?;
            times.push(t.elapsed());
        }
        fts5.push(Timing {
            p50: percentile(&mut times, 0.5),
            p95: percentile(&mut times, 0.95),
            total,
        });
    }
    drop(c);
    fts.close().await;

    // PostgreSQL tsvector + GIN over unaccent.
    let mut pg = Vec::new();
    if let Some(url) = &plan.postgres {
        let admin = Store::open(
            &Location::Postgres {
                url: url.clone(),
                schema: None,
            },
            liem_store::audit::AuditKeys::derive(b"bench-search"),
        )
        .await?;
        let mut c = admin.begin().await?;
        let schema = format!("bench_search_{}", uuid::Uuid::new_v4().simple());
        query("CREATE EXTENSION IF NOT EXISTS unaccent")
            .execute(&mut c)
            .await
            .context("the unaccent extension (Debian: postgresql-contrib)")?;
        query(format!("CREATE SCHEMA {schema}"))
            .execute(&mut c)
            .await?;
        query(format!(
            "CREATE TABLE {schema}.f (id BIGINT PRIMARY KEY, tsv TSVECTOR NOT NULL)"
        ))
        .execute(&mut c)
        .await?;
        let t = Instant::now();
        for (i, chunk) in docs.chunks(1000).enumerate() {
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 2);
            let mut rows = Vec::with_capacity(chunk.len());
            for (j, d) in chunk.iter().enumerate() {
                let n = values.len();
                rows.push(format!(
                    "(${}, to_tsvector('simple', unaccent(lower(${}))))",
                    n + 1,
                    n + 2
                ));
                values.push(((i * 1000 + j) as i64).into());
                values.push(text_of(d).into());
            }
            query(format!(
                "INSERT INTO {schema}.f (id, tsv) VALUES {}",
                rows.join(", ")
            ))
            .bind_all(values)
            .execute(&mut c)
            .await?;
        }
        query(format!("CREATE INDEX f_tsv ON {schema}.f USING GIN (tsv)"))
            .execute(&mut c)
            .await?;
        c.commit().await?;
        let mut c = admin.conn().await?;
        query(format!("ANALYZE {schema}.f")).execute(&mut c).await?;
        let pg_secs = t.elapsed().as_secs_f64();
        let size = query(format!(
            "SELECT CAST(pg_total_relation_size('{schema}.f') AS BIGINT) AS n"
        ))
        .fetch_one(&mut c)
        .await?
        .i64("n")?;
        println!(
            "postgres: indexed in {pg_secs:.1} s ({:.0} letters/s), {:.0} MiB",
            docs.len() as f64 / pg_secs,
            size as f64 / (1024.0 * 1024.0)
        );
        for q in QUERIES {
            let (func, text) = match q.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                Some(p) => ("phraseto_tsquery", p.to_owned()),
                None => ("plainto_tsquery", (*q).to_owned()),
            };
            let tsq = format!("{func}('simple', unaccent(lower($1)))");
            let mut times = Vec::with_capacity(plan.runs);
            let mut total = 0;
            for _ in 0..plan.runs {
                let t = Instant::now();
                query(format!(
                    "SELECT id FROM {schema}.f WHERE tsv @@ {tsq} ORDER BY ts_rank(tsv, {tsq}) DESC LIMIT 20"
                ))
                .bind(text.as_str())
                .fetch_all(&mut c)
                .await?;
                total = query(format!(
                    "SELECT COUNT(*) AS n FROM {schema}.f WHERE tsv @@ {tsq}"
                ))
                .bind(text.as_str())
                .fetch_one(&mut c)
                .await?
                .i64("n")?;
                times.push(t.elapsed());
            }
            pg.push(Timing {
                p50: percentile(&mut times, 0.5),
                p95: percentile(&mut times, 0.95),
                total,
            });
        }
        drop(c);
        let mut tx = admin.begin().await?;
        query(format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        admin.close().await;
    }

    println!(
        "\n### Search, {} letters, {} runs a query (ms; total = exact matches)\n",
        docs.len(),
        plan.runs
    );
    println!("| query | Liêm p50 | Liêm p95 | Liêm p95 with facets | total | FTS5 p50 | FTS5 p95 | total | tsvector p50 | tsvector p95 | total | faster peer ÷ Liêm (p95) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (i, q) in QUERIES.iter().enumerate() {
        let l = &liem[i];
        let f = &fts5[i];
        let (pp50, pp95, pt, best) = match pg.get(i) {
            Some(p) => (ms(p.p50), ms(p.p95), p.total.to_string(), f.p95.min(p.p95)),
            None => ("–".into(), "–".into(), "–".into(), f.p95),
        };
        println!(
            "| `{q}` | {} | {} | {} | {} | {} | {} | {} | {pp50} | {pp95} | {pt} | {:.1}× |",
            ms(l.p50),
            ms(l.p95),
            ms(liem_faceted[i]),
            l.total,
            ms(f.p50),
            ms(f.p95),
            f.total,
            best.as_secs_f64() / l.p95.as_secs_f64().max(1e-9)
        );
    }

    // Repeats: planted near-duplicates, at two distances from their
    // original: the formulas retyped, a sentence added, and 5 % or 10 % of
    // the words changed.
    let by_id: std::collections::HashMap<uuid::Uuid, &Doc> =
        docs.iter().map(|d| (d.fields.id, d)).collect();
    let planted = 1000.min(docs.len() / 10).max(1);
    println!(
        "\n### Repeats, {} letters, {planted} planted near-duplicates at each distance\n",
        docs.len()
    );
    println!("| words changed | Jaccard to the original (mean) | recall among those proposed | proposed a query (mean) | letters sharing a band a query | sketch + lookup + confirm a query |");
    println!("|---|---|---|---|---|---|");
    for share in [20usize, 10] {
        let (mut hits, mut proposed, mut sharing, mut jac) = (0usize, 0usize, 0usize, 0.0f64);
        let mut elapsed = Duration::ZERO;
        for d in docs.iter().take(planted) {
            let variant = retyped(&mut rng, d, share);
            let original = format!("{}\n{}", d.fields.summary, d.fields.content);
            jac += liem_search::dupes::similarity(&variant, &original);
            let t = Instant::now();
            // What intake does: bands, candidates, confirmation on the text.
            let bands = liem_search::dupes::bands(&liem_search::dupes::signature(&variant));
            let all = ix.similar_letters(&scope, &bands, &[], None, 20)?;
            let mine = liem_search::dupes::shingles(&variant);
            let mut confirmed: Vec<(f64, uuid::Uuid)> = all
                .iter()
                .filter_map(|(id, _)| {
                    let o = by_id.get(id)?;
                    let s = liem_search::dupes::jaccard(
                        &mine,
                        &liem_search::dupes::shingles(&format!(
                            "{}\n{}",
                            o.fields.summary, o.fields.content
                        )),
                    );
                    (s >= liem_search::dupes::PROPOSE_AT).then_some((s, *id))
                })
                .collect();
            confirmed.sort_by(|a, b| b.0.total_cmp(&a.0));
            confirmed.truncate(5);
            elapsed += t.elapsed();
            sharing += ix
                .similar_letters(&scope, &bands, &[], None, 100_000)?
                .len();
            proposed += confirmed.len();
            if confirmed.iter().any(|c| c.1 == d.fields.id) {
                hits += 1;
            }
        }
        println!(
            "| {} % | {:.2} | {:.3} | {:.2} | {:.1} | {} ms |",
            100 / share,
            jac / planted as f64,
            hits as f64 / planted as f64,
            proposed as f64 / planted as f64,
            sharing as f64 / planted as f64,
            ms(elapsed / planted as u32)
        );
    }
    versus_datasketch(&docs, &plan)?;
    hot_spots(plan.letters, plan.runs.clamp(5, 20));
    println!(
        "\nresident memory: {:.0} MiB at start, {:.0} MiB with the corpus, {:.0} MiB at the end",
        rss0,
        rss1,
        rss_mib()
    );
    Ok(())
}

/// A planted near-duplicate of a letter: the formulas retyped, a sentence
/// added, and one word in `share` replaced.
fn retyped(rng: &mut ChaCha8Rng, d: &Doc, share: usize) -> String {
    let mut words: Vec<String> = d.fields.content.split(' ').map(str::to_owned).collect();
    for _ in 0..(words.len() / share).max(1) {
        let i = rng.gen_range(0..words.len());
        words[i] = crate::demo::name(rng)
            .rsplit(' ')
            .next()
            .unwrap_or("x")
            .to_lowercase();
    }
    words[0] = "Kính gửi Thanh tra huyện.".into();
    format!(
        "{}\n{} Tôi đã gửi đơn lần trước nhưng chưa được trả lời.",
        d.fields.summary,
        words.join(" ")
    )
}

const DATASKETCH: &str = r#"
import json, sys, time
from datasketch import MinHash, MinHashLSH
docs, queries = [], []
with open(sys.argv[1]) as f:
    for line in f:
        parts = line.split()
        (docs if parts[0] == "d" else queries).append([bytes.fromhex(x) for x in parts[1:]])
lsh = MinHashLSH(num_perm=128, params=(int(sys.argv[2]), int(sys.argv[3])))
t = time.perf_counter()
for i, sh in enumerate(docs):
    m = MinHash(num_perm=128)
    m.update_batch(sh)
    lsh.insert(i, m)
index_s = time.perf_counter() - t
hits, found = 0, 0
t = time.perf_counter()
for j, sh in enumerate(queries):
    m = MinHash(num_perm=128)
    m.update_batch(sh)
    r = lsh.query(m)
    found += len(r)
    hits += j in r
query_s = time.perf_counter() - t
print(json.dumps({"index_s": index_s, "query_s": query_s, "recall": hits / len(queries), "candidates": found / len(queries)}))
"#;

/// Liêm's MinHash LSH against datasketch's `MinHashLSH` (128 permutations,
/// the same bands × rows) on the same shingles: every letter sketched and
/// put in the bands' tables, then each planted near-duplicate (a tenth of
/// its words changed) sketched and looked up; one thread each (datasketch
/// is single-threaded).
fn versus_datasketch(docs: &[Doc], plan: &Plan) -> Result<()> {
    use liem_search::dupes::{bands, shingles, signature_of, BANDS, ROWS};
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let planted = 1000.min(docs.len() / 10).max(1);
    let sets: Vec<std::collections::HashSet<u64>> = docs
        .iter()
        .map(|d| shingles(&format!("{}\n{}", d.fields.summary, d.fields.content)))
        .collect();
    let queries: Vec<std::collections::HashSet<u64>> = docs
        .iter()
        .take(planted)
        .map(|d| shingles(&retyped(&mut rng, d, 10)))
        .collect();
    // Liêm: sketch every letter and keep its band keys in one table sorted
    // by key (as the index keeps a term's postings), then look each
    // variant's keys up by binary search.
    let t = Instant::now();
    let mut table: Vec<(u64, u32)> = Vec::with_capacity(docs.len() * BANDS);
    for (i, s) in sets.iter().enumerate() {
        for b in bands(&signature_of(s)) {
            table.push((b, i as u32));
        }
    }
    table.sort_unstable();
    // A directory on the keys' top bits (as a term dictionary's index):
    // a lookup reads one short run instead of searching the whole table.
    const TOP: u32 = 20;
    let mut dir: Vec<u32> = vec![0; (1 << TOP) + 1];
    for e in &table {
        dir[(e.0 >> (64 - TOP)) as usize + 1] += 1;
    }
    for i in 1..dir.len() {
        dir[i] += dir[i - 1];
    }
    let liem_index = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (mut hits, mut found) = (0usize, 0usize);
    // Each lookup's candidates, marked with the lookup's number (no set
    // to clear or sort between lookups).
    let mut seen: Vec<u32> = vec![0; docs.len()];
    let mut c: Vec<u32> = Vec::new();
    for (j, q) in queries.iter().enumerate() {
        c.clear();
        let mark = j as u32 + 1;
        for b in bands(&signature_of(q)) {
            let top = (b >> (64 - TOP)) as usize;
            let run = &table[dir[top] as usize..dir[top + 1] as usize];
            let from = run.partition_point(|e| e.0 < b);
            for e in run[from..].iter().take_while(|e| e.0 == b) {
                let s = &mut seen[e.1 as usize];
                if *s != mark {
                    *s = mark;
                    c.push(e.1);
                }
            }
        }
        found += c.len();
        hits += usize::from(seen[j] == mark);
    }
    let liem_query = t.elapsed().as_secs_f64();
    drop(table);
    println!(
        "\n### Repeats against datasketch MinHashLSH, {} letters, {planted} lookups ({BANDS} bands × {ROWS} rows, 128 permutations, one thread)\n",
        docs.len()
    );
    println!("| engine | sketch + table every letter | a letter | lookups | a lookup | recall of the original | candidates a lookup |");
    println!("|---|---|---|---|---|---|---|");
    let n = docs.len() as f64;
    let q = planted as f64;
    println!(
        "| Liêm | {liem_index:.2} s | {:.1} µs | {liem_query:.3} s | {:.1} µs | {:.3} | {:.1} |",
        liem_index / n * 1e6,
        liem_query / q * 1e6,
        hits as f64 / q,
        found as f64 / q
    );
    let Some(python) = &plan.python else {
        println!("\n(datasketch: no --python given)");
        return Ok(());
    };
    // The same shingles, as 8-byte values, for datasketch.
    let data = plan.dir.join("shingles.txt");
    {
        use std::io::Write as _;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&data)?);
        for (tag, list) in [("d", &sets), ("q", &queries)] {
            for s in list.iter() {
                write!(f, "{tag}")?;
                for h in s {
                    write!(f, " {h:016x}")?;
                }
                writeln!(f)?;
            }
        }
    }
    let script = plan.dir.join("datasketch_bench.py");
    std::fs::write(&script, DATASKETCH)?;
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(&data)
        .arg(BANDS.to_string())
        .arg(ROWS.to_string())
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    if !out.status.success() {
        println!(
            "\n(datasketch failed: {})",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return Ok(());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    println!(
        "| datasketch | {:.2} s | {:.1} µs | {:.3} s | {:.1} µs | {:.3} | {:.1} |",
        f("index_s"),
        f("index_s") / n * 1e6,
        f("query_s"),
        f("query_s") / q * 1e6,
        f("recall"),
        f("candidates")
    );
    println!(
        "\nLiêm is {:.0}× faster to sketch and table, {:.0}× faster to look up.",
        f("index_s") / liem_index,
        f("query_s") / liem_query
    );
    let _ = std::fs::remove_file(&data);
    Ok(())
}

/// The national weekly scan: every commune and field, a year of weeks, at
/// the rate the corpus size gives; then the power to find one cell at three
/// times its rate, by base rate, and the false alerts of quiet maps.
fn hot_spots(letters: usize, runs: usize) {
    use liem_domain::hotspot::{scan, Cell, Scan};
    const COMMUNES: usize = 3321;
    const FIELDS: usize = 6;
    const WEEKS: usize = 52;
    let mut rng = ChaCha8Rng::seed_from_u64(52);
    let poisson = |rng: &mut ChaCha8Rng, lambda: f64| -> u32 {
        // Knuth, or a rounded normal for large rates.
        if lambda < 30.0 {
            let l = (-lambda).exp();
            let (mut k, mut p) = (0u32, 1.0f64);
            loop {
                p *= rng.gen::<f64>();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        let z: f64 = (-2.0 * rng.gen::<f64>().max(f64::MIN_POSITIVE).ln()).sqrt()
            * (std::f64::consts::TAU * rng.gen::<f64>()).cos();
        (lambda + z * lambda.sqrt()).round().max(0.0) as u32
    };
    let base = letters as f64 / (COMMUNES * FIELDS * WEEKS) as f64;
    let map = |rng: &mut ChaCha8Rng, rate: f64, factor: f64| -> Vec<Cell<usize>> {
        (0..COMMUNES * FIELDS)
            .map(|k| Cell {
                key: k,
                weeks: (0..WEEKS)
                    .map(|w| {
                        let l = if k == 0 && w >= WEEKS - 4 {
                            rate * factor
                        } else {
                            rate
                        };
                        poisson(rng, l)
                    })
                    .collect(),
            })
            .collect()
    };
    let s = Scan::default();
    let cells = map(&mut rng, base, 1.0);
    let t = Instant::now();
    let found = scan(&cells, &s);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "\n### Hot spots: the national weekly scan ({COMMUNES} communes × {FIELDS} fields, {WEEKS} weeks, {:.2} letters a cell a week = {letters} letters a year, {} replicas)\n",
        base, s.replicas
    );
    println!(
        "scan: {secs:.2} s; alerts at p ≤ {}: {}",
        s.alpha,
        found.iter().filter(|c| c.alerts(&s)).count()
    );
    println!("\n| base rate a week | runs (199 replicas each) | planted 3× over 4 weeks found (top cluster, p ≤ 0.05) | quiet maps with an alert |");
    println!("|---|---|---|---|");
    for rate in [1.0, 2.0, 5.0] {
        let (mut hit, mut false_alarm) = (0, 0);
        for r in 0..runs {
            let seeded = Scan {
                seed: 77 + r as u64,
                replicas: 199,
                ..s
            };
            let planted = map(&mut rng, rate, 3.0);
            if scan(&planted, &seeded)
                .first()
                .is_some_and(|c| c.key == 0 && c.alerts(&s))
            {
                hit += 1;
            }
            let quiet = map(&mut rng, rate, 1.0);
            if scan(&quiet, &seeded).first().is_some_and(|c| c.alerts(&s)) {
                false_alarm += 1;
            }
        }
        println!("| {rate} | {runs} | {hit} | {false_alarm} |");
    }
}
