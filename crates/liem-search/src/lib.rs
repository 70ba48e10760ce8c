//! Liêm's search index: letters, cases, people and organisations in one
//! tantivy index per node, fed from the change feed (`outbox`), rebuilt by
//! `liem reindex`.
//!
//! - **Folding**: every text goes through `liem_domain::text::words`, so
//!   `tham nhung` finds `tham nhũng` and `dat dai` finds `đất đai`, on whole
//!   words (`hung` is not found inside `nhũng`).
//! - **Scope in the query**: each record carries the unit paths it is
//!   visible through (`at`: exactly; `within`: every ancestor) and the users
//!   granted it (`reader`); the search adds the viewer's scope as a clause of
//!   the query itself, so a record out of scope is neither returned nor
//!   counted nor faceted. A restricted case carries no unit paths: only its
//!   readers find it.
//! - **Nothing sealed is indexed**: a sealed identity and sealed content
//!   never reach the index (they are not in the clear columns read here).
//! - **Crash consistency**: the feed position is committed with the
//!   documents, in one tantivy commit; after a crash the index resumes from
//!   its last commit and reads the feed again from there (re-indexing a
//!   record is idempotent: its document is replaced). A unit's change
//!   touches no document: unit paths are never rewritten.

pub mod docs;
pub mod dupes;
pub mod query;
pub mod snippet;
pub mod tokenizer;

use liem_domain::role::Scope;
use liem_store::db::AsExec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query, RangeQuery,
    RegexQuery, TermQuery,
};
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing,
    TextOptions, Value, FAST, INDEXED, STORED, STRING,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Term};

pub use query::{Clause, Target};
pub use snippet::Part;

/// Bumped whenever the schema or what is indexed changes: an index of
/// another version is rebuilt (4: a symbol carrying a combining mark parts
/// words, as its decomposed form does; 5: exact values keep frequencies;
/// 6: the body's phrases on word pairs).
pub const SCHEMA_VERSION: u32 = 6;

/// How long a position missing from the feed is waited for (a PostgreSQL
/// transaction that took its sequence number but has not committed yet)
/// before it is taken as rolled back.
const GAP_PATIENCE_SECS: i64 = 600;

/// Changes read from the feed per commit while catching up.
const FEED_BATCH: i64 = 20_000;

/// A search failure.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The database.
    #[error(transparent)]
    Store(#[from] liem_store::StoreError),
    /// The index.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index directory.
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    /// The index is held by another process (a running `liem serve`).
    #[error("the search index at {0} is in use by another process")]
    Busy(PathBuf),
}

/// Shorthand.
pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// The kinds of record in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A letter (petition) in the register.
    Letter,
    /// A case or incident.
    Case,
    /// A person.
    Person,
    /// An organisation.
    Organisation,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Kind::Letter => "letter",
            Kind::Case => "case",
            Kind::Person => "person",
            Kind::Organisation => "organisation",
        }
    }

    fn key(self, id: uuid::Uuid) -> String {
        format!("{}:{id}", self.code())
    }

    fn from_key(key: &str) -> Option<(Kind, uuid::Uuid)> {
        let (k, id) = key.split_once(':')?;
        let kind = match k {
            "letter" => Kind::Letter,
            "case" => Kind::Case,
            "person" => Kind::Person,
            "organisation" => Kind::Organisation,
            _ => return None,
        };
        Some((kind, id.parse().ok()?))
    }
}

/// The index's fields.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub key: Field,
    pub kind: Field,
    pub body: Field,
    pub body_pairs: Field,
    pub reference: Field,
    pub sender: Field,
    pub place: Field,
    pub subject: Field,
    pub at: Field,
    pub within: Field,
    pub reader: Field,
    pub facet: Field,
    pub petition_kind: Field,
    pub field: Field,
    pub state: Field,
    pub unit: Field,
    pub handler: Field,
    pub received: Field,
    pub newest: Field,
    pub due: Field,
    pub duty_due: Field,
    pub lsh: Field,
    pub sender_key: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let folded = |positions: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer::NAME)
                .set_index_option(if positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                }),
        )
    };
    // Exact values (kinds, units, states): their frequencies are kept (always
    // 1) so that a search of words within them is an intersection of term
    // postings, which the top results can skip through block by block.
    let exact = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let num = || NumericOptions::default().set_indexed().set_fast();
    let f = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", exact()),
        // The body's words without positions: a phrase is matched on
        // `body_pairs`, whose terms are adjacent word pairs.
        body: b.add_text_field("body", folded(false)),
        body_pairs: b.add_text_field(
            "body_pairs",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer::PAIRS)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        ),
        reference: b.add_text_field("reference", folded(true)),
        sender: b.add_text_field("sender", folded(true)),
        place: b.add_text_field("place", folded(true)),
        subject: b.add_text_field("subject", folded(true)),
        at: b.add_text_field("at", exact()),
        within: b.add_text_field("within", exact()),
        reader: b.add_text_field("reader", exact()),
        facet: b.add_facet_field("facet", FacetOptions::default()),
        petition_kind: b.add_text_field("petition_kind", exact()),
        field: b.add_text_field("field", exact()),
        state: b.add_text_field("state", exact()),
        unit: b.add_text_field("unit", exact()),
        handler: b.add_text_field("handler", exact()),
        received: b.add_i64_field("received", num()),
        newest: b.add_i64_field("newest", FAST | INDEXED),
        due: b.add_i64_field("due", num()),
        duty_due: b.add_i64_field("duty_due", num()),
        lsh: b.add_u64_field("lsh", INDEXED),
        sender_key: b.add_text_field("sender_key", STRING),
    };
    (b.build(), f)
}

