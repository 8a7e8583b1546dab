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
    /// Import an NDJSON file of commands ({"key", "source_ref"?, "command"} per line). Lines are
    /// appended in atomic batches; a bad line is named and nothing of its batch is written;
    /// importing the same file again appends nothing.
    Import(ImportArgs),
    /// Write deterministic, realistic import lines at city, province or country scale.
    Generate(GenerateArgs),
    /// Print a report computed from the events.
    #[command(subcommand)]
    Report(ReportCommand),
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The NDJSON file; `-` reads standard input.
    pub file: std::path::PathBuf,
    /// The actor recorded on every imported event.
    #[arg(long, default_value = "cli:import")]
    pub recorded_by: String,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// city (≈ 20k lines), province (≈ 1M) or country (≈ 20M).
    #[arg(long)]
    pub scale: ledger_gen::Scale,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output file (default: standard output).
    #[arg(short = 'o', long)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// The year's report: housing, near-poverty exits, sponsorship, jobs, units.
    Annual {
        #[arg(long)]
        year: i32,
        /// Report as of this date (default: the year's last day, or today if earlier).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// For people.
    Table,
    /// For programs.
    Json,
    /// For spreadsheets: section,field,value.
    Csv,
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
    /// Load the Hạ Long 2023 demo data (idempotent) and print one token per role.
    #[arg(long)]
    pub demo: bool,
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
