//! What a write session knows of the log without asking the database again: stream versions
//! it read or wrote, event ids its last lookup found absent, and, when the log held nothing
//! before the session, a filter of the ids it wrote. Exact while the session holds the write
//! lock; forgotten when another writer got in between two of its commits.

use foldhash::{HashMap, HashSet, HashSetExt};
use uuid::Uuid;

use crate::id_filter::IdFilter;
use crate::model::{AppendRequest, Head};
use crate::plan::{key_lookups, lookups, BatchFacts, Row, StoredKey, StoredRow};

#[derive(Default)]
pub(crate) struct SessionMemory {
    /// Where this session's last write left the log.
    head: Option<Head>,
    /// Current version of each stream seen; 0 for a stream looked up and not found.
    versions: HashMap<String, u64>,
    /// Ids looked up and not found, less those written since.
    absent: HashSet<Uuid>,
    /// Whether every stored event is one this session wrote, as far as it has looked.
    own_log: OwnLog,
}

/// What a session knows of who wrote the log.
#[derive(Default)]
enum OwnLog {
    /// Not looked yet.
    #[default]
    Unknown,
    /// The log was empty at the session's first look and only the session has written since:
    /// an id the filter does not hold is not stored.
    Yes(Box<IdFilter>),
    /// The log held events before the session, or another writer got in.
    No,
}

/// What a backend must read under the write lock to plan a batch, less what the memory knows.
pub(crate) struct Questions {
    /// Every stream the batch touches.
    streams: Vec<String>,
    /// The streams whose current versions must be read.
    pub(crate) streams_asked: Vec<String>,
    /// The event ids to look up.
    pub(crate) ids: Vec<Uuid>,
    /// The idempotency keys to look up.
    pub(crate) keys: Vec<String>,
}

impl SessionMemory {
    /// What to read to plan `requests` on the log at `head` (read under the lock).
    pub(crate) fn questions(&mut self, head: &Head, requests: &[&AppendRequest]) -> Questions {
        self.check(head);
        let (streams, ids) = lookups(requests);
        Questions {
            streams_asked: self.streams_to_ask(&streams),
            ids: self.ids_to_ask(&ids),
            keys: key_lookups(requests),
            streams,
        }
    }

    /// The facts to plan on, from the database's answers to `questions` and what is known.
    pub(crate) fn facts(
        &mut self,
        head: Head,
        questions: Questions,
        found: HashMap<String, u64>,
        existing: HashMap<Uuid, StoredRow>,
        keys: HashMap<String, StoredKey>,
    ) -> BatchFacts {
        BatchFacts {
            head,
            versions: self.versions(&questions.streams, questions.streams_asked, found),
            existing,
            keys,
        }
    }

    /// Forgets everything unless `head` (read under the lock) is where this session's last
    /// write, or its first look, left the log. The log then holds another writer's events, so
    /// the next look finds it not empty and never takes it for the session's own again.
    pub(crate) fn check(&mut self, head: &Head) {
        if self.head.as_ref().is_some_and(|last| last != head) {
            *self = SessionMemory::default();
        }
    }

    /// Which of `ids` the database must be asked whether it holds, with `head` read under the
    /// lock: all of them, unless the log holds only this session's events; then only those
    /// the session may have written.
    pub(crate) fn ids_to_look_up(&mut self, head: &Head, ids: &[Uuid]) -> Vec<Uuid> {
        self.check(head);
        if matches!(self.own_log, OwnLog::Unknown) {
            self.own_log = match head.position {
                0 => {
                    self.head = Some(*head);
                    OwnLog::Yes(Box::new(IdFilter::new()))
                }
                _ => OwnLog::No,
            };
        }
        match &self.own_log {
            OwnLog::Yes(written) => ids
                .iter()
                .filter(|id| written.may_contain(id))
                .copied()
                .collect(),
            _ => ids.to_vec(),
        }
    }

    /// The streams whose versions the database must be asked for.
    pub(crate) fn streams_to_ask(&self, streams: &[String]) -> Vec<String> {
        streams
            .iter()
            .filter(|s| !self.versions.contains_key(s.as_str()))
            .cloned()
            .collect()
    }

    /// Records the database's answer for `asked` and returns the versions of every stream in
    /// `streams` (absent when it has no events).
    pub(crate) fn versions(
        &mut self,
        streams: &[String],
        asked: Vec<String>,
        found: HashMap<String, u64>,
    ) -> HashMap<String, u64> {
        for stream in asked {
            let version = found.get(&stream).copied().unwrap_or(0);
            self.versions.insert(stream, version);
        }
        streams
            .iter()
            .filter_map(|s| match self.versions.get(s) {
                Some(&v) if v > 0 => Some((s.clone(), v)),
                _ => None,
            })
            .collect()
    }

    /// The ids the database must be asked whether it holds.
    pub(crate) fn ids_to_ask(&self, ids: &[Uuid]) -> Vec<Uuid> {
        ids.iter()
            .filter(|id| !self.absent.contains(id))
            .copied()
            .collect()
    }

