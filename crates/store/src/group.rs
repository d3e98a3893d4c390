//! Group commit: write transactions that arrive together share one durable commit.
//!
//! Without it every outermost [`write_transaction`](crate::write_transaction) is its own
//! transaction on the caller's connection: one `fsync` each, and on SQLite the writers of one
//! process queue on the database file's lock, whose busy handler polls with sleeps of up to
//! 100 ms rather than waking the next writer when the lock is free. A thread that has
//! [`joined`] a store's [`GroupCommit`] (the web service joins every use case it runs) instead
//! runs each of its outermost write transactions as a **unit** on the group's one writer
//! connection:
//!
//! - units run one at a time, in the order they get the writer, each in its own `SAVEPOINT`
//!   inside the batch's transaction (begun as any writer begins: `BEGIN IMMEDIATE` on SQLite,
//!   the writers' advisory lock on PostgreSQL), so each sees what the units before it wrote,
//!   exactly as if they had committed one after another;
//! - a unit that fails is rolled back to its savepoint alone and gets its own error; the
//!   request's idempotency key (`crate::idempotency`) is inserted inside the unit, so it lands
//!   or rolls back with the unit's own write;
//! - the unit that finds nobody waiting for the writer — or whose batch is [`MAX_UNITS`] long
//!   or [`MAX_OPEN`] old — commits the batch; every unit's caller waits for that commit and
//!   only then returns. **Nothing is acknowledged before its commit is durable**: a unit whose
//!   batch fails to commit returns the commit's error, never its own success.
//!
//! The ledger's appends chain across units because each append reads the appender state the
//! previous unit wrote in the same transaction (`crate::ledger`). A unit's closure runs on its
//! caller's thread, so thread-local state (the armed idempotency key) is the caller's.

use crate::DbConnection;
use crate::connection::Manager;
use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error};
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

type Tm = <DbConnection as Connection>::TransactionManager;

/// The most units one commit carries: a bound on how long the last of them waits.
pub const MAX_UNITS: usize = 256;
/// A batch older than this commits after its current unit even if others are waiting, so a
/// steady stream of writes still reaches the disk at least this often.
pub const MAX_OPEN: Duration = Duration::from_millis(4);

/// The key of the PostgreSQL advisory lock every writing transaction takes ("clwriter").
const PG_WRITER_LOCK: i64 = 0x636c_7772_6974_6572;

/// Begins an outermost writing transaction on `conn` (see [`crate::write_transaction`]).
pub(crate) fn begin_writer(conn: &mut DbConnection) -> Result<(), Error> {
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        DbConnection::Pg(_) => {
            Tm::begin_transaction(conn)?;
            let lock = format!("SELECT pg_advisory_xact_lock({PG_WRITER_LOCK})");
            if let Err(e) = conn.batch_execute(&lock) {
                let _ = Tm::rollback_transaction(conn);
                return Err(e);
            }
            Ok(())
        }
    }
}

/// One batch's commit, awaited by its units.
struct Batch {
    outcome: Mutex<Option<Result<(), String>>>,
    finished: Condvar,
}

impl Batch {
    fn finish(&self, outcome: Result<(), String>) {
        *lock(&self.outcome) = Some(outcome);
        self.finished.notify_all();
    }

    fn wait(&self) -> Result<(), String> {
        let mut o = lock(&self.outcome);
        loop {
            if let Some(done) = o.as_ref() {
                return done.clone();
            }
            o = self.finished.wait(o).unwrap_or_else(|p| p.into_inner());
        }
    }
}

struct Open {
    batch: Arc<Batch>,
    since: Instant,
    units: usize,
}

struct Writer {
    conn: Option<DbConnection>,
    open: Option<Open>,
}

/// A store's group committer: its writer connection (opened on first use) and the batch open
/// on it.
pub struct GroupCommit {
    manager: Manager,
    writer: Mutex<Writer>,
    /// Threads waiting for the writer: while there are some, a finished unit leaves the batch
    /// open for them.
    queued: AtomicUsize,
    /// [`MAX_OPEN`], in microseconds (the tests hold batches open longer).
    max_open_us: AtomicU64,
    commits: AtomicU64,
    units: AtomicU64,
}

