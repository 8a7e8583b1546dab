//! `welfare-ledger token create|list|revoke`.

use std::process::ExitCode;

use ledger_store::EventStore;

use crate::cli::{Format, TokenCommand};

pub async fn run(database_url: &str, command: &TokenCommand) -> anyhow::Result<ExitCode> {
    let store = EventStore::open(database_url).await?;
    let outcome = match command {
        TokenCommand::Create { role, name } => {
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty() && name.len() <= 128,
                "--name must be 1 to 128 bytes"
            );
            let created = store.create_token(name, role.as_str()).await?;
            // The token alone on stdout, so `TOKEN=$(welfare-ledger token create …)` works.
            println!("{}", created.token);
            eprintln!(
                "created {role} token {} for {name:?}; it is shown only now",
                created.record.id
            );
            Ok(())
        }
        TokenCommand::List { format } => list(&store, *format).await,
        TokenCommand::Revoke { id } => store
            .revoke_token(id)
            .await
            .map(|()| eprintln!("revoked token {id}"))
            .map_err(Into::into),
    };
    store.close().await;
    outcome.map(|()| ExitCode::SUCCESS)
}

async fn list(store: &EventStore, format: Format) -> anyhow::Result<()> {
    let tokens = store.list_tokens().await?;
    match format {
        Format::Json => println!("{}", serde_json::to_string(&tokens)?),
        Format::Text => {
            println!(
                "{:<16}  {:<10}  {:<20}  {:<8}  name",
                "id", "role", "created", "state"
            );
            for t in tokens {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{:<16}  {:<10}  {:<20}  {:<8}  {}",
                    t.id,
                    t.role,
                    t.created_at.format("%Y-%m-%d %H:%M:%S"),
                    state,
                    t.name
                );
            }
        }
    }
    Ok(())
}
