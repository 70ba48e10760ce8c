//! Hot spots: where letters build up faster than a place's own history
//! says they should, before the build-up flares.
//!
//! A prospective space-time scan in the manner of Kulldorff (2001, "Prospective
//! time periodic geographical disease surveillance using a scan
//! statistic"), on a Poisson model with each cell's own baseline:
//!
//! - a **cell** is a place and a field (a commune and `admin_land`, say);
//!   its weekly counts are letters, collective petitions and reception
//!   delegations, as the caller counts them;
//! - a **candidate cluster** is a cell over the last `w` weeks, `w` from 1
//!   to [`Scan::max_window`]; its expected count is `w` times the cell's
//!   weekly rate over the history before the window (with a small prior,
//!   so that a quiet cell's first letters are not infinitely surprising);
//! - its score is the Poisson log-likelihood ratio of a raised rate inside
//!   against the baseline, `c ln(c/μ) − (c − μ)` when `c > μ`, else 0;
//! - the **p-value** of a cluster is its rank among the highest scores of
//!   [`Scan::replicas`] Monte Carlo replicas of the whole map under the
//!   baseline (Poisson draws for every cell and week of the window): the
//!   whole map's multiple testing is in the maximum, so an alert at 0.05
//!   is raised on about one quiet map in twenty.
//!
//! Pure: the caller counts, this module scores. The generator is a fixed
//! SplitMix64, so a scan is repeatable for a seed.

use serde::Serialize;

/// The weekly counts of one cell, oldest first, the current week last.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<K> {
    /// Which place and field (the caller's key).
    pub key: K,
    /// Counts per week, oldest first; the last `max_window` are the
    /// windows scanned, those before them the history.
    pub weeks: Vec<u32>,
}

/// How a scan runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scan {
    /// The longest window, in weeks, ending with the current one.
    pub max_window: usize,
    /// Monte Carlo replicas of the map under the baseline.
    pub replicas: usize,
    /// Alert at or below this p-value.
    pub alpha: f64,
    /// Prior weeks added to the history (`prior_count / prior_weeks` is the
    /// rate a cell without history is given).
    pub prior_weeks: f64,
    /// Prior letters added to the history.
    pub prior_count: f64,
    /// The generator's seed.
    pub seed: u64,
}

impl Default for Scan {
    fn default() -> Self {
        Scan {
            max_window: 4,
            replicas: 999,
            alpha: 0.05,
            prior_weeks: 4.0,
            prior_count: 1.0,
            seed: 0x4c69_656d,
        }
    }
}

/// A cluster found by a scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster<K> {
    /// The cell.
    pub key: K,
    /// Its window: the last `weeks` weeks.
    pub weeks: usize,
    /// Letters in the window.
    pub observed: u32,
    /// Letters the cell's history expects in it.
    pub expected: f64,
    /// Observed over expected.
    pub ratio: f64,
    /// The log-likelihood ratio.
    pub llr: f64,
    /// Monte Carlo p-value.
    pub p_value: f64,
}

impl<K> Cluster<K> {
    /// Whether it is an alert at the scan's level.
    pub fn alerts(&self, scan: &Scan) -> bool {
        self.p_value <= scan.alpha
    }
}

/// The Poisson log-likelihood ratio of `observed` against `expected`, 0
/// unless raised.
pub fn llr(observed: f64, expected: f64) -> f64 {
    if observed <= expected || expected <= 0.0 {
        return 0.0;
    }
    observed * (observed / expected).ln() - (observed - expected)
}

/// A cell's history (letters, weeks) and its windows' observed counts
/// (the last 1, 2, … weeks).
fn split<K>(cell: &Cell<K>, scan: &Scan) -> (u64, usize, Vec<u32>) {
    let w = scan.max_window.min(cell.weeks.len());
    let (history, recent) = cell.weeks.split_at(cell.weeks.len() - w);
    let mut acc = 0;
    let windows = recent
        .iter()
        .rev()
        .map(|&c| {
            acc += c;
            acc
        })
        .collect();
    (
        history.iter().map(|&c| u64::from(c)).sum(),
        history.len(),
        windows,
    )
}

/// A cell's weekly rate from its history and the prior.
fn rate(history: u64, weeks: usize, scan: &Scan) -> f64 {
    (history as f64 + scan.prior_count) / (weeks as f64 + scan.prior_weeks)
}

/// A cell's weekly baseline rate and its windows' observed counts.
#[cfg(test)]
fn baseline<K>(cell: &Cell<K>, scan: &Scan) -> (f64, Vec<u32>) {
    let (h, n, windows) = split(cell, scan);
    (rate(h, n, scan), windows)
}

