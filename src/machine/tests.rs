//! Conversations with the machine: each test plays the server's part.

use std::cell::RefCell;
use std::rc::Rc;

use super::*;
use crate::error::Problem;
use crate::limits::MAX_CHUNK_SIZE;
use crate::options::{Credentials, Origin};
use crate::request::Answer;

const PART_ALREADY_SENT: &str = "video-content-range-by-part-part-already-sent";
const ALREADY_UPLOADED: &str = "video-source-already-uploaded";
const MIB: u64 = 1024 * 1024;

fn options() -> UploadOptions {
    let mut options = UploadOptions::with_upload_token("to123");
    options.chunk_size = 8 * MIB;
    options.api_host = "http://127.0.0.1:8787".into();
    // Conversations below that are not about stalls have no watchdog timers in them.
    options.stall_timeout_ms = None;
    options
}

fn api_key() -> UploadOptions {
    let mut options = options();
    options.credentials = Credentials::ApiKey("key".into());
    options.video_id = Some("viX".into());
    options
}

fn access_token() -> UploadOptions {
    let mut options = options();
    options.credentials = Credentials::AccessToken { access_token: "old".into(), refresh_token: Some("r\"1".into()) };
    options.video_id = Some("viX".into());
    options
}

fn file(options: &UploadOptions, size: u64) -> Machine {
    let mut machine = Machine::file(options, size, "movie.mp4", 7).unwrap();
    assert_eq!(machine.poll(), Step::Wait, "nothing is sent before start()");
    assert_eq!(machine.start(), Ok(false));
    machine
}

fn answer(status: u16, video_id: Option<&str>) -> Outcome {
    Outcome::Answered(Answer { status, video_id: video_id.map(Into::into), raw: "{}".into(), ..Answer::default() })
}

fn ok(video_id: &str) -> Outcome {
    answer(200, Some(video_id))
}

fn failure(status: u16, slug: &str) -> Outcome {
    let problem = Problem { type_: Some(["https://docs.api.video/reference/", slug].concat()), ..Problem::default() };
    Outcome::Answered(Answer { status, problem, raw: "{}".into(), ..Answer::default() })
}

/// The request the machine sends now; panics on anything else.
fn send(machine: &mut Machine) -> Request {
    match machine.poll() {
        Step::Send(request) => request,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn piece_of(request: &Request) -> (Piece, Option<String>, u32) {
    match &request.body {
        Body::Piece { piece, video_id, attempt, .. } => (*piece, video_id.clone(), *attempt),
        other => panic!("expected a piece, got {other:?}"),
    }
}

fn events(machine: &mut Machine) -> Vec<Event> {
    std::iter::from_fn(|| machine.poll_event()).collect()
}

/// Waits out a backoff: the machine asks for a sleep, the timer fires.
fn sleep_through(machine: &mut Machine) -> f64 {
    match machine.poll() {
        Step::Sleep { id, ms } => {
            assert_eq!(machine.poll(), Step::Wait, "one timer at a time");
            machine.wake(id);
            ms
        }
        other => panic!("expected a sleep, got {other:?}"),
    }
}

#[test]
fn chunks_chain_the_first_video_id_and_complete_once() {
    let mut machine = file(&options(), 48 * MIB);
    let mut ranges = Vec::new();
    for i in 0..6u32 {
        let request = send(&mut machine);
        assert_eq!(machine.poll(), Step::Wait, "one request at a time");
        assert_eq!((request.method, request.url.as_str()), ("POST", "http://127.0.0.1:8787/upload?token=to123"));
        assert!(request.headers.iter().any(|(name, _)| *name == "AV-Origin-Client"));
        assert!(request.headers.iter().all(|(name, _)| *name != "Authorization"));
        let Body::Piece { piece, content_range, video_id, file_name, attempt } = request.body else { panic!() };
        assert_eq!(file_name, "movie.mp4");
        assert_eq!(video_id.as_deref(), if i == 0 { None } else { Some("vi1") });
        assert_eq!((piece.start, attempt), (u64::from(i) * 8 * MIB, 0));
        ranges.push(content_range);
        machine.handle(request.id, ok("vi1"));
        let [Event::Acknowledged { piece: landed, answered: true, standing: Some(standing) }] = events(&mut machine)[..] else { panic!() };
        assert_eq!(landed, piece);
        assert_eq!((standing.chunks_count, standing.leading, standing.uploaded_bytes), (6, (i + 1, u64::from(i + 1) * 8 * MIB), u64::from(i + 1) * 8 * MIB));
        assert_eq!((standing.chunks_bytes, standing.started, standing.progress.uploaded_bytes), (8 * MIB, i + 1, u64::from(i + 1) * 8 * MIB));
    }
    assert_eq!(ranges, ["part 1/6", "part 2/6", "part 3/6", "part 4/6", "part 5/6", "part 6/6"]);
    assert_eq!(machine.poll(), Step::Complete { video_id: Some("vi1".into()), answered: true });
    assert_eq!(machine.poll(), Step::Wait, "reported once");
    assert_eq!(machine.start(), Ok(false), "starting a complete upload reports it again");
    assert_eq!(machine.poll(), Step::Complete { video_id: Some("vi1".into()), answered: true });
}

#[test]
fn given_video_id_and_name_are_sent_from_the_first_chunk() {
    let mut with_id = options();
    with_id.video_id = Some("viExisting".into());
    with_id.video_name = Some("Holiday".into());
    let mut machine = file(&with_id, MIB);
    let Body::Piece { video_id, file_name, content_range, .. } = send(&mut machine).body else { panic!() };
    assert_eq!((video_id.as_deref(), file_name.as_str(), content_range.as_str()), (Some("viExisting"), "Holiday", "part 1/1"));
}

#[test]
fn any_success_is_a_success_and_a_known_id_stays() {
    // The official tests answer every chunk `201 {}`; with a known id that is no matter.
    let mut machine = file(&api_key(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id, answer(201, None));
    let second = send(&mut machine);
    assert_eq!(piece_of(&second).1.as_deref(), Some("viX"));
    machine.handle(second.id, ok("viOther"));
    let third = send(&mut machine);
    assert_eq!(piece_of(&third).1.as_deref(), Some("viX"), "a body naming another id does not change it");
    machine.handle(third.id, answer(201, None));
    assert_eq!(machine.poll(), Step::Complete { video_id: Some("viX".into()), answered: true });
    assert!(events(&mut machine).iter().all(|e| matches!(e, Event::Acknowledged { .. })), "no warning with a known id");
}

#[test]
fn without_any_id_the_upload_goes_on_as_the_official_one_and_warns_once() {
    let mut machine = file(&options(), 20 * MIB);
    let mut sent_ids = Vec::new();
    for _ in 0..3 {
        let request = send(&mut machine);
        sent_ids.push(piece_of(&request).1);
        machine.handle(request.id, answer(201, None));
    }
    assert_eq!(sent_ids, [None, None, None]);
    let warnings: Vec<Event> = events(&mut machine).into_iter().filter(|e| matches!(e, Event::Warning(_))).collect();
    assert_eq!(warnings, [Event::Warning(Warning::VideoIdMissing)]);
    assert_eq!(Warning::VideoIdMissing.code(), "VIDEO_ID_MISSING_IN_RESPONSE");
    assert_eq!(machine.poll(), Step::Complete { video_id: None, answered: true });
}

#[test]
fn server_errors_are_retried_with_growing_jittered_delays_and_the_count_resets() {
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id, failure(503, "x"));
    let [Event::Retry { attempt, delay_ms, reason, error }] = &events(&mut machine)[..] else { panic!() };
    assert_eq!((*attempt, *reason, error.code()), (1, RetryReason::ServerError, "SERVER_ERROR"));
    assert!((500.0..=1000.0).contains(delay_ms), "{delay_ms}");
    assert_eq!(sleep_through(&mut machine), *delay_ms);
    let again = send(&mut machine);
    assert_eq!((piece_of(&again).0.index, piece_of(&again).2), (0, 1), "the same chunk, second attempt");
    machine.handle(again.id, Outcome::Network);
    assert!((1000.0..=2000.0).contains(&sleep_through(&mut machine)));
    let third = send(&mut machine);
    machine.handle(third.id, ok("vi1"));
    let next = send(&mut machine);
    assert_eq!((piece_of(&next).0.index, piece_of(&next).2), (1, 0), "attempts start again after a success");
}

#[test]
fn gives_up_after_the_configured_retries_and_reports_the_failure_once() {
    let mut few = options();
    few.retries = 2;
    let mut machine = file(&few, MIB);
    for _ in 0..2 {
        let request = send(&mut machine);
        machine.handle(request.id, Outcome::Timeout);
        sleep_through(&mut machine);
    }
    let request = send(&mut machine);
    machine.handle(request.id, Outcome::Timeout);
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Timeout)));
    assert_eq!(machine.poll(), Step::Wait);
}

