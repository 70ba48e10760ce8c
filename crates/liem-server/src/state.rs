//! What every request handler shares: the store, the keys, the limiters,
//! the statistics model and the run-time settings.

use crate::{crypto, files, guard, i18n};
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

/// Settings the server needs at run time.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted attachment, in bytes.
    pub max_upload_bytes: usize,
    /// Session lifetime, in hours.
    pub session_hours: i64,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Where attachments are stored.
    pub files_dir: PathBuf,
    /// Where this node keeps its search index (derived data: rebuilt from
    /// the database when missing); by default `search-index` inside
    /// `files_dir` (`liem` sets `search` in its data directory).
    pub search_dir: Option<PathBuf>,
    /// Leading zero bits the public form's proof of work needs.
    pub pow_bits: u32,
    /// How failed receipt-code checks are slowed and refused.
    pub rate: guard::RatePolicy,
    /// How failed logins are slowed and refused, per client address and
    /// account together.
    pub login_rate: guard::RatePolicy,
    /// How failed logins from one address, whatever the account, are
    /// slowed and refused (password spraying).
    pub login_address_rate: guard::RatePolicy,
    /// How failed logins on one account, from anywhere, are slowed — never
    /// refused, so that the right password from elsewhere still gets in.
    pub login_account_rate: guard::RatePolicy,
    /// The proxies whose `X-Forwarded-For` is believed (none by default).
    pub proxies: crate::proxies::Proxies,
    /// Where signed checkpoints of the audit chain are appended (outside
    /// the data directory); none when unset.
    pub checkpoint_file: Option<PathBuf>,
    /// How often a checkpoint is written while the chain grows.
    pub checkpoint_every: std::time::Duration,
    /// Custodians and administrators must set up a second factor before
    /// using anything else.
    pub require_second_factor: bool,
}

impl Settings {
    /// Where the search index lives.
    pub fn search_dir(&self) -> PathBuf {
        self.search_dir
            .clone()
            .unwrap_or_else(|| self.files_dir.join("search-index"))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_upload_bytes: 20 * 1024 * 1024,
            session_hours: 12,
            secure_cookies: false,
            files_dir: PathBuf::from("liem-data/files"),
            search_dir: None,
            pow_bits: 16,
            rate: guard::RatePolicy::default(),
            login_rate: guard::RatePolicy {
                window: std::time::Duration::from_secs(15 * 60),
                ..Default::default()
            },
            login_address_rate: guard::RatePolicy {
                free_failures: 10,
                step: std::time::Duration::from_millis(200),
                max_delay: std::time::Duration::from_secs(2),
                block_after: 30,
                window: std::time::Duration::from_secs(15 * 60),
                ..Default::default()
            },
            login_account_rate: guard::RatePolicy {
                free_failures: 10,
                step: std::time::Duration::from_millis(100),
                max_delay: std::time::Duration::from_secs(2),
                block_after: u32::MAX,
                window: std::time::Duration::from_secs(15 * 60),
                ..Default::default()
            },
            proxies: crate::proxies::Proxies::none(),
            checkpoint_file: None,
            checkpoint_every: std::time::Duration::from_secs(3600),
            require_second_factor: false,
        }
    }
}

/// What every request handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The shared parts.
pub struct Inner {
    /// The database.
    pub store: liem_store::Store,
    /// Seals and unseals identities.
    pub sealer: crypto::Sealer,
    /// Encrypts people's second-factor secrets (a key derived from the
    /// instance key, never in the database).
    pub totp: crate::totp::SecretBox,
    /// Translations.
    pub i18n: Arc<i18n::I18n>,
    /// Password hashing.
    pub passwords: crypto::PasswordPolicy,
    /// Attachments on disk.
    pub files: files::FileStore,
    /// Run-time settings.
    pub settings: Settings,
    /// Slows and refuses repeated wrong receipt codes.
    pub limiter: guard::RateLimiter,
    /// Slows and refuses repeated failed logins (per client and user name).
    pub login_limiter: guard::RateLimiter,
    /// Slows and refuses repeated failed logins from one address.
    pub login_address_limiter: guard::RateLimiter,
    /// Slows repeated failed logins on one account.
    pub login_account_limiter: guard::RateLimiter,
    /// Bounds the password and receipt-code hashing running at once (each
    /// takes tens of milliseconds of a core and 19 MiB): a flood of logins
    /// waits here, off the threads that serve other requests. One core
    /// fewer than the machine has (at least one), so that a flood never
    /// holds every core.
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// The public form's proof of work.
    pub pow: guard::ProofOfWork,
    /// The in-memory statistics model, kept current from the change feed.
    pub model: liem_report::Model,
    /// Letters waiting for their intake transaction (group commit).
    pub intake: crate::web::groups::Groups,
    /// This node's request figures for `/metrics`.
    pub metrics: crate::traffic::Metrics,
    /// The calendar and the deadline rules as last read, under the settings
    /// version they were read at (`admin::service::rules`).
    pub rules: std::sync::Mutex<Option<RulesAt>>,
    /// This node's search index, opened at first use.
    pub search: tokio::sync::OnceCell<Arc<liem_search::SearchIndex>>,
    /// Digests senders' marks (a key derived from the instance key).
    pub sender_key: crypto::SenderKey,
    /// Held while this node scans for hot spots (one scan at a time).
    pub hotspot_scan: tokio::sync::Mutex<()>,
}