/// A civil date as a sortable number (`yyyymmdd`).
pub fn day_number(d: jiff::civil::Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// Where the index stands in the change feed; committed with its documents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Position {
    version: u32,
    /// Every change up to here is indexed (but the gaps).
    seq: i64,
    /// Positions below `seq` not seen in the feed yet, with when (Unix
    /// seconds) they were first missed.
    gaps: Vec<(i64, i64)>,
    /// Whether a full build completed.
    built: bool,
}

struct Writer {
    writer: IndexWriter,
    pos: Position,
}

/// One node's search index.
pub struct SearchIndex {
    dir: PathBuf,
    reader: IndexReader,
    writer: tokio::sync::Mutex<Writer>,
    f: Fields,
    /// Position last committed (for `/metrics` and tests without the lock).
    committed: std::sync::atomic::AtomicI64,
}

/// How far a build or catch-up has come, for a progress display.
pub type Progress<'a> = &'a (dyn Fn(&str, u64) + Send + Sync);

fn register_tokenizer(index: &Index) {
    index
        .tokenizers()
        .register(tokenizer::NAME, tokenizer::FoldTokenizer);
    index
        .tokenizers()
        .register(tokenizer::PAIRS, tokenizer::PairTokenizer);
}

impl SearchIndex {
    /// Opens (or creates) the index in `dir`. An index of another schema
    /// version is removed and created afresh (it is derived data). Fails
    /// with [`SearchError::Busy`] when another process holds it.
    pub fn open(dir: &Path, heap_bytes: usize) -> Result<SearchIndex> {
        Self::open_with(dir, heap_bytes, 1)
    }

