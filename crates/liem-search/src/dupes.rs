//! Repeated and near-duplicate letters: MinHash over folded word shingles,
//! banded for locality-sensitive hashing (LSH).
//!
//! - A letter's text is folded, the formulas every petition shares
//!   (`kính gửi`, `tôi xin trình bày`, `trân trọng cảm ơn`…) are cut out,
//!   and the rest is cut into overlapping three-word shingles.
//! - Its signature is a one-permutation MinHash (Li, Owen and Zhang 2012)
//!   with optimal densification (Shrivastava 2017): each shingle is hashed
//!   four times, into [`PERMUTATIONS`] bins, and each bin keeps its
//!   minimum; an empty bin takes the value of a bin chosen by a fixed
//!   sequence of its own. Two letters' signatures agree in a position with
//!   the probability of their Jaccard similarity, as with 128 separate hash
//!   functions, for four hashes a shingle instead of 128 (the signature was
//!   the minimum of 128 hash functions until 7 December 2026; the index's
//!   schema version rebuilds the bands).
//! - The signature is cut into [`BANDS`] bands of [`ROWS`] rows; each band
//!   is an index term, so the letters sharing a band with a new one are
//!   found by the search index in one query, ranked by the bands they
//!   share. With 42 × 3, letters of similarity 0.5 share a band with
//!   probability 0.996, of 0.3 with 0.68, of 0.1 with 0.04; candidates are
//!   then confirmed on their texts ([`similarity`], at least
//!   [`PROPOSE_AT`]). A letter retyped with a tenth of its words changed
//!   keeps about half its three-word shingles: 32 × 4 found only 87 % of
//!   those (docs/benchmarks.md).

use std::collections::HashSet;

/// Hash functions in a signature.
pub const PERMUTATIONS: usize = 128;
/// Bands the signature is cut into (the last `PERMUTATIONS % ROWS` rows
/// are in none).
pub const BANDS: usize = PERMUTATIONS / ROWS;
/// Rows per band.
pub const ROWS: usize = 3;
/// Words per shingle.
pub const SHINGLE: usize = 3;
/// Below this many shingles a text is too short to compare.
pub const MIN_SHINGLES: usize = 3;

/// The formulas of petitions, folded, that say nothing about the matter.
const BOILERPLATE: &[&str] = &[
    "cong hoa xa hoi chu nghia viet nam",
    "doc lap tu do hanh phuc",
    "kinh gui",
    "toi ten la",
    "toi xin trinh bay",
    "toi xin trinh bay su viec nhu sau",
    "noi dung su viec nhu sau",
    "nay toi lam don nay",
    "kinh de nghi",
    "kinh mong",
    "kinh mong quy co quan xem xet giai quyet",
    "de nghi co quan co tham quyen xem xet giai quyet",
    "xin chan thanh cam on",
    "tran trong cam on",
    "toi xin cam doan nhung noi dung tren la dung su that",
    "toi xin chiu trach nhiem truoc phap luat",
    "nguoi lam don",
    "don to cao",
    "don khieu nai",
    "don kien nghi",
    "don phan anh",
];

/// The boilerplate phrases as word lists by their first word, longest
/// first.
fn boilerplate() -> &'static std::collections::HashMap<&'static str, Vec<Vec<&'static str>>> {
    type ByFirst = std::collections::HashMap<&'static str, Vec<Vec<&'static str>>>;
    static MAP: std::sync::OnceLock<ByFirst> = std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let mut m: ByFirst = std::collections::HashMap::new();
        for p in BOILERPLATE {
            let words: Vec<&str> = p.split(' ').collect();
            m.entry(words[0]).or_default().push(words);
        }
        for v in m.values_mut() {
            v.sort_by_key(|p| std::cmp::Reverse(p.len()));
        }
        m
    })
}

/// The folded words of a text with the boilerplate phrases cut out.
pub fn content_words(text: &str) -> Vec<String> {
    let (buf, spans) = content_spans(text);
    spans.iter().map(|r| buf[r.clone()].to_owned()).collect()
}

