//! Configuration: defaults, then a TOML file, then `LIEM_*` environment
//! variables, then command-line flags. Secrets may come from files.

use anyhow::{bail, Context, Result};
use liem_server::crypto::SecretKey;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The settings of one Liêm instance.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, attachments and generated keys live.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL; when set, the database is PostgreSQL, not SQLite.
    pub database_url: Option<String>,
    /// Address to listen on.
    pub bind: String,
    /// The identity-sealing key (base64url or hex, 32 bytes).
    pub seal_key: Option<String>,
    /// A file holding the identity-sealing key.
    pub seal_key_file: Option<PathBuf>,
    /// Largest attachment in MiB.
    pub max_upload_mb: usize,
    /// Session lifetime in hours.
    pub session_hours: i64,
    /// Set the `Secure` flag on cookies (serve behind HTTPS).
    pub secure_cookies: bool,
    /// Leading zero bits of the public form's proof of work.
    pub pow_bits: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you run).
    pub trust_forwarded_for: bool,
    /// The proxies (addresses and networks, comma-separated) whose
    /// `X-Forwarded-For` is believed; the client is the right-most address
    /// not among them.
    pub trusted_proxies: Option<String>,
    /// A file outside the data directory where signed checkpoints of the
    /// audit chain are appended.
    pub checkpoint_file: Option<PathBuf>,
    /// Minutes between the server's checkpoints while the chain grows.
    pub checkpoint_minutes: u64,
    /// Custodians and administrators must set up a second factor (TOTP)
    /// before using anything else.
    pub require_second_factor: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("liem-data"),
            database_url: None,
            bind: "127.0.0.1:8080".into(),
            seal_key: None,
            seal_key_file: None,
            max_upload_mb: 20,
            session_hours: 12,
            secure_cookies: false,
            pow_bits: 16,
            trust_forwarded_for: false,
            trusted_proxies: None,
            checkpoint_file: None,
            checkpoint_minutes: 60,
            require_second_factor: false,
        }
    }
}

