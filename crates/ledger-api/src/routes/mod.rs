//! The routes, one module per resource family.

pub mod events;
pub mod health;
pub mod tokens;
