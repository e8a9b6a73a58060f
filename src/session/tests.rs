//! Conversations with the session: each test plays the server's part.

use std::cell::RefCell;
use std::rc::Rc;

use super::*;
use crate::options::{Credentials, Origin};

const PART_ALREADY_SENT: &str = "video-content-range-by-part-part-already-sent";
const ALREADY_UPLOADED: &str = "video-source-already-uploaded";

const MIB: u64 = 1024 * 1024;

fn options() -> UploadOptions {
    let mut options = UploadOptions::with_upload_token("to123");
    options.chunk_size = 8 * MIB;
    options.api_host = "http://127.0.0.1:8787".into();
    options
}

fn session(options: &UploadOptions, size: u64) -> Session {
    Session::new(options, size, "movie.mp4", 7).unwrap()
}

fn ok(video_id: &str) -> Outcome {
    Outcome::Success { status: 200, video_id: Some(video_id.into()), raw: String::new() }
}

fn failure(status: u16, slug: &str) -> Outcome {
    let problem = Problem { type_: Some(format!("https://docs.api.video/reference/{slug}")), ..Problem::default() };
    Outcome::Failure { status, problem, raw: "{}".into(), retry_after_ms: None }
}

#[test]
fn chunked_upload_chains_the_first_video_id() {
    let mut session = session(&options(), 48 * MIB);
    let mut ranges = Vec::new();
    for i in 0..6u32 {
        let request = session.poll_request().expect("a request");
        assert_eq!(session.poll_request(), None, "one request at a time");
        assert_eq!(request.url, "http://127.0.0.1:8787/upload?token=to123");
        assert_eq!(request.file_name, "movie.mp4");
        assert_eq!(request.video_id.as_deref(), if i == 0 { None } else { Some("vi1") });
        assert_eq!(request.chunk.start, u64::from(i) * 8 * MIB);
        assert_eq!(request.attempt, 0);
        assert!(request.headers.iter().any(|(name, _)| *name == "AV-Origin-Client"));
        assert!(request.headers.iter().all(|(name, _)| *name != "Authorization"));
        ranges.push(request.content_range);
        let step = session.handle_outcome(ok("vi1")).unwrap();
        if i < 5 {
            assert_eq!(step, Step::Continue(Progress::acknowledged(session.plan(), &request.chunk)));
        } else {
            let Step::Complete(progress) = step else { panic!("expected completion") };
            assert_eq!(progress.uploaded_bytes, 48 * MIB);
        }
    }
    assert_eq!(ranges, ["part 1/6", "part 2/6", "part 3/6", "part 4/6", "part 5/6", "part 6/6"]);
    assert_eq!(session.poll_request(), None);
    assert!(session.is_finished());
}

#[test]
fn given_video_id_is_sent_from_the_first_chunk() {
    let mut with_id = options();
    with_id.video_id = Some("viExisting".into());
    with_id.video_name = Some("Holiday".into());
    let mut session = session(&with_id, MIB);
    let request = session.poll_request().unwrap();
    assert_eq!(request.video_id.as_deref(), Some("viExisting"));
    assert_eq!(request.file_name, "Holiday");
    assert_eq!(request.content_range, "part 1/1");
}

#[test]
fn server_errors_are_retried_with_growing_jittered_delays_and_the_count_resets() {
    let mut session = session(&options(), 20 * MIB);
    let _ = session.poll_request().unwrap();
    let Step::Resend(Resend::Retry { delay_ms, attempt, reason, error }) = session.handle_outcome(failure(503, "x")).unwrap() else {
        panic!("503 is retried")
    };
    assert_eq!((attempt, reason, error.code()), (1, RetryReason::ServerError, "SERVER_ERROR"));
    assert!((500.0..=1000.0).contains(&delay_ms), "{delay_ms}");
    let again = session.poll_request().unwrap();
    assert_eq!((again.chunk.index, again.attempt), (0, 1), "the same chunk, second attempt");
    let Step::Resend(Resend::Retry { delay_ms, attempt, .. }) = session.handle_outcome(Outcome::Network).unwrap() else { panic!() };
    assert_eq!(attempt, 2);
    assert!((1000.0..=2000.0).contains(&delay_ms), "{delay_ms}");
    let _ = session.poll_request().unwrap();
    assert!(matches!(session.handle_outcome(ok("vi1")).unwrap(), Step::Continue(_)));
    let next = session.poll_request().unwrap();
    assert_eq!((next.chunk.index, next.attempt), (1, 0), "attempts start again after a success");
}

#[test]
fn gives_up_after_the_configured_retries() {
    let mut few = options();
    few.retries = 2;
    let mut session = session(&few, MIB);
    for attempt in 1..=2 {
        let _ = session.poll_request().unwrap();
        assert!(matches!(session.handle_outcome(Outcome::Timeout).unwrap(), Step::Resend(Resend::Retry { attempt: a, .. }) if a == attempt));
    }
    let _ = session.poll_request().unwrap();
    assert_eq!(session.handle_outcome(Outcome::Timeout).unwrap_err(), UploadError::Timeout);
    assert_eq!(session.poll_request(), None);
}