#[test]
fn the_default_is_six_retries_as_the_official_uploader() {
    let mut machine = file(&options(), MIB);
    for _ in 0..6 {
        let request = send(&mut machine);
        machine.handle(request.id, failure(500, "x"));
        sleep_through(&mut machine);
    }
    let request = send(&mut machine);
    machine.handle(request.id, failure(500, "x"));
    assert!(matches!(machine.poll(), Step::Failed(error) if error.status() == Some(500)), "the seventh failure is final");
}

#[test]
fn client_errors_are_final() {
    for status in [400, 401, 403, 404, 413, 501] {
        let mut machine = file(&options(), MIB);
        let request = send(&mut machine);
        machine.handle(request.id, failure(status, "x"));
        assert!(matches!(machine.poll(), Step::Failed(error) if error.status() == Some(status)));
    }
}

#[test]
fn rate_limits_wait_at_least_retry_after() {
    let mut machine = file(&options(), MIB);
    let request = send(&mut machine);
    let limited = Answer { status: 429, retry_after_ms: Some(9000.0), ..Answer::default() };
    machine.handle(request.id, Outcome::Answered(limited));
    assert!(matches!(&events(&mut machine)[..], [Event::Retry { delay_ms, reason: RetryReason::RateLimited, .. }] if *delay_ms == 9000.0));
}

#[test]
fn a_resend_told_the_piece_already_landed_is_a_success_in_every_mode() {
    for options in [options(), api_key(), access_token()] {
        let mut machine = file(&options, 20 * MIB);
        let first = send(&mut machine);
        machine.handle(first.id, ok("viX"));
        // The answer to part 2 is lost; its retry is told the part is already there.
        let second = send(&mut machine);
        machine.handle(second.id, Outcome::Network);
        sleep_through(&mut machine);
        let again = send(&mut machine);
        machine.handle(again.id, failure(400, PART_ALREADY_SENT));
        let acknowledged: Vec<Event> = events(&mut machine).into_iter().filter(|e| matches!(e, Event::Acknowledged { .. })).collect();
        assert!(matches!(acknowledged.last(), Some(Event::Acknowledged { piece, answered: false, .. }) if *piece == piece_of(&again).0));
        // The last part's answer is lost too; its retry is told the video is complete.
        let last = send(&mut machine);
        machine.handle(last.id, failure(502, "x"));
        sleep_through(&mut machine);
        let again = send(&mut machine);
        machine.handle(again.id, failure(400, ALREADY_UPLOADED));
        if options.can_read_videos() {
            // The API modes can read the Video that the lost answer carried.
            let read = send(&mut machine);
            assert_eq!((read.method, read.url.as_str(), read.body.clone()), ("GET", "http://127.0.0.1:8787/videos/viX", Body::Empty));
            assert!(read.headers.iter().any(|(name, _)| *name == "Authorization"));
            machine.handle(read.id, answer(200, Some("viX")));
            assert_eq!(machine.poll(), Step::Complete { video_id: Some("viX".into()), answered: true });
        } else {
            assert_eq!(machine.poll(), Step::Complete { video_id: Some("viX".into()), answered: false });
        }
    }
}

#[test]
fn a_video_that_cannot_be_read_back_still_completes_with_its_id() {
    let mut machine = file(&api_key(), MIB);
    let first = send(&mut machine);
    machine.handle(first.id, Outcome::Network);
    sleep_through(&mut machine);
    let again = send(&mut machine);
    machine.handle(again.id, failure(400, ALREADY_UPLOADED));
    let read = send(&mut machine);
    machine.handle(read.id, Outcome::Network);
    assert_eq!(machine.poll(), Step::Complete { video_id: Some("viX".into()), answered: false });
}

#[test]
fn already_sent_on_a_first_attempt_into_a_given_video_is_not_masked() {
    // Another writer may send to a video the app named: "already sent" is theirs.
    let mut into = options();
    into.video_id = Some("viGiven".into());
    for options in [into, api_key(), access_token()] {
        let mut machine = file(&options, 20 * MIB);
        let first = send(&mut machine);
        machine.handle(first.id, ok("viGiven"));
        let second = send(&mut machine);
        machine.handle(second.id, failure(400, PART_ALREADY_SENT));
        assert!(matches!(machine.poll(), Step::Failed(error) if error.code() == "BAD_REQUEST"));
    }
}

#[test]
fn already_sent_on_a_first_attempt_into_its_own_video_is_the_browser_sending_it_twice() {
    // Chromium sends a request again by itself when a reused connection closes before the
    // answer: the page's first attempt is the server's second. No one else knows the video.
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id, ok("vi1"));
    let second = send(&mut machine);
    machine.handle(second.id, failure(400, PART_ALREADY_SENT));
    assert!(matches!(events(&mut machine).last(), Some(Event::Acknowledged { answered: false, .. })));
    let mut stream = stream(&options());
    stream.push(6 * MIB).unwrap();
    let first = send(&mut stream);
    stream.handle(first.id, ok("vi1"));
    stream.push_last(MIB).unwrap();
    let last = send(&mut stream);
    stream.handle(last.id, failure(400, ALREADY_UPLOADED));
    assert!(matches!(stream.poll(), Step::Complete { video_id: Some(_), answered: false }));
}

#[test]
fn pause_mid_body_gives_the_piece_up_and_resume_sends_it_again() {
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    assert!(machine.progress(first.id, 50, 100).is_some());
    assert!(machine.pause());
    assert!(!machine.pause(), "already paused");
    assert_eq!(machine.awaiting(), None, "the shell aborts the transfer");
    machine.handle(first.id, Outcome::Aborted);
    assert_eq!(machine.poll(), Step::Wait, "nothing starts while paused");
    assert!(machine.resume());
    let again = send(&mut machine);
    assert_eq!((piece_of(&again).0, piece_of(&again).2), (piece_of(&first).0, 0), "a pause is not a failed attempt");
    assert!(!machine.resume());
}

#[test]
fn pause_after_the_whole_body_left_waits_for_the_answer() {
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id, ok("vi1"));
    let second = send(&mut machine);
    machine.progress(second.id, 100, 100);
    assert!(machine.pause());
    assert_eq!(machine.awaiting(), Some(second.id), "the server may hold the piece: its answer is awaited");
    machine.handle(second.id, ok("vi1"));
    assert_eq!(machine.poll(), Step::Wait, "paused after the acknowledgement");
    machine.resume();
    let third = send(&mut machine);
    assert_eq!(piece_of(&third).0.index, 2);
}

#[test]
fn a_pause_whose_abort_came_after_the_commit_is_told_the_piece_landed() {
    // The abort raced the server: the piece was committed but its answer never read.
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id, ok("vi1"));
    let second = send(&mut machine);
    machine.pause();
    machine.handle(second.id, Outcome::Aborted);
    machine.resume();
    let again = send(&mut machine);
    machine.handle(again.id, failure(400, PART_ALREADY_SENT));
    let third = send(&mut machine);
    assert_eq!(piece_of(&third).0.index, 2, "the re-sent piece counted as landed");
}

#[test]
fn pause_during_a_backoff_resumes_at_once() {
    let mut machine = file(&options(), MIB);
    let first = send(&mut machine);
    machine.handle(first.id, Outcome::Network);
    let Step::Sleep { id, .. } = machine.poll() else { panic!() };
    machine.pause();
    machine.wake(id);
    assert_eq!(machine.poll(), Step::Wait);
    machine.resume();
    assert_eq!(piece_of(&send(&mut machine)).2, 0, "at once, with a fresh retry budget");
}

#[test]
fn an_abort_the_machine_did_not_ask_for_is_a_cancel() {
    let mut machine = file(&options(), MIB);
    let request = send(&mut machine);
    machine.handle(request.id, Outcome::Aborted);
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Aborted)));
    assert!(!machine.pause(), "a failed upload cannot pause");
}

#[test]
fn a_shell_failure_fails_the_upload_and_a_restart_sends_the_piece_again() {
    let mut machine = file(&options(), MIB);
    let request = send(&mut machine);
    machine.handle(request.id, Outcome::Refused("bad URL".into()));
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Browser { detail: "bad URL".into() })));
    assert_eq!(machine.awaiting(), None, "nothing left in flight");
    machine.start().unwrap();
    assert_eq!(piece_of(&send(&mut machine)).0.index, 0);
}