    /// Opens with `threads` indexing threads (a rebuild on an idle node may
    /// use every core; a serving node keeps one).
    pub fn open_with(dir: &Path, heap_bytes: usize, threads: usize) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        let (schema, f) = schema();
        let stale = match Index::open_in_dir(dir) {
            Ok(i) => {
                let pos = read_position(&i);
                pos.version != SCHEMA_VERSION || i.schema() != schema
            }
            Err(_) => false,
        };
        if stale {
            tracing::info!(dir = %dir.display(), "search index of another version: rebuilding");
            remove_index_files(dir)?;
        }
        let mmap = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut index = Index::open_or_create(mmap, schema)?;
        register_tokenizer(&index);
        // A search visits the segments on every core (at a million letters
        // a broad query's total takes a third less time on two cores).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores > 1 {
            index.set_multithread_executor(cores.min(8))?;
        }
        let threads = threads.clamp(1, 8);
        let writer =
            match index.writer_with_num_threads(threads, heap_bytes.max(15_000_000 * threads)) {
                Ok(w) => w,
                Err(tantivy::TantivyError::LockFailure(..)) => {
                    return Err(SearchError::Busy(dir.to_owned()))
                }
                Err(e) => return Err(e.into()),
            };
        let pos = read_position(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            dir: dir.to_owned(),
            committed: std::sync::atomic::AtomicI64::new(pos.seq),
            reader,
            writer: tokio::sync::Mutex::new(Writer { writer, pos }),
            f,
        })
    }

    /// Where it is.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The change-feed position of the last commit.
    pub fn position(&self) -> i64 {
        self.committed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether a full build has completed (a new index has none).
    pub async fn is_built(&self) -> bool {
        self.writer.lock().await.pos.built
    }

    /// Documents in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Segments in the index (each searched on its own).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rebuilds the whole index from the database: every document is read
    /// again; the feed position is the head read before reading, so that a
    /// change committed meanwhile is applied by the next catch-up.
    pub async fn rebuild(&self, ex: &mut impl AsExec, progress: Progress<'_>) -> Result<u64> {
        let mut w = self.writer.lock().await;
        let head = liem_store::stats::data_version(&mut *ex).await?;
        w.writer.delete_all_documents()?;
        let mut n = 0u64;
        for kind in [Kind::Letter, Kind::Case, Kind::Person, Kind::Organisation] {
            let mut after = None;
            loop {
                let (docs, last) = docs::page(&mut *ex, &self.f, kind, after, 2_000).await?;
                n += docs.len() as u64;
                add_all(&w.writer, docs)?;
                progress(kind.code(), n);
                match last {
                    Some(l) => after = Some(l),
                    None => break,
                }
            }
        }
        w.pos = Position {
            version: SCHEMA_VERSION,
            seq: head,
            gaps: Vec::new(),
            built: true,
        };
        self.commit(&mut w)?;
        Ok(n)
    }

    /// Builds the index if it never was, else applies the changes of the
    /// feed it has not seen. Returns the feed position reached.
    pub async fn catch_up(&self, ex: &mut impl AsExec) -> Result<i64> {
        if !self.writer.lock().await.pos.built {
            self.rebuild(ex, &|_, _| {}).await?;
        }
        self.follow(ex).await
    }

    /// Applies the changes of the feed after the committed position.
    pub async fn follow(&self, ex: &mut impl AsExec) -> Result<i64> {
        loop {
            let (pos, caught) = self.follow_step(ex, FEED_BATCH).await?;
            if caught {
                return Ok(pos);
            }
        }
    }

    /// Applies at most `batch` positions of the feed in one commit; returns
    /// the position reached and whether it is the head.
    pub async fn follow_step(&self, ex: &mut impl AsExec, batch: i64) -> Result<(i64, bool)> {
        let mut w = self.writer.lock().await;
        let head = liem_store::stats::data_version(&mut *ex).await?;
        if head <= w.pos.seq && w.pos.gaps.is_empty() {
            return Ok((w.pos.seq, true));
        }
        let upto = head.min(w.pos.seq + batch.max(1));
        let mut changes = liem_store::stats::changes(&mut *ex, w.pos.seq, upto).await?;
        let waiting: Vec<i64> = w.pos.gaps.iter().map(|g| g.0).collect();
        if !waiting.is_empty() {
            changes.extend(liem_store::stats::changes_at(&mut *ex, &waiting).await?);
        }
        let seen: std::collections::HashSet<i64> = changes.iter().map(|c| c.0).collect();
        let now = jiff::Timestamp::now().as_second();
        let gaps_before = w.pos.gaps.len();
        w.pos
            .gaps
            .retain(|(s, since)| !seen.contains(s) && now - since < GAP_PATIENCE_SECS);
        for s in (w.pos.seq + 1)..=upto {
            if !seen.contains(&s) && w.pos.gaps.len() < 100_000 {
                w.pos.gaps.push((s, now));
            }
        }
        let moved = upto > w.pos.seq || w.pos.gaps.len() != gaps_before || !changes.is_empty();
        w.pos.seq = w.pos.seq.max(upto);
        let targets = docs::targets(&mut *ex, &changes).await?;
        for (kind, ids) in &targets.ids {
            let ids: Vec<uuid::Uuid> = ids.iter().copied().collect();
            for chunk in ids.chunks(500) {
                let found = docs::load(&mut *ex, &self.f, *kind, chunk).await?;
                // The old documents deleted, then the new ones added, in
                // one hand-over (deletes apply to what came before them).
                let ops: Vec<tantivy::indexer::UserOperation> = chunk
                    .iter()
                    .map(|id| {
                        tantivy::indexer::UserOperation::Delete(Term::from_field_text(
                            self.f.key,
                            &kind.key(*id),
                        ))
                    })
                    .chain(found.into_iter().map(tantivy::indexer::UserOperation::Add))
                    .collect();
                w.writer.run(ops)?;
            }
        }
        if moved {
            self.commit(&mut w)?;
        }
        // Waiting gaps alone do not keep a caller here: they are looked at
        // again at the next call.
        Ok((w.pos.seq, upto >= head))
    }

    /// Adds letters given as fields (not read from the database) and
    /// commits them, keeping the feed position: for benchmarks and tools
    /// that index a corpus directly.
    pub async fn put_letters(&self, letters: &[docs::LetterFields]) -> Result<()> {
        self.add_letters(letters).await?;
        self.commit_added().await
    }

    /// Commits what [`SearchIndex::add_letters`] added (a rebuild commits
    /// once, at its end, as this does after a corpus's last letters).
    pub async fn commit_added(&self) -> Result<()> {
        let mut w = self.writer.lock().await;
        self.commit(&mut w)
    }

    /// Adds letters given as fields without committing them: the writer's
    /// threads index one chunk while the next one's documents are built.
    pub async fn add_letters(&self, letters: &[docs::LetterFields]) -> Result<()> {
        // Documents (their MinHash sketches most of all) are built on every
        // core; the writer's threads tokenize them.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per = letters.len().div_ceil(cores).max(1);
        let f = self.f;
        let built: Vec<Vec<tantivy::TantivyDocument>> = std::thread::scope(|s| {
            let handles: Vec<_> = letters
                .chunks(per)
                .map(|chunk| {
                    s.spawn(move || chunk.iter().map(|l| docs::letter_doc(&f, l)).collect())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let w = self.writer.lock().await;
        add_all(&w.writer, built.into_iter().flatten().collect())?;
        Ok(())
    }

    fn commit(&self, w: &mut Writer) -> Result<()> {
        let payload = serde_json::to_string(&w.pos).expect("position serialises");
        let mut prepared = w.writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        self.committed
            .store(w.pos.seq, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Searches (after catching up with the feed).
    pub async fn search(&self, ex: &mut impl AsExec, req: &Request) -> Result<Hits> {
        self.catch_up(ex).await?;
        self.search_now(req)
    }

    /// Searches what is committed, without reading the feed.
    pub fn search_now(&self, req: &Request) -> Result<Hits> {
        let clauses = query::parse(&req.text);
        let (q, prunable) = self.build_query(req, &clauses);
        let searcher = self.reader.searcher();
        let limit = req.limit.clamp(1, 10_000);
        let offset = req.offset.min(1_000_000);
        let scored = clauses.iter().any(|c| !c.negate);
        let want = req.facets;
        let by_field = |field: &str, order: Order| {
            let top = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_fast_field::<i64>(field.to_owned(), order);
            collect(&searcher, &q, top, want).map(|(total, docs, counts)| {
                (
                    total,
                    docs.into_iter().map(|(_, a)| (0.0, a)).collect::<Vec<_>>(),
                    counts,
                )
            })
        };
        let (total, top, counts) = match req.order {
            SortOrder::Relevance if scored && prunable => {
                // Words alone: the total (and the facets) in a pass that
                // scores nothing, and the page in one that skips the blocks
                // of postings that cannot enter it. Two passes cost less
                // than one that scores every match.
                let (total, counts) = count(&searcher, &q, want)?;
                let top = TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score();
                (total, searcher.search(&q, &top)?, counts)
            }
            SortOrder::Relevance if scored => {
                let top = TopDocs::with_limit(limit)
                    .and_offset(offset)
                    .order_by_score();
                collect(&searcher, &q, top, want)?
            }
            SortOrder::Relevance | SortOrder::Newest => by_field("newest", Order::Desc)?,
            SortOrder::ReceivedDesc => by_field("received", Order::Desc)?,
            SortOrder::ReceivedAsc => by_field("received", Order::Asc)?,
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            if let Some((kind, id)) = self.key_of(&searcher, addr)? {
                hits.push(Hit { kind, id, score });
            }
        }
        let mut facet_counts = Vec::new();
        for (g, counts) in FACET_GROUPS
            .iter()
            .flat_map(|g| counts.as_ref().map(|c| (g, c)))
        {
            let values: Vec<FacetValue> = counts
                .get(&format!("/{g}"))
                .map(|(f, n)| FacetValue {
                    value: f
                        .to_path()
                        .last()
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    count: n,
                })
                .collect();
            if !values.is_empty() {
                facet_counts.push(FacetGroup {
                    name: (*g).to_owned(),
                    values,
                });
            }
        }
        Ok(Hits {
            total: total as u64,
            hits,
            facets: facet_counts,
            terms: query::highlight_terms(&clauses),
        })
    }

    fn key_of(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
    ) -> Result<Option<(Kind, uuid::Uuid)>> {
        let doc: tantivy::TantivyDocument = searcher.doc(addr)?;
        Ok(doc
            .get_first(self.f.key)
            .and_then(|v| v.as_str())
            .and_then(Kind::from_key))
    }

    fn text_field(&self, t: Target) -> Field {
        match t {
            Target::Body => self.f.body,
            Target::Reference => self.f.reference,
            Target::Sender => self.f.sender,
            Target::Place => self.f.place,
            Target::Subject => self.f.subject,
        }
    }

    /// A clause's query, and whether it is a single term (which block-max
    /// WAND can skip through). The body's phrases are matched on its word
    /// pairs: two words are one pair term; a longer phrase is every second
    /// pair and the last one at their offsets (each word covered), and a
    /// prefix is that of the last pair.
    fn clause_query(&self, c: &Clause) -> (Box<dyn Query>, bool) {
        let n = c.words.len();
        if c.target == Target::Body && n >= 2 {
            let field = self.f.body_pairs;
            let last = n - 2;
            let mut offsets: Vec<usize> = (0..last).step_by(2).collect();
            // tantivy's phrase prefix takes its prefix term to follow the
            // phrase's last term directly: the pair before it is asked too.
            if c.prefix && last > 0 && offsets.last() != Some(&(last - 1)) {
                offsets.push(last - 1);
            }
            offsets.push(last);
            let terms: Vec<(usize, Term)> = offsets
                .into_iter()
                .map(|i| {
                    let p = tokenizer::pair(&c.words[i], &c.words[i + 1]);
                    (i, Term::from_field_text(field, &p))
                })
                .collect();
            return match (terms.len(), c.prefix) {
                (1, false) => (
                    Box::new(TermQuery::new(
                        terms[0].1.clone(),
                        IndexRecordOption::WithFreqs,
                    )),
                    true,
                ),
                (_, false) => (Box::new(PhraseQuery::new_with_offset(terms)), false),
                (_, true) => (Box::new(PhrasePrefixQuery::new_with_offset(terms)), false),
            };
        }
        let field = self.text_field(c.target);
        let terms: Vec<Term> = c
            .words
            .iter()
            .map(|w| Term::from_field_text(field, w))
            .collect();
        match (terms.len(), c.prefix) {
            (1, false) => (
                Box::new(TermQuery::new(
                    terms[0].clone(),
                    IndexRecordOption::WithFreqs,
                )),
                true,
            ),
            (1, true) => {
                let pattern = format!("{}.*", regex_escape(&c.words[0]));
                match RegexQuery::from_pattern(&pattern, field) {
                    Ok(q) => (Box::new(q), false),
                    Err(_) => (
                        Box::new(TermQuery::new(
                            terms[0].clone(),
                            IndexRecordOption::WithFreqs,
                        )),
                        true,
                    ),
                }
            }
            (_, false) => (Box::new(PhraseQuery::new(terms)), false),
            (_, true) => (Box::new(PhrasePrefixQuery::new(terms)), false),
        }
    }

    /// The query of a request, and whether it is an intersection of terms
    /// only (words, two-word phrases, the kind, one reach term and exact
    /// filters), whose best matches block-max WAND finds without scoring
    /// every match. Longer phrases, prefixes, exclusions, ranges and a
    /// second reach term make it another scorer, which must score every
    /// match anyway.
    fn build_query(&self, req: &Request, clauses: &[Clause]) -> (Box<dyn Query>, bool) {
        let f = &self.f;
        // Exact values are matched with their frequencies (always 1, so
        // every match gains the same score from them and the ranking is the
        // words'), which keeps a query of words a plain intersection of
        // term postings: the top results then skip whole blocks that cannot
        // enter them (block-max WAND).
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::WithFreqs,
            ))
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, term(f.kind, req.kind.code()))];
        // The viewer's reach: units (exactly or as a subtree) or a grant.
        let mut reach: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match &req.scope {
            Scope::None => {}
            Scope::Unit(p) => reach.push((Occur::Should, term(f.at, p))),
            Scope::Subtree(p) => reach.push((Occur::Should, term(f.within, p))),
        }
        if let Some(u) = req.reader {
            reach.push((Occur::Should, term(f.reader, &u.to_string())));
        }
        let mut pure = reach.len() == 1;
        match reach.len() {
            0 => return (Box::new(EmptyQuery), false),
            1 => must.extend(reach.into_iter().map(|(_, q)| (Occur::Must, q))),
            _ => must.push((Occur::Must, Box::new(BooleanQuery::new(reach)))),
        }
        for c in clauses {
            let occur = if c.negate {
                Occur::MustNot
            } else {
                Occur::Must
            };
            let (q, term) = self.clause_query(c);
            pure &= term && !c.negate;
            must.push((occur, q));
        }
        let fl = &req.filter;
        for (field, value) in [
            (f.petition_kind, &fl.petition_kind),
            (f.field, &fl.field),
            (f.state, &fl.state),
        ] {
            if let Some(v) = value {
                must.push((Occur::Must, term(field, v)));
            }
        }
        if let Some(u) = fl.unit {
            must.push((Occur::Must, term(f.unit, &u.to_string())));
        }
        if let Some(h) = fl.handler {
            must.push((Occur::Must, term(f.handler, &h.to_string())));
        }
        let range = |field: Field, lo: std::ops::Bound<i64>, hi: std::ops::Bound<i64>| {
            let t = |v: i64| Term::from_field_i64(field, v);
            Box::new(RangeQuery::new(lo.map(t), hi.map(t))) as Box<dyn Query>
        };
        use std::ops::Bound::{Excluded, Included, Unbounded};
        if fl.received_from.is_some() || fl.received_to.is_some() {
            let lo = fl
                .received_from
                .map_or(Unbounded, |d| Included(day_number(d)));
            let hi = fl
                .received_to
                .map_or(Unbounded, |d| Included(day_number(d)));
            must.push((Occur::Must, range(f.received, lo, hi)));
            pure = false;
        }
        if let Some(y) = fl.year {
            let y = i64::from(y);
            must.push((
                Occur::Must,
                range(f.received, Included(y * 10_000), Excluded((y + 1) * 10_000)),
            ));
            pure = false;
        }
        if let Some(today) = fl.overdue_on {
            let t = day_number(today);
            must.push((
                Occur::Must,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, range(f.due, Unbounded, Excluded(t))),
                    (Occur::Should, range(f.duty_due, Unbounded, Excluded(t))),
                ])),
            ));
            pure = false;
        }
        if let Some((from, to)) = fl.due_between {
            must.push((
                Occur::Must,
                range(f.due, Included(day_number(from)), Included(day_number(to))),
            ));
            pure = false;
        }
        if clauses.iter().all(|c| c.negate) && !clauses.is_empty() {
            must.push((Occur::Must, Box::new(AllQuery)));
            pure = false;
        }
        (Box::new(BooleanQuery::new(must)), pure)
    }

    /// Letters in the viewer's reach whose text shares bands with `sketch`
    /// (and letters from the same sender), best first: candidates for
    /// [`dupes`]; the caller confirms them on the text.
    pub fn similar_letters(
        &self,
        scope: &Scope,
        bands: &[u64],
        sender_keys: &[String],
        exclude: Option<uuid::Uuid>,
        limit: usize,
    ) -> Result<Vec<(uuid::Uuid, f32)>> {
        let f = &self.f;
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(tantivy::query::ConstScoreQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, v),
                    IndexRecordOption::Basic,
                )),
                1.0,
            ))
        };
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for b in bands {
            should.push((
                Occur::Should,
                Box::new(tantivy::query::ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_u64(f.lsh, *b),
                        IndexRecordOption::Basic,
                    )),
                    1.0,
                )),
            ));
        }
        for k in sender_keys {
            should.push((Occur::Should, term(f.sender_key, k)));
        }
        if should.is_empty() {
            return Ok(Vec::new());
        }
        let reach: Box<dyn Query> = match scope {
            Scope::None => return Ok(Vec::new()),
            Scope::Unit(p) => term(f.at, p),
            Scope::Subtree(p) => term(f.within, p),
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, term(f.kind, Kind::Letter.code())),
            (Occur::Must, reach),
            (Occur::Must, Box::new(BooleanQuery::new(should))),
        ];
        if let Some(x) = exclude {
            must.push((Occur::MustNot, term(f.key, &Kind::Letter.key(x))));
        }
        // Scores add up: the number of shared bands (and same-sender keys).
        let q = BooleanQuery::new(must);
        let searcher = self.reader.searcher();
        let top = searcher.search(&q, &TopDocs::with_limit(limit.max(1)).order_by_score())?;
        let mut out = Vec::new();
        for (score, addr) in top {
            if let Some((_, id)) = self.key_of(&searcher, addr)? {
                out.push((id, score));
            }
        }
        Ok(out)
    }
}

