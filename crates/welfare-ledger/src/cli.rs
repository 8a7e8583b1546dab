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
    /// Print the head's position and hash with the time, signed with the ledger's Ed25519 key.
    Checkpoint(CheckpointArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import an NDJSON file of commands ({"key", "source_ref"?, "command"} per line). Lines are
    /// appended in atomic batches; a bad line is named and nothing of its batch is written;
    /// importing the same file again appends nothing.
    Import(ImportArgs),
    /// Write the log as NDJSON: one event with its full envelope and hash per line.
    Export(ExportArgs),
    /// Write deterministic, realistic import lines at city, province or country scale.
    Generate(GenerateArgs),
    /// Print a report computed from the events.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print a report as of a business date, as known at an instant, up to a position.
    Replay(ReplayArgs),
    /// Every event about a household, child, sponsorship, sponsor or programme.
    Audit(AuditArgs),
    /// Write the finance workbook (xlsx: one sheet per report) or the budget book (csv).
    ExportFinance(FinanceArgs),
    /// Fold the whole log from position 1 and store a snapshot of the projections, so the
    /// server and historical queries start from it instead of replaying everything.
    Snapshot,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The NDJSON file; `-` reads standard input.
    pub file: std::path::PathBuf,
    /// The actor recorded on every imported event.
    #[arg(long, default_value = "cli:import")]
    pub recorded_by: String,
    /// The file is an `export`: check its whole hash chain, then restore it into an EMPTY
    /// ledger with the same positions, times and hashes. A broken chain is refused, naming
    /// the line, and nothing is written.
    #[arg(long)]
    pub verify: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// First position to export (default 1).
    #[arg(long)]
    pub from: Option<u64>,
    /// Last position to export (default: the head).
    #[arg(long)]
    pub to: Option<u64>,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<std::path::PathBuf>,
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

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Valid time: facts that occurred on or before this date (default: today, UTC+7).
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Transaction time: events recorded at or before this instant (RFC 3339).
    #[arg(long)]
    pub known_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Replay the log up to this position only.
    #[arg(long)]
    pub at_position: Option<u64>,
    #[arg(long, value_enum)]
    pub report: ReplayReport,
    /// The year (annual: required; jobs: default the year of --as-of).
    #[arg(long)]
    pub year: Option<i32>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// The entity's stream: household-…, child-…, sponsorship-…, sponsor-… or programme-….
    pub stream: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct FinanceArgs {
    #[arg(long, value_enum)]
    pub format: FinanceFormat,
    #[arg(short, long)]
    pub output: std::path::PathBuf,
    /// Figures as of this date (default: today, UTC+7).
    #[arg(long)]
    pub as_of: Option<chrono::NaiveDate>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinanceFormat {
    /// The budget book, UTF-8 with a byte-order mark.
    Csv,
    /// Budget book, disbursements, sponsorships, housing works and trial balance.
    Xlsx,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayReport {
    Annual,
    BudgetSummary,
    TrialBalance,
    Housing,
    SponsorshipTotals,
    Poverty,
    Jobs,
}

impl ReplayReport {
    pub fn name(self) -> &'static str {
        match self {
            ReplayReport::Annual => "annual",
            ReplayReport::BudgetSummary => "budget-summary",
            ReplayReport::TrialBalance => "trial-balance",
            ReplayReport::Housing => "housing",
            ReplayReport::SponsorshipTotals => "sponsorship-totals",
            ReplayReport::Poverty => "poverty",
            ReplayReport::Jobs => "jobs",
        }
    }
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
    /// Revoke a token by id; running servers refuse it within a second.
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
    /// Sustained requests per second each API token may make (429 with Retry-After beyond);
    /// 0 turns rate limiting off.
    #[arg(long, env = "WELFARE_LEDGER_RATE_LIMIT_PER_SECOND",
        default_value_t = ledger_api::rate_limit::DEFAULT_PER_SECOND)]
    pub rate_limit_per_second: u32,
    /// Requests a token may make at once on top of the sustained rate; 0 turns rate limiting
    /// off.
    #[arg(long, env = "WELFARE_LEDGER_RATE_LIMIT_BURST",
        default_value_t = ledger_api::rate_limit::DEFAULT_BURST)]
    pub rate_limit_burst: u32,
}

impl ServeArgs {
    pub fn rate_limit(&self) -> ledger_api::RateLimit {
        ledger_api::RateLimit {
            per_second: self.rate_limit_per_second,
            burst: self.rate_limit_burst,
        }
    }
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also prove the ledger still extends this checkpoint (from `checkpoint`) unchanged.
    #[arg(long)]
    pub checkpoint: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckpointArgs {
    /// Print the ledger's public key (hex) instead of a checkpoint.
    #[arg(long)]
    pub public_key: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}