#[test]
fn client_errors_are_final() {
    for status in [400, 401, 403, 404, 413, 501] {
        let mut session = session(&options(), MIB);
        let _ = session.poll_request().unwrap();
        let error = session.handle_outcome(failure(status, "x")).unwrap_err();
        assert_eq!(error.status(), Some(status));
        assert_eq!(session.poll_request(), None);
    }
}

#[test]
fn rate_limits_wait_at_least_retry_after() {
    let mut session = session(&options(), MIB);
    let _ = session.poll_request().unwrap();
    let limited = Outcome::Failure { status: 429, problem: Problem::default(), raw: String::new(), retry_after_ms: Some(9000.0) };
    let Step::Resend(Resend::Retry { delay_ms, reason, .. }) = session.handle_outcome(limited).unwrap() else { panic!() };
    assert_eq!((delay_ms, reason), (9000.0, RetryReason::RateLimited));
}

#[test]
fn a_retry_told_the_part_already_landed_is_a_success() {
    let mut session = session(&options(), 20 * MIB);
    let _ = session.poll_request().unwrap();
    session.handle_outcome(ok("vi1")).unwrap();
    let _ = session.poll_request().unwrap();
    // The answer to part 2 is lost; its retry is told the part is already there.
    assert!(matches!(session.handle_outcome(Outcome::Network).unwrap(), Step::Resend(Resend::Retry { .. })));
    let _ = session.poll_request().unwrap();
    let step = session.handle_outcome(failure(400, PART_ALREADY_SENT)).unwrap();
    assert!(matches!(step, Step::Continue(p) if p.uploaded_bytes == 16 * MIB), "{step:?}");
    // The last part's answer is lost too; its retry is told the video is complete.
    let _ = session.poll_request().unwrap();
    assert!(matches!(session.handle_outcome(failure(502, "x")).unwrap(), Step::Resend(Resend::Retry { .. })));
    let _ = session.poll_request().unwrap();
    assert!(matches!(session.handle_outcome(failure(400, ALREADY_UPLOADED)).unwrap(), Step::Complete(_)));
}

#[test]
fn already_sent_on_a_first_attempt_is_not_masked() {
    let mut session = session(&options(), 20 * MIB);
    let _ = session.poll_request().unwrap();
    session.handle_outcome(ok("vi1")).unwrap();
    let _ = session.poll_request().unwrap();
    let error = session.handle_outcome(failure(400, PART_ALREADY_SENT)).unwrap_err();
    assert_eq!(error.code(), "BAD_REQUEST");
}

#[test]
fn pause_aborts_and_resume_resends_the_same_chunk() {
    let mut session = session(&options(), 20 * MIB);
    let first = session.poll_request().unwrap();
    assert!(session.pause());
    assert!(!session.pause(), "already paused");
    assert_eq!(session.handle_outcome(Outcome::Aborted).unwrap(), Step::Resend(Resend::Paused));
    assert_eq!(session.poll_request(), None, "nothing starts while paused");
    assert!(session.resume());
    let again = session.poll_request().unwrap();
    assert_eq!((again.chunk, again.attempt), (first.chunk, 0), "a pause is not a failed attempt");
    assert!(!session.resume());
}

#[test]
fn abort_without_pause_is_a_cancel() {
    let mut session = session(&options(), MIB);
    let _ = session.poll_request().unwrap();
    assert_eq!(session.handle_outcome(Outcome::Aborted).unwrap_err(), UploadError::Aborted);
    assert!(!session.pause(), "a finished upload cannot pause");
}

