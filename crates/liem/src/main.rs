//! `liem`: the one binary — serve, demo, migrate, users and units, audit,
//! calendar, backup.

mod bench;
mod bench_intake;
mod bench_search;
mod config;
mod demo;
mod demo_cases;
mod demo_committee;
mod memory;
mod progress;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use config::Config;
use liem_domain::role::{check_password, Role, Username};
use liem_domain::unit::{UnitCode, UnitKind};
use liem_server::crypto::{random_token, token_hash, PasswordPolicy};
use liem_store::audit::{self, Actor};
use liem_store::{units, users, Store};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "liem",
    version,
    about = "Liêm: petitions and anti-corruption case management"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data is.
#[derive(Args, Clone, Debug, Default)]
struct DataArgs {
    /// A TOML configuration file (default: ./liem.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// The data directory (SQLite database, attachments, keys).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://…); the database is then PostgreSQL.
    #[arg(long, global = true)]
    database_url: Option<String>,
}

impl DataArgs {
    fn config(&self) -> Result<Config> {
        let mut c = Config::load(self.config.as_deref())?;
        if let Some(d) = &self.data_dir {
            c.data_dir = d.clone();
        }
        if let Some(u) = &self.database_url {
            c.database_url = Some(u.clone());
        }
        Ok(c)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serves the web pages and the JSON API.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Creates a demo instance with generated data (once) and serves it.
    Demo {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// Seed of the data generator.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// How many letters to generate.
        #[arg(long, default_value_t = 20_000)]
        petitions: usize,
        /// How many cases and incidents to generate.
        #[arg(long, default_value_t = 1_200)]
        cases: usize,
        /// Generate the data, print the logins, and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// How the letters are written: bulk (grouped, the default) or
        /// live (each letter and step in its own transaction, as the
        /// server writes them; slow, for comparison).
        #[arg(long, value_enum, default_value = "bulk")]
        writer: demo::Writer,
    },
    /// Applies database migrations.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manages users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manages units.
    Unit {
        #[command(subcommand)]
        command: UnitCommand,
    },
    /// Creates an API token for a user and prints it once (`liem token
    /// --username U [--days N]`); `liem token list` and `liem token revoke
    /// ID` list and revoke them.
    #[command(args_conflicts_with_subcommands = true)]
    Token {
        #[command(subcommand)]
        command: Option<TokenCommand>,
        #[command(flatten)]
        data: DataArgs,
        /// The user's login name.
        #[arg(long)]
        username: Option<String>,
        /// Days the token lives (1 to 366).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Sealed identities.
    Seal {
        #[command(subcommand)]
        command: SealCommand,
    },
    /// Checks the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Prints the days off of a year, one per line: ISO date and name.
    Calendar {
        #[command(flatten)]
        data: DataArgs,
        /// The year.
        year: i16,
    },
    /// Exports data.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Imports data.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Computes a statistical form from the stored facts: `liem report
    /// 02-XLD-KN --period 2026-Q1 --unit HNI --format xlsx --output f.xlsx`.
    /// Without --unit the scope is the nation; `liem report --list` names
    /// the forms and the period syntax.
    Report {
        #[command(flatten)]
        data: DataArgs,
        /// The form's code (see --list).
        #[arg(required_unless_present = "list")]
        form: Option<String>,
        /// Lists the forms, one per line with its code first, and the period syntax.
        #[arg(long)]
        list: bool,
        /// The period: 2026, 2026-Q1, 2026-H1, 2026-9M, 2026-03, 2026-RY, 2025-12-15..2026-12-14.
        #[arg(long, required_unless_present = "list")]
        period: Option<String>,
        /// The unit whose subtree it covers (code); the nation when absent.
        #[arg(long)]
        unit: Option<String>,
        /// Only a steering committee's monitored list (code; form 07-PCTN).
        #[arg(long)]
        committee: Option<String>,
        /// json, csv or xlsx.
        #[arg(long, default_value = "json")]
        format: String,
        /// as_of (the tree as it stood during the period) or current (today's tree).
        #[arg(long, default_value = "as_of")]
        tree: String,
        /// The language of the Excel headings: vi, en, fr, ar.
        #[arg(long, default_value = "vi")]
        lang: String,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Generates a national-scale data set into an empty database and times
    /// the national annual forms and a province's dashboard (see
    /// docs/benchmarks.md). Use a new --data-dir or PostgreSQL schema.
    Bench {
        #[command(flatten)]
        data: DataArgs,
        /// Letters to generate (each with its matters).
        #[arg(long, default_value_t = 1_000_000)]
        petitions: u64,
        /// Cases and incidents to generate.
        #[arg(long, default_value_t = 50_000)]
        cases: u64,
        /// Ten million letters and 500,000 cases.
        #[arg(long)]
        large: bool,
        /// Repetitions of each timing.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Time the data set a previous run generated in this database.
        #[arg(long)]
        reuse: bool,
    },
    /// Times intake over HTTP with 1, 8 and 32 concurrent writers, beside
    /// the bare durable-commit rate of the same disk or database, on an
    /// empty database (`--data-dir NEW` or `--database-url URL`).
    BenchIntake {
        #[command(flatten)]
        data: DataArgs,
        /// Seconds each measurement runs.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Concurrent writers, one measurement each (repeat).
        #[arg(long = "writers", default_values_t = vec![1usize, 8, 32])]
        writers: Vec<usize>,
    },
    /// Rebuilds this node's search index from the database (letters,
    /// cases, people, organisations), showing progress. Stop `liem serve`
    /// first: the index has one writer.
    Reindex {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Times the search index and repeated-letter detection on a synthetic
    /// corpus beside SQLite FTS5 and PostgreSQL tsvector + GIN (see
    /// docs/benchmarks.md). Needs a new --dir.
    BenchSearch {
        /// Letters in the corpus.
        #[arg(long, default_value_t = 100_000)]
        letters: usize,
        /// Ten million letters.
        #[arg(long)]
        large: bool,
        /// Repetitions of each query.
        #[arg(long, default_value_t = 30)]
        runs: usize,
        /// A new directory for the index and the FTS5 file.
        #[arg(long)]
        dir: PathBuf,
        /// PostgreSQL for the tsvector peer (a schema is made and dropped).
        #[arg(long)]
        postgres: Option<String>,
        /// A Python with datasketch installed, for the MinHash LSH peer.
        #[arg(long)]
        python: Option<PathBuf>,
        /// Only repeated letters against datasketch (no index, no search).
        #[arg(long)]
        repeats_only: bool,
        /// Use the index and the FTS5 file already in DIR when they hold
        /// this corpus (same --letters), instead of building them again.
        #[arg(long)]
        reuse: bool,
        /// Only Liêm's own search (no peers, repeats or hot spots).
        #[arg(long)]
        liem_only: bool,
    },
    /// Writes a consistent copy of the SQLite database.
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// The file to write.
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// People, organisations and their links as FollowTheMoney entities,
    /// one JSON object per line, on standard output (for Aleph or a check
    /// against OpenSanctions). The export is recorded in the audit trail.
    Ftm {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// An old register (Excel .xlsx or CSV) as letters of a unit, registered
    /// by a user: each refused row and cell is named; the rows that pass go
    /// in one transaction; a row imported before is never registered again.
    Register {
        #[command(flatten)]
        data: DataArgs,
        /// The file.
        file: PathBuf,
        /// The unit whose register it is (code).
        #[arg(long)]
        unit: String,
        /// The user who registers them (login name; their rights apply).
        #[arg(long = "as")]
        user: String,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// `Heading=column` for a heading the guess misses (`Heading=-`
        /// leaves it out); columns: number, received_on, kinds, channel,
        /// field, sender_name, sender_address, sender_id_number,
        /// sender_phone, place, subject, summary, content, signatories,
        /// forwarded_by.
        #[arg(long = "map")]
        map: Vec<String>,
    },
    /// FollowTheMoney entities (JSON lines): people, organisations and their
    /// links, into a unit's register. All or nothing: a bad line rejects the file.
    Ftm {
        #[command(flatten)]
        data: DataArgs,
        /// The file (`-` for standard input).
        file: PathBuf,
        /// The unit that keeps them (code).
        #[arg(long)]
        unit: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds a user; the password is read from the first line of standard input.
    Add {
        #[command(flatten)]
        data: DataArgs,
        /// Login name.
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// The unit's code.
        #[arg(long)]
        unit: String,
        /// Roles (repeat): administrator, intake_clerk, handler, leader, analyst, auditor.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Preferred language (vi, en, fr, ar).
        #[arg(long)]
        locale: Option<String>,
    },
    /// Gives a user a new key pair for sealed identities, protected by their
    /// password (read from standard input; it must be their login password).
    Key {
        #[command(flatten)]
        data: DataArgs,
        /// Login name.
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum SealCommand {
    /// Re-seals identities sealed under the configuration key (first release)
    /// for the units' custodians and recovery keys.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum UnitCommand {
    /// Adds a unit.
    Add {
        #[command(flatten)]
        data: DataArgs,
        /// Code (prefixes references).
        #[arg(long)]
        code: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Kind: central_committee, province, commune, internal_affairs, inspectorate, …
        #[arg(long)]
        kind: String,
        /// The parent unit's code.
        #[arg(long)]
        parent: Option<String>,
        /// First day of existence (default today).
        #[arg(long)]
        valid_from: Option<String>,
    },
    /// Gives a unit a new recovery key and prints it once (keep it offline).
    RecoveryKey {
        #[command(flatten)]
        data: DataArgs,
        /// The unit's code.
        #[arg(long)]
        unit: String,
    },
    /// Lists units in tree order.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Merges a unit into another (as the provinces were on 1 July 2025):
    /// the unit ends the day before, and reports on today's tree count its
    /// history in the unit it was merged into.
    Merge {
        #[command(flatten)]
        data: DataArgs,
        /// The unit that ceases (code).
        #[arg(long)]
        from: String,
        /// The unit it is merged into (code).
        #[arg(long)]
        into: String,
        /// The first day of the merged unit (YYYY-MM-DD).
        #[arg(long)]
        on: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Lists API tokens (one user's with --username): id, user, name,
    /// made, expires, revoked.
    List {
        #[command(flatten)]
        data: DataArgs,
        /// Only this user's.
        #[arg(long)]
        username: Option<String>,
    },
    /// Revokes an API token by its id.
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        /// The token's id (from `liem token list`).
        id: uuid::Uuid,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walks the keyed hash chain; exits non-zero (2) and names the first
    /// bad record, the first checkpoint the database contradicts, and with
    /// --deep every register record whose state no audit record explains.
    Verify {
        #[command(flatten)]
        data: DataArgs,
        /// A file of checkpoints (one per line, as `liem audit checkpoint`
        /// prints them) to check the database against.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// Also recompute the state of every record of the registers
        /// (letters, matters, cases, people, assets, reception, reports).
        #[arg(long)]
        deep: bool,
    },
    /// Prints a signed checkpoint of the chain's head (and appends it to
    /// the checkpoint file when one is configured): keep it outside the
    /// database.
    Checkpoint {
        #[command(flatten)]
        data: DataArgs,
    },
}

fn main() -> std::process::ExitCode {
    memory::few_arenas();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                // The bench's bulk inserts are slow statements by design;
                // the intake bench's requests are counted, not logged.
                match std::env::args().nth(1).as_deref() {
                    Some("bench") => "info,sqlx=error".into(),
                    Some("bench-intake") => "warn,sqlx=error".into(),
                    _ => "info,sqlx=warn".into(),
                }
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(cfg: &Config) -> Result<Store> {
    // The audit chain is keyed by the instance key (made on first use of
    // an SQLite data directory; PostgreSQL needs it configured).
    let key = cfg.seal_key(true)?;
    let store = Store::open(&cfg.location(), audit_keys(&key))
        .await
        .context("opening the database")?;
    Ok(store)
}

/// The audit trail's keys, from the instance key.
fn audit_keys(key: &liem_server::crypto::SecretKey) -> audit::AuditKeys {
    audit::AuditKeys::derive(&key.derive("audit trail"))
}

async fn run(cli: Cli) -> Result<std::process::ExitCode> {
    use std::process::ExitCode;
    match cli.command {
        Command::Serve { data, bind } => {
            let mut cfg = data.config()?;
            if let Some(b) = bind {
                cfg.bind = b;
            }
            let store = open(&cfg).await?;
            serve(&cfg, store).await?;
        }
        Command::Demo {
            data,
            bind,
            seed,
            petitions,
            cases,
            no_serve,
            writer,
        } => {
            let mut cfg = data.config()?;
            if let Some(b) = bind {
                cfg.bind = b;
            }
            let store = open(&cfg).await?;
            if cfg.database_url.is_some() {
                store.migrate().await?;
            }
            // The instance key (proof of work, first-release seals) is made on first run.
            cfg.seal_key(true)?;
            let creds = demo::ensure(&store, &cfg, seed, petitions, cases, writer).await?;
            println!("admin login: {} {}", creds.admin.0, creds.admin.1);
            println!("clerk login: {} {}", creds.clerk.0, creds.clerk.1);
            for (role, user, pw) in &creds.others {
                println!("{role} login: {user} {pw}");
            }
            println!("API token: {}", creds.token);
            if !no_serve {
                serve(&cfg, store).await?;
            } else {
                store.close().await;
            }
        }
        Command::BenchSearch {
            letters,
            large,
            runs,
            dir,
            postgres,
            python,
            repeats_only,
            reuse,
            liem_only,
        } => {
            bench_search::run(bench_search::Plan {
                letters: if large { 10_000_000 } else { letters },
                runs: runs.max(1),
                dir,
                postgres,
                python,
                repeats_only,
                reuse,
                liem_only,
            })
            .await?;
        }
        Command::Reindex { data } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            reindex(&cfg, &store).await?;
            store.close().await;
        }
        Command::Migrate { data } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            store.migrate().await?;
            store.close().await;
            println!("migrations applied");
        }
        Command::User {
            command:
                UserCommand::Add {
                    data,
                    username,
                    name,
                    unit,
                    roles,
                    locale,
                },
        } => {
            let cfg = data.config()?;
            let username = Username::parse(&username).map_err(anyhow::Error::msg)?;
            let roles = roles
                .iter()
                .map(|r| {
                    r.parse::<Role>()
                        .map_err(|e| anyhow::anyhow!("--role {r}: {e}"))
                })
                .collect::<Result<Vec<_>>>()?;
            let password = &read_password()?;
            check_password(password).map_err(anyhow::Error::msg)?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let unit = units::by_code(&mut c, &unit)
                .await
                .with_context(|| format!("no unit with code {unit}"))?;
            drop(c);
            let policy = PasswordPolicy::default();
            let hash = policy.hash(password);
            let mut tx = store.begin().await?;
            let actor = Actor::system("cli");
            let id = users::create(
                &mut tx,
                &actor,
                &users::NewUser {
                    username,
                    display_name: name,
                    unit_id: unit.id,
                    password_hash: hash,
                    roles,
                    locale,
                },
            )
            .await?;
            liem_server::sealing::provision_user_key(&mut tx, &actor, id, password, policy)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            store.close().await;
            println!("user {id} created");
        }
        Command::Unit {
            command:
                UnitCommand::Add {
                    data,
                    code,
                    name,
                    kind,
                    parent,
                    valid_from,
                },
        } => {
            let cfg = data.config()?;
            let code = UnitCode::parse(&code).map_err(anyhow::Error::msg)?;
            let kind: UnitKind = kind.parse().map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
            let valid_from = match valid_from {
                Some(d) => d.parse().context("--valid-from must be YYYY-MM-DD")?,
                None => liem_server::clock::today(),
            };
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let parent = match parent {
                Some(p) => Some(
                    units::by_code(&mut c, &p)
                        .await
                        .with_context(|| format!("no unit with code {p}"))?
                        .id,
                ),
                None => None,
            };
            drop(c);
            let mut tx = store.begin().await?;
            let actor = Actor::system("cli");
            let u = units::create(
                &mut tx,
                &actor,
                &units::NewUnit {
                    code,
                    name,
                    kind,
                    parent,
                    valid_from,
                },
            )
            .await?;
            let recovery = liem_server::sealing::provision_recovery_key(&mut tx, &actor, u.id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            store.close().await;
            println!("unit {} created at {}", u.code, u.path);
            println!(
                "recovery key (shown once; print it and keep it offline): {}",
                recovery.to_text()
            );
        }
        Command::Unit {
            command: UnitCommand::RecoveryKey { data, unit },
        } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let u = units::by_code(&mut c, &unit)
                .await
                .with_context(|| format!("no unit with code {unit}"))?;
            drop(c);
            let mut tx = store.begin().await?;
            let recovery =
                liem_server::sealing::provision_recovery_key(&mut tx, &Actor::system("cli"), u.id)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            store.close().await;
            println!(
                "recovery key of {} (shown once; print it and keep it offline): {}",
                u.code,
                recovery.to_text()
            );
            println!("letters sealed before keep the previous recovery key");
        }
        Command::User {
            command: UserCommand::Key { data, username },
        } => {
            let cfg = data.config()?;
            let password = read_password()?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let Some((user, hash)) = users::by_username(&mut c, &username).await? else {
                bail!("no user named {username}");
            };
            drop(c);
            let policy = PasswordPolicy::default();
            if !policy.verify(&password, &hash) {
                bail!("that is not the user's password: the key must open with it");
            }
            let mut tx = store.begin().await?;
            liem_server::sealing::provision_user_key(
                &mut tx,
                &Actor::system("cli"),
                user.id,
                &password,
                policy,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            tx.commit().await?;
            store.close().await;
            println!("new key pair for {username}; identities sealed for the old key stay readable only with it or the recovery key");
        }
        Command::Seal {
            command: SealCommand::Migrate { data },
        } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let key = cfg.seal_key(false)?;
            let state = liem_server::AppState::new(
                store.clone(),
                &key,
                PasswordPolicy::default(),
                cfg.settings(),
            );
            let n = liem_server::custody::service::migrate_legacy(&state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            store.close().await;
            println!("{n} sealed identities re-sealed for custodians and recovery keys");
        }
        Command::Unit {
            command: UnitCommand::List { data },
        } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            for u in units::list(&mut c).await? {
                println!("{}\t{}\t{}\t{}", u.code, u.kind, u.path, u.name);
            }
        }
        Command::Token {
            command: None,
            data,
            username,
            days,
        } => {
            let Some(username) = username else {
                bail!("--username is needed to create a token (or: liem token list | revoke ID)");
            };
            let expires = users::token_expiry(days).map_err(|e| anyhow::anyhow!("--{e}"))?;
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let Some((user, _)) = users::by_username(&mut c, &username).await? else {
                bail!("no user named {username}");
            };
            drop(c);
            let token = random_token();
            let mut tx = store.begin().await?;
            users::create_token(
                &mut tx,
                &Actor::system("cli"),
                user.id,
                "cli",
                &token_hash(&token),
                expires,
            )
            .await?;
            tx.commit().await?;
            store.close().await;
            eprintln!("expires {expires}");
            println!("{token}");
        }
        Command::Token {
            command: Some(TokenCommand::List { data, username }),
            ..
        } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let user = match &username {
                None => None,
                Some(u) => match users::by_username(&mut c, u).await? {
                    Some((user, _)) => Some(user.id),
                    None => bail!("no user named {u}"),
                },
            };
            let list = users::tokens(&mut c, user).await?;
            drop(c);
            store.close().await;
            for t in list {
                let revoked = t
                    .revoked_at
                    .map(|r| format!("revoked {r}"))
                    .unwrap_or_else(|| "live".into());
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{revoked}",
                    t.id, t.username, t.name, t.created_at, t.expires_at
                );
            }
        }
        Command::Token {
            command: Some(TokenCommand::Revoke { data, id }),
            ..
        } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let mut tx = store.begin().await?;
            match users::revoke_token(&mut tx, &Actor::system("cli"), id, None).await {
                Ok(()) => {}
                Err(liem_store::StoreError::NotFound) => bail!("no token with id {id}"),
                Err(e) => return Err(e.into()),
            }
            tx.commit().await?;
            store.close().await;
            println!("token {id} revoked");
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    data,
                    checkpoints,
                    deep,
                },
        } => {
            let cfg = data.config()?;
            // A copied database without its key cannot be verified: say so
            // rather than make a new key.
            cfg.seal_key(false)?;
            let checkpoints = match &checkpoints {
                None => Vec::new(),
                Some(f) => {
                    let text = std::fs::read_to_string(f)
                        .with_context(|| format!("reading {}", f.display()))?;
                    audit::checkpoint::Checkpoint::parse_all(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?
                }
            };
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let v = audit::verify(&mut c, store.chain(), &checkpoints, deep).await?;
            drop(c);
            store.close().await;
            if let Some(b) = &v.first_break {
                eprintln!("audit chain BROKEN at record {}: {}", b.seq, b.reason);
            }
            if let Some(x) = &v.contradiction {
                eprintln!(
                    "the database CONTRADICTS a checkpoint, from record {}: {}\n  checkpoint: {}",
                    x.from_record, x.reason, x.checkpoint
                );
            }
            // Each record found, up to a screenful of each kind, then a count.
            let mut shown: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
            for f in &v.findings {
                let n = shown.entry((f.entity.as_str(), f.finding)).or_default();
                *n += 1;
                if *n > 20 {
                    continue;
                }
                let what = match f.finding {
                    "edited" => "edited outside Liêm (its state is not the one the trail attests)",
                    "inserted" => "inserted outside Liêm (no audit record names it)",
                    _ => "deleted outside Liêm (the trail attests it)",
                };
                match f.last_record {
                    Some(seq) => {
                        eprintln!("{} {}: {what}; last audit record {seq}", f.entity, f.id)
                    }
                    None => eprintln!("{} {}: {what}", f.entity, f.id),
                }
            }
            for ((entity, finding), n) in &shown {
                if *n > 20 {
                    eprintln!("… {n} {entity} records {finding} outside Liêm in all");
                }
            }
            if !v.intact() {
                return Ok(ExitCode::from(2));
            }
            let mut what = format!("audit chain intact: {} records", v.records);
            if !checkpoints.is_empty() {
                what.push_str(&format!(", agrees with {} checkpoints", v.checkpoints));
            }
            if deep {
                what.push_str(", every register record as the trail attests");
            }
            println!("{what}");
        }
        Command::Audit {
            command: AuditCommand::Checkpoint { data },
        } => {
            let cfg = data.config()?;
            cfg.seal_key(false)?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let cp = audit::checkpoint(&mut c, store.audit_keys()).await?;
            drop(c);
            store.close().await;
            if let Some(f) = &cfg.checkpoint_file {
                liem_server::checkpoints::append(f, &cp)
                    .with_context(|| format!("appending to {}", f.display()))?;
            }
            println!("{cp}");
        }
        Command::Calendar { data, year } => {
            if !(1990..=2100).contains(&year) {
                bail!("the year must be between 1990 and 2100");
            }
            let cfg = data.config()?;
            let has_db = cfg.database_url.is_some() || cfg.data_dir.join("liem.sqlite3").exists();
            let cal = if has_db {
                let store = open(&cfg).await?;
                let mut c = store.conn().await?;
                let cal = liem_store::calendar::load(&mut c).await?;
                drop(c);
                store.close().await;
                cal
            } else {
                liem_domain::calendar::Calendar::new()
            };
            for d in cal.days_off(year) {
                println!("{} {}", d.date, d.name);
            }
        }
        Command::Report {
            data,
            form,
            list,
            period,
            unit,
            committee,
            format,
            tree,
            lang,
            output,
        } => {
            if list {
                for f in liem_domain::forms::all_forms() {
                    println!("{}\t{}", f.code, f.basis);
                }
                println!("period syntax: {}", liem_domain::stats::PERIOD_SYNTAX);
                return Ok(ExitCode::SUCCESS);
            }
            let form = liem_report::form(form.as_deref().unwrap_or_default())?;
            let period = liem_domain::stats::Period::parse(period.as_deref().unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("--period: {e}"))?;
            let mode = liem_report::TreeMode::parse(&tree)
                .ok_or_else(|| anyhow::anyhow!("--tree must be as_of or current"))?;
            let lang = liem_server::i18n::Lang::from_tag(&lang)
                .ok_or_else(|| anyhow::anyhow!("--lang must be vi, en, fr or ar"))?;
            if !matches!(format.as_str(), "json" | "csv" | "xlsx") {
                anyhow::bail!("--format must be json, csv or xlsx");
            }
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let t = liem_report::load_tree(&mut c).await?;
            let scope = match &unit {
                Some(code) => {
                    t.by_code(code)
                        .with_context(|| format!("--unit: no unit with code {code}"))?
                        .id
                }
                None => t.root().context("the unit tree is empty")?.id,
            };
            let committee = match &committee {
                Some(code) => {
                    if !form.counts_monitored_lists() {
                        anyhow::bail!(
                            "--committee: a committee's monitored list is counted on form 07-PCTN only"
                        );
                    }
                    let u = t
                        .by_code(code)
                        .with_context(|| format!("--committee: no unit with code {code}"))?;
                    anyhow::ensure!(
                        u.kind.steers(),
                        "--committee: {code} is not a steering committee"
                    );
                    Some(u.id)
                }
                None => None,
            };
            let req = liem_report::Request {
                period,
                scope,
                mode,
                today: liem_server::clock::today(),
                committee,
            };
            let cp = audit::checkpoint(&mut c, store.audit_keys()).await?;
            // The model from its snapshot when there is one of this database
            // (caught up from the feed); without one the database counts
            // the form, and the snapshot is written after the report is
            // out, for the next call.
            let model = liem_report::Model::new();
            let snapshot = cfg.data_dir.join("model.snapshot");
            let restored = model.restore(&snapshot, &mut c).await?;
            let mut report = liem_report::compute(&mut c, &model, &t, &[form], &req)
                .await?
                .pop()
                .expect("one form, one report");
            report.checkpoint = Some(cp.to_string());
            let bytes = match format.as_str() {
                "json" => serde_json::to_vec_pretty(&report)?,
                "csv" => liem_report::export::csv(&report).into_bytes(),
                _ => {
                    let tr = liem_server::i18n::Tr::new(
                        std::sync::Arc::new(liem_server::i18n::I18n::load()),
                        lang,
                    );
                    let label = |k: &str| tr.t(k);
                    liem_report::export::xlsx(
                        &report,
                        &liem_report::export::Words {
                            label: &label,
                            rtl: tr.dir() == "rtl",
                        },
                    )?
                }
            };
            match output {
                Some(path) => std::fs::write(&path, &bytes)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => {
                    use std::io::Write;
                    std::io::stdout().lock().write_all(&bytes)?;
                }
            }
            for f in &report.failures {
                eprintln!("warning: the form does not add up: {f}");
            }
            if restored.current().is_none() && std::fs::metadata(&cfg.data_dir).is_ok() {
                if let Err(e) = model.save(&snapshot, &mut c).await {
                    eprintln!("note: the statistics model's snapshot was not written: {e}");
                }
            }
            drop(c);
            store.close().await;
            if !report.failures.is_empty() {
                return Ok(ExitCode::from(3));
            }
        }
        Command::BenchIntake {
            data,
            seconds,
            writers,
        } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            if cfg.database_url.is_some() {
                store.migrate().await?;
            }
            let bare_disk = bench_intake::bare_file_commits(&cfg.data_dir, seconds.min(5.0))?;
            let bare_db_1 = bench_intake::bare_db_commits(&store, 1, seconds.min(5.0)).await?;
            let bare_db_8 = bench_intake::bare_db_commits(&store, 8, seconds.min(5.0)).await?;
            let what = if cfg.database_url.is_some() {
                "PostgreSQL"
            } else {
                "SQLite"
            };
            println!("{what}: bare durable commits/s — file fdatasync {bare_disk:.0}, one-row transactions 1 writer {bare_db_1:.0}, 8 writers {bare_db_8:.0}");
            for f in bench_intake::run(store.clone(), &writers, seconds).await? {
                println!(
                    "{what}: {:>2} writers: {:>7.1} letters/s ({} letters, {:.1} a transaction), p50 {:.1} ms, p99 {:.1} ms, {:.0} % of the disk's fdatasync rate, {:.0} % of the bare one-row rate; groups numbered from known counters {}, guesses failed {}; a group being written {:.0} % of the time, {:.2} ms a group",
                    f.writers,
                    f.rate,
                    f.letters,
                    f.per_transaction,
                    f.p50.as_secs_f64() * 1000.0,
                    f.p99.as_secs_f64() * 1000.0,
                    100.0 * f.rate / bare_disk,
                    100.0 * f.rate / bare_db_8.max(bare_db_1),
                    f.from_known_counters.0,
                    f.from_known_counters.1,
                    100.0 * f.busy,
                    f.per_group.as_secs_f64() * 1000.0
                );
            }
            store.close().await;
        }
        Command::Bench {
            data,
            petitions,
            cases,
            large,
            runs,
            reuse,
        } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let plan = bench::Plan {
                petitions: if large { 10_000_000 } else { petitions },
                cases: if large { 500_000 } else { cases },
                runs: runs.max(1),
                reuse,
            };
            bench::run(store.clone(), &plan).await?;
            store.close().await;
        }
        Command::Unit {
            command:
                UnitCommand::Merge {
                    data,
                    from,
                    into,
                    on,
                },
        } => {
            let cfg = data.config()?;
            let on: jiff::civil::Date = on.parse().context("--on must be YYYY-MM-DD")?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let a = units::by_code(&mut c, &from)
                .await
                .with_context(|| format!("--from: no unit with code {from}"))?;
            let b = units::by_code(&mut c, &into)
                .await
                .with_context(|| format!("--into: no unit with code {into}"))?;
            drop(c);
            let mut tx = store.begin().await?;
            liem_store::stats::merge(&mut tx, &Actor::system("cli"), a.id, b.id, on).await?;
            tx.commit().await?;
            store.close().await;
            println!("{} merged into {} on {on}", a.code, b.code);
        }
        Command::Export {
            command: ExportCommand::Ftm { data },
        } => {
            let cfg = data.config()?;
            let store = open(&cfg).await?;
            let body = liem_server::people::service::export_ftm_all(&store)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            store.close().await;
            use std::io::Write;
            std::io::stdout().lock().write_all(body.as_bytes())?;
        }
        Command::Import {
            command:
                ImportCommand::Register {
                    data,
                    file,
                    unit,
                    user,
                    dry_run,
                    map,
                },
        } => {
            let cfg = data.config()?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("register");
            let sheet = liem_server::petitions::import::read_sheet(name, &bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let named: Vec<(String, String)> = map
                .iter()
                .map(|m| {
                    m.split_once('=')
                        .map(|(h, c)| (h.to_owned(), c.to_owned()))
                        .with_context(|| format!("--map {m}: write Heading=column"))
                })
                .collect::<Result<_>>()?;
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let Some((who, _)) = users::by_username(&mut c, &user).await? else {
                bail!("no user {user}");
            };
            drop(c);
            let key = cfg.seal_key(false)?;
            let state = liem_server::AppState::new(
                store.clone(),
                &key,
                PasswordPolicy::default(),
                cfg.settings(),
            );
            let writer = liem_server::web::write::Writer::cli(who);
            let r = liem_server::petitions::import::import_register(
                &state, &writer, &unit, &sheet, &named, dry_run,
            )
            .await;
            store.close().await;
            match r {
                Ok(r) => {
                    for f in &r.refused {
                        let cell = match (&f.column, &f.heading) {
                            (Some(c), Some(h)) => format!(", column {c} ({h})"),
                            _ => String::new(),
                        };
                        eprintln!("row {}{cell}: {} {}", f.row, f.field, f.message);
                    }
                    println!(
                        "{} rows read: {} make letters ({} imported before), {} refused; {} {}",
                        r.rows,
                        r.accepted,
                        r.already_imported,
                        r.refused.len(),
                        r.written,
                        if r.dry_run {
                            "written (a dry run)"
                        } else {
                            "letters registered"
                        }
                    );
                    if !r.refused.is_empty() {
                        return Ok(ExitCode::from(2));
                    }
                }
                Err(liem_server::web::error::AppError::Validation(v)) => {
                    for e in v.errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(e) => bail!("{e}"),
            }
        }
        Command::Import {
            command: ImportCommand::Ftm { data, file, unit },
        } => {
            let cfg = data.config()?;
            let text = if file.as_os_str() == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
                s
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let store = open(&cfg).await?;
            let mut c = store.conn().await?;
            let u = units::by_code(&mut c, &unit)
                .await
                .with_context(|| format!("no unit with code {unit}"))?;
            drop(c);
            let r = liem_server::people::service::import_ftm(
                &store,
                &audit::Actor::system("cli"),
                u.id,
                &text,
            )
            .await;
            store.close().await;
            match r {
                Ok(r) => println!(
                    "imported {} people, {} organisations, {} links; {} already present, {} skipped",
                    r.persons, r.organisations, r.links, r.unchanged, r.skipped
                ),
                Err(liem_server::web::error::AppError::Validation(v)) => {
                    for e in v.errors {
                        eprintln!("{}: {}", e.field, e.message);
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(e) => bail!("{e}"),
            }
        }
        Command::Backup { data, output } => {
            let cfg = data.config()?;
            if output.exists() {
                bail!("{} already exists", output.display());
            }
            let store = open(&cfg).await?;
            store.backup_sqlite(&output).await?;
            store.close().await;
            println!("backup written to {}", output.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input, without its line ending.
fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Rebuilds the search index, with a progress bar over every record.
async fn reindex(cfg: &Config, store: &Store) -> Result<()> {
    let dir = cfg.settings().search_dir();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ix = match liem_search::SearchIndex::open_with(&dir, 256 * 1024 * 1024, cores) {
        Ok(ix) => ix,
        Err(liem_search::SearchError::Busy(d)) => anyhow::bail!(
            "the search index at {} is open in a running `liem serve`: stop it first (it keeps its index current by itself)",
            d.display()
        ),
        Err(e) => return Err(e.into()),
    };
    let mut c = store.conn().await?;
    let mut total = 0u64;
    for table in ["letters", "cases", "persons", "organisations"] {
        let n = liem_store::db::query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&mut c)
            .await?
            .i64("n")?;
        total += n.unsigned_abs();
    }
    let started = std::time::Instant::now();
    let shown = std::sync::Mutex::new((progress::Progress::new("search index", total), 0u64));
    let n = ix
        .rebuild(&mut c, &|_, done| {
            if let Ok(mut g) = shown.lock() {
                let step = done.saturating_sub(g.1);
                g.0.advance(step);
                g.1 = done;
            }
        })
        .await?;
    let (bar, _) = shown.into_inner().unwrap_or_else(|e| e.into_inner());
    let secs = started.elapsed().as_secs_f64();
    bar.finish(&format!(
        "{n} records indexed in {secs:.1} s ({:.0}/s) at change-feed position {}",
        n as f64 / secs.max(1e-9),
        ix.position()
    ));
    println!(
        "search index rebuilt: {n} records at change-feed position {} in {}",
        ix.position(),
        dir.display()
    );
    Ok(())
}

async fn serve(cfg: &Config, store: Store) -> Result<()> {
    let key = cfg.seal_key(true)?;
    let state = liem_server::AppState::new(
        store.clone(),
        &key,
        PasswordPolicy::default(),
        cfg.settings(),
    );
    // Load the statistics model in the background: from its snapshot on
    // disk when there is one of this database (a second), else from the
    // database (a million rows: a minute); then keep a snapshot current for
    // the next start.
    let warm = state.clone();
    let snapshot = cfg.data_dir.join("model.snapshot");
    // This task loads the model: a figures request that comes before the
    // restore has begun must not start a second load from the database.
    warm.model.claim_load();
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        // A snapshot taken and already current needs no rewriting.
        let mut saved = None;
        let loaded = match warm.store.conn().await {
            Ok(mut c) => {
                let restored = warm.model.restore(&snapshot, &mut c).await;
                saved = restored
                    .as_ref()
                    .ok()
                    .and_then(liem_report::Restored::current);
                match &restored {
                    Ok(liem_report::Restored::Refused(why)) => {
                        tracing::warn!(
                            ?why,
                            "statistics model snapshot not taken; reading the database"
                        )
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "statistics model snapshot unreadable; reading the database")
                    }
                    _ => {}
                }
                warm.model.refresh(&mut c).await.map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        match loaded {
            Ok(_) => {
                tracing::info!(
                    millis = started.elapsed().as_millis() as u64,
                    "statistics model loaded"
                );
                let _ = tokio::task::spawn_blocking(memory::give_back).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "statistics model not loaded; the database counts the figures until it is (tried again in a minute)")
            }
        }
        loop {
            let position = warm.model.stats().position;
            let loaded = warm.model.is_loaded();
            // Not loaded (the load failed): saving loads it first.
            if !loaded || saved != Some(position) {
                let done = match warm.store.conn().await {
                    Ok(mut c) => warm
                        .model
                        .save(&snapshot, &mut c)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                match done {
                    Ok(_) => saved = Some(position),
                    Err(e) => tracing::warn!(error = %e, "statistics model snapshot not written"),
                }
            }
            let pause = if warm.model.is_loaded() { 600 } else { 60 };
            tokio::time::sleep(std::time::Duration::from_secs(pause)).await;
        }
    });
    memory::spawn_give_back(std::time::Duration::from_secs(60));
    liem_server::checkpoints::spawn_schedule(state.clone(), cfg.checkpoint_every());
    // The search index: built if new, then kept near the change feed's head
    // (every search also catches up before it runs).
    liem_server::search::follow(state.clone(), std::time::Duration::from_secs(1));
    // The hot-spot scan: once a day, the first check soon after start.
    liem_server::hotspots::service::spawn_nightly(
        state.clone(),
        std::time::Duration::from_secs(15 * 60),
    );
    let app = liem_server::router(state);
    let listener = tokio::net::TcpListener::bind(&cfg.bind)
        .await
        .with_context(|| format!("binding {}", cfg.bind))?;
    println!("serving on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    store.close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
