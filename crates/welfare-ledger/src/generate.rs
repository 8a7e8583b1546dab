//! `welfare-ledger generate`: scale data for imports and benchmarks, streamed to a file or to
//! standard output, with progress on a terminal.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::GenerateArgs;

pub fn run(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let show = std::io::stderr().is_terminal();
    let total = ledger_gen::estimated_lines(args.scale);
    let lines = ledger_gen::generate(args.scale, args.seed, &mut out, |done| {
        if show {
            let percent = (done * 100 / total.max(1)).min(100);
            eprint!("\rgenerating {}: {percent:>3}% {done} lines", args.scale);
        }
    })
    .context("writing the generated lines")?;
    out.flush().context("writing the generated lines")?;
    if show {
        eprintln!();
    }
    if args.output.is_some() {
        eprintln!(
            "wrote {lines} lines ({} scale, seed {})",
            args.scale, args.seed
        );
    }
    Ok(ExitCode::SUCCESS)
}