/// The factors that make the expected counts of each window length sum to
/// the observed ones over the whole map: a rise everywhere (a new law, a
/// season) is no cluster anywhere; only a rise against the rest is.
fn conditioning(cells: &[(f64, &[u32])], max_window: usize) -> Vec<f64> {
    (0..max_window)
        .map(|i| {
            let (mut obs, mut exp) = (0.0, 0.0);
            for (rate, windows) in cells {
                if let Some(c) = windows.get(i) {
                    obs += f64::from(*c);
                    exp += rate * (i + 1) as f64;
                }
            }
            if exp > 0.0 && obs > 0.0 {
                obs / exp
            } else {
                1.0
            }
        })
        .collect()
}

/// The best window of one cell: (weeks, observed, expected, llr).
fn best_with(rate: f64, windows: &[u32], factors: &[f64]) -> (usize, u32, f64, f64) {
    let mut top = (1, 0, rate, 0.0);
    for (i, &c) in windows.iter().enumerate() {
        let mu = rate * (i + 1) as f64 * factors.get(i).copied().unwrap_or(1.0);
        let s = llr(f64::from(c), mu);
        if s > top.3 {
            top = (i + 1, c, mu, s);
        }
    }
    top
}

/// The best window of one cell without conditioning.
#[cfg(test)]
fn best(rate: f64, windows: &[u32]) -> (usize, u32, f64, f64) {
    best_with(rate, windows, &[])
}

/// SplitMix64: small, fast, good enough for Monte Carlo replicas.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A Poisson draw: Knuth's product of uniforms for small rates, a
    /// rounded normal for large ones.
    fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let l = (-lambda).exp();
            let mut k = 0u32;
            let mut p = 1.0;
            loop {
                p *= self.uniform();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        // Box–Muller.
        let (u1, u2) = (self.uniform().max(f64::MIN_POSITIVE), self.uniform());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (lambda + z * lambda.sqrt()).round().max(0.0) as u32
    }
}

/// Scans the map: every cell's best window, most significant first, each
/// with its Monte Carlo p-value (only cells whose best window is raised).
///
/// Each replica draws every cell's history and window from the rate its
/// own history gave, then estimates the rate again from the drawn history,
/// as the scan of the real map does: the noise of a short history is in
/// the null distribution, not mistaken for a cluster.
pub fn scan<K: Clone>(cells: &[Cell<K>], s: &Scan) -> Vec<Cluster<K>> {
    let parts: Vec<(u64, usize, Vec<u32>)> = cells.iter().map(|c| split(c, s)).collect();
    let rates: Vec<f64> = parts.iter().map(|(h, n, _)| rate(*h, *n, s)).collect();
    let view: Vec<(f64, &[u32])> = rates
        .iter()
        .zip(&parts)
        .map(|(r, p)| (*r, p.2.as_slice()))
        .collect();
    let factors = conditioning(&view, s.max_window);
    let mut found: Vec<Cluster<K>> = cells
        .iter()
        .zip(&view)
        .filter_map(|(cell, (rate, windows))| {
            let (weeks, observed, expected, score) = best_with(*rate, windows, &factors);
            (score > 0.0).then(|| Cluster {
                key: cell.key.clone(),
                weeks,
                observed,
                expected,
                ratio: f64::from(observed) / expected,
                llr: score,
                p_value: 1.0,
            })
        })
        .collect();
    // The maximum score of each replica of the map under the baseline.
    let mut rng = Rng(s.seed);
    let mut maxima = Vec::with_capacity(s.replicas);
    let mut drawn: Vec<(f64, Vec<u32>)> = parts.iter().map(|p| (0.0, vec![0; p.2.len()])).collect();
    for _ in 0..s.replicas {
        for ((r, (_, n, _)), (rate_r, windows)) in rates.iter().zip(&parts).zip(drawn.iter_mut()) {
            // The sum of n weekly draws is one draw at n times the rate.
            let history = u64::from(rng.poisson(r * *n as f64));
            *rate_r = rate(history, *n, s);
            let mut acc = 0;
            for slot in windows.iter_mut() {
                acc += rng.poisson(*r);
                *slot = acc;
            }
        }
        let view: Vec<(f64, &[u32])> = drawn.iter().map(|(r, w)| (*r, w.as_slice())).collect();
        let f = conditioning(&view, s.max_window);
        let top = view
            .iter()
            .map(|(r, w)| best_with(*r, w, &f).3)
            .fold(0.0f64, f64::max);
        maxima.push(top);
    }
    maxima.sort_by(f64::total_cmp);
    for c in &mut found {
        // Replicas at least as extreme, by binary search on the sorted maxima.
        let below = maxima.partition_point(|m| *m < c.llr);
        let at_least = maxima.len() - below;
        c.p_value = (1 + at_least) as f64 / (s.replicas + 1) as f64;
    }
    found.sort_by(|a, b| b.llr.total_cmp(&a.llr));
    found
}