#[test]
fn a_refused_token_replaced_carries_on_into_the_same_video_from_the_refused_chunk() {
    // Three chunks; the token is withdrawn after chunk 1: chunk 2's 401 fails the upload (an
    // upload token has nothing to refresh with), the app's token provider gives another,
    // and the restart sends chunk 2 again, with the new token, into the same video.
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id, ok("viA"));
    let second = send(&mut machine);
    assert_eq!(piece_of(&second).0.index, 1);
    machine.handle(second.id, failure(401, "authentication-invalid-upload-token"));
    assert!(matches!(machine.poll(), Step::Failed(error) if error.code() == "UNAUTHORIZED"));
    machine.set_upload_token("to&new");
    machine.start().unwrap();
    let again = send(&mut machine);
    assert_eq!(again.url, "http://127.0.0.1:8787/upload?token=to%26new");
    assert_eq!(piece_of(&again), (piece_of(&second).0, Some("viA".into()), 0));
    machine.handle(again.id, ok("viA"));
    let last = send(&mut machine);
    assert_eq!((piece_of(&last).0.index, last.url.as_str()), (2, "http://127.0.0.1:8787/upload?token=to%26new"));
    // An empty token, or other credentials, change nothing.
    machine.set_upload_token("");
    assert_eq!(machine.url, "http://127.0.0.1:8787/upload?token=to%26new");
    let mut keyed = file(&api_key(), MIB);
    keyed.set_upload_token("to9");
    assert_eq!(send(&mut keyed).url, "http://127.0.0.1:8787/videos/viX/source");
}

#[test]
fn cancel_fails_at_once_ignores_the_late_outcome_and_a_restart_continues() {
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id, ok("vi1"));
    let second = send(&mut machine);
    assert!(machine.cancel());
    assert_eq!(machine.awaiting(), None);
    machine.handle(second.id, ok("vi1"));
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Aborted)));
    assert_eq!(machine.start(), Ok(false));
    let again = send(&mut machine);
    assert_eq!((piece_of(&again).0.index, piece_of(&again).1.as_deref()), (1, Some("vi1")), "the same video, from the piece cancelled");
    assert_eq!(machine.start(), Err(UploadError::AlreadyUploading));
}

#[test]
fn an_upload_cancelled_while_paused_runs_again_on_start() {
    let mut machine = file(&options(), MIB);
    let _ = send(&mut machine);
    machine.pause();
    machine.cancel();
    assert!(machine.is_paused());
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Aborted)));
    assert_eq!(machine.start(), Ok(true), "start ends the pause");
    let _ = send(&mut machine);
}

#[test]
fn an_expired_access_token_is_refreshed_once_per_piece() {
    let mut machine = file(&access_token(), 20 * MIB);
    let first = send(&mut machine);
    assert_eq!(first.url, "http://127.0.0.1:8787/videos/viX/source");
    assert!(first.headers.contains(&("Authorization", "Bearer old".to_owned())));
    machine.handle(first.id, failure(401, "x"));
    let refresh = send(&mut machine);
    assert_eq!((refresh.method, refresh.url.as_str()), ("POST", "http://127.0.0.1:8787/auth/refresh"));
    assert_eq!(refresh.body, Body::Json(r#"{"refreshToken":"r\"1"}"#.into()));
    assert!(refresh.headers.iter().all(|(name, _)| *name != "Authorization"));
    let tokens = Answer { status: 200, tokens: Some(("new".into(), "r2".into())), ..Answer::default() };
    machine.handle(refresh.id, Outcome::Answered(tokens));
    let replay = send(&mut machine);
    assert_eq!((piece_of(&replay).0.index, piece_of(&replay).2), (0, 0));
    assert!(replay.headers.contains(&("Authorization", "Bearer new".to_owned())));
    machine.handle(replay.id, failure(401, "x"));
    assert!(matches!(machine.poll(), Step::Failed(error) if error.code() == "UNAUTHORIZED"), "no second refresh for a piece");
}

#[test]
fn a_failed_refresh_ends_the_upload() {
    for outcome in [failure(400, "x"), answer(200, None), Outcome::Network] {
        let mut machine = file(&access_token(), MIB);
        let first = send(&mut machine);
        machine.handle(first.id, failure(401, "x"));
        let refresh = send(&mut machine);
        machine.handle(refresh.id, outcome);
        assert!(matches!(machine.poll(), Step::Failed(_)));
    }
}

#[test]
fn a_custom_strategy_decides_with_the_official_arguments() {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let seen = calls.clone();
    let mut machine = file(&options(), MIB);
    machine.set_retry_strategy(Rc::new(move |count, error: &UploadError| {
        seen.borrow_mut().push((count, error.code()));
        // Retries even a 400, twice, then stops: the strategy has the last word.
        (count < 2).then_some(10.0)
    }));
    for _ in 0..2 {
        let request = send(&mut machine);
        machine.handle(request.id, failure(400, "x"));
        assert_eq!(sleep_through(&mut machine), 10.0);
    }
    let request = send(&mut machine);
    machine.handle(request.id, failure(400, "x"));
    assert!(matches!(machine.poll(), Step::Failed(_)));
    assert_eq!(*calls.borrow(), [(0, "BAD_REQUEST"), (1, "BAD_REQUEST"), (2, "BAD_REQUEST")]);
}

#[test]
fn origins_reach_the_headers() {
    let mut with_origin = options();
    with_origin.application = Some(Origin { name: "app".into(), version: "1.0".into() });
    let request = send(&mut file(&with_origin, MIB));
    assert!(request.headers.contains(&("AV-Origin-App", "app:1.0".to_owned())));
}

#[test]
fn stale_outcomes_and_timers_change_nothing() {
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id + 100, ok("vi1"));
    machine.wake(first.id);
    assert_eq!(machine.awaiting(), Some(first.id));
    assert_eq!(machine.progress(first.id + 1, 1, 2), None);
    assert_eq!(machine.progress(first.id, 50, 100).map(|p| p.uploaded_bytes), Some(4 * MIB));
}

#[test]
fn bad_options_and_empty_files_fail_up_front() {
    let mut bad = options();
    bad.chunk_size = MIB;
    assert_eq!(Machine::file(&bad, MIB, "x", 0).unwrap_err().code(), "CHUNK_SIZE_INVALID");
    assert_eq!(Machine::file(&options(), 0, "x", 0).unwrap_err().code(), "FILE_EMPTY");
}

fn stream(options: &UploadOptions) -> Machine {
    Machine::stream(options, false, true, 3).unwrap()
}

#[test]
fn a_stream_sends_its_parts_in_order_and_closes() {
    let mut machine = stream(&options());
    assert_eq!(machine.poll(), Step::Wait, "nothing to send yet");
    assert_eq!(machine.push(6 * MIB), Ok(Some(Part { number: 1, blobs: 1, size: 6 * MIB, last: false })));
    let first = send(&mut machine);
    let Body::Piece { content_range, file_name, video_id, .. } = &first.body else { panic!() };
    assert_eq!((content_range.as_str(), file_name.as_str(), video_id), ("part 1/*", "file", &None));
    machine.push(6 * MIB).unwrap();
    assert_eq!(machine.poll(), Step::Wait, "strictly in order");
    assert_eq!(machine.part_progress(first.id, 50, 100), Some(PartProgress { part: 1, uploaded_bytes: 3 * MIB, total_bytes: 6 * MIB }));
    machine.handle(first.id, ok("vi1"));
    let second = send(&mut machine);
    assert_eq!(piece_of(&second).1.as_deref(), Some("vi1"));
    machine.push_last(MIB).unwrap();
    machine.handle(second.id, ok("vi1"));
    let last = send(&mut machine);
    let Body::Piece { content_range, .. } = &last.body else { panic!() };
    assert_eq!(content_range, "part 3/3");
    machine.handle(last.id, answer(201, Some("vi1")));
    let acknowledged: Vec<u32> = events(&mut machine)
        .iter()
        .filter_map(|e| match e {
            Event::Acknowledged { piece, .. } => Some(piece.range.part),
            _ => None,
        })
        .collect();
    assert_eq!(acknowledged, [1, 2, 3]);
    assert_eq!(machine.poll(), Step::Complete { video_id: Some("vi1".into()), answered: true });
    assert!(machine.push(1).is_err() && machine.push_last(1).is_err(), "nothing after the last part");
}

#[test]
fn a_stream_part_that_fails_for_good_fails_the_later_ones() {
    let mut machine = stream(&options());
    machine.set_retry_strategy(Rc::new(|count, _: &UploadError| (count < 1).then_some(5.0)));
    machine.push(5 * MIB).unwrap();
    machine.push(5 * MIB).unwrap();
    let first = send(&mut machine);
    machine.handle(first.id, Outcome::Network);
    sleep_through(&mut machine);
    let again = send(&mut machine);
    machine.handle(again.id, failure(500, "x"));
    assert!(matches!(machine.poll(), Step::Failed(error) if error.code() == "SERVER_ERROR"));
    assert_eq!(machine.poll(), Step::Wait, "part 2 is not sent after part 1 failed");
    assert_eq!(machine.push(MIB).unwrap_err().code(), "SERVER_ERROR");
    assert_eq!(machine.push_last(MIB).unwrap_err().code(), "SERVER_ERROR");
}

#[test]
fn a_stream_pauses_resumes_and_cancels() {
    let mut machine = stream(&options());
    machine.push(6 * MIB).unwrap();
    let first = send(&mut machine);
    machine.pause();
    machine.handle(first.id, Outcome::Aborted);
    assert_eq!(machine.poll(), Step::Wait);
    machine.resume();
    let again = send(&mut machine);
    assert_eq!(piece_of(&again).0.range.part, 1);
    machine.cancel();
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Aborted)));
    assert_eq!(machine.push(MIB), Err(Rc::new(UploadError::Aborted)));
}