/// Documents handed to the writer's threads in batches (one hand-over per
/// document made the threads sleep and wake for each), each batch to one
/// thread, in order. The writer queues at most 10,000 batches: 16
/// documents a batch keeps what waits in memory bounded.
fn add_all(writer: &IndexWriter, docs: Vec<tantivy::TantivyDocument>) -> tantivy::Result<()> {
    const BATCH: usize = 16;
    let mut docs = docs.into_iter().peekable();
    while docs.peek().is_some() {
        let batch: Vec<tantivy::indexer::UserOperation> = docs
            .by_ref()
            .take(BATCH)
            .map(tantivy::indexer::UserOperation::Add)
            .collect();
        writer.run(batch)?;
    }
    Ok(())
}

/// Runs a query for its total, its top documents and, when asked, its
/// facet counts, in one pass.
fn collect<C>(
    searcher: &tantivy::Searcher,
    q: &dyn Query,
    top: C,
    facets: bool,
) -> tantivy::Result<(usize, C::Fruit, Option<tantivy::collector::FacetCounts>)>
where
    C: tantivy::collector::Collector,
{
    if facets {
        let mut f = FacetCollector::for_field("facet");
        for g in FACET_GROUPS {
            f.add_facet(Facet::from(&format!("/{g}")));
        }
        let (n, t, c) = searcher.search(q, &(Count, top, f))?;
        Ok((n, t, Some(c)))
    } else {
        let (n, t) = searcher.search(q, &(Count, top))?;
        Ok((n, t, None))
    }
}

