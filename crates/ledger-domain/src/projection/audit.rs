//! The audit trail of one household, child, sponsorship, sponsor or programme: every event
//! about it, with who recorded it, when, the business date, the document it rests on, and its
//! postings. "About it" means the entity's own stream, every event whose payload names it
//! (`household_id`, `sponsor_id`, …), and the streams of what it owns: a household's housing
//! supports, a child's sponsorships.
//!
//! Fed the log in position order; memory grows with the trail, not the log.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::envelope::RecordedEvent;
use crate::posting::Posting;

/// What kind of entity a trail follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Household,
    Child,
    Sponsorship,
    Sponsor,
    Programme,
}

impl Subject {
    /// Payload fields that name an entity of this kind.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Subject::Household => &["household_id"],
            Subject::Child => &["child_id"],
            Subject::Sponsorship => &["sponsorship_id"],
            Subject::Sponsor => &["sponsor_id", "from_sponsor_id", "to_sponsor_id"],
            Subject::Programme => &["programme_id"],
        }
    }

    /// The stream prefix of what an entity of this kind owns, and the payload field naming it.
    fn owns(self) -> Option<(&'static str, &'static str)> {
        match self {
            Subject::Household => Some(("housing-", "support_id")),
            Subject::Child => Some(("sponsorship-", "sponsorship_id")),
            _ => None,
        }
    }
}

/// One event of a trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditLine {
    pub position: u64,
    pub stream: String,
    pub event_id: Uuid,
    pub kind: &'static str,
    /// The business date.
    pub occurred_on: NaiveDate,
    /// When the ledger recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: String,
    /// The decision or document it rests on.
    pub source_ref: Option<String>,
    /// Its effect on money: empty for events that move none.
    pub postings: Vec<Posting>,
}

/// A trail being gathered.
#[derive(Debug, Clone, Serialize)]
pub struct AuditTrail {
    pub subject: Subject,
    pub id: String,
    pub stream: String,
    pub events: Vec<AuditLine>,
    #[serde(skip)]
    followed: HashSet<String>,
}

impl AuditTrail {
    /// A trail for the entity whose stream is `stream` (`household-H1`, `sponsor-S1`, …);
    /// `None` for streams that name no such entity.
    pub fn for_stream(stream: &str) -> Option<AuditTrail> {
        const PREFIXES: [(&str, Subject); 5] = [
            ("household-", Subject::Household),
            ("child-", Subject::Child),
            ("sponsorship-", Subject::Sponsorship),
            ("sponsor-", Subject::Sponsor),
            ("programme-", Subject::Programme),
        ];
        let (id, subject) = PREFIXES.iter().find_map(|(prefix, subject)| {
            stream
                .strip_prefix(prefix)
                .filter(|id| !id.is_empty())
                .map(|id| (id, *subject))
        })?;
        Some(AuditTrail {
            subject,
            id: id.to_owned(),
            stream: stream.to_owned(),
            events: Vec::new(),
            followed: HashSet::from([stream.to_owned()]),
        })
    }

    /// Adds `recorded` if it is about the entity.
    pub fn apply(&mut self, recorded: &RecordedEvent) {
        let payload = recorded.event.to_payload();
        let names_it = self
            .subject
            .fields()
            .iter()
            .any(|f| payload.get(*f).and_then(|v| v.as_str()) == Some(self.id.as_str()));
        if !names_it && !self.followed.contains(&recorded.stream) {
            return;
        }
        if let Some((prefix, field)) = self.subject.owns() {
            if let Some(owned) = payload.get(field).and_then(|v| v.as_str()) {
                self.followed.insert(format!("{prefix}{owned}"));
            }
        }
        self.events.push(AuditLine {
            position: recorded.position,
            stream: recorded.stream.clone(),
            event_id: recorded.event_id,
            kind: recorded.event.kind(),
            occurred_on: recorded.occurred_on,
            recorded_at: recorded.recorded_at,
            recorded_by: recorded.recorded_by.clone(),
            source_ref: recorded.source_ref.clone(),
            postings: recorded.event.postings(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_entity_streams_have_a_trail() {
        let sponsor = AuditTrail::for_stream("sponsor-S1").map(|t| (t.subject, t.id));
        assert_eq!(sponsor, Some((Subject::Sponsor, "S1".to_owned())));
        let sponsorship = AuditTrail::for_stream("sponsorship-S1").map(|t| t.subject);
        assert_eq!(sponsorship, Some(Subject::Sponsorship));
        assert!(AuditTrail::for_stream("geography").is_none());
        assert!(AuditTrail::for_stream("household-").is_none());
    }
}