/// A deterministic generator for the walks below.
struct Walk(u64);

impl Walk {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Every kind of outcome the shell can hand back.
fn any_outcome(walk: &mut Walk) -> Outcome {
    match walk.below(14) {
        0 => ok("vi1"),
        13 => timed("vi1", 500.0 * walk.below(100) as f64),
        1 => answer(201, None),
        2 => failure(400, PART_ALREADY_SENT),
        3 => failure(400, ALREADY_UPLOADED),
        4 => failure(400, "x"),
        5 => failure(401, "x"),
        6 => Outcome::Answered(Answer { status: 429, retry_after_ms: Some(5.0), ..Answer::default() }),
        7 => failure(500, "x"),
        8 => Outcome::Network,
        9 => Outcome::Timeout,
        10 => Outcome::Aborted,
        11 => Outcome::Refused("threw".into()),
        _ => Outcome::Answered(Answer { status: 200, tokens: Some(("a".into(), "r".into())), ..Answer::default() }),
    }
}

/// From wherever a walk left it, a well-behaved server and app (answers succeed, timers
/// fire, pauses end, failed file uploads are started again) must bring the upload to an end:
/// no state is a dead end.
/// What `parallelParts` promises, whatever happened: at most that many pieces on their way,
/// one alone while the video is unknown, and the completing piece with no other.
fn check_flights(machine: &Machine, parallel: u32) {
    let flights = &machine.flights;
    assert!(flights.len() as u32 <= parallel.max(1), "{flights:?}");
    if machine.video_id.is_none() {
        assert!(flights.len() <= 1, "the first piece goes alone: {flights:?}");
    }
    if flights.iter().any(|flight| flight.piece.is_last()) {
        assert_eq!(flights.len(), 1, "the completing piece goes last: {flights:?}");
    }
}

fn finishes(mut machine: Machine, is_stream: bool, mut timers: Vec<u32>) -> bool {
    for _ in 0..200 {
        if machine.is_complete() {
            return true;
        }
        match machine.poll() {
            Step::Send(request) => {
                let outcome = match request.body {
                    Body::Json(_) => Outcome::Answered(Answer { status: 200, tokens: Some(("a".into(), "r".into())), ..Answer::default() }),
                    _ => ok("vi1"),
                };
                machine.handle(request.id, outcome);
            }
            Step::Sleep { id, .. } => machine.wake(id),
            Step::Complete { .. } => return true,
            Step::Failed(_) if is_stream => return true,
            Step::Failed(_) => {
                machine.start().unwrap();
            }
            Step::Wait => {
                if machine.failure().is_some() {
                    if is_stream {
                        return true;
                    }
                    machine.start().unwrap();
                } else if machine.is_paused() {
                    machine.resume();
                } else if let Some(id) = machine.awaiting() {
                    machine.handle(id, ok("vi1"));
                } else if let Some(id) = timers.pop() {
                    machine.wake(id);
                } else if is_stream {
                    if machine.push_last(10).is_err() {
                        return false;
                    }
                } else if machine.start().is_err() {
                    return false;
                }
            }
        }
        while machine.poll_event().is_some() {}
    }
    false
}

#[test]
fn every_input_at_every_step_leaves_an_answer_and_a_way_to_the_end() {
    for (seed, credentials) in (1..=600u64).zip([options(), api_key(), access_token()].iter().cycle()) {
        let mut walk = Walk(seed * 0x9E37_79B9);
        let is_stream = seed % 4 == 0;
        // Files go with 1 to 4 pieces in parallel, in 5 MiB pieces (4 of them, and a last).
        let mut credentials = credentials.clone();
        credentials.parallel_parts = 1 + (seed % 4) as u32;
        credentials.chunk_size = 5 * MIB;
        // And every third with adaptive sizes, which these walks' timed answers grow.
        credentials.auto_chunk_size = seed % 3 == 1;
        // And half of them with stall watchdogs, whose timers the walks fire at any time.
        credentials.stall_timeout_ms = (seed % 2 == 0).then_some(1000);
        let mut machine = if is_stream {
            Machine::stream(&credentials, seed % 8 == 0, true, seed).unwrap()
        } else {
            Machine::file(&credentials, 21 * MIB, "walk.mp4", seed).unwrap()
        };
        machine.set_retry_strategy(Rc::new(|count, _: &UploadError| (count < 3).then_some(1.0)));
        let mut timers = Vec::new();
        let mut requests: Vec<u32> = Vec::new();
        let mut failures_reported = 0;
        for _ in 0..40 {
            match walk.below(11) {
                0..=2 => match machine.poll() {
                    Step::Send(request) => {
                        assert!(machine.awaits(request.id), "a sent request is awaited");
                        requests.push(request.id);
                    }
                    Step::Sleep { id, .. } => timers.push(id),
                    Step::Failed(_) => failures_reported += 1,
                    Step::Wait | Step::Complete { .. } => {}
                },
                3 | 4 => {
                    if !requests.is_empty() {
                        let id = requests[walk.below(requests.len())];
                        machine.handle(id, any_outcome(&mut walk));
                    }
                }
                5 => {
                    if !timers.is_empty() {
                        let id = timers[walk.below(timers.len())];
                        machine.wake(id);
                    }
                }
                6 => {
                    if walk.below(2) == 0 {
                        machine.pause();
                    } else {
                        machine.offline();
                    }
                }
                7 => {
                    if walk.below(2) == 0 {
                        machine.resume();
                    } else {
                        machine.online();
                    }
                }
                8 => {
                    if walk.below(3) == 0 {
                        machine.cancel();
                        assert_eq!(machine.awaiting(), None, "a cancel leaves nothing in flight");
                    }
                }
                9 => {
                    if is_stream {
                        let _ = if walk.below(4) == 0 { machine.push_last(MIB).map(|_| ()) } else { machine.push(3 * MIB).map(|_| ()) };
                    } else if machine.start().is_ok() {
                        failures_reported = 0;
                    }
                }
                _ => {
                    if let Some(&id) = requests.last() {
                        machine.progress(id, 10, 10);
                    }
                }
            }
            assert!(failures_reported <= 1, "a failure is reported once per start");
            if let Some(piece) = machine.in_flight() {
                assert!(machine.awaiting().is_some(), "a piece in flight is awaited: {piece:?}");
            }
            check_flights(&machine, credentials.parallel_parts);
            while machine.poll_event().is_some() {}
            assert!(finishes(machine.clone(), is_stream, timers.clone()), "seed {seed}: stuck in {machine:?}");
        }
    }
}

#[test]
fn a_continued_upload_starts_at_the_first_piece_not_acknowledged_into_the_same_video() {
    let mut machine = Machine::file(&options(), 20 * MIB, "movie.mp4", 7).unwrap();
    assert!(!machine.continue_from("viOld", 3, None, None, None, None), "there is no fourth piece of three");
    assert!(!machine.continue_from("", 1, None, None, None, None), "a video id is required");
    assert!(machine.continue_from("viOld", 1, None, None, None, None));
    assert_eq!(machine.start(), Ok(false));
    assert!(!machine.continue_from("viOther", 0, None, None, None, None), "only before start");

    // Piece 2 of 3 goes first, into the old video; the earlier page may have sent it.
    let (piece, video_id, _) = piece_of(&send(&mut machine));
    assert_eq!((piece.index, video_id.as_deref()), (1, Some("viOld")));
    machine.handle(machine.awaiting().unwrap(), failure(400, PART_ALREADY_SENT));
    assert!(matches!(events(&mut machine)[..], [Event::Acknowledged { answered: false, .. }]), "already sent: it landed");

    // Piece 3 completes; its success is a plain success.
    let (piece, video_id, _) = piece_of(&send(&mut machine));
    assert_eq!((piece.index, video_id.as_deref()), (2, Some("viOld")));
    machine.handle(machine.awaiting().unwrap(), answer(201, Some("viOld")));
    assert_eq!(machine.poll(), Step::Complete { video_id: Some("viOld".into()), answered: true });
}

/// Continues an upload of `size` bytes in 5 MiB pieces after the first, with `cut` pieces
/// recorded as cut, and answers "part already sent" to every piece: those from index 1 up to
/// `until` must count as landed, and the next one's refusal is final.
fn part_already_sent_counts_up_to(size: u64, cut: Option<u32>, until: u32) {
    let mut machine = Machine::file(&parallel(1), size, "movie.mp4", 7).unwrap();
    assert!(machine.continue_from("viOld", 1, None, None, cut, None));
    machine.start().unwrap();
    for index in 1..until {
        let request = send(&mut machine);
        assert_eq!(piece_of(&request).0.index, index);
        machine.handle(request.id, failure(400, PART_ALREADY_SENT));
        assert!(matches!(events(&mut machine)[..], [Event::Acknowledged { answered: false, .. }]), "piece {index}: it landed");
    }
    let request = send(&mut machine);
    assert_eq!(piece_of(&request).0.index, until);
    machine.handle(request.id, failure(400, PART_ALREADY_SENT));
    assert!(matches!(machine.poll(), Step::Failed(e) if matches!(*e, UploadError::Http { status: 400, .. })));
}

#[test]
fn in_a_continued_upload_the_pieces_the_earlier_page_may_have_had_on_their_way_count_as_sent_before() {
    // Twelve pieces; the earlier page had the first acknowledged and, sending up to eight at
    // once, may have landed pieces 2 to 9 (indices 1 to 8) without hearing back. Piece 10 is
    // beyond what it could have had on its way.
    part_already_sent_counts_up_to(60 * MIB, None, 9);
}

#[test]
fn a_continued_upload_counts_every_piece_the_earlier_page_had_cut_and_eight_more_as_sent_before() {
    // Piece 2 was stuck while pieces 3 to 5 landed and piece 6 was cut: the record says 1
    // acknowledged, 6 cut. Pieces up to 14 (index 13) may be the earlier page's.
    part_already_sent_counts_up_to(100 * MIB, Some(6), 14);
}

#[test]
fn a_resume_gives_the_piece_a_fresh_retry_budget() {
    let mut options = options();
    options.retries = 1;
    let mut machine = file(&options, 3 * MIB);
    let _ = send(&mut machine);
    machine.handle(machine.awaiting().unwrap(), Outcome::Network);
    assert!(matches!(events(&mut machine)[..], [Event::Retry { attempt: 1, .. }]));
    // Offline: the shell pauses during the backoff, then resumes once the network is back.
    assert!(machine.pause());
    assert!(machine.resume());
    let request = send(&mut machine);
    assert_eq!(piece_of(&request).2, 0, "the budget starts again");
    machine.handle(machine.awaiting().unwrap(), Outcome::Network);
    assert!(matches!(events(&mut machine)[..], [Event::Retry { attempt: 1, .. }]), "one more retry is allowed, not a failure");
}

fn parallel(n: u32) -> UploadOptions {
    let mut options = options();
    options.chunk_size = 5 * MIB;
    options.parallel_parts = n;
    options
}

/// Every request the machine sends now, until it waits.
fn send_all(machine: &mut Machine) -> Vec<Request> {
    std::iter::from_fn(|| match machine.poll() {
        Step::Send(request) => Some(request),
        _ => None,
    })
    .collect()
}

#[test]
fn parallel_parts_go_n_at_a_time_after_the_first_and_the_completing_one_last() {
    // Six pieces: 5 MiB × 5 and a last of 1 MiB.
    let mut machine = file(&parallel(3), 26 * MIB);
    let first = send_all(&mut machine);
    assert_eq!(first.len(), 1, "the first piece goes alone: its answer names the video");
    machine.handle(first[0].id, ok("viP"));
    let wave = send_all(&mut machine);
    let indices = |requests: &[Request]| requests.iter().map(|r| piece_of(r).0.index).collect::<Vec<_>>();
    assert_eq!(indices(&wave), [1, 2, 3], "then three at a time");
    assert!(wave.iter().all(|r| piece_of(r).1.as_deref() == Some("viP")));
    assert!(wave.iter().all(|r| machine.awaits(r.id)));

    // Piece 3 lands first: piece 5 takes its place; the last (6) waits for every other.
    machine.handle(wave[1].id, ok("viP"));
    assert_eq!(indices(&send_all(&mut machine)), [4]);
    machine.handle(wave[0].id, ok("viP"));
    assert_eq!(send_all(&mut machine).len(), 0, "the completing piece waits for 4 and 5");
    machine.handle(wave[2].id, ok("viP"));
    let fifth = machine.awaiting().unwrap();
    assert_eq!(send_all(&mut machine).len(), 0);
    machine.handle(fifth, ok("viP"));
    let last = send_all(&mut machine);
    assert_eq!(indices(&last), [5], "last, alone");
    machine.handle(last[0].id, answer(201, Some("viP")));
    let acknowledged: Vec<u32> = events(&mut machine)
        .into_iter()
        .filter_map(|event| match event {
            Event::Acknowledged { piece, .. } => Some(piece.index),
            _ => None,
        })
        .collect();
    assert_eq!(acknowledged, [0, 2, 1, 3, 4, 5], "each once, as they landed");
    assert_eq!(machine.poll(), Step::Complete { video_id: Some("viP".into()), answered: true });
}

#[test]
fn in_parallel_the_pieces_are_shaped_for_the_connections_and_a_record_says_for_how_many() {
    let options = parallel_of(4, 50 * MIB);
    // 40 MiB in chunks of at most 50 MiB: 5 MiB alone, four of 8.5 MiB at once, 1 MiB last.
    let mut machine = file(&options, 40 * MIB);
    let first = send_all(&mut machine);
    assert_eq!(piece_of(&first[0]).0.len(), 5 * MIB);
    machine.handle(first[0].id, ok("viS"));
    let wave = send_all(&mut machine);
    assert_eq!(wave.iter().map(|r| piece_of(r).0.len()).collect::<Vec<_>>(), [17 * MIB / 2; 4]);
    assert!(wave.iter().all(|r| piece_of(r).0.range.header().ends_with("/6")));
    for request in &wave {
        machine.handle(request.id, ok("viS"));
    }
    let last = send_all(&mut machine);
    assert_eq!((piece_of(&last[0]).0.len(), piece_of(&last[0]).0.range.header().as_str()), (MIB, "part 6/6"));

    // A page that continues with other parallelParts cuts the pieces as the recording
    // page did: for 4, or for one when the record does not say (it predates shaping).
    let idle = |options: &UploadOptions, size| Machine::file(options, size, "movie.mp4", 7).unwrap();
    let mut machine = idle(&parallel_of(1, 50 * MIB), 40 * MIB);
    assert!(machine.continue_from("viS", 2, Some(5 * MIB + 17 * MIB / 2), Some(17 * MIB / 2), Some(5), Some(4)));
    machine.start().unwrap();
    let next = send_all(&mut machine);
    assert_eq!((piece_of(&next[0]).0.start, piece_of(&next[0]).0.range.header().as_str()), (5 * MIB + 17 * MIB / 2, "part 3/6"));
    let mut machine = idle(&options, 100 * MIB);
    assert!(!machine.continue_from("viS", 1, Some(5 * MIB), Some(45 * MIB), None, None), "not a piece of the plan for one");
    assert!(machine.continue_from("viS", 1, Some(50 * MIB), Some(50 * MIB), None, None));
    machine.start().unwrap();
    let rest = send_all(&mut machine);
    assert_eq!((piece_of(&rest[0]).0.start, piece_of(&rest[0]).0.range.header().as_str()), (50 * MIB, "part 2/2"));
}

fn parallel_of(n: u32, chunk_size: u64) -> UploadOptions {
    let mut options = options();
    options.chunk_size = chunk_size;
    options.parallel_parts = n;
    options
}

#[test]
fn in_parallel_a_failed_piece_is_retried_alone_and_progress_counts_every_piece_on_the_wire() {
    let mut machine = file(&parallel(2), 16 * MIB);
    let first = send_all(&mut machine);
    machine.handle(first[0].id, ok("viP"));
    events(&mut machine);
    let wave = send_all(&mut machine);
    assert_eq!(wave.len(), 2);
    let p = machine.progress(wave[0].id, 50, 100).unwrap();
    assert_eq!(p.uploaded_bytes, 5 * MIB + 5 * MIB / 2);
    let p = machine.progress(wave[1].id, 100, 100).unwrap();
    assert_eq!(p.uploaded_bytes, 5 * MIB + 5 * MIB / 2 + 5 * MIB, "both pieces count");
    assert_eq!((p.current_chunk, p.current_chunk_uploaded_bytes), (3, 5 * MIB));

    // Piece 2 fails: it alone waits out a backoff; piece 3 lands meanwhile.
    machine.handle(wave[0].id, failure(500, "internal-error"));
    assert!(matches!(events(&mut machine)[..], [Event::Retry { attempt: 1, .. }]));
    let Step::Sleep { id: timer, .. } = machine.poll() else { panic!("a backoff") };
    assert!(machine.awaits(wave[1].id), "the other piece goes on");
    machine.handle(wave[1].id, ok("viP"));
    assert_eq!(send_all(&mut machine).len(), 0, "the last waits for piece 2");
    machine.wake(timer);
    let again = send_all(&mut machine);
    assert_eq!(again.iter().map(piece_of).map(|(piece, _, attempt)| (piece.index, attempt)).collect::<Vec<_>>(), [(1, 1)]);
    machine.handle(again[0].id, ok("viP"));
    let last = send_all(&mut machine);
    assert_eq!(piece_of(&last[0]).0.index, 3);
}

#[test]
fn in_parallel_a_pause_gives_up_every_piece_still_sending_and_resume_sends_them_again() {
    let mut machine = file(&parallel(3), 21 * MIB);
    let first = send_all(&mut machine);
    machine.handle(first[0].id, ok("viP"));
    let wave = send_all(&mut machine);
    assert_eq!(wave.len(), 3);
    // Piece 3's body has all left: it is let finish.
    machine.progress(wave[1].id, 100, 100);
    assert!(machine.pause());
    assert!(!machine.awaits(wave[0].id) && !machine.awaits(wave[2].id), "the shell aborts them");
    assert!(machine.awaits(wave[1].id));
    assert_eq!(machine.poll(), Step::Wait);
    machine.handle(wave[1].id, ok("viP"));
    assert!(machine.resume());
    let again = send_all(&mut machine);
    assert_eq!(again.iter().map(|r| piece_of(r).0.index).collect::<Vec<_>>(), [1, 3], "sent again, as re-sends");
    for request in &again {
        machine.handle(request.id, failure(400, PART_ALREADY_SENT));
    }
    assert_eq!(piece_of(&send_all(&mut machine)[0]).0.index, 4, "both counted as landed; the last follows");
}

#[test]
fn parallel_parts_are_one_to_eight() {
    for n in [0, 9] {
        let error = Machine::file(&parallel(n), MIB, "x.mp4", 1).unwrap_err();
        assert!(matches!(error, UploadError::InvalidOption { name: "parallelParts", .. }), "{n}: {error:?}");
    }
}

/// A machine for a file of `size` bytes in 5 MiB chunks with its first `landed` pieces acknowledged
/// and the next one on the wire: the request.
fn three_chunks_with_in_flight(size: u64, landed: u32) -> (Machine, Request) {
    let mut options = options();
    options.chunk_size = 5 * MIB;
    let mut machine = file(&options, size);
    for _ in 0..landed {
        let request = send(&mut machine);
        machine.handle(request.id, ok("viP"));
        events(&mut machine);
    }
    let request = send(&mut machine);
    (machine, request)
}

#[test]
fn progress_never_overshoots_and_ends_at_total() {
    let (mut machine, last) = three_chunks_with_in_flight(12 * MIB, 2);
    let piece = piece_of(&last).0;
    let overhead = 300;
    let body = piece.len() + overhead;
    let mut previous = 0;
    for loaded in (0..=body).step_by(4096).chain([body]) {
        let p = machine.progress(last.id, loaded, body).unwrap();
        assert!(p.uploaded_bytes >= previous && p.uploaded_bytes <= p.total_bytes);
        previous = p.uploaded_bytes;
    }
    assert_eq!(previous, 12 * MIB);
    machine.handle(last.id, answer(201, Some("viP")));
    let standing = events(&mut machine).into_iter().find_map(|e| match e {
        Event::Acknowledged { piece: landed, standing, .. } if landed == piece => standing,
        _ => None,
    });
    assert_eq!(standing.unwrap().progress.uploaded_bytes, 12 * MIB);
}

#[test]
fn progress_fields_match_the_official_meaning() {
    let (mut machine, second) = three_chunks_with_in_flight(12 * MIB, 1);
    let p = machine.progress(second.id, 0, 100).unwrap();
    assert_eq!(p.current_chunk, 2);
    assert_eq!(p.chunks_count, 3);
    assert_eq!(p.chunks_bytes, 5 * MIB);
    assert_eq!(p.uploaded_bytes, 5 * MIB);
    assert_eq!(p.current_chunk_uploaded_bytes, 0);
}

#[test]
fn progress_with_a_zero_body_total_reports_nothing_sent() {
    let (mut machine, only) = three_chunks_with_in_flight(MIB, 0);
    assert_eq!(machine.progress(only.id, 10, 0).unwrap().uploaded_bytes, 0);
}

fn timed(video_id: &str, elapsed_ms: f64) -> Outcome {
    Outcome::Answered(Answer { status: 200, video_id: Some(video_id.into()), raw: "{}".into(), elapsed_ms, ..Answer::default() })
}

#[test]
fn auto_chunk_sizes_grow_on_a_fast_link_and_in_parallel_the_completing_piece_still_goes_last() {
    let mut options = parallel(2);
    options.auto_chunk_size = true;
    let mut machine = file(&options, 300 * MIB);
    let mut sent: Vec<Piece> = Vec::new();
    let mut ranges = Vec::new();
    while !machine.is_complete() {
        let wave = send_all(&mut machine);
        assert!(!wave.is_empty(), "never stuck: {machine:?}");
        for request in &wave {
            let Body::Piece { piece, content_range, .. } = &request.body else { panic!("a piece") };
            sent.push(*piece);
            ranges.push(content_range.clone());
        }
        check_flights(&machine, 2);
        // Every piece takes 2 s: the size doubles after each answer (twice after a wave of two).
        for request in wave {
            machine.handle(request.id, timed("viA", 2000.0));
        }
        events(&mut machine);
    }
    let sizes: Vec<u64> = sent.iter().map(|piece| piece.len() / MIB).collect();
    // The last round shares the rest equally between the two connections, and the
    // completing piece is 1 MiB.
    assert_eq!(sizes, [5, 10, 10, 40, 40, 97, 97, 1]);
    assert!(sent.windows(2).all(|pair| pair[0].end == pair[1].start) && sent.last().unwrap().end == 300 * MIB, "they tile the file");
    assert_eq!(ranges.first().unwrap(), "part 1/*");
    assert_eq!(ranges.last().unwrap(), "part 8/8");
    assert!(ranges[..7].iter().all(|range| range.ends_with("/*")));
    assert_eq!(machine.plan().unwrap().count(), 8);
}

#[test]
fn an_auto_chunked_upload_continues_from_the_bytes_and_the_size_an_earlier_page_recorded() {
    let mut options = options();
    options.auto_chunk_size = true;
    let mut machine = Machine::file(&options, 100 * MIB, "movie.mp4", 7).unwrap();
    assert!(!machine.continue_from("viOld", 2, None, None, None, None), "the bytes and the size are needed");
    assert!(!machine.continue_from("viOld", 2, Some(15 * MIB), None, None, None), "the size is needed");
    assert!(!machine.continue_from("viOld", 2, Some(15 * MIB), Some(129 * MIB), None, None), "no chunk is that large");
    assert!(machine.continue_from("viOld", 2, Some(15 * MIB), Some(20 * MIB), None, None));
    machine.start().unwrap();
    let (piece, video_id, _) = piece_of(&send(&mut machine));
    assert_eq!((piece.index, piece.start, piece.end, video_id.as_deref()), (2, 15 * MIB, 35 * MIB, Some("viOld")), "at the earlier page's size");
    assert_eq!(machine.leading_acknowledged(), (2, 15 * MIB));
    assert_eq!(machine.acknowledged_bytes(), 15 * MIB);
}

#[test]
fn after_a_resume_the_size_holds_while_pieces_may_be_the_earlier_pages_and_an_inferred_landing_is_not_timed() {
    let mut options = options();
    options.auto_chunk_size = true;
    let mut machine = Machine::file(&options, 200 * MIB, "movie.mp4", 7).unwrap();
    // Another page left 2 pieces of 5 MiB landed, cutting 5 MiB pieces.
    assert!(machine.continue_from("viOld", 2, Some(10 * MIB), Some(5 * MIB), None, None));
    machine.start().unwrap();
    // It may have cut pieces 3 to 10 (indices 2 to 9) at 5 MiB: fast answers change
    // nothing while those are being cut.
    for index in 2..9 {
        let request = send(&mut machine);
        assert_eq!((piece_of(&request).0.index, piece_of(&request).0.len()), (index, 5 * MIB));
        machine.handle(request.id, timed("viOld", 100.0));
        events(&mut machine);
    }
    assert_eq!(machine.plan().unwrap().chunk_size(), 5 * MIB);
    let request = send(&mut machine);
    assert_eq!(piece_of(&request).0.index, 9);
    machine.handle(request.id, failure(400, PART_ALREADY_SENT));
    events(&mut machine);
    assert_eq!(machine.plan().unwrap().chunk_size(), 5 * MIB, "no answer of this attempt, no time");
    let request = send(&mut machine);
    assert_eq!((piece_of(&request).0.index, piece_of(&request).0.len()), (10, 5 * MIB));
    machine.handle(request.id, timed("viOld", 100.0));
    assert_eq!(machine.plan().unwrap().chunk_size(), 10 * MIB, "then it grows");
}

#[test]
fn in_parallel_a_new_size_waits_until_every_piece_on_its_way_has_landed() {
    let mut options = parallel(3);
    options.auto_chunk_size = true;
    // Large enough that the last rounds are far.
    let mut machine = file(&options, 1000 * MIB);
    let first = send_all(&mut machine);
    machine.handle(first[0].id, timed("viA", 100.0));
    events(&mut machine);
    // The first answer doubled the size before any other piece was cut.
    let wave = send_all(&mut machine);
    assert!(wave.iter().all(|r| piece_of(r).0.len() == 10 * MIB), "{wave:?}");
    assert_eq!(wave.len(), 3);
    // One lands fast: 20 MiB is wanted, and nothing is cut until the other two land.
    machine.handle(wave[0].id, timed("viA", 100.0));
    assert_eq!(send_all(&mut machine).len(), 0);
    machine.handle(wave[1].id, timed("viA", 100.0));
    assert_eq!(send_all(&mut machine).len(), 0);
    machine.handle(wave[2].id, timed("viA", 100.0));
    let next = send_all(&mut machine);
    assert_eq!(next.len(), 3);
    assert!(next.iter().all(|r| piece_of(r).0.len() == 80 * MIB), "three fast answers, three doublings: {next:?}");
}

fn watched(ms: u32) -> UploadOptions {
    let mut options = options();
    options.stall_timeout_ms = Some(ms);
    options
}

/// The watchdog the machine arms now; panics on anything else.
fn watchdog(machine: &mut Machine, ms: f64) -> u32 {
    match machine.poll() {
        Step::Sleep { id, ms: set } if set == ms => id,
        other => panic!("expected a watchdog of {ms} ms, got {other:?}"),
    }
}

#[test]
fn a_piece_that_never_answers_ends_as_a_timeout_and_goes_again() {
    let mut machine = file(&watched(30_000), 20 * MIB);
    let first = send(&mut machine);
    let timer = watchdog(&mut machine, 30_000.0);
    assert_eq!(machine.poll(), Step::Wait, "one watchdog per request");
    assert!(machine.needs_timer(timer));
    machine.wake(timer);
    assert!(!machine.awaits(first.id), "the shell aborts the stalled request");
    let [Event::Retry { attempt: 1, reason: RetryReason::Timeout, error: UploadError::Timeout, .. }] = events(&mut machine)[..] else { panic!() };
    sleep_through(&mut machine);
    let again = send(&mut machine);
    assert_eq!((piece_of(&again).0, piece_of(&again).2), (piece_of(&first).0, 1));
    machine.handle(first.id, ok("vi1"));
    assert!(events(&mut machine).is_empty(), "the stalled request's late answer changes nothing");
}

#[test]
fn progress_rearms_the_watchdog_and_the_last_byte_gives_the_server_a_whole_period() {
    let mut machine = file(&watched(1_000), 20 * MIB);
    let request = send(&mut machine);
    let first = watchdog(&mut machine, 1_000.0);
    assert!(machine.progress(request.id, 10, 100).is_some());
    let second = watchdog(&mut machine, 1_000.0);
    assert!(!machine.needs_timer(first), "the shell may clear the old timer");
    machine.wake(first);
    assert!(machine.awaits(request.id), "a stale watchdog stalls nothing");
    assert!(machine.progress(request.id, 100, 100).is_some());
    let answer = watchdog(&mut machine, 1_000.0);
    assert!(!machine.needs_timer(second));
    machine.handle(request.id, ok("vi1"));
    assert!(!machine.needs_timer(answer), "an answered request's watchdog is gone");
    let next = send(&mut machine);
    assert_eq!(machine.poll(), Step::Sleep { id: next.id + 1, ms: 1_000.0 }, "the next piece is watched from its sending");
}

#[test]
fn parallel_pieces_are_watched_each_and_one_stall_retries_that_one_alone() {
    let mut options = watched(500);
    options.parallel_parts = 3;
    options.chunk_size = 5 * MIB;
    let mut machine = file(&options, 40 * MIB);
    let first = send(&mut machine);
    watchdog(&mut machine, 500.0);
    machine.handle(first.id, ok("vi1"));
    let mut sent = || (send(&mut machine), watchdog(&mut machine, 500.0));
    let ((a, ta), (b, tb), (c, tc)) = (sent(), sent(), sent());
    let timers = [ta, tb, tc];
    assert_eq!(machine.poll(), Step::Wait);
    machine.wake(timers[1]);
    assert!(machine.awaits(a.id) && !machine.awaits(b.id) && machine.awaits(c.id));
    assert!(machine.needs_timer(timers[0]) && machine.needs_timer(timers[2]));
}

#[test]
fn a_stall_on_every_try_settles_the_upload_with_a_timeout() {
    let mut options = watched(100);
    options.retries = 2;
    let mut machine = file(&options, 5 * MIB);
    for attempt in 0..3 {
        let request = send(&mut machine);
        assert_eq!(piece_of(&request).2, attempt);
        let timer = watchdog(&mut machine, 100.0);
        machine.wake(timer);
        if attempt < 2 {
            sleep_through(&mut machine);
        }
    }
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Timeout)));
}

