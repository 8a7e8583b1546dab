//! The welfare domain: events, rules and projections (being built).
