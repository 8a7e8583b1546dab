//! The Hạ Long 2023 fixture imported through the importer and read back over HTTP: the
//! city's published figures come out of the events.

use ledger_api::import::{import_alone_in_batches, import_in_batches, ImportError};
use ledger_api::Role;
use serde_json::Value;

use crate::helpers::TestApp;

fn fixture() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/halong-2023/commands.ndjson"
    );
    std::fs::read_to_string(path).unwrap()
}

async fn load(app: &TestApp, text: &str) -> Result<ledger_api::import::ImportReport, ImportError> {
    let view = ledger_api::view::LiveView::default();
    // Batches of 1,000 lines, so the fixture spans two and the bad-line case can check that
    // an earlier batch lands while the failing one leaves nothing.
    import_in_batches(
        &app.store,
        &view,
        std::io::Cursor::new(text),
        "test:import",
        1_000,
        |_, _| {},
    )
    .await
}

pub async fn the_halong_fixture_reproduces_the_published_figures_over_http(app: TestApp) {
    let text = fixture();
    let report = load(&app, &text).await.unwrap();
    assert_eq!(report.imported, report.lines);
    assert!(report.events >= report.lines);

    let response = app
        .get_as(Role::Dashboard, "/api/v1/reports/annual/2023")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let r: Value = response.json().await.unwrap();
    assert_eq!(r["year"], 2023);
    assert_eq!(r["position"], report.events);
    // 1. 108 households had a house newly built or repaired.
    assert_eq!(r["housing"]["households"], 108);
    let (new, repairs) = (
        r["housing"]["new_builds"].as_u64().unwrap(),
        r["housing"]["repairs"].as_u64().unwrap(),
    );
    assert_eq!(new + repairs, 108);
    assert!(new > 0 && repairs > 0);
    // 2. Finished 15 days before the deadline.
    assert_eq!(r["housing"]["days_ahead"], 15);
    // 3. Total support over 6.6 billion VND.
    let total: u64 = r["housing"]["total_support"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 6_600_000_000, "{total}");
    // 4. Ten near-poor households left near-poverty under the new criteria.
    assert_eq!(r["poverty"]["near_poor_exits"], 10);
    // 5. None remains near-poor under the province's enhanced criteria.
    assert_eq!(r["poverty"]["near_poor_remaining_enhanced"], 0);
    assert_eq!(
        r["poverty"]["exits_standard"],
        r["poverty"]["enhanced_standard"]
    );
    // 6. 120 children sponsored, 7. by 69 organisations,
    assert_eq!(r["sponsorship"]["children"], 120);
    assert_eq!(r["sponsorship"]["sponsors"], 69);
    // 8. at 1,000,000 VND per child per month until 18.
    assert_eq!(r["sponsorship"]["monthly_amount_per_child"], "1000000");
    assert_eq!(r["sponsorship"]["monthly_commitment"], "120000000");
    assert_eq!(r["sponsorship"]["until_18"], 120);
    // 9. 7,400 new jobs, 113.8% of plan.
    assert_eq!(r["jobs"]["created"], 7400);
    assert_eq!(r["jobs"]["percent_of_plan"], "113.8");
    // 11. 33 communes and wards.
    assert_eq!(r["units"]["communes_and_wards"], 33);

    // Importing the same file again appends nothing.
    let head = app.store.head().await.unwrap();
    let again = load(&app, &text).await.unwrap();
    assert_eq!((again.imported, again.already_imported), (0, again.lines));
    assert_eq!(app.store.head().await.unwrap(), head);
}

/// The importer decides a batch while the one before it is being written: a line repeated
/// from the batch in flight is already imported, as it would be had that batch landed first.
pub async fn a_line_repeated_from_the_batch_being_written_counts_as_already_imported(app: TestApp) {
    let fixture = fixture();
    let lines: Vec<&str> = fixture.lines().collect();
    let mut text = lines.join("\n");
    for repeated in &lines[990..1000] {
        text.push('\n');
        text.push_str(repeated);
    }
    let report = load(&app, &text).await.unwrap();
    assert_eq!(report.lines, lines.len() as u64 + 10);
    assert_eq!(report.imported, lines.len() as u64);
    assert_eq!(report.already_imported, 10);
    let head = app.store.head().await.unwrap();
    assert_eq!(head.position, report.events);
    assert_eq!(report.position, head.position);
}

/// A line repeated further down its own batch is already imported: it used to be decided
/// twice, and the domain refused the second as a fact already recorded.
pub async fn a_line_repeated_within_its_batch_counts_as_already_imported(app: TestApp) {
    let fixture = fixture();
    let lines: Vec<&str> = fixture.lines().collect();
    let mut text = lines.join("\n");
    // The fixture's last lines are in the second batch of 1,000, and so are their repeats.
    for repeated in &lines[lines.len() - 10..] {
        text.push('\n');
        text.push_str(repeated);
    }
    let report = load(&app, &text).await.unwrap();
    assert_eq!(report.imported, lines.len() as u64);
    assert_eq!(report.already_imported, 10);
    assert_eq!(app.store.head().await.unwrap().position, report.events);
}

/// An import through a write session skips lines repeated from batches written earlier in the
/// session (nothing is committed before 100,000 events), from the batch in flight and from the
/// same batch. PostgreSQL looks each batch up on another connection while the batch before it
/// is written, and that connection does not see what the session has not committed. SQLite
/// asks the session, which on a log that held nothing before asks the database only about ids
/// its filter of written ids may hold.
pub async fn an_import_alone_skips_lines_its_session_wrote_and_has_not_committed(app: TestApp) {
    import_alone_with_repeats(&app).await;
}