    /// Remembers which of `asked` the database did not hold. An importer looks up the batch
    /// after next before it writes the next one, so answers accumulate until written.
    pub(crate) fn looked_up(&mut self, asked: &[Uuid], known: &[Uuid]) {
        let known: HashSet<&Uuid> = known.iter().collect();
        self.absent
            .extend(asked.iter().filter(|id| !known.contains(id)).copied());
    }

    /// Bounds what is kept: ids looked up and never written do not pile up past a commit.
    pub(crate) fn committed(&mut self) {
        self.absent = HashSet::new();
    }

    /// Takes in what a write added.
    pub(crate) fn wrote(&mut self, rows: &[Row<'_>], head: &Head) {
        for row in rows {
            self.absent.remove(&row.event_id);
            if let OwnLog::Yes(written) = &mut self.own_log {
                written.insert(&row.event_id);
            }
            match self.versions.get_mut(row.stream.as_ref()) {
                Some(version) => *version = row.stream_version,
                None => {
                    self.versions
                        .insert(row.stream.to_string(), row.stream_version);
                }
            }
        }
        self.head = Some(*head);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(position: u64) -> Head {
        Head {
            position,
            hash: [position as u8; 32],
            recorded_at_micros: 1,
        }
    }

    fn row(stream: &str, stream_version: u64, event_id: Uuid) -> Row<'_> {
        Row {
            position: 1,
            stream: stream.into(),
            stream_version,
            event_id,
            kind: "Noted".into(),
            schema_version: 1,
            occurred_on: chrono::NaiveDate::MIN,
            recorded_at_micros: 1,
            recorded_by: "clerk".into(),
            source_ref: None,
            payload: "{}".into(),
            hash: [0; 32],
        }
    }

    #[test]
    fn what_a_session_wrote_or_looked_up_is_not_asked_again() {
        let mut memory = SessionMemory::default();
        let (written, looked_up) = (Uuid::new_v4(), Uuid::new_v4());
        let streams = vec!["a".to_owned(), "b".to_owned()];
        let versions = memory.versions(
            &streams,
            streams.clone(),
            HashMap::from_iter([("a".to_owned(), 4)]),
        );
        assert_eq!(versions, HashMap::from_iter([("a".to_owned(), 4)]));
        memory.looked_up(&[written, looked_up], &[]);
        memory.wrote(&[row("b", 1, written)], &head(5));
        memory.check(&head(5));
        assert!(memory.streams_to_ask(&streams).is_empty());
        assert_eq!(
            memory.versions(&streams, vec![], HashMap::default())["b"],
            1
        );
        // A written id is stored now: the database must answer for it again.
        assert_eq!(memory.ids_to_ask(&[written, looked_up]), vec![written]);
        memory.committed();
        assert_eq!(memory.ids_to_ask(&[looked_up]), vec![looked_up]);
    }

    #[test]
    fn on_a_log_that_started_empty_only_ids_the_session_may_have_written_are_asked() {
        let mut memory = SessionMemory::default();
        let (written, other) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(memory
            .ids_to_look_up(&head(0), &[written, other])
            .is_empty());
        memory.wrote(&[row("a", 1, written)], &head(1));
        assert_eq!(
            memory.ids_to_look_up(&head(1), &[written, other]),
            vec![written]
        );
        // Another writer got in: every id is asked from then on.
        assert_eq!(
            memory.ids_to_look_up(&head(2), &[written, other]),
            vec![written, other]
        );
        memory.wrote(&[row("a", 2, Uuid::new_v4())], &head(3));
        assert_eq!(memory.ids_to_look_up(&head(3), &[other]), vec![other]);
    }

    #[test]
    fn another_writer_between_the_first_look_and_the_first_write_is_noticed() {
        let mut memory = SessionMemory::default();
        let id = Uuid::new_v4();
        assert!(memory.ids_to_look_up(&head(0), &[id]).is_empty());
        assert_eq!(memory.ids_to_look_up(&head(4), &[id]), vec![id]);
    }

    #[test]
    fn a_log_with_events_before_the_session_is_always_asked() {
        let mut memory = SessionMemory::default();
        let id = Uuid::new_v4();
        assert_eq!(memory.ids_to_look_up(&head(7), &[id]), vec![id]);
        memory.wrote(&[row("a", 1, Uuid::new_v4())], &head(8));
        assert_eq!(memory.ids_to_look_up(&head(8), &[id]), vec![id]);
        // A session that wrote before it first looked does not know who wrote the log.
        let mut memory = SessionMemory::default();
        memory.wrote(&[row("a", 1, Uuid::new_v4())], &head(1));
        assert_eq!(memory.ids_to_look_up(&head(1), &[id]), vec![id]);
    }

    #[test]
    fn another_writer_between_two_commits_makes_the_session_forget() {
        let mut memory = SessionMemory::default();
        let id = Uuid::new_v4();
        memory.looked_up(&[id], &[]);
        memory.wrote(&[row("a", 1, Uuid::new_v4())], &head(1));
        memory.check(&head(2));
        assert_eq!(
            memory.streams_to_ask(&["a".to_owned()]),
            vec!["a".to_owned()]
        );
        assert_eq!(memory.ids_to_ask(&[id]), vec![id]);
    }
}