#[test]
fn a_stalled_refresh_fails_and_a_stalled_read_of_the_video_completes_with_its_id() {
    let mut machine = file(&{
        let mut options = access_token();
        options.stall_timeout_ms = Some(100);
        options
    }, MIB);
    let piece = send(&mut machine);
    watchdog(&mut machine, 100.0);
    machine.handle(piece.id, failure(401, "x"));
    let refresh = send(&mut machine);
    assert!(matches!(refresh.body, Body::Json(_)));
    let timer = watchdog(&mut machine, 100.0);
    machine.wake(timer);
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Timeout)));

    let mut options = api_key();
    options.stall_timeout_ms = Some(100);
    let mut machine = file(&options, MIB);
    let piece = send(&mut machine);
    let timer = watchdog(&mut machine, 100.0);
    machine.wake(timer);
    sleep_through(&mut machine);
    let again = send(&mut machine);
    watchdog(&mut machine, 100.0);
    machine.handle(again.id, failure(400, ALREADY_UPLOADED));
    let read = send(&mut machine);
    assert_eq!(read.method, "GET");
    let timer = watchdog(&mut machine, 100.0);
    machine.wake(timer);
    assert_eq!(machine.poll(), Step::Complete { video_id: Some("viX".into()), answered: false });
    assert!(!machine.awaits(piece.id));
}

