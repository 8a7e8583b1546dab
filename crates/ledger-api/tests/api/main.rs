//! The HTTP API over a real loopback socket, on SQLite and (with `TEST_DATABASE_URL`) on
//! PostgreSQL.

mod answers;
mod bad_input;
mod cases;
mod halong;
mod helpers;
mod inspection;
mod linearizable;
mod snapshots;
mod writes;

macro_rules! on_both_backends {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let db = ledger_testkit::TestDb::sqlite().await;
                    crate::$module::$case(crate::helpers::spawn_app(db).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some(db) = ledger_testkit::TestDb::postgres().await else { return };
                    crate::$module::$case(crate::helpers::spawn_app(db).await).await;
                }
            )*
        }
    };
}

on_both_backends!(
    answers::a_repeated_query_is_answered_again_until_the_ledger_moves,
    answers::an_as_of_after_every_business_date_is_answered_as_the_replay_would,
    answers::a_historical_answer_is_reused_only_for_the_same_log_and_the_same_caller_rights,
    answers::a_list_answer_pages_with_offset_and_limit_and_an_object_refuses_them,
    cases::health_needs_no_token_and_reports_the_head,
    cases::every_route_answers_every_role_as_its_scope_says,
    cases::the_feed_pages_with_a_cursor_and_refuses_bad_limits,
    cases::an_entity_history_lists_its_stream_and_unknown_streams_are_404,
    cases::the_live_stream_never_skips_or_reorders_under_concurrent_writers_and_a_reconnect,
    cases::admin_tokens_are_created_shown_once_and_revoked_at_once,
    cases::errors_are_problem_documents_with_security_headers_and_no_cors,
    cases::a_token_over_its_rate_limit_gets_429_with_retry_after_and_others_do_not,
    writes::recorded_facts_show_in_the_answers_and_a_broken_rule_is_422,
    writes::ids_the_ledger_chooses_are_time_ordered_in_the_order_recorded,
    writes::an_idempotent_retry_returns_the_original_response_and_appends_nothing,
    writes::concurrent_approvals_against_one_budget_let_exactly_the_affordable_ones_pass,
    writes::malformed_bodies_are_400_with_the_field_and_change_nothing,
    writes::queries_answer_as_of_a_date_and_as_known_at_a_time,
    writes::the_dashboard_role_never_sees_a_planted_personal_field,
    halong::the_halong_fixture_reproduces_the_published_figures_over_http,
    halong::a_bad_line_mid_batch_is_named_and_nothing_of_its_batch_is_appended,
    halong::a_line_repeated_from_the_batch_being_written_counts_as_already_imported,
    halong::an_import_alone_skips_lines_its_session_wrote_and_has_not_committed,
    halong::an_import_alone_on_a_log_with_earlier_events_skips_the_same_lines,
    halong::a_line_repeated_within_its_batch_counts_as_already_imported,
    halong::an_import_racing_another_writer_leaves_a_view_equal_to_a_rebuild,
    inspection::an_audit_trail_lists_every_event_about_a_household_with_its_postings,
    inspection::corrections_change_what_is_known_after_them_and_not_before,
    inspection::the_finance_workbook_opens_and_its_totals_equal_the_api,
    inspection::dashboards_as_of_a_past_date_equal_the_replay_to_that_date,
    inspection::a_known_at_or_position_at_the_head_sees_the_whole_log,
    inspection::finance_answers_known_at_a_past_time_equal_the_replay_of_the_log_then,
    linearizable::racing_writes_on_one_budget_and_one_sponsorship_are_linearizable,
    snapshots::startup_from_a_snapshot_equals_a_full_rebuild_after_more_events,
    snapshots::copies_far_behind_and_near_the_head_catch_up_to_the_ledger_of_the_log,
    snapshots::a_snapshot_whose_event_hash_differs_is_ignored,
    snapshots::a_snapshot_of_another_format_is_ignored,
    snapshots::a_corrupt_snapshot_body_is_ignored,
    snapshots::historical_answers_from_a_snapshot_equal_a_full_replay,
    snapshots::the_ledger_round_trips_through_its_snapshot_form,
    snapshots::equal_ledgers_have_one_digest_whatever_their_maps_order_and_a_fact_more_changes_it,
    snapshots::the_background_writer_snapshots_every_n_events,
    snapshots::a_snapshot_written_in_many_pieces_loads_as_the_ledger,
    snapshots::queries_read_on_while_a_snapshot_holds_the_view_and_catching_up_waits,
    snapshots::a_snapshot_waits_for_a_write_session_before_it_holds_the_view,
);

mod contract {
    #[tokio::test]
    async fn a_route_missing_from_the_openapi_document_is_refused() {
        crate::cases::a_route_missing_from_the_openapi_document_is_refused().await;
    }
}