#[test]
fn an_expired_access_token_is_refreshed_once_per_chunk() {
    let mut api = options();
    api.credentials = Credentials::AccessToken { access_token: "old".into(), refresh_token: Some("r\"1".into()) };
    api.video_id = Some("viX".into());
    let mut session = session(&api, 20 * MIB);
    let first = session.poll_request().unwrap();
    assert_eq!(first.url, "http://127.0.0.1:8787/videos/viX/source");
    assert!(first.headers.contains(&("Authorization", "Bearer old".to_owned())));
    let step = session.handle_outcome(failure(401, "x")).unwrap();
    let expected = Resend::Refresh { url: "http://127.0.0.1:8787/auth/refresh".into(), body: r#"{"refreshToken":"r\"1"}"#.into() };
    assert_eq!(step, Step::Resend(expected));
    session.handle_refresh(Ok(("new".into(), "r2".into()))).unwrap();
    let replay = session.poll_request().unwrap();
    assert_eq!((replay.chunk.index, replay.attempt), (0, 0));
    assert!(replay.headers.contains(&("Authorization", "Bearer new".to_owned())));
    assert_eq!(session.handle_outcome(failure(401, "x")).unwrap_err().code(), "UNAUTHORIZED", "no second refresh for a chunk");
}

#[test]
fn a_failed_refresh_ends_the_upload() {
    let mut api = options();
    api.credentials = Credentials::AccessToken { access_token: "old".into(), refresh_token: Some("r".into()) };
    api.video_id = Some("viX".into());
    let mut session = session(&api, MIB);
    let _ = session.poll_request().unwrap();
    assert!(matches!(session.handle_outcome(failure(401, "x")).unwrap(), Step::Resend(Resend::Refresh { .. })));
    let error = UploadError::Http { status: 400, problem: Problem::default(), raw: String::new() };
    assert_eq!(session.handle_refresh(Err(error.clone())), Err(error));
    assert_eq!(session.poll_request(), None);
}

#[test]
fn a_custom_strategy_decides_with_the_official_arguments() {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let seen = calls.clone();
    let mut session = session(&options(), MIB);
    session.set_retry_strategy(Rc::new(move |count, error: &UploadError| {
        seen.borrow_mut().push((count, error.code()));
        // Retries even a 400, twice, then stops: the strategy has the last word.
        (count < 2).then_some(10.0)
    }));
    for _ in 0..2 {
        let _ = session.poll_request().unwrap();
        assert!(matches!(session.handle_outcome(failure(400, "x")).unwrap(), Step::Resend(Resend::Retry { delay_ms, .. }) if delay_ms == 10.0));
    }
    let _ = session.poll_request().unwrap();
    assert!(session.handle_outcome(failure(400, "x")).is_err());
    assert_eq!(*calls.borrow(), [(0, "BAD_REQUEST"), (1, "BAD_REQUEST"), (2, "BAD_REQUEST")]);
}

#[test]
fn origins_reach_the_headers() {
    let mut with_origin = options();
    with_origin.application = Some(Origin { name: "app".into(), version: "1.0".into() });
    let mut session = session(&with_origin, MIB);
    let request = session.poll_request().unwrap();
    assert!(request.headers.contains(&("AV-Origin-App", "app:1.0".to_owned())));
}

#[test]
fn missing_or_changed_video_id_is_an_error() {
    let mut session = session(&options(), 20 * MIB);
    let _ = session.poll_request().unwrap();
    let missing = Outcome::Success { status: 200, video_id: None, raw: "{}".into() };
    assert_eq!(session.handle_outcome(missing).unwrap_err().code(), "RESPONSE_INVALID");

    let mut session = self::session(&options(), 20 * MIB);
    let _ = session.poll_request().unwrap();
    session.handle_outcome(ok("vi1")).unwrap();
    let _ = session.poll_request().unwrap();
    assert_eq!(session.handle_outcome(ok("vi2")).unwrap_err().code(), "RESPONSE_INVALID");
}

#[test]
fn outcome_without_request_is_rejected_not_panicking() {
    let mut session = session(&options(), MIB);
    assert!(session.handle_outcome(ok("vi1")).is_err());
}

#[test]
fn progress_only_while_in_flight() {
    let mut session = session(&options(), 10 * MIB);
    assert_eq!(session.progress(1, 2), None);
    let _ = session.poll_request().unwrap();
    assert_eq!(session.progress(50, 100).unwrap().uploaded_bytes, 4 * MIB);
}

#[test]
fn bad_options_and_empty_files_fail_up_front() {
    let mut bad = options();
    bad.chunk_size = MIB;
    assert_eq!(Session::new(&bad, MIB, "x", 0).unwrap_err().code(), "CHUNK_SIZE_INVALID");
    assert_eq!(Session::new(&options(), 0, "x", 0).unwrap_err().code(), "FILE_EMPTY");
}

#[test]
fn a_failed_upload_revives_at_the_failed_chunk_of_the_same_video() {
    let mut few = options();
    few.retries = 0;
    let mut session = session(&few, 20 * MIB);
    let _ = session.poll_request().unwrap();
    session.handle_outcome(ok("vi1")).unwrap();
    let _ = session.poll_request().unwrap();
    assert!(session.handle_outcome(Outcome::Network).is_err());
    assert!(session.is_finished() && !session.is_complete());
    assert!(session.revive());
    let again = session.poll_request().unwrap();
    assert_eq!((again.chunk.index, again.video_id.as_deref(), again.attempt), (1, Some("vi1"), 0));
    session.handle_outcome(ok("vi1")).unwrap();
    let _ = session.poll_request().unwrap();
    assert!(matches!(session.handle_outcome(ok("vi1")).unwrap(), Step::Complete(_)));
    assert!(!session.revive(), "a complete upload stays complete");
}

#[test]
fn the_default_is_six_retries_as_the_official_uploader() {
    let mut session = session(&options(), MIB);
    for attempt in 1..=6 {
        let _ = session.poll_request().unwrap();
        assert!(matches!(session.handle_outcome(failure(500, "x")).unwrap(), Step::Resend(Resend::Retry { attempt: a, .. }) if a == attempt));
    }
    let _ = session.poll_request().unwrap();
    assert_eq!(session.handle_outcome(failure(500, "x")).unwrap_err().status(), Some(500), "the seventh failure is final");
}