/// Counts a query's matches and, when asked, its facets, scoring nothing
/// (a term that every document of a segment holds is then skipped).
fn count(
    searcher: &tantivy::Searcher,
    q: &dyn Query,
    facets: bool,
) -> tantivy::Result<(usize, Option<tantivy::collector::FacetCounts>)> {
    if facets {
        let mut f = FacetCollector::for_field("facet");
        for g in FACET_GROUPS {
            f.add_facet(Facet::from(&format!("/{g}")));
        }
        let (n, c) = searcher.search(q, &(Count, f))?;
        Ok((n, Some(c)))
    } else {
        Ok((searcher.search(q, &Count)?, None))
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !c.is_alphanumeric() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn read_position(index: &Index) -> Position {
    index
        .load_metas()
        .ok()
        .and_then(|m| m.payload)
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or(Position {
            version: SCHEMA_VERSION,
            ..Position::default()
        })
}

fn remove_index_files(dir: &Path) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_file() {
            std::fs::remove_file(p)?;
        }
    }
    Ok(())
}

/// The facet groups counted for every search.
pub const FACET_GROUPS: &[&str] = &["kind", "field", "state", "unit", "year", "stage"];

/// The order of results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// Most relevant first (BM25); newest first when nothing is scored.
    #[default]
    Relevance,
    /// Newest registered first.
    Newest,
    /// By the day received (opened), latest first.
    ReceivedDesc,
    /// By the day received (opened), earliest first.
    ReceivedAsc,
}