/// The folded words of a text, boilerplate cut out, as ranges of one
/// buffer (no allocation per word).
fn content_spans(text: &str) -> (String, Vec<std::ops::Range<usize>>) {
    let mut buf = String::with_capacity(text.len());
    let mut spans = Vec::new();
    let mut w = liem_domain::text::words(text);
    while let Some((word, _)) = w.next_word() {
        let start = buf.len();
        buf.push_str(word);
        spans.push(start..buf.len());
    }
    let phrases = boilerplate();
    let mut kept = Vec::with_capacity(spans.len());
    let mut i = 0;
    while i < spans.len() {
        let skip = phrases.get(&buf[spans[i].clone()]).and_then(|ps| {
            ps.iter().find(|p| {
                p.len() <= spans.len() - i
                    && p.iter()
                        .zip(&spans[i..])
                        .all(|(a, r)| *a == &buf[r.clone()])
            })
        });
        match skip {
            Some(p) => i += p.len(),
            None => {
                kept.push(spans[i].clone());
                i += 1;
            }
        }
    }
    (buf, kept)
}

/// FNV-1a over the words, then a finaliser (splitmix64), so that nearby
/// inputs spread over the whole range.
fn shingle_hash<'a>(words: impl Iterator<Item = &'a str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in words {
        for b in w.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The shingles of a text, boilerplate cut out, as hashes.
pub fn shingles(text: &str) -> HashSet<u64> {
    shingle_list(text).into_iter().collect()
}

/// The distinct shingle hashes of a text, sorted.
fn shingle_list(text: &str) -> Vec<u64> {
    let (buf, spans) = content_spans(text);
    let mut v: Vec<u64> = spans
        .windows(SHINGLE)
        .map(|w| shingle_hash(w.iter().map(|r| &buf[r.clone()])))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The MinHash signature of a shingle set; `None` when it is too short to
/// compare.
pub fn signature_of(shingles: &HashSet<u64>) -> Option<[u32; PERMUTATIONS]> {
    let v: Vec<u64> = shingles.iter().copied().collect();
    signature_of_slice(&v)
}

/// An empty bin's value.
const EMPTY: u32 = u32::MAX;

/// Points a shingle puts down in the bins.
const FILLS: usize = 4;

const SEEDS: [u64; FILLS] = [
    0x4c69_656d_4f50_4831,
    0x4c69_656d_4f50_4832,
    0x4c69_656d_4f50_4833,
    0x4c69_656d_4f50_4834,
];

fn signature_of_slice(shingles: &[u64]) -> Option<[u32; PERMUTATIONS]> {
    if shingles.len() < MIN_SHINGLES {
        return None;
    }
    // A few hashes a shingle: each one's top bits choose a bin, its low 32
    // bits are the value (a value of `EMPTY` is taken one below, so that it
    // never reads as an empty bin). Every point a shingle puts down is its
    // own, so a bin's minimum agrees between two sets with the probability
    // of their Jaccard similarity; [`FILLS`] points a shingle leave few
    // bins empty (a fortieth for a hundred shingles), so that the bins a
    // band is made of are seldom copies of one another.
    let mut bins = [EMPTY; PERMUTATIONS];
    for &h in shingles {
        for seed in SEEDS {
            let x = mix(h ^ seed);
            let bin = (x >> (64 - PERMUTATIONS.trailing_zeros())) as usize;
            let v = (x as u32).min(EMPTY - 1);
            if v < bins[bin] {
                bins[bin] = v;
            }
        }
    }
    // Optimal densification: an empty bin borrows from the first non-empty
    // bin of its own fixed sequence of bins.
    let mut sig = bins;
    for (i, slot) in sig.iter_mut().enumerate() {
        if bins[i] != EMPTY {
            continue;
        }
        let mut attempt: u64 = 0;
        loop {
            let j = (mix(((i as u64) << 32 | attempt) ^ 0x6465_6e73_6966_7921)
                >> (64 - PERMUTATIONS.trailing_zeros())) as usize;
            if bins[j] != EMPTY {
                *slot = bins[j];
                break;
            }
            attempt += 1;
        }
    }
    Some(sig)
}

/// The signature of a text.
pub fn signature(text: &str) -> Option<[u32; PERMUTATIONS]> {
    signature_of_slice(&shingle_list(text))
}

/// The band keys of a signature (none for a text too short): each band's
/// rows hashed with the band's number, one 64-bit index term each.
pub fn bands(sig: &Option<[u32; PERMUTATIONS]>) -> Vec<u64> {
    let Some(sig) = sig else {
        return Vec::new();
    };
    sig.chunks_exact(ROWS)
        .enumerate()
        .map(|(i, rows)| {
            let mut h: u64 = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for r in rows {
                h = mix(h ^ u64::from(*r));
            }
            h
        })
        .collect()
}

/// The share of the two texts' shingles they have in common (Jaccard), 0
/// when either is too short to compare.
pub fn similarity(a: &str, b: &str) -> f64 {
    jaccard(&shingles(a), &shingles(b))
}

/// Jaccard similarity of two shingle sets.
pub fn jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    if a.len() < MIN_SHINGLES || b.len() < MIN_SHINGLES {
        return 0.0;
    }
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    inter as f64 / union as f64
}

/// The estimate of Jaccard similarity from two signatures.
pub fn estimate(a: &[u32; PERMUTATIONS], b: &[u32; PERMUTATIONS]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / PERMUTATIONS as f64
}

pub use liem_domain::petition::{repeats, PROPOSE_AT, SAME_SENDER_AT};

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "Kính gửi Ủy ban nhân dân xã. Tôi xin trình bày sự việc như sau: ông Trần Văn Bình, \
        cán bộ địa chính xã, đã nhận tiền của nhiều hộ dân để làm giấy chứng nhận quyền sử dụng đất \
        nhưng đến nay vẫn chưa cấp, số tiền mỗi hộ từ năm đến mười triệu đồng. Xin chân thành cảm ơn.";

    #[test]
    fn the_same_matter_retyped_is_similar_and_another_is_not() {
        let retyped = "KÍNH GỬI UBND XÃ. Tôi xin trình bày sự việc như sau: ông Tran Van Binh, can bo dia chinh xa, \
            da nhan tien cua nhieu ho dan de lam giay chung nhan quyen su dung dat nhung den nay van chua cap, \
            so tien moi ho tu nam den muoi trieu dong.";
        let other = "Kính gửi Ủy ban nhân dân xã. Tôi xin trình bày sự việc như sau: trường tiểu học thu \
            thêm các khoản phí ngoài quy định đầu năm học, phụ huynh không được báo trước và không có biên lai. \
            Xin chân thành cảm ơn.";
        let s = similarity(A, retyped);
        assert!(s > 0.8, "retyped: {s}");
        let o = similarity(A, other);
        assert!(o < 0.1, "boilerplate alone must not match: {o}");
    }

    #[test]
    fn boilerplate_alone_is_too_short_to_compare() {
        let form = "Kính gửi. Tôi xin trình bày sự việc như sau. Xin chân thành cảm ơn.";
        assert!(
            shingles(form).len() < MIN_SHINGLES,
            "{:?}",
            shingles(form).len()
        );
        assert!(signature(form).is_none());
        assert!(bands(&signature(form)).is_empty());
    }

    #[test]
    fn signatures_estimate_similarity_and_similar_texts_share_a_band() {
        let mut edited = A.replace("mười triệu", "mười lăm triệu");
        edited.push_str(" Tôi gửi kèm bản sao biên nhận.");
        let (a, b) = (signature(A).unwrap(), signature(&edited).unwrap());
        let exact = similarity(A, &edited);
        assert!(
            (estimate(&a, &b) - exact).abs() < 0.2,
            "{} vs {exact}",
            estimate(&a, &b)
        );
        let ba: HashSet<u64> = bands(&Some(a)).into_iter().collect();
        assert!(bands(&Some(b)).iter().any(|x| ba.contains(x)));
        assert_eq!(ba.len(), BANDS);
    }

    #[test]
    fn one_permutation_signatures_estimate_jaccard_without_bias() {
        // Pairs of sets of 60–200 shingles with a known overlap: the share
        // of agreeing positions, averaged, is the Jaccard similarity.
        let mut seed: u64 = 7;
        let mut next = || {
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(seed)
        };
        for target in [0.2f64, 0.5, 0.8] {
            let (mut sum_est, mut sum_exact) = (0.0, 0.0);
            let pairs = 300;
            for k in 0..pairs {
                let n = 60 + (k % 141);
                let shared = (n as f64 * 2.0 * target / (1.0 + target)).round() as usize;
                let common: Vec<u64> = (0..shared).map(|_| next()).collect();
                let mut a: HashSet<u64> = common.iter().copied().collect();
                let mut b = a.clone();
                a.extend((0..n - shared).map(|_| next()));
                b.extend((0..n - shared).map(|_| next()));
                let exact = a.intersection(&b).count() as f64 / a.union(&b).count() as f64;
                let (sa, sb) = (signature_of(&a).unwrap(), signature_of(&b).unwrap());
                sum_est += estimate(&sa, &sb);
                sum_exact += exact;
            }
            let (est, exact) = (sum_est / pairs as f64, sum_exact / pairs as f64);
            assert!((est - exact).abs() < 0.02, "{target}: {est} vs {exact}");
        }
    }

    #[test]
    fn signatures_are_stable_across_calls() {
        assert_eq!(signature(A), signature(A));
        assert_eq!(bands(&signature(A)), bands(&signature(A)));
    }
}