#[test]
fn no_stall_timeout_sets_no_watchdog() {
    let mut machine = file(&options(), 20 * MIB);
    let request = send(&mut machine);
    assert!(machine.progress(request.id, 1, 2).is_some());
    assert_eq!(machine.poll(), Step::Wait);
    let mut machine = file(&watched(1), 20 * MIB);
    machine.set_stall_timeout(Some(0));
    let _ = send(&mut machine);
    assert_eq!(machine.poll(), Step::Wait, "0 is no watchdog, as stallTimeout: 0");
}

#[test]
fn offline_pauses_without_spending_a_retry_and_online_resumes_at_once() {
    let mut machine = file(&options(), 20 * MIB);
    assert!(!Machine::file(&options(), MIB, "x", 1).unwrap().offline(), "an upload not started has nothing to pause");
    let first = send(&mut machine);
    assert!(machine.progress(first.id, 50, 100).is_some());
    assert!(machine.offline());
    assert!(!machine.offline(), "already paused");
    assert!(machine.is_paused());
    assert!(!machine.awaits(first.id), "the piece mid-body is given up");
    machine.handle(first.id, Outcome::Network);
    assert!(events(&mut machine).is_empty(), "no retry is spent on a network that is gone");
    assert_eq!(machine.poll(), Step::Wait);
    assert!(machine.online());
    assert!(!machine.online(), "once");
    let again = send(&mut machine);
    assert_eq!((piece_of(&again).0, piece_of(&again).2), (piece_of(&first).0, 0));
}