/// What a cell saw in a week: letters, of them collective petitions, and
/// reception delegations. A scan counts letters and delegations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Letters received.
    pub letters: u32,
    /// Of them, collective petitions.
    pub collective: u32,
    /// Reception delegations.
    pub delegations: u32,
}

impl Tally {
    /// What the scan counts.
    pub fn counted(&self) -> u32 {
        self.letters.saturating_add(self.delegations)
    }

    fn add(&mut self, o: &Tally) {
        self.letters = self.letters.saturating_add(o.letters);
        self.collective = self.collective.saturating_add(o.collective);
        self.delegations = self.delegations.saturating_add(o.delegations);
    }
}

/// The weeks of a scan: `weeks` spans of seven days, the last ending on
/// `as_of` (a rolling week, so that a scan on any day of the week reads a
/// whole last week, not the few days of a calendar week begun).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weeks {
    /// The last day of the last week.
    pub as_of: jiff::civil::Date,
    /// How many weeks.
    pub weeks: usize,
}

impl Weeks {
    /// The first day of the first week.
    pub fn first_day(&self) -> jiff::civil::Date {
        self.start_of(self.weeks)
    }

    /// The first day of the window of the last `n` weeks.
    pub fn start_of(&self, n: usize) -> jiff::civil::Date {
        let days = i64::try_from(n * 7).unwrap_or(i64::MAX) - 1;
        self.as_of
            .checked_sub(jiff::Span::new().days(days))
            .unwrap_or(jiff::civil::Date::MIN)
    }

    /// The week (0 the oldest) a day falls in, if any.
    pub fn index(&self, day: jiff::civil::Date) -> Option<usize> {
        if day > self.as_of {
            return None;
        }
        let back = usize::try_from((self.as_of - day).get_days()).ok()? / 7;
        (back < self.weeks).then(|| self.weeks - 1 - back)
    }

    /// Gathers daily tallies into each key's weeks, oldest first (days
    /// outside the weeks are left out); keys in first-seen order.
    pub fn gather<K: Clone + Eq + std::hash::Hash>(
        &self,
        days: impl IntoIterator<Item = (K, jiff::civil::Date, Tally)>,
    ) -> Vec<(K, Vec<Tally>)> {
        let mut at: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
        let mut out: Vec<(K, Vec<Tally>)> = Vec::new();
        for (k, day, t) in days {
            let Some(w) = self.index(day) else { continue };
            let i = *at.entry(k.clone()).or_insert_with(|| {
                out.push((k, vec![Tally::default(); self.weeks]));
                out.len() - 1
            });
            out[i].1[w].add(&t);
        }
        out
    }