/// As above on a log that held an event before the import: SQLite's session then asks the
/// database about every id.
pub async fn an_import_alone_on_a_log_with_earlier_events_skips_the_same_lines(app: TestApp) {
    append_foreign_note(&app.store, 0).await;
    import_alone_with_repeats(&app).await;
}

async fn import_alone_with_repeats(app: &TestApp) {
    let before = app.store.head().await.unwrap().position;
    let fixture = fixture();
    let lines: Vec<&str> = fixture.lines().collect();
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        text.push_str(line);
        text.push('\n');
        // Ten batches of 100 lines after the first: long written, never committed.
        if i == 1_100 {
            for repeated in &lines[..5] {
                text.push_str(repeated);
                text.push('\n');
            }
        }
    }
    // The last lines again: from the batch in flight and from the batch being decided.
    for repeated in &lines[lines.len() - 60..] {
        text.push_str(repeated);
        text.push('\n');
    }
    let read = |text: &str| std::io::Cursor::new(text.to_owned());
    let report = import_alone_in_batches(&app.store, read(&text), "test:import", 100, |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.imported, lines.len() as u64);
    assert_eq!(report.already_imported, 65);
    let head = app.store.head().await.unwrap();
    assert_eq!(head.position, before + report.events);

    // Again, now that everything is committed: every line is found as recorded.
    let again = import_alone_in_batches(&app.store, read(&text), "test:import", 100, |_, _| {})
        .await
        .unwrap();
    assert_eq!((again.imported, again.already_imported), (0, again.lines));
    assert_eq!(app.store.head().await.unwrap(), head);
}

pub async fn a_bad_line_mid_batch_is_named_and_nothing_of_its_batch_is_appended(app: TestApp) {
    let mut lines: Vec<String> = fixture().lines().map(str::to_owned).collect();
    let bad_line = 1_500;
    // A payment for a sponsorship that does not exist: valid JSON, refused by the domain.
    lines[bad_line - 1] = r#"{"key":"bad/payment","command":{"command":"RecordPayment","sponsorship_id":"sps-none","amount":"1000000","first_month":"2023-06","months":1,"received_on":"2023-06-04"}}"#.to_owned();
    let error = load(&app, &lines.join("\n")).await.unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("line 1500:"), "{message}");
    assert!(message.contains("sps-none"), "{message}");
    // Lines 1..=1000 form the first batch and landed; nothing from the batch of line 1500.
    let first_batch_events = app.store.head().await.unwrap().position;
    assert_eq!(first_batch_events, 1_000);

    lines[bad_line - 1] = "{\"key\": \"broken\", ".to_owned();
    let error = load(&app, &lines.join("\n")).await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("line 1500: not a valid import line"),
        "{error}"
    );
    assert_eq!(app.store.head().await.unwrap().position, first_batch_events);
}

/// The importer decides ahead of the log on a private copy; when another writer appends
/// between its batches, the copy's positions are wrong and it must refold, not guess.
pub async fn an_import_racing_another_writer_leaves_a_view_equal_to_a_rebuild(app: TestApp) {
    let text = fixture();
    let store = app.store.clone();
    let other_writer = tokio::spawn(async move {
        for i in 0..200 {
            append_foreign_note(&store, i).await;
            tokio::task::yield_now().await;
        }
    });
    let view = ledger_api::view::LiveView::default();
    let report = import_in_batches(
        &app.store,
        &view,
        std::io::Cursor::new(&text),
        "test:import",
        25,
        |_, _| {},
    )
    .await
    .unwrap();
    other_writer.await.unwrap();
    view.catch_up(&app.store).await.unwrap();

    assert_eq!(report.imported, report.lines);
    let head = app.store.head().await.unwrap().position;
    assert_eq!(
        head,
        report.events + 200,
        "every line and every foreign event landed once"
    );
    let (rebuilt, _) = ledger_api::view::replay_at(&app.store, None, None, None)
        .await
        .unwrap();
    let folded = view.read().await;
    assert!(
        folded.ledger == rebuilt,
        "the view equals a rebuild from the log"
    );
    let r = app
        .get_ok(Role::Dashboard, "/api/v1/reports/annual/2023")
        .await;
    assert_eq!(r["housing"]["households"], 108);
    assert_eq!(r["sponsorship"]["children"], 120);
}

/// Appends an event of another writer, of a kind the ledger does not fold, as stream
/// `other-{n}`'s first.
async fn append_foreign_note(store: &ledger_store::EventStore, n: usize) {
    use ledger_store::{AppendRequest, ExpectedVersion, NewEvent, StreamName};
    let event = NewEvent {
        event_id: uuid::Uuid::new_v4(),
        kind: "ForeignNote".to_owned(),
        schema_version: 1,
        occurred_on: chrono::NaiveDate::from_ymd_opt(2023, 5, 1).unwrap(),
        recorded_by: "another-writer".to_owned(),
        source_ref: None,
        payload: format!("{{\"n\":{n}}}"),
    };
    let stream = StreamName::parse(format!("other-{n}")).unwrap();
    store
        .append(AppendRequest::single(
            stream,
            ExpectedVersion::NoStream,
            vec![event],
        ))
        .await
        .unwrap();
}