/// Narrowing beyond the words.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Petition kind (letters).
    pub petition_kind: Option<String>,
    /// Field code.
    pub field: Option<String>,
    /// A matter's state (letters), a stage (cases).
    pub state: Option<String>,
    /// Registering unit, exactly.
    pub unit: Option<uuid::Uuid>,
    /// A matter's handler.
    pub handler: Option<uuid::Uuid>,
    /// Received (opened) on or after.
    pub received_from: Option<jiff::civil::Date>,
    /// Received (opened) on or before.
    pub received_to: Option<jiff::civil::Date>,
    /// Received in this year.
    pub year: Option<i16>,
    /// Past a statutory limit or an owed duty as of this day.
    pub overdue_on: Option<jiff::civil::Date>,
    /// With a running limit in this range.
    pub due_between: Option<(jiff::civil::Date, jiff::civil::Date)>,
}

/// A search.
#[derive(Debug, Clone)]
pub struct Request {
    /// Which records.
    pub kind: Kind,
    /// What was typed.
    pub text: String,
    /// The viewer's scope for this kind of record.
    pub scope: Scope,
    /// The viewer, for records granted to them by name.
    pub reader: Option<uuid::Uuid>,
    /// Narrowing.
    pub filter: Filter,
    /// Order.
    pub order: SortOrder,
    /// Results skipped.
    pub offset: usize,
    /// Results returned.
    pub limit: usize,
    /// Count the matches by facet too (every match is visited once more:
    /// leave it off when only the results and the total are read).
    pub facets: bool,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Kind.
    pub kind: Kind,
    /// Id.
    pub id: uuid::Uuid,
    /// Relevance (0 when ordered by date).
    pub score: f32,
}

/// The values of one facet and how many results hold each.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetGroup {
    /// `kind`, `field`, `state`, `unit`, `year`, `stage`.
    pub name: String,
    /// Value and count, as the index holds them.
    pub values: Vec<FacetValue>,
}

/// One value of a facet.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetValue {
    /// The code (a unit's id for `unit`).
    pub value: String,
    /// Matches holding it.
    pub count: u64,
}

/// What a search found.
#[derive(Debug, Clone)]
pub struct Hits {
    /// Every match in reach (exact).
    pub total: u64,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Facet counts over every match.
    pub facets: Vec<FacetGroup>,
    /// The folded words to highlight, a clause's words together (with
    /// whether each is a prefix).
    pub terms: Vec<Vec<(String, bool)>>,
}

impl Hits {
    /// The ids of the page, in order.
    pub fn ids(&self) -> Vec<uuid::Uuid> {
        self.hits.iter().map(|h| h.id).collect()
    }
}