impl Config {
    /// Loads defaults, then `file` (if given, or `liem.toml` in the working
    /// directory if present), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let path = file.map(Path::to_path_buf).or_else(|| {
            let p = PathBuf::from("liem.toml");
            p.exists().then_some(p)
        });
        let mut cfg = match path {
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("reading {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing {}", p.display()))?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        if let Some(list) = &cfg.trusted_proxies {
            liem_server::proxies::Proxies::parse(list)
                .map_err(anyhow::Error::msg)
                .context("trusted_proxies")?;
        }
        Ok(cfg)
    }

    /// Applies `LIEM_*` variables.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = get("LIEM_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("LIEM_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = get("LIEM_BIND") {
            self.bind = v;
        }
        if let Some(v) = get("LIEM_SEAL_KEY") {
            self.seal_key = Some(v);
        }
        if let Some(v) = get("LIEM_SEAL_KEY_FILE") {
            self.seal_key_file = Some(v.into());
        }
        if let Some(v) = get("LIEM_MAX_UPLOAD_MB") {
            self.max_upload_mb = v
                .parse()
                .context("LIEM_MAX_UPLOAD_MB must be a whole number")?;
        }
        if let Some(v) = get("LIEM_SESSION_HOURS") {
            self.session_hours = v
                .parse()
                .context("LIEM_SESSION_HOURS must be a whole number")?;
        }
        if let Some(v) = get("LIEM_SECURE_COOKIES") {
            self.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("LIEM_REQUIRE_SECOND_FACTOR") {
            self.require_second_factor = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("LIEM_POW_BITS") {
            self.pow_bits = v.parse().context("LIEM_POW_BITS must be a whole number")?;
            if self.pow_bits > 28 {
                anyhow::bail!("LIEM_POW_BITS above 28 would make the public form unusable");
            }
        }
        if let Some(v) = get("LIEM_CHECKPOINT_FILE") {
            self.checkpoint_file = Some(v.into());
        }
        if let Some(v) = get("LIEM_CHECKPOINT_MINUTES") {
            self.checkpoint_minutes = v
                .parse()
                .ok()
                .filter(|m| *m > 0)
                .context("LIEM_CHECKPOINT_MINUTES must be a whole number above 0")?;
        }
        if let Some(v) = get("LIEM_TRUSTED_PROXIES") {
            self.trusted_proxies = Some(v);
        }
        if let Some(v) = get("LIEM_TRUST_FORWARDED_FOR") {
            self.trust_forwarded_for = matches!(v.as_str(), "1" | "true" | "yes");
        }
        Ok(())
    }

    /// Where the database is.
    pub fn location(&self) -> liem_store::Location {
        match &self.database_url {
            Some(url) => liem_store::Location::Postgres {
                url: url.clone(),
                schema: None,
            },
            None => liem_store::Location::SqliteFile(self.data_dir.join("liem.sqlite3")),
        }
    }

    /// The sealing key: from the configuration, or from its file; on SQLite,
    /// a key is generated into the data directory the first time (a
    /// PostgreSQL deployment must be given one).
    pub fn seal_key(&self, may_generate: bool) -> Result<SecretKey> {
        if let Some(k) = &self.seal_key {
            return SecretKey::parse(k)
                .map_err(anyhow::Error::msg)
                .context("LIEM_SEAL_KEY");
        }
        let file = self
            .seal_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("seal.key"));
        if file.exists() {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            return SecretKey::parse(&text)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("key in {}", file.display()));
        }
        if !may_generate || self.database_url.is_some() {
            bail!(
                "no identity-sealing key: set LIEM_SEAL_KEY or LIEM_SEAL_KEY_FILE (it must never be stored in the database)"
            );
        }
        let key = SecretKey::generate();
        write_private(&file, &key.to_text())?;
        eprintln!(
            "generated a new identity-sealing key in {} — back it up apart from the database",
            file.display()
        );
        Ok(key)
    }

    /// The proxies the server believes: the list when one is set, else any
    /// peer with `trust_forwarded_for`, else none.
    pub fn proxies(&self) -> liem_server::proxies::Proxies {
        use liem_server::proxies::Proxies;
        match &self.trusted_proxies {
            Some(list) => Proxies::parse(list).unwrap_or_else(|e| {
                eprintln!("trusted_proxies: {e}; no proxy is believed");
                Proxies::none()
            }),
            None if self.trust_forwarded_for => Proxies::trusting_any_peer(),
            None => Proxies::none(),
        }
    }

    /// How often the server writes a checkpoint.
    pub fn checkpoint_every(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.checkpoint_minutes.max(1) * 60)
    }

    /// The server's run-time settings.
    pub fn settings(&self) -> liem_server::Settings {
        liem_server::Settings {
            max_upload_bytes: self.max_upload_mb * 1024 * 1024,
            session_hours: self.session_hours,
            secure_cookies: self.secure_cookies,
            files_dir: self.data_dir.join("files"),
            search_dir: Some(self.data_dir.join("search")),
            pow_bits: self.pow_bits,
            proxies: self.proxies(),
            checkpoint_file: self.checkpoint_file.clone(),
            checkpoint_every: self.checkpoint_every(),
            require_second_factor: self.require_second_factor,
            ..Default::default()
        }
    }
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let mut c: Config = toml::from_str("bind = \"0.0.0.0:9000\"\nmax_upload_mb = 5").unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        c.apply_env(|k| (k == "LIEM_BIND").then(|| "127.0.0.1:1".to_owned()))
            .unwrap();
        assert_eq!(c.bind, "127.0.0.1:1");
        assert_eq!(c.max_upload_mb, 5);
        assert!(c
            .apply_env(|k| (k == "LIEM_SESSION_HOURS").then(|| "x".to_owned()))
            .is_err());
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("bnid = \"x\"").is_err());
    }

    #[test]
    fn postgres_needs_an_explicit_key() {
        let c = Config {
            database_url: Some("postgres://x".into()),
            data_dir: "/nonexistent".into(),
            ..Default::default()
        };
        assert!(c.seal_key(true).is_err());
    }
}
