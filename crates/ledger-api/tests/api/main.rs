//! The HTTP API over a real loopback socket, on SQLite and (with `TEST_DATABASE_URL`) on
//! PostgreSQL.

mod cases;
mod helpers;

macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let db = ledger_testkit::TestDb::sqlite().await;
                    crate::cases::$case(crate::helpers::spawn_app(db).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some(db) = ledger_testkit::TestDb::postgres().await else { return };
                    crate::cases::$case(crate::helpers::spawn_app(db).await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    health_needs_no_token_and_reports_the_head,
    every_route_answers_every_role_as_its_scope_says,
    the_feed_pages_with_a_cursor_and_refuses_bad_limits,
    an_entity_history_lists_its_stream_and_unknown_streams_are_404,
    the_live_stream_never_skips_or_reorders_under_concurrent_writers_and_a_reconnect,
    admin_tokens_are_created_shown_once_and_revoked_at_once,
    errors_are_problem_documents_with_security_headers_and_no_cors,
);

mod contract {
    #[tokio::test]
    async fn a_route_missing_from_the_openapi_document_is_refused() {
        crate::cases::a_route_missing_from_the_openapi_document_is_refused().await;
    }
}