#[test]
fn a_backoff_under_way_when_the_network_goes_is_not_waited_out_after_it_returns() {
    let mut machine = file(&options(), 20 * MIB);
    let first = send(&mut machine);
    machine.handle(first.id, Outcome::Network);
    let Step::Sleep { id, .. } = machine.poll() else { panic!() };
    assert!(machine.offline());
    machine.wake(id);
    assert_eq!(machine.poll(), Step::Wait, "nothing goes while offline");
    assert!(machine.online());
    assert_eq!(piece_of(&send(&mut machine)).0, piece_of(&first).0);
}

#[test]
fn the_users_pause_outlasts_the_network_and_the_users_resume_ends_an_offline_pause() {
    let mut machine = file(&options(), 20 * MIB);
    let _ = send(&mut machine);
    assert!(machine.offline());
    assert!(!machine.pause(), "paused already, but now the user's pause");
    assert!(!machine.online(), "coming back online does not end the user's pause");
    assert!(machine.is_paused());
    assert!(machine.resume());
    let _ = send(&mut machine);
    assert!(machine.offline());
    assert!(machine.resume(), "the user may resume while offline");
    assert!(!machine.online(), "and online then has nothing to resume");
    assert!(machine.pause());
    assert!(!machine.offline(), "a paused upload is not paused again by the network");
    assert!(!machine.online());
    assert!(machine.is_paused());
}