/// How many units and commits a group has run (units per commit: how much was shared).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupStats {
    pub units: u64,
    pub commits: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn failure(message: String) -> Error {
    Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message))
}

thread_local! {
    static JOINED: RefCell<Option<Arc<GroupCommit>>> = const { RefCell::new(None) };
    /// A unit is running on this thread: a write transaction on another connection inside it
    /// runs on its own, as it did before groups existed (it must not wait for the writer this
    /// thread holds).
    static IN_UNIT: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with this thread's outermost write transactions going through `group`.
pub fn joined<T>(group: &Arc<GroupCommit>, f: impl FnOnce() -> T) -> T {
    struct Leave(Option<Arc<GroupCommit>>);
    impl Drop for Leave {
        fn drop(&mut self) {
            JOINED.with(|j| *j.borrow_mut() = self.0.take());
        }
    }
    let before = JOINED.with(|j| j.borrow_mut().replace(Arc::clone(group)));
    let _leave = Leave(before);
    f()
}

/// The group this thread's outermost write transactions go through, if any.
pub(crate) fn current() -> Option<Arc<GroupCommit>> {
    if IN_UNIT.with(Cell::get) {
        return None;
    }
    JOINED.with(|j| j.borrow().clone())
}

impl GroupCommit {
    pub(crate) fn new(manager: Manager) -> GroupCommit {
        GroupCommit {
            manager,
            writer: Mutex::new(Writer {
                conn: None,
                open: None,
            }),
            queued: AtomicUsize::new(0),
            max_open_us: AtomicU64::new(MAX_OPEN.as_micros() as u64),
            commits: AtomicU64::new(0),
            units: AtomicU64::new(0),
        }
    }

    /// Units run and batches committed so far.
    pub fn stats(&self) -> GroupStats {
        GroupStats {
            units: self.units.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
        }
    }

    /// Runs `f` as one unit of a batch (see the module docs); returns once the batch's commit
    /// is durable, or with its error.
    pub(crate) fn run<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut w = lock(&self.writer);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if w.conn.is_none() {
            let c = self
                .manager
                .connect_once()
                .map_err(|e| failure(format!("the group commit's writer: {e}")))?;
            w.conn = Some(c);
        }
        let batch = match self.join_batch(&mut w) {
            Ok(b) => b,
            Err(e) => {
                // A connection that cannot begin is not trusted again.
                w.conn = None;
                return Err(e.into());
            }
        };
        let ran = {
            let conn = w.conn.as_mut().expect("opened above");
            Tm::begin_transaction(conn).map(|()| {
                IN_UNIT.with(|u| u.set(true));
                let out = catch_unwind(AssertUnwindSafe(|| {
                    f(conn).and_then(|value| {
                        crate::idempotency::claim_in_transaction(conn)?;
                        Ok(value)
                    })
                }));
                IN_UNIT.with(|u| u.set(false));
                out
            })
        };
        let ran = match ran {
            Ok(Ok(r)) => r,
            Ok(Err(panic)) => {
                // Whatever the unit left half-done goes with the whole batch.
                self.abandon(&mut w, "a write panicked".into());
                drop(w);
                resume_unwind(panic)
            }
            Err(e) => {
                self.abandon(&mut w, format!("a savepoint could not begin: {e}"));
                return Err(e.into());
            }
        };
        let (result, broken) = {
            let conn = w.conn.as_mut().expect("opened above");
            match ran {
                Ok(value) => match Tm::commit_transaction(conn) {
                    Ok(()) => (Ok(value), None),
                    Err(e) => {
                        let why = format!("a savepoint could not be released: {e}");
                        (Err(e.into()), Some(why))
                    }
                },
                Err(e) => match Tm::rollback_transaction(conn) {
                    Ok(()) => (Err(e), None),
                    Err(r) => (
                        Err(e),
                        Some(format!("a savepoint could not be rolled back: {r}")),
                    ),
                },
            }
        };
        if let Some(why) = broken {
            self.abandon(&mut w, why);
            return result;
        }
        self.units.fetch_add(1, Ordering::Relaxed);
        let max_open = Duration::from_micros(self.max_open_us.load(Ordering::Relaxed));
        let open = w.open.as_mut().expect("joined above");
        open.units += 1;
        let due = self.queued.load(Ordering::SeqCst) == 0
            || open.units >= MAX_UNITS
            || open.since.elapsed() >= max_open;
        if due {
            self.commit(&mut w);
        }
        drop(w);
        match (batch.wait(), result) {
            (Ok(()), r) => r,
            // Not durable: a success is not acknowledged; a refusal keeps its own error.
            (Err(why), Ok(_)) => Err(failure(why).into()),
            (Err(_), Err(e)) => Err(e),
        }
    }

    /// The open batch, or a new one begun on the writer.
    fn join_batch(&self, w: &mut Writer) -> Result<Arc<Batch>, Error> {
        if let Some(open) = &w.open {
            return Ok(Arc::clone(&open.batch));
        }
        begin_writer(w.conn.as_mut().expect("opened"))?;
        let batch = Arc::new(Batch {
            outcome: Mutex::new(None),
            finished: Condvar::new(),
        });
        w.open = Some(Open {
            batch: Arc::clone(&batch),
            since: Instant::now(),
            units: 0,
        });
        Ok(batch)
    }

    fn commit(&self, w: &mut Writer) {
        let Some(open) = w.open.take() else { return };
        let conn = w.conn.as_mut().expect("a batch is open on the writer");
        self.commits.fetch_add(1, Ordering::Relaxed);
        match Tm::commit_transaction(conn) {
            Ok(()) => open.batch.finish(Ok(())),
            Err(e) => {
                if Tm::rollback_transaction(conn).is_err() {
                    w.conn = None;
                }
                open.batch
                    .finish(Err(format!("the group commit failed: {e}")));
            }
        }
    }

    /// Rolls the open batch back whole and drops the writer connection (its transaction state
    /// is no longer known): every unit of the batch gets `why`.
    fn abandon(&self, w: &mut Writer, why: String) {
        if let Some(conn) = w.conn.as_mut() {
            let _ = conn.batch_execute("ROLLBACK");
        }
        w.conn = None;
        if let Some(open) = w.open.take() {
            open.batch.finish(Err(why));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idempotency::{self, Claim, ClaimOutcome};
    use crate::schema::vehicles;
    use crate::testing::TestDatabase;
    use crate::{Store, StoreError};
    use diesel::prelude::*;

    type Unit = Box<dyn FnOnce(&Store) -> Result<(), StoreError> + Send>;

    fn plates(store: &Store) -> Vec<String> {
        vehicles::table
            .select(vehicles::plate)
            .order(vehicles::plate)
            .load(&mut *store.conn().unwrap())
            .unwrap()
    }

    fn add(plate: &'static str) -> Unit {
        Box::new(move |store| crate::custody::add_vehicle(&mut *store.conn()?, plate, 9).map(drop))
    }

    /// Runs a lead unit and then `others` as units of one batch: the lead holds the writer
    /// until every other has queued for it. Each unit's result, the lead's first.
    fn one_batch(store: &Store, others: Vec<Unit>) -> Vec<Result<(), StoreError>> {
        let group = Arc::clone(store.group());
        group.max_open_us.store(60_000_000, Ordering::Relaxed);
        let n = others.len();
        let (inside, entered) = std::sync::mpsc::channel();
        let lead = {
            let (store, group) = (store.clone(), Arc::clone(&group));
            std::thread::spawn(move || {
                joined(&Arc::clone(store.group()), || {
                    crate::write_transaction(&mut *store.conn()?, |_| {
                        inside.send(()).unwrap();
                        while group.queued.load(Ordering::SeqCst) < n {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        Ok::<_, StoreError>(())
                    })
                })
            })
        };
        entered.recv().unwrap();
        let rest: Vec<_> = others
            .into_iter()
            .map(|u| {
                let store = store.clone();
                std::thread::spawn(move || joined(&Arc::clone(store.group()), || u(&store)))
            })
            .collect();
        let mut out = vec![lead.join().unwrap()];
        out.extend(rest.into_iter().map(|t| t.join().unwrap()));
        out
    }

    #[test]
    fn writes_arriving_together_share_one_commit_and_are_durable_when_answered() {
        let db = TestDatabase::from_env().unwrap();
        let store = Store::open(&db.url).unwrap();
        let before = store.group().stats();
        let out = one_batch(&store, vec![add("沪A1"), add("沪A2"), add("沪A3")]);
        assert!(out.iter().all(Result::is_ok), "{out:?}");
        let after = store.group().stats();
        assert_eq!(after.units - before.units, 4);
        assert_eq!(after.commits - before.commits, 1, "one commit for the four");
        // Answered, so committed: another connection of another store sees every write.
        let other = Store::open(&db.url).unwrap();
        assert_eq!(plates(&other), ["沪A1", "沪A2", "沪A3"]);
    }

    #[test]
    fn a_unit_that_fails_rolls_back_alone_with_its_own_error() {
        let db = TestDatabase::from_env().unwrap();
        let store = Store::open(&db.url).unwrap();
        let failing: Unit = Box::new(|store| {
            crate::write_transaction(&mut *store.conn()?, |conn| {
                crate::custody::add_vehicle(conn, "沪B2", 9)?;
                Err(StoreError::EmptyAppend)
            })
        });
        let out = one_batch(&store, vec![add("沪B1"), failing, add("沪B3")]);
        assert!(
            out[0].is_ok() && out[1].is_ok() && out[3].is_ok(),
            "{out:?}"
        );
        assert!(matches!(out[2], Err(StoreError::EmptyAppend)), "{out:?}");
        assert_eq!(plates(&store), ["沪B1", "沪B3"]);
    }

    #[test]
    fn an_idempotency_key_lands_with_its_own_unit_and_a_taken_key_rolls_back_only_its_write() {
        let db = TestDatabase::from_env().unwrap();
        let store = Store::open(&db.url).unwrap();
        let claim = Claim {
            scope: "account:1".into(),
            key: "k1".into(),
            fingerprint: "f".into(),
            at: chrono::Utc::now().naive_utc(),
        };
        let keyed = |plate: &'static str, claim: Claim| -> Unit {
            Box::new(move |store| {
                let (out, outcome) = idempotency::armed(claim, || {
                    crate::custody::add_vehicle(&mut *store.conn()?, plate, 9)
                });
                match (out, outcome) {
                    (Ok(_), ClaimOutcome::Claimed) => Ok(()),
                    (Err(_), ClaimOutcome::Taken) => Err(StoreError::EmptyAppend),
                    other => panic!("{plate}: {other:?}"),
                }
            })
        };
        let out = one_batch(
            &store,
            vec![
                keyed("沪C1", claim.clone()),
                add("沪C2"),
                keyed("沪C3", claim.clone()),
            ],
        );
        // Units run in the order they got the writer: one keyed write won, the other rolled
        // back alone, the unkeyed one stands.
        let ok = out.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 3, "{out:?}");
        let p = plates(&store);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.contains(&"沪C2".to_string()), "{p:?}");
        assert_eq!(
            idempotency::lookup(&mut store.conn().unwrap(), &claim).unwrap(),
            idempotency::Prior::AnswerLost,
            "the key is stored (its answer comes after)"
        );
    }

    #[test]
    fn without_joining_a_write_is_its_own_transaction() {
        let db = TestDatabase::from_env().unwrap();
        let store = Store::open(&db.url).unwrap();
        crate::custody::add_vehicle(&mut store.conn().unwrap(), "沪D1", 9).unwrap();
        assert_eq!(store.group().stats().units, 0);
        joined(&Arc::clone(store.group()), || {
            crate::custody::add_vehicle(&mut store.conn().unwrap(), "沪D2", 9).unwrap();
        });
        assert_eq!(store.group().stats().units, 1);
        assert_eq!(plates(&store), ["沪D1", "沪D2"]);
    }
}