/// The calendar and rules read at one settings version.
pub type RulesAt = (
    i64,
    Arc<(
        liem_domain::calendar::Calendar,
        liem_domain::deadline::RuleBook,
    )>,
);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Checks a password (or a receipt code's secret) against its Argon2id
    /// hash on the bounded hashing pool; `None` for `phc` spends the time of
    /// a check and fails, so that an unknown name takes as long as a wrong
    /// password. Too long a wait for the pool is refused as busy.
    pub async fn verify_secret(
        &self,
        secret: &str,
        phc: Option<&str>,
    ) -> Result<bool, crate::web::error::AppError> {
        use crate::web::error::AppError;
        let permit = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            self.hashing.clone().acquire_owned(),
        )
        .await
        .map_err(|_| AppError::TooManyRequests)?
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let policy = self.passwords;
        let (secret, phc) = (secret.to_owned(), phc.map(str::to_owned));
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            match phc {
                Some(h) => policy.verify(&secret, &h),
                None => {
                    policy.waste(&secret);
                    false
                }
            }
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The id of the configuration key (for tests of the first-release seals).
    pub fn sealer_key_id(&self) -> String {
        let blob = self.sealer.seal(
            liem_domain::ids::LetterId::new(),
            &liem_domain::petition::Identity {
                name: String::new(),
                id_number: None,
                address: None,
                phone: None,
                email: None,
            },
        );
        blob.key_id
    }

    /// Builds the state.
    pub fn new(
        store: liem_store::Store,
        seal_key: &crypto::SecretKey,
        passwords: crypto::PasswordPolicy,
        settings: Settings,
    ) -> AppState {
        let limits_key = seal_key.derive("liem rate limits v1");
        AppState(Arc::new(Inner {
            store,
            sealer: crypto::Sealer::new(seal_key),
            totp: crate::totp::SecretBox::new(seal_key.derive("liem second factor v1")),
            i18n: Arc::new(i18n::I18n::load()),
            passwords,
            files: files::FileStore::new(
                settings.files_dir.clone(),
                seal_key.derive("liem files v1"),
            ),
            limiter: guard::RateLimiter::new("receipt", settings.rate, limits_key),
            login_limiter: guard::RateLimiter::new("login", settings.login_rate, limits_key),
            login_address_limiter: guard::RateLimiter::new(
                "login_address",
                settings.login_address_rate,
                limits_key,
            ),
            login_account_limiter: guard::RateLimiter::new(
                "login_account",
                settings.login_account_rate,
                limits_key,
            ),
            hashing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism()
                    .map(|n| n.get().saturating_sub(1))
                    .unwrap_or(1)
                    .clamp(1, 8),
            )),
            pow: guard::ProofOfWork::new(
                seal_key.derive("liem proof of work v1"),
                settings.pow_bits,
            ),
            settings,
            model: liem_report::Model::new(),
            // Letters one intake transaction registers at most.
            intake: crate::web::groups::Groups::new(12),
            metrics: crate::traffic::Metrics::default(),
            rules: std::sync::Mutex::new(None),
            search: tokio::sync::OnceCell::new(),
            hotspot_scan: tokio::sync::Mutex::new(()),
            sender_key: crypto::SenderKey::of_instance(seal_key),
        }))
    }
}