    /// The sum of the last `n` weeks of a cell.
    pub fn window(tallies: &[Tally], n: usize) -> Tally {
        let mut t = Tally::default();
        for x in &tallies[tallies.len().saturating_sub(n)..] {
            t.add(x);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A map of `cells` cells at `rate` letters a week over `weeks` weeks;
    /// the cell 0's last `raised` weeks at `factor` times the rate.
    fn map(
        seed: u64,
        cells: usize,
        weeks: usize,
        rate: f64,
        raised: usize,
        factor: f64,
    ) -> Vec<Cell<usize>> {
        let mut rng = Rng(seed);
        (0..cells)
            .map(|k| Cell {
                key: k,
                weeks: (0..weeks)
                    .map(|w| {
                        let lambda = if k == 0 && w >= weeks - raised {
                            rate * factor
                        } else {
                            rate
                        };
                        rng.poisson(lambda)
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn the_log_likelihood_ratio_by_hand() {
        // 12 observed where 4 are expected: 12 ln 3 − 8.
        assert!((llr(12.0, 4.0) - (12.0 * 3f64.ln() - 8.0)).abs() < 1e-12);
        assert_eq!(llr(3.0, 4.0), 0.0, "fewer than expected is no cluster");
        assert_eq!(llr(4.0, 4.0), 0.0);
    }

    #[test]
    fn a_cell_without_history_is_judged_against_the_prior() {
        let s = Scan::default();
        let (rate, windows) = baseline(
            &Cell {
                key: (),
                weeks: vec![0, 0, 0, 2],
            },
            &s,
        );
        assert!(
            (rate - 1.0 / 4.0).abs() < 1e-12,
            "prior 1 letter in 4 weeks: {rate}"
        );
        assert_eq!(windows, vec![2, 2, 2, 2]);
    }

    #[test]
    fn the_window_that_scores_best_is_chosen() {
        // Two quiet weeks, then a build-up over the last two.
        let (w, c, mu, _) = best(1.0, &[6, 11, 11, 12]);
        assert_eq!((w, c), (2, 11));
        assert!((mu - 2.0).abs() < 1e-12);
    }

    /// Three times a base rate of 5 letters a week, over the 4 weeks
    /// scanned, in one cell of 300 with 26 weeks of history. (At 2 a week
    /// the same rise is found in about 70 runs of 100: a small cell's rise
    /// needs weeks to stand out from 300 cells' chance; docs/benchmarks.md
    /// gives the power by base rate.)
    #[test]
    fn a_planted_cluster_of_three_times_the_rate_is_found_in_95_runs_of_100() {
        let s = Scan {
            replicas: 199,
            ..Scan::default()
        };
        let mut found = 0;
        for seed in 0..100 {
            let cells = map(seed, 300, 30, 5.0, 4, 3.0);
            let r = scan(
                &cells,
                &Scan {
                    seed: seed + 1000,
                    ..s
                },
            );
            if r.first().is_some_and(|c| c.key == 0 && c.alerts(&s)) {
                found += 1;
            }
        }
        assert!(found >= 95, "found in {found} of 100 runs");
    }

    #[test]
    fn a_quiet_map_raises_an_alert_in_at_most_5_runs_of_100() {
        let s = Scan {
            replicas: 199,
            ..Scan::default()
        };
        let mut alerts = 0;
        for seed in 0..100 {
            let cells = map(seed + 500, 300, 30, 5.0, 0, 1.0);
            let r = scan(
                &cells,
                &Scan {
                    seed: seed + 2000,
                    ..s
                },
            );
            if r.first().is_some_and(|c| c.alerts(&s)) {
                alerts += 1;
            }
        }
        assert!(alerts <= 5, "false alerts in {alerts} of 100 quiet runs");
    }

    #[test]
    fn a_rise_everywhere_is_no_cluster_anywhere() {
        let s = Scan {
            replicas: 199,
            ..Scan::default()
        };
        let mut alerts = 0;
        for seed in 0..40 {
            // Every cell's last 4 weeks at 1.5 times its rate.
            let mut rng = Rng(seed + 9000);
            let cells: Vec<Cell<usize>> = (0..300)
                .map(|k| Cell {
                    key: k,
                    weeks: (0..30)
                        .map(|w| rng.poisson(if w >= 26 { 7.5 } else { 5.0 }))
                        .collect(),
                })
                .collect();
            let r = scan(
                &cells,
                &Scan {
                    seed: seed + 3000,
                    ..s
                },
            );
            if r.first().is_some_and(|c| c.alerts(&s)) {
                alerts += 1;
            }
        }
        assert!(
            alerts <= 4,
            "a rise everywhere alerted in {alerts} of 40 runs"
        );
    }

    #[test]
    fn a_scan_is_repeatable_for_a_seed() {
        let cells = map(7, 50, 20, 1.5, 2, 3.0);
        assert_eq!(
            scan(&cells, &Scan::default()),
            scan(&cells, &Scan::default())
        );
    }

    #[test]
    fn rolling_weeks_gather_days_and_sum_windows() {
        use jiff::civil::date;
        let w = Weeks {
            as_of: date(2026, 12, 6),
            weeks: 3,
        };
        assert_eq!(w.first_day(), date(2026, 11, 16));
        assert_eq!(w.start_of(1), date(2026, 11, 30));
        assert_eq!(w.index(date(2026, 12, 6)), Some(2));
        assert_eq!(w.index(date(2026, 11, 30)), Some(2));
        assert_eq!(w.index(date(2026, 11, 29)), Some(1));
        assert_eq!(w.index(date(2026, 11, 16)), Some(0));
        assert_eq!(w.index(date(2026, 11, 15)), None);
        assert_eq!(w.index(date(2026, 12, 7)), None);
        let t = |letters, collective, delegations| Tally {
            letters,
            collective,
            delegations,
        };
        let g = w.gather([
            ("a", date(2026, 12, 6), t(2, 1, 0)),
            ("b", date(2026, 11, 20), t(1, 0, 0)),
            ("a", date(2026, 12, 1), t(1, 0, 1)),
            ("a", date(2026, 11, 1), t(9, 9, 9)),
        ]);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].0, "a");
        assert_eq!(g[0].1[2], t(3, 1, 1));
        assert_eq!(g[0].1[2].counted(), 4);
        assert_eq!(g[1].1[0], t(1, 0, 0));
        assert_eq!(Weeks::window(&g[0].1, 2), t(3, 1, 1));
        assert_eq!(Weeks::window(&g[1].1, 3), t(1, 0, 0));
    }
}
