//! One conformance suite for every backend: each case runs on a fresh SQLite file, and on a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` is set.

mod cases;
mod helpers;
mod restore;
mod session;
mod snapshots;

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let db = crate::helpers::TestDb::sqlite().await;
                    crate::cases::$case(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some(db) = crate::helpers::TestDb::postgres().await else {
                        return;
                    };
                    crate::cases::$case(&db).await;
                }
            )*
        }
    };
}

conformance!(
    appended_events_read_back_with_their_full_envelope,
    a_long_log_reads_whole_from_any_position_and_a_read_given_up_frees_the_store,
    read_stream_starts_at_the_requested_version,
    a_wrong_expected_version_is_a_conflict_that_writes_nothing,
    an_expected_version_beyond_the_stream_is_a_conflict,
    fifty_racing_appends_with_the_same_expected_version_let_exactly_one_win,
    a_multi_stream_append_with_one_bad_version_writes_nothing,
    a_retry_with_the_same_event_ids_returns_the_original_positions,
    a_retry_of_part_of_an_append_is_refused,
    the_same_event_id_with_other_content_is_rejected,
    positions_stay_gapless_under_eight_concurrent_writers,
    two_store_instances_on_one_database_stay_gapless_and_verify,
    data_survives_reopening_the_store,
    the_last_position_recorded_by_a_time_is_found_by_search,
    altering_one_payload_byte_makes_verify_name_its_position,
    deleting_the_last_event_makes_verify_report_the_head,
    stored_events_refuse_update_and_delete,
    concurrent_requests_share_transactions_and_a_conflict_fails_alone,
    malformed_appends_are_refused_with_specific_errors_and_write_nothing,
    an_empty_ledger_verifies_and_has_the_genesis_head,
    close_answers_every_queued_append,
    tokens_are_kept_as_hashes_and_revocation_reaches_other_stores_by_their_recheck,
    subscribers_learn_of_every_commit,
    a_stream_may_recur_in_one_append_and_order_is_kept,
    an_idempotency_key_returns_the_original_result_and_refuses_another_request,
    a_restored_log_has_the_same_positions_times_and_hashes,
    a_restore_with_an_altered_event_names_it_and_writes_nothing,
    a_restore_must_continue_the_stored_head,
    a_restore_reusing_a_stored_event_id_is_refused_and_writes_nothing,
    restored_events_reach_subscribers,
    the_signing_seed_is_made_once_and_shared_by_every_store,
    pages_return_exact_text_and_agree_with_stream_reads,
    snapshots_come_back_newest_at_or_before_a_position_of_their_format,
    a_snapshot_with_another_hash_does_not_match_the_log,
    a_snapshot_beyond_the_stored_log_is_never_returned,
    known_at_picks_the_newest_snapshot_recorded_by_then,
    pruning_keeps_the_newest_snapshots_and_saving_again_replaces,
    a_body_comes_back_whole_from_its_pieces_and_a_damaged_one_is_told,
    an_unfinished_snapshot_is_never_read_and_its_pieces_are_pruned,
    a_session_appends_as_the_writer_does_and_others_see_it_at_commit,
    other_writers_wait_for_the_session_and_continue_its_chain,
    dropping_a_session_rolls_back_what_it_had_not_committed,
    a_database_failure_rolls_the_session_back_and_it_refuses_to_commit,
    an_id_noted_absent_is_not_asked_again_and_a_wrong_note_stores_nothing_twice,
);
