//! The routes, one module per resource family.

pub mod commands;
pub mod events;
pub mod health;
pub mod queries;
pub mod tokens;
