//! The routes, one module per resource family.

pub mod audit;
pub mod commands;
pub mod events;
pub mod exports;
pub mod health;
pub mod page;
pub mod queries;
pub mod tokens;
