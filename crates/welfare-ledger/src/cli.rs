//! Flags and environment variables, typed. Every flag has an environment fallback.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "welfare-ledger",
    version,
    about = "An event-sourced ledger of social-welfare commitments"
)]
pub struct Cli {
    /// Where the ledger lives: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "WELFARE_LEDGER_DATABASE_URL",
        default_value = "sqlite://welfare-ledger.db",
        global = true
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the HTTP API.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Recompute the hash chain; exit 0 when whole, 1 naming the first bad position.
    Verify(VerifyArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token and print it alone on stdout. It is shown this once: only its hash is kept.
    Create {
        /// recorder, finance, inspector, dashboard or admin.
        #[arg(long)]
        role: ledger_api::Role,
        /// Who or what will hold it.
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Revoke a token by id; it stops working at once.
    Revoke { id: String },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WELFARE_LEDGER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}