#[test]
fn offline_after_the_end_changes_nothing() {
    let mut machine = file(&options(), MIB);
    let request = send(&mut machine);
    machine.handle(request.id, ok("vi1"));
    assert!(!machine.offline());
    machine.cancel();
    let mut machine = file(&options(), MIB);
    machine.cancel();
    assert!(!machine.offline(), "a failed upload has nothing to pause");
}

#[test]
fn a_recorded_video_that_is_gone_or_forbidden_is_given_up_once_for_a_new_one() {
    for status in [404, 403] {
        let mut options = parallel(2);
        options.chunk_size = 5 * MIB;
        let mut machine = Machine::file(&options, 20 * MIB, "movie.mp4", 7).unwrap();
        assert!(machine.continue_from("viGone", 1, None, None, None, None));
        assert_eq!(machine.start(), Ok(false));
        let (first, second) = (send(&mut machine), send(&mut machine));
        assert_eq!((piece_of(&first).0.index, piece_of(&first).1.as_deref()), (1, Some("viGone")));
        machine.handle(first.id, failure(status, "x"));
        assert_eq!(events(&mut machine), [Event::Warning(Warning::ResumedVideoGone)]);
        assert!(!machine.awaits(second.id), "the other piece into the gone video is given up");
        assert_eq!(machine.video_id(), None);
        assert_eq!(machine.acknowledged_bytes(), 0);

        // From the first piece, alone, into a new video; then as any upload.
        let again = send(&mut machine);
        assert_eq!(machine.poll(), Step::Wait, "the first piece goes alone");
        assert_eq!((piece_of(&again).0.index, piece_of(&again).1), (0, None));
        assert_eq!(piece_of(&again).0.range.header(), "part 1/4");
        machine.handle(again.id, ok("viNew"));
        let _ = events(&mut machine);
        let next = send(&mut machine);
        assert_eq!((piece_of(&next).0.index, piece_of(&next).1.as_deref()), (1, Some("viNew")));

        // Once: the new video gone too is a failure like any other.
        machine.handle(next.id, failure(status, "x"));
        assert!(matches!(machine.poll(), Step::Failed(e) if matches!(*e, UploadError::Http { status: s, .. } if s == status)));
    }
}

#[test]
fn a_video_named_by_the_options_is_never_given_up() {
    let mut options = options();
    options.video_id = Some("viMine".into());
    let mut machine = Machine::file(&options, 20 * MIB, "movie.mp4", 7).unwrap();
    assert!(machine.continue_from("viMine", 1, None, None, None, None));
    assert_eq!(machine.start(), Ok(false));
    let request = send(&mut machine);
    machine.handle(request.id, failure(404, "x"));
    assert!(events(&mut machine).is_empty());
    assert!(matches!(machine.poll(), Step::Failed(e) if matches!(*e, UploadError::Http { status: 404, .. })));

    let mut machine = file(&options, 20 * MIB);
    let request = send(&mut machine);
    machine.handle(request.id, failure(404, "x"));
    assert!(matches!(machine.poll(), Step::Failed(e) if matches!(*e, UploadError::Http { status: 404, .. })), "not continued: a plain failure");
}

#[test]
fn a_strategy_that_answers_no_delay_gives_up() {
    for answer in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut machine = file(&options(), MIB);
        machine.set_retry_strategy(Rc::new(move |_, _: &UploadError| Some(answer)));
        let request = send(&mut machine);
        machine.handle(request.id, Outcome::Network);
        assert!(events(&mut machine).is_empty(), "{answer}: no retry");
        assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Network)), "{answer}");
    }
}

#[test]
fn a_continued_upload_of_the_largest_chunks_goes_into_the_recorded_video() {
    let mut options = options();
    options.chunk_size = MAX_CHUNK_SIZE;
    let mut machine = Machine::file(&options, 300 * MIB, "movie.mp4", 7).unwrap();
    assert!(machine.continue_from("viOld", 2, Some(2 * MAX_CHUNK_SIZE), Some(MAX_CHUNK_SIZE), Some(2), None));
    assert_eq!(machine.start(), Ok(false));
    let (piece, video_id, _) = piece_of(&send(&mut machine));
    assert_eq!((piece.index, piece.start, video_id.as_deref()), (2, 2 * MAX_CHUNK_SIZE, Some("viOld")));
}

#[test]
fn a_stall_timeout_set_later_watches_the_next_request() {
    let mut machine = file(&options(), 20 * MIB);
    machine.set_stall_timeout(Some(500));
    let request = send(&mut machine);
    assert_eq!(watchdog(&mut machine, 500.0), request.id + 1);
    assert_eq!(machine.video_id(), None);
    assert_eq!(machine.in_flight(), Some(piece_of(&request).0));
    machine.handle(request.id, ok("vi1"));
    assert_eq!(machine.video_id(), Some("vi1"));
    assert_eq!(machine.in_flight(), None);
}

#[test]
fn a_body_of_unknown_size_is_never_taken_as_sent() {
    // Progress of 0 of 0 bytes (a test double's events) says nothing of the body: a pause
    // gives the piece up.
    let mut machine = file(&options(), 20 * MIB);
    let request = send(&mut machine);
    assert!(machine.progress(request.id, 0, 0).is_some());
    assert!(machine.pause());
    assert!(!machine.awaits(request.id));
}

#[test]
fn while_a_token_is_renewed_only_the_refresh_is_awaited_and_its_refusal_is_the_failure() {
    let mut machine = file(&access_token(), MIB);
    let piece = send(&mut machine);
    machine.handle(piece.id, failure(401, "x"));
    let refresh = send(&mut machine);
    assert!(machine.awaits(refresh.id));
    assert!(!machine.awaits(piece.id), "the piece that met the 401 is not awaited");
    assert_eq!(machine.awaiting(), Some(refresh.id));
    machine.handle(refresh.id, failure(400, "x"));
    assert!(matches!(machine.poll(), Step::Failed(e) if matches!(*e, UploadError::Http { status: 400, .. })), "the refresh's own status, not an invalid response");
}

#[test]
fn a_stream_that_fails_forgets_its_queued_parts() {
    let mut machine = stream(&options());
    let part = machine.push(6 * MIB).unwrap().unwrap();
    assert_eq!((part.piece().index, part.piece().start, part.piece().end), (0, 0, 6 * MIB));
    let request = send(&mut machine);
    assert_eq!(piece_of(&request).0.len(), 6 * MIB);
    machine.push(6 * MIB).unwrap();
    machine.cancel();
    assert_eq!(machine.poll(), Step::Failed(Rc::new(UploadError::Aborted)));
    assert_eq!(machine.poll(), Step::Wait, "no queued part is sent after a failure");
}

#[test]
fn warnings_say_what_happened_in_words() {
    assert!(Warning::VideoIdMissing.message().contains("without a videoId"));
    assert!(Warning::ResumedVideoGone.message().contains("into a new video"));
}

#[test]
fn a_stream_part_whose_answer_was_lost_is_told_it_landed_and_goes_on() {
    let mut machine = stream(&options());
    machine.push(6 * MIB).unwrap();
    let first = send(&mut machine);
    machine.handle(first.id, ok("vi1"));
    machine.push(6 * MIB).unwrap();
    let second = send(&mut machine);
    // The server has part 2; its answer is lost on the way back.
    machine.handle(second.id, Outcome::Network);
    sleep_through(&mut machine);
    let again = send(&mut machine);
    assert_eq!(piece_of(&again).0, piece_of(&second).0, "part 2 again");
    machine.handle(again.id, failure(400, PART_ALREADY_SENT));
    machine.push_last(MIB).unwrap();
    let last = send(&mut machine);
    let Body::Piece { content_range, .. } = &last.body else { panic!() };
    assert_eq!(content_range, "part 3/3");
    // The completing part's answer is lost too; its retry is told the video is complete.
    machine.handle(last.id, Outcome::Network);
    sleep_through(&mut machine);
    let again = send(&mut machine);
    machine.handle(again.id, failure(400, ALREADY_UPLOADED));
    assert!(matches!(machine.poll(), Step::Complete { answered: false, .. }));
}