/// The highlighted passage of `text` for a search's words.
pub fn highlight(text: &str, terms: &[Vec<(String, bool)>]) -> Option<Vec<Part>> {
    snippet::snippet(text, terms, 160)
}

/// A shared handle.
pub type Shared = Arc<SearchIndex>;

/// The ancestors of a unit path, itself included (`/TW/HNI/X/` gives
/// `/TW/`, `/TW/HNI/`, `/TW/HNI/X/`).
pub(crate) fn ancestors(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in path.char_indices().skip(1) {
        if c == '/' {
            out.push(path[..=i].to_owned());
        }
    }
    out
}

/// Unit paths for the `at` and `within` fields.
pub(crate) fn reach_terms(paths: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    let mut within = BTreeSet::new();
    for p in paths {
        within.extend(ancestors(p));
    }
    (
        paths.iter().cloned().collect(),
        within.into_iter().collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Letters of a few words each, in varied lengths and repeats, so that
    /// their scores differ and blocks of postings can be skipped.
    fn letters(n: usize) -> Vec<docs::LetterFields> {
        const WORDS: &[&str] = &[
            "tham",
            "nhũng",
            "đất",
            "đai",
            "bồi",
            "thường",
            "dự",
            "án",
            "cán",
            "bộ",
            "nhận",
            "tiền",
            "hồ",
            "sơ",
            "xã",
            "huyện",
        ];
        let mut seed: u64 = 3;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % m
        };
        (0..n)
            .map(|i| {
                let len = 3 + next(40) as usize;
                let content: Vec<&str> = (0..len).map(|_| WORDS[next(16) as usize]).collect();
                docs::LetterFields {
                    id: uuid::Uuid::from_u64_pair(7, i as u64),
                    unit: uuid::Uuid::from_u64_pair(8, (i % 3) as u64),
                    unit_path: format!("/TW/P{}/", i % 3),
                    reference: format!("P-2026-{i:05}"),
                    kinds: vec!["denunciation".into()],
                    field: "corruption".into(),
                    received_on: jiff::civil::date(2026, 1 + (i % 12) as i8, 1),
                    created_at: jiff::Timestamp::from_second(1_700_000_000 + i as i64)
                        .expect("valid"),
                    summary: String::new(),
                    content: content.join(" "),
                    subject: None,
                    place: None,
                    forwarded_by: None,
                    sender_name: None,
                    sender_id_number: None,
                    sender_keys: Vec::new(),
                    matters: Vec::new(),
                }
            })
            .collect()
    }

    /// An index of `letters`, committed 2,000 at a time: several segments.
    fn indexed(letters: &[docs::LetterFields]) -> (tempfile::TempDir, SearchIndex) {
        let dir = tempfile::tempdir().expect("dir");
        let ix = SearchIndex::open_with(dir.path(), 50_000_000, 1).expect("open");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        for chunk in letters.chunks(2_000) {
            rt.block_on(ix.put_letters(chunk)).expect("indexed");
        }
        (dir, ix)
    }

    #[test]
    fn words_alone_find_the_same_best_and_total_as_scoring_every_match() {
        // Several commits: several segments, each pruned on its own.
        let (_dir, ix) = indexed(&letters(6_000));
        assert!(ix.segments() >= 2, "{} segments", ix.segments());
        for (text, scope) in [
            ("tham nhung", Scope::Subtree("/TW/".into())),
            ("dat dai boi", Scope::Subtree("/TW/".into())),
            ("tien", Scope::Unit("/TW/P1/".into())),
            ("can bo ho so xa", Scope::Subtree("/TW/P2/".into())),
            // A two-word phrase is one term of word pairs.
            ("\"tham nhung\" dat", Scope::Subtree("/TW/".into())),
        ] {
            let req = Request {
                kind: Kind::Letter,
                text: text.into(),
                scope,
                reader: None,
                filter: Filter::default(),
                order: SortOrder::Relevance,
                offset: 0,
                limit: 20,
                facets: true,
            };
            let clauses = query::parse(text);
            let (q, prunable) = ix.build_query(&req, &clauses);
            assert!(prunable, "{text}");
            let got = ix.search_now(&req).expect("search");
            // Every match scored, in one pass, as before pruning.
            let searcher = ix.reader.searcher();
            let top = TopDocs::with_limit(20).order_by_score();
            let (total, all, _) = collect(&searcher, &q, top, false).expect("collect");
            assert!(total > 100, "{text}: {total}");
            assert_eq!(got.total, total as u64, "{text}");
            let scores = |v: Vec<f32>| -> Vec<i64> {
                v.into_iter().map(|s| (s * 1e4).round() as i64).collect()
            };
            assert_eq!(
                scores(got.hits.iter().map(|h| h.score).collect()),
                scores(all.iter().map(|(s, _)| *s).collect()),
                "{text}"
            );
            // Apart from ties at the last score, the same letters.
            let last = all.last().expect("some").0;
            let strict = |ids: Vec<(f32, uuid::Uuid)>| -> BTreeSet<uuid::Uuid> {
                ids.into_iter()
                    .filter(|(s, _)| *s > last + 1e-4)
                    .map(|(_, id)| id)
                    .collect()
            };
            let expected = strict(
                all.iter()
                    .map(|(s, a)| (*s, ix.key_of(&searcher, *a).unwrap().unwrap().1))
                    .collect(),
            );
            assert!(!expected.is_empty(), "{text}");
            assert_eq!(
                strict(got.hits.iter().map(|h| (h.score, h.id)).collect()),
                expected,
                "{text}"
            );
            // The facets count every match.
            let years: u64 = got
                .facets
                .iter()
                .filter(|g| g.name == "year")
                .flat_map(|g| g.values.iter().map(|v| v.count))
                .sum();
            assert_eq!(years, total as u64, "{text}");
        }
        // A phrase, a prefix, an exclusion, a range or a second reach term
        // is scored in one pass.
        let base = Request {
            kind: Kind::Letter,
            text: String::new(),
            scope: Scope::Subtree("/TW/".into()),
            reader: None,
            filter: Filter::default(),
            order: SortOrder::Relevance,
            offset: 0,
            limit: 20,
            facets: false,
        };
        let prunable = |req: &Request, text: &str| ix.build_query(req, &query::parse(text)).1;
        for text in ["\"tham nhung dat\"", "tham nhu*", "tham-nhu*", "tham -dat"] {
            assert!(!prunable(&base, text), "{text}");
        }
        let words = "tham nhung";
        let ranged = Request {
            filter: Filter {
                year: Some(2026),
                ..Filter::default()
            },
            ..base.clone()
        };
        assert!(!prunable(&ranged, words));
        let granted = Request {
            reader: Some(uuid::Uuid::from_u64_pair(9, 9)),
            ..base
        };
        assert!(!prunable(&granted, words));
    }

    /// A phrase matched on word pairs finds exactly the letters whose words
    /// hold it in order (read here from the folded text itself), for
    /// phrases of two to six words, with and without a prefix at the end.
    #[test]
    fn phrases_on_word_pairs_find_exactly_the_letters_holding_them() {
        let letters = letters(6_000);
        let (_dir, ix) = indexed(&letters);
        let folded: Vec<Vec<String>> = letters
            .iter()
            .map(|l| {
                liem_domain::text::words(&l.content)
                    .map(|(w, _)| w.to_string())
                    .collect()
            })
            .collect();
        let holds = |words: &[String], phrase: &[&str], prefix: bool| {
            words.windows(phrase.len()).any(|w| {
                w.iter().zip(phrase).enumerate().all(|(i, (a, b))| {
                    if prefix && i + 1 == phrase.len() {
                        a.starts_with(b)
                    } else {
                        a == b
                    }
                })
            })
        };
        // Phrases taken from letters (so that even six words match some),
        // quoted and, for a prefix, joined by hyphens with the last word cut.
        let mut asked: Vec<(String, Vec<String>, bool)> = Vec::new();
        for (k, len) in [
            (11, 2),
            (222, 3),
            (3_333, 4),
            (4_444, 5),
            (5_555, 6),
            (77, 4),
        ] {
            let w = folded[k..].iter().find(|w| w.len() > len).expect("long");
            let phrase: Vec<String> = w[1..=len].to_vec();
            asked.push((format!("\"{}\"", phrase.join(" ")), phrase.clone(), false));
            let mut cut = phrase.clone();
            let last = cut.last_mut().expect("words");
            *last = last.chars().take(2).collect();
            asked.push((format!("{}*", cut.join("-")), cut, true));
        }
        // Both spellings: accents fold as the index folds.
        asked.push((
            "\"Đất đai BỒI\"".into(),
            vec!["dat".into(), "dai".into(), "boi".into()],
            false,
        ));
        for (text, phrase, prefix) in &asked {
            let phrase: Vec<&str> = phrase.iter().map(String::as_str).collect();
            let (phrase, prefix) = (&phrase[..], *prefix);
            let expected: BTreeSet<uuid::Uuid> = letters
                .iter()
                .zip(&folded)
                .filter(|(_, w)| holds(w, phrase, prefix))
                .map(|(l, _)| l.id)
                .collect();
            let req = Request {
                kind: Kind::Letter,
                text: text.clone(),
                scope: Scope::Subtree("/TW/".into()),
                reader: None,
                filter: Filter::default(),
                order: SortOrder::Relevance,
                offset: 0,
                limit: 10_000,
                facets: false,
            };
            assert_eq!(query::parse(text).len(), 1, "{text}: one clause");
            let got = ix.search_now(&req).expect("search");
            assert!(!expected.is_empty(), "{text}");
            assert_eq!(got.total, expected.len() as u64, "{text}");
            let ids: BTreeSet<uuid::Uuid> = got.hits.iter().map(|h| h.id).collect();
            assert_eq!(ids, expected, "{text}");
        }
    }

    #[test]
    fn ancestors_of_a_path() {
        assert_eq!(
            ancestors("/TW/HNI/HNI-BADINH/"),
            ["/TW/", "/TW/HNI/", "/TW/HNI/HNI-BADINH/"]
        );
        assert!(ancestors("").is_empty());
    }

    #[test]
    fn keys_round_trip() {
        let id = uuid::Uuid::now_v7();
        assert_eq!(Kind::from_key(&Kind::Case.key(id)), Some((Kind::Case, id)));
        assert_eq!(Kind::from_key("nonsense"), None);
    }

    #[test]
    fn day_numbers_sort_as_dates() {
        let a = day_number(jiff::civil::date(2025, 12, 31));
        let b = day_number(jiff::civil::date(2026, 1, 1));
        assert!(a < b);
        assert_eq!(b, 20260101);
    }
}
