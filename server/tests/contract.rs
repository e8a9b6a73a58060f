//! The rest of the contract through the real router: token listing and deletion, video
//! containers and metadata, uploads with API credentials, bytes ranges, status, durability.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn upload_tokens_list_get_delete() {
    let server = server();
    let mut created = Vec::new();
    for ttl in [0, 100, 3600] {
        created.push(create_token(&server, &json!({ "ttl": ttl }).to_string()).await.1["token"].as_str().unwrap().to_owned());
    }
    let expiring = create_token(&server, r#"{"ttl":1}"#).await.1["token"].as_str().unwrap().to_owned();
    age_token(&server, &expiring);

    let (status, list) = send(&server, authed("GET", "/upload-tokens?currentPage=1&pageSize=25", None)).await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<&str> = list["data"].as_array().unwrap().iter().map(|t| t["token"].as_str().unwrap()).collect();
    assert_eq!(listed, created.iter().map(String::as_str).collect::<Vec<_>>(), "expired tokens are not listed");
    assert_eq!(list["pagination"]["itemsTotal"], 3);
    assert_eq!(list["pagination"]["links"][0], json!({"rel": "self", "uri": "/upload-tokens?currentPage=1&pageSize=25"}));

    let (_, by_ttl) = send(&server, authed("GET", "/upload-tokens?sortBy=ttl&sortOrder=desc&pageSize=2", None)).await;
    let ttls: Vec<u64> = by_ttl["data"].as_array().unwrap().iter().map(|t| t["ttl"].as_u64().unwrap()).collect();
    assert_eq!(ttls, [3600, 100]);
    assert_eq!(by_ttl["pagination"]["pagesTotal"], 2);
    assert_eq!(by_ttl["pagination"]["links"][2]["rel"], "next");
    let (status, bad) = send(&server, authed("GET", "/upload-tokens?pageSize=101", None)).await;
    assert_eq!((status, bad["name"].as_str()), (StatusCode::BAD_REQUEST, Some("pageSize")));
    let (status, _) = send(&server, authed("GET", "/upload-tokens?sortBy=size", None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, one) = send(&server, authed("GET", &format!("/upload-tokens/{}", created[0]), None)).await;
    assert_eq!((status, one["ttl"].as_u64()), (StatusCode::OK, Some(0)));
    assert!(one.get("expiresAt").is_none());
    let (status, _) = send(&server, authed("GET", &format!("/upload-tokens/{expiring}"), None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = send(&server, authed("DELETE", &format!("/upload-tokens/{}", created[1]), None)).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, serde_json::Value::Null));
    let (status, body) = send(&server, authed("DELETE", &format!("/upload-tokens/{}", created[1]), None)).await;
    assert_eq!((status, slug(&body)), (StatusCode::NOT_FOUND, "resource-not-found"));
    let (status, body) = upload(&server, &created[1], None, None, b"x").await;
    assert_eq!((status, slug(&body)), (StatusCode::UNAUTHORIZED, "authentication-invalid-upload-token"));
}

#[tokio::test]
async fn a_token_upload_started_in_time_may_finish_after_expiry() {
    let server = server();
    let token = create_token(&server, r#"{"ttl":100}"#).await.1["token"].as_str().unwrap().to_owned();
    let file = data(5 * MIB + 10, 4);
    let (status, first) = upload(&server, &token, Some("part 1/2"), None, &file[..5 * MIB]).await;
    assert_eq!(status, StatusCode::OK);
    // Age the token past its TTL (no sleeping: the test does not depend on timing).
    age_token(&server, &token);
    let id = first["videoId"].as_str().unwrap();
    let (status, _) = upload(&server, &token, Some("part 2/2"), Some(id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = upload(&server, &token, None, None, b"new upload").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "but it cannot start a new one");
}

#[tokio::test]
async fn video_container_metadata_source_status_delete() {
    let server = server();
    let (status, _) = send(&server, authed("POST", "/videos", Some(json!({ "description": "no title" })))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, video) = send(
        &server,
        authed("POST", "/videos", Some(json!({ "title": "Maths", "tags": ["a"], "metadata": [{"key": "Author", "value": "John"}], "public": false }))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = video["videoId"].as_str().unwrap().to_owned();
    assert_eq!((video["title"].as_str(), video["public"].as_bool()), (Some("Maths"), Some(false)));
    assert_eq!(video["metadata"], json!([{"key": "Author", "value": "John"}]));

    let (_, status_body) = send(&server, authed("GET", &format!("/videos/{id}/status"), None)).await;
    assert_eq!(status_body["ingest"]["status"], serde_json::Value::Null);

    let file = data(2 * 5 * MIB + 7, 5);
    let (status, body) = upload_source(&server, &id, Some("part 1/3"), &file[..5 * MIB]).await;
    assert_eq!((status, body["videoId"].as_str()), (StatusCode::OK, Some(id.as_str())));
    let (status, body) = upload_source(&server, &id, Some("part 3/3"), &file[10 * MIB..]).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (_, progress) = send(&server, authed("GET", &format!("/videos/{id}/status"), None)).await;
    assert_eq!(progress["ingest"]["status"], "uploading");
    assert_eq!(progress["ingest"]["receivedParts"], json!({ "parts": [1, 3], "total": 3 }));
    assert_eq!(progress["ingest"]["receivedBytes"], json!([{ "from": 0, "to": 5 * MIB - 1, "total": null }]));

    let (status, done) = upload_source(&server, &id, Some("part 2/3"), &file[5 * MIB..10 * MIB]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(done["title"], "Maths", "a container keeps its own title");
    assert_eq!(std::fs::read(server.data.join("videos").join(&id).join("source")).unwrap(), file);
    let (_, finished) = send(&server, authed("GET", &format!("/videos/{id}/status"), None)).await;
    assert_eq!(finished["ingest"]["status"], "uploaded");
    assert_eq!(finished["encoding"]["playable"], true);

    let (status, patched) =
        send(&server, authed("PATCH", &format!("/videos/{id}"), Some(json!({ "title": "Physics", "tags": ["b", "c"] })))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((patched["title"].as_str(), patched["tags"].clone()), (Some("Physics"), json!(["b", "c"])));
    assert_eq!(patched["metadata"], json!([{"key": "Author", "value": "John"}]), "PATCH leaves other fields");

    let (status, list) = send(&server, authed("GET", "/videos?title=Physics", None)).await;
    assert_eq!((status, list["pagination"]["itemsTotal"].as_u64()), (StatusCode::OK, Some(1)));

    let (status, _) = send(&server, authed("DELETE", &format!("/videos/{id}"), None)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!server.data.join("videos").join(&id).exists());
    for (method, uri) in [("GET", format!("/videos/{id}")), ("DELETE", format!("/videos/{id}")), ("GET", format!("/videos/{id}/status"))] {
        let (status, body) = send(&server, authed(method, &uri, None)).await;
        assert_eq!((status, body["name"].as_str()), (StatusCode::NOT_FOUND, Some("videoId")), "{method} {uri}");
    }
    let (status, _) = upload_source(&server, &id, None, b"x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn source_upload_needs_api_credentials() {
    let server = server();
    let (_, video) = send(&server, authed("POST", "/videos", Some(json!({ "title": "t" })))).await;
    let id = video["videoId"].as_str().unwrap();
    let (content_type, body) = multipart(None, "a.mp4", b"data");
    let request = axum::http::Request::post(format!("/videos/{id}/source"))
        .header(axum::http::header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
        .unwrap();
    let (status, _) = send(&server, request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bytes_ranges_assemble_and_do_not_mix_with_parts() {
    let server = server();
    let token = token(&server).await;
    let file = data(2 * 5 * MIB + 99, 6);
    let total = file.len();
    let range = |from: usize, to: usize| format!("bytes {from}-{to}/{total}");
    let (status, first) = upload(&server, &token, Some(&range(0, 5 * MIB - 1)), None, &file[..5 * MIB]).await;
    assert_eq!(status, StatusCode::OK);
    let id = first["videoId"].as_str().unwrap().to_owned();

    let (status, body) = upload(&server, &token, Some("part 2/3"), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "video-content-range-started-with-bytes"));
    let (status, body) = upload(&server, &token, Some(&range(5, 5 * MIB + 4)), Some(&id), &file[5..5 * MIB + 5]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "video-content-range-by-bytes-range-overlap"));
    let (status, body) = upload(&server, &token, Some(&range(5 * MIB, 10 * MIB)), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "video-content-range-by-bytes-range-mismatch"));
    let (status, body) = upload(&server, &token, None, Some(&id), &file[5 * MIB..]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "video-content-range-already-initiated"));

    let (status, _) = upload(&server, &token, Some(&range(10 * MIB, total - 1)), Some(&id), &file[10 * MIB..]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, progress) = send(&server, authed("GET", &format!("/videos/{id}/status"), None)).await;
    assert_eq!(
        progress["ingest"]["receivedBytes"],
        json!([{"from": 0, "to": 5 * MIB - 1, "total": total}, {"from": 10 * MIB, "to": total - 1, "total": total}])
    );
    let (status, _) = upload(&server, &token, Some(&format!("bytes {}-{}/*", 5 * MIB, 10 * MIB - 1)), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(std::fs::read(server.data.join("videos").join(&id).join("source")).unwrap(), file);
}

#[tokio::test]
async fn progressive_parts_with_unknown_total() {
    let server = server();
    let token = token(&server).await;
    let file = data(2 * 5 * MIB + 1234, 8);
    let (_, first) = upload(&server, &token, Some("part 1/*"), None, &file[..5 * MIB]).await;
    let id = first["videoId"].as_str().unwrap().to_owned();
    let (status, body) = upload(&server, &token, Some("part 2/*"), Some(&id), &file[5 * MIB..5 * MIB + 10]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "video-content-range-by-part-uploaded-file-too-small"));
    let (status, _) = upload(&server, &token, Some("part 2/*"), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = upload(&server, &token, Some("part 2/*"), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "video-content-range-by-part-part-already-sent"));
    let (status, _) = upload(&server, &token, Some("part 3/3"), Some(&id), &file[10 * MIB..]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(std::fs::read(server.data.join("videos").join(&id).join("source")).unwrap(), file);
}

#[tokio::test]
async fn a_restarted_server_continues_the_upload() {
    let mut server = server();
    let token = token(&server).await;
    let file = data(2 * 5 * MIB + 3, 9);
    let (_, first) = upload(&server, &token, Some("part 1/3"), None, &file[..5 * MIB]).await;
    let id = first["videoId"].as_str().unwrap().to_owned();
    let (status, _) = upload(&server, &token, Some("part 2/3"), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!(status, StatusCode::OK);

    server.app = app_over(&server.data);
    let (status, body) = upload(&server, &token, Some("part 2/3"), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "video-content-range-by-part-part-already-sent"), "the restart forgot nothing");
    let (status, _) = upload(&server, &token, Some("part 3/3"), Some(&id), &file[10 * MIB..]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(std::fs::read(server.data.join("videos").join(&id).join("source")).unwrap(), file);
}

#[tokio::test]
async fn in_order_chunks_are_written_once_and_a_cut_append_leaves_nothing() {
    let mut server = server();
    let token = token(&server).await;
    let file = data(10 * MIB + 3, 12);
    let (_, first) = upload(&server, &token, Some("part 1/3"), None, &file[..5 * MIB]).await;
    let id = first["videoId"].as_str().unwrap().to_owned();
    let dir = server.data.join("videos").join(&id);
    assert_eq!(std::fs::read(dir.join("source.partial")).unwrap(), &file[..5 * MIB], "part 1 starts the source");

    // A crash in the middle of appending part 2: its first bytes are on disk, unrecorded.
    let mut cut = std::fs::OpenOptions::new().append(true).open(dir.join("source.partial")).unwrap();
    std::io::Write::write_all(&mut cut, &file[5 * MIB..6 * MIB]).unwrap();
    drop(cut);
    server.app = app_over(&server.data);

    let (status, _) = upload(&server, &token, Some("part 2/3"), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(std::fs::read(dir.join("source.partial")).unwrap(), &file[..10 * MIB], "the cut bytes were replaced, not kept");
    let (status, _) = upload(&server, &token, Some("part 3/3"), Some(&id), &file[10 * MIB..]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(std::fs::read(dir.join("source")).unwrap(), file);
    assert!(!dir.join("parts").exists(), "no chunk was kept apart: each byte was written once");
    assert!(!dir.join("source.partial").exists());
}

#[tokio::test]
async fn an_out_of_order_chunk_is_kept_apart_and_copied_in() {
    let server = server();
    let token = token(&server).await;
    let file = data(10 * MIB + 9, 13);
    let (_, first) = upload(&server, &token, Some("part 1/3"), None, &file[..5 * MIB]).await;
    let id = first["videoId"].as_str().unwrap().to_owned();
    let (status, _) = upload(&server, &token, Some("part 3/3"), Some(&id), &file[10 * MIB..]).await;
    assert_eq!(status, StatusCode::OK);
    let dir = server.data.join("videos").join(&id);
    assert_eq!(std::fs::read(dir.join("parts/3")).unwrap(), &file[10 * MIB..]);
    let (status, _) = upload(&server, &token, Some("part 2/3"), Some(&id), &file[5 * MIB..10 * MIB]).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(std::fs::read(dir.join("source")).unwrap(), file);
    assert!(!dir.join("parts").exists());
}

#[tokio::test]
async fn an_interrupted_assembly_is_finished_on_restart() {
    let mut server = server();
    let token = token(&server).await;
    let file = data(5 * MIB + 1, 10);
    let (_, first) = upload(&server, &token, Some("part 1/2"), None, &file[..5 * MIB]).await;
    let id = first["videoId"].as_str().unwrap().to_owned();
    let (status, _) = upload(&server, &token, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::CREATED);
    // Simulate a crash after the last chunk was recorded, before the source existed: part 1
    // in place in the source being built (with bytes of a cut append after it), part 2 apart.
    let dir = server.data.join("videos").join(&id);
    std::fs::remove_file(dir.join("source")).unwrap();
    std::fs::write(dir.join("source.partial"), [&file[..5 * MIB], b"not the video's".as_slice()].concat()).unwrap();
    std::fs::create_dir_all(dir.join("parts")).unwrap();
    std::fs::write(dir.join("parts/2"), &file[5 * MIB..]).unwrap();
    let db = rusqlite_connection(&server.data);
    db.execute("UPDATE videos SET ingest = 'assembling', size = NULL WHERE id = ?1", [&id]).unwrap();
    db.execute("INSERT INTO chunks (video_id, key, size, placed) VALUES (?1, 1, ?2, 1), (?1, 2, 1, 0)", (&id, 5 * MIB as i64)).unwrap();
    drop(db);

    server.app = app_over(&server.data);
    assert_eq!(std::fs::read(dir.join("source")).unwrap(), file);
    assert!(!dir.join("parts").exists());
    let (_, status_body) = send(&server, authed("GET", &format!("/videos/{id}/status"), None)).await;
    assert_eq!(status_body["ingest"]["status"], "uploaded");
}


#[tokio::test]
async fn oversized_bodies_are_413() {
    let server = server();
    let token = token(&server).await;
    let big = vec![0u8; 202 * MIB];
    let (status, body) = upload(&server, &token, Some("part 1/2"), None, &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["status"], 413);
    assert_eq!(std::fs::read_dir(server.data.join("tmp")).unwrap().count(), 0);
    assert_eq!(video_dirs(&server), 0);
}

#[tokio::test]
async fn assets_player_and_hls_readiness() {
    let server = server();
    let token = token(&server).await;
    let file = data(5 * MIB + 1, 11);
    let (_, first) = upload(&server, &token, Some("part 1/2"), None, &file[..5 * MIB]).await;
    let id = first["videoId"].as_str().unwrap().to_owned();
    let response = raw(&server, &format!("/vod/{id}/hls/manifest.m3u8")).await;
    assert_eq!(response.0, StatusCode::ACCEPTED, "not playable before the upload completes");
    assert!(response.1.is_empty());
    let (_, video) = upload(&server, &token, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    let hls = video["assets"]["hls"].as_str().unwrap();
    let path = hls.split_once("://").unwrap().1.split_once('/').unwrap().1;
    let (status, manifest) = raw(&server, &format!("/{path}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(manifest).unwrap().starts_with("#EXTM3U"));
    let (status, page) = raw(&server, &format!("/vod/{id}/player")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(page).unwrap().contains(&format!("/vod/{id}/mp4/source.mp4")));
    assert!(video["assets"]["iframe"].as_str().unwrap().contains("<iframe"));
}

async fn raw(server: &Server, uri: &str) -> (StatusCode, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn tokens_cli_works_on_the_data_dir_of_a_running_server() {
    let server = server();
    let run = |args: &[&str]| upload_server::cli::run(args.iter().map(|s| s.to_string()).collect(), server.data.clone());
    let created: serde_json::Value = serde_json::from_str(&run(&["create", "--ttl", "100"]).unwrap()).unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(created["ttl"], 100);

    // The running server sees the token the command minted, and the other way round.
    let (status, _) = upload(&server, &token, None, None, b"made by the cli").await;
    assert_eq!(status, StatusCode::CREATED);
    let from_server = create_token(&server, "{}").await.1["token"].as_str().unwrap().to_owned();
    let listed: serde_json::Value = serde_json::from_str(&run(&["list", "--sort-by", "ttl", "--sort-order", "desc"]).unwrap()).unwrap();
    assert_eq!(listed["data"][0]["token"], token.as_str());
    assert_eq!(listed["data"][1]["token"], from_server.as_str());

    let got: serde_json::Value = serde_json::from_str(&run(&["get", &token]).unwrap()).unwrap();
    assert_eq!(got["token"], token.as_str());
    assert!(run(&["delete", &token]).unwrap().contains("deleted"));
    assert!(run(&["delete", &token]).is_err());
    assert!(run(&["get", &token]).is_err());
    assert!(run(&["create", "--ttl", "-5"]).is_err());
    assert!(run(&["frobnicate"]).is_err());
    let (status, _) = upload(&server, &token, None, None, b"x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rate_limits_answer_429_with_headers() {
    use upload_server::rate_limit::RateLimits;
    let server = server_with(|state| state.with_rate_limits(RateLimits::parse("uploads=2,writes=5,reads=5").unwrap()));
    let token = token(&server).await;
    for _ in 0..2 {
        assert_eq!(upload(&server, &token, None, None, b"x").await.0, StatusCode::CREATED);
    }
    let response = tower::ServiceExt::oneshot(server.app.clone(), {
        let (content_type, body) = multipart(None, "a.mp4", b"x");
        axum::http::Request::post(format!("/upload?token={token}"))
            .header(axum::http::header::CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let headers = response.headers();
    assert_eq!(headers["x-ratelimit-limit"], "2");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let retry: u64 = headers["x-ratelimit-retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((slug(&body), body["status"].as_u64()), ("too-many-requests", Some(429)));

    let response = tower::ServiceExt::oneshot(server.app.clone(), authed("GET", "/upload-tokens", None)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-ratelimit-limit"], "5");
}

#[tokio::test]
async fn chaos_failures_before_and_after_commit() {
    use upload_server::chaos::Chaos;
    // Every request fails before the chunk is committed: nothing lands.
    let server = server_with(|state| state.with_chaos(Chaos::parse("seed=3,fail=1").unwrap()));
    let token = token(&server).await;
    let (status, body) = upload(&server, &token, None, None, b"x").await;
    assert!(status == StatusCode::INTERNAL_SERVER_ERROR || status == StatusCode::SERVICE_UNAVAILABLE, "{status}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(video_dirs(&server), 0);

    // Every request fails after the commit: the client sees 5xx, yet the part landed.
    let server = server_with(|state| state.with_chaos(Chaos::parse("seed=3,fail=1,after=1").unwrap()));
    let token = common::token(&server).await;
    let file = data(5 * MIB + 10, 12);
    let (status, _) = upload(&server, &token, Some("part 1/2"), None, &file[..5 * MIB]).await;
    assert!(status.is_server_error());
    assert_eq!(video_dirs(&server), 1, "the chunk was committed");
    let (_, list) = send(&server, authed("GET", "/videos", None)).await;
    let id = list["data"][0]["videoId"].as_str().unwrap().to_owned();
    let (_, progress) = send(&server, authed("GET", &format!("/videos/{id}/status"), None)).await;
    assert_eq!(progress["ingest"]["receivedParts"]["parts"], json!([1]));
    let (status, body) = upload(&server, &token, Some("part 1/2"), Some(&id), &file[..5 * MIB]).await;
    assert_eq!(status.as_u16() / 100, 5, "{body}");
}

#[tokio::test]
async fn chaos_resets_break_the_response() {
    use upload_server::chaos::Chaos;
    let server = server_with(|state| state.with_chaos(Chaos::parse("seed=9,reset=1").unwrap()));
    let token = token(&server).await;
    let (content_type, body) = multipart(None, "a.mp4", &data(2 * MIB, 1));
    let request = axum::http::Request::post(format!("/upload?token={token}"))
        .header(axum::http::header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
        .unwrap();
    let response = tower::ServiceExt::oneshot(server.app.clone(), request).await.unwrap();
    assert!(http_body_util::BodyExt::collect(response.into_body()).await.is_err(), "the body must break");
    assert_eq!(video_dirs(&server), 0);
}

/// Every chunk rule of the contract, through the router: each case starts a fresh upload
/// with `setup` chunks, then sends one more and expects the slug.
#[tokio::test]
async fn every_content_range_rule_through_the_router() {
    let server = server();
    let token = token(&server).await;
    let m5 = 5 * MIB;
    let big = 10 * MIB;
    // (setup: [(range, size)], then (range, size), expected slug)
    type Case = (Vec<(String, usize)>, (String, usize), &'static str);
    let cases: Vec<Case> = vec![
        (vec![], ("part 1/2".into(), MIB), "video-content-range-by-part-uploaded-file-too-small"),
        (vec![], ("part 0/2".into(), m5), "video-content-range-by-part-part-zero"),
        (vec![], ("part 1/0".into(), m5), "video-content-range-by-part-total-parts-zero"),
        (vec![], ("part 10001/*".into(), m5), "video-content-range-by-part-part-too-high-allowed"),
        (vec![], ("part 1/10001".into(), m5), "video-content-range-by-part-total-parts-too-high"),
        (vec![], ("part 3/2".into(), m5), "video-content-range-by-part-part-too-high-total"),
        (vec![("part 1/3".into(), m5)], ("part 2/4".into(), m5), "video-content-range-by-part-different-total-parts"),
        (vec![("part 1/3".into(), m5)], ("part 1/3".into(), m5), "video-content-range-by-part-part-already-sent"),
        (vec![("part 4/*".into(), m5)], ("part 1/3".into(), m5), "video-content-range-by-part-total-parts-too-low"),
        (vec![("part 1/3".into(), m5)], ("bytes 0-9/10".into(), 10), "video-content-range-started-with-part"),
        (vec![("bytes 0-5242879/*".into(), m5)], ("part 2/3".into(), m5), "video-content-range-started-with-bytes"),
        (vec![("part 1/3".into(), m5)], ("".into(), m5), "video-content-range-already-initiated"),
        (vec![], ("bytes 0-9/0".into(), 10), "video-content-range-by-bytes-total-bytes-zero"),
        (vec![], ("bytes 0-9/52428800001".into(), 10), "video-content-range-by-bytes-total-bytes-too-high"),
        (vec![], ("bytes 9-0/*".into(), 10), "video-content-range-by-bytes-from-byte-too-high"),
        (vec![], ("bytes 52428799999-52428800008/*".into(), 10), "video-content-range-by-bytes-to-byte-too-high-allowed"),
        (vec![], ("bytes 0-9/5".into(), 10), "video-content-range-by-bytes-to-byte-too-high-total"),
        (vec![], ("bytes 0-99/*".into(), 10), "video-content-range-by-bytes-range-mismatch"),
        (vec![], ("bytes 0-99/1000".into(), 100), "video-content-range-by-bytes-range-too-small"),
        (vec![("bytes 0-5242879/*".into(), m5)], ("bytes 100-5242979/*".into(), m5), "video-content-range-by-bytes-range-overlap"),
        (vec![("bytes 0-5242879/20971520".into(), m5)], ("bytes 5242880-10485759/30000000".into(), m5), "video-content-range-by-bytes-different-total-bytes"),
        (vec![("bytes 10485760-20971519/*".into(), big)], ("bytes 0-5242879/6000000".into(), m5), "video-content-range-by-bytes-total-bytes-too-low"),
        (vec![], ("part 1/1".into(), 0), "uploaded-file-empty"),
        (vec![], ("part one/2".into(), m5), "video-content-range-malformed"),
    ];
    for (setup, (range, size), expected) in cases {
        let mut video_id: Option<String> = None;
        for (setup_range, setup_size) in &setup {
            let (status, body) = upload(&server, &token, Some(setup_range), video_id.as_deref(), &data(*setup_size, 1)).await;
            assert_eq!(status, StatusCode::OK, "setup {setup_range} for {expected}: {body}");
            video_id = body["videoId"].as_str().map(str::to_owned);
        }
        let range = (!range.is_empty()).then_some(range.as_str());
        let (status, body) = upload(&server, &token, range, video_id.as_deref(), &data(size, 2)).await;
        assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, expected), "{range:?}: {body}");
        assert_eq!(body["status"], 400);
    }
    // The 200 MiB per-chunk cap sits just below the request body limit.
    let (status, body) = upload(&server, &token, Some("part 1/2"), None, &vec![7u8; 200 * MIB + 1]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "uploaded-file-too-large"));
}

/// The video's stored bytes, read back through the mp4 asset.
async fn stored(server: &Server, id: &str) -> Vec<u8> {
    let (status, bytes) = raw(server, &format!("/vod/{id}/mp4/source.mp4")).await;
    assert_eq!(status, StatusCode::OK);
    bytes
}

#[tokio::test]
async fn a_token_writes_only_into_its_own_video() {
    let server = server();
    let owner = token(&server).await;
    let other = token(&server).await;
    let expired = create_token(&server, r#"{"ttl":100}"#).await.1["token"].as_str().unwrap().to_owned();
    age_token(&server, &expired);
    let file = data(5 * MIB + 10, 7);
    let (status, first) = upload(&server, &owner, Some("part 1/2"), None, &file[..5 * MIB]).await;
    assert_eq!(status, StatusCode::OK);
    let id = first["videoId"].as_str().unwrap().to_owned();

    // Video ids are public: knowing one is no licence to write into it.
    let (status, body) = upload(&server, &expired, Some("part 2/2"), Some(&id), b"intruder").await;
    assert_eq!((status, slug(&body)), (StatusCode::UNAUTHORIZED, "authentication-invalid-upload-token"), "{body}");
    let (status, body) = upload(&server, &other, Some("part 2/2"), Some(&id), b"intruder").await;
    assert_eq!((status, body["name"].as_str()), (StatusCode::FORBIDDEN, Some("videoId")), "{body}");
    assert_eq!(body["status"], 403);

    // Nothing was written: the owner finishes its own video with its own bytes.
    let (status, done) = upload(&server, &owner, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    assert!(stored(&server, &id).await == file);
    let (status, _) = upload(&server, &other, Some("part 2/2"), Some(&id), b"late").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not even an 'already uploaded' answer to another token");
}

#[tokio::test]
async fn a_dead_tokens_unfinished_video_is_taken_over_by_the_next_live_token() {
    // The backend withdrew (or let expire) the token an upload began with, and minted
    // another: the upload carries on into the same video with it, and the video is the new
    // token's from then on.
    let server = server();
    let file = data(15 * MIB + 10, 8);
    for dies in ["deleted", "expired"] {
        let (first, next, bystander) = (token(&server).await, token(&server).await, token(&server).await);
        let (status, body) = upload(&server, &first, Some("part 1/3"), None, &file[..5 * MIB]).await;
        assert_eq!(status, StatusCode::OK);
        let id = body["videoId"].as_str().unwrap().to_owned();
        // While the first token lives, the video is its alone.
        let (status, _) = upload(&server, &next, Some("part 2/3"), Some(&id), &file[5 * MIB..10 * MIB]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        if dies == "deleted" {
            let (status, _) = send(&server, authed("DELETE", &format!("/upload-tokens/{first}"), None)).await;
            assert_eq!(status, StatusCode::NO_CONTENT);
        } else {
            age_token(&server, &first);
        }
        let (status, body) = upload(&server, &next, Some("part 2/3"), Some(&id), &file[5 * MIB..10 * MIB]).await;
        assert_eq!(status, StatusCode::OK, "{dies}: {body}");
        // Taken over: neither the dead token nor a third one writes into it now.
        let (status, _) = upload(&server, &bystander, Some("part 3/3"), Some(&id), &file[10 * MIB..]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{dies}");
        let (status, _) = upload(&server, &first, Some("part 3/3"), Some(&id), &file[10 * MIB..]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{dies}");
        let (status, done) = upload(&server, &next, Some("part 3/3"), Some(&id), &file[10 * MIB..]).await;
        assert_eq!(status, StatusCode::CREATED, "{dies}: {done}");
        assert!(stored(&server, &id).await == file);
    }
}

#[tokio::test]
async fn an_empty_container_becomes_the_first_tokens_and_only_a_live_token_claims_it() {
    let server = server();
    let (first, second) = (token(&server).await, token(&server).await);
    let expired = create_token(&server, r#"{"ttl":100}"#).await.1["token"].as_str().unwrap().to_owned();
    age_token(&server, &expired);
    let create = |title: &str| authed("POST", "/videos", Some(json!({ "title": title })));
    let (_, container) = send(&server, create("claimed")).await;
    let id = container["videoId"].as_str().unwrap().to_owned();
    let file = data(5 * MIB + 3, 9);

    let (status, _) = upload(&server, &expired, Some("part 1/2"), Some(&id), &file[..5 * MIB]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an expired token cannot claim a container");
    let (status, _) = upload(&server, &first, Some("part 1/2"), Some(&id), &file[..5 * MIB]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = upload(&server, &second, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the container is the first token's now");
    age_token(&server, &first);
    let (status, _) = upload(&server, &first, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::CREATED, "and it may finish it after it expires");
    assert!(stored(&server, &id).await == file);

    // A container being filled with API credentials is no token's to claim.
    let (_, container) = send(&server, create("api")).await;
    let api_id = container["videoId"].as_str().unwrap().to_owned();
    let (status, _) = upload_source(&server, &api_id, Some("part 1/2"), &file[..5 * MIB]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = upload(&server, &second, Some("part 2/2"), Some(&api_id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_assembly_without_room_is_retryable_and_the_resent_last_part_completes_it() {
    let mut store = None;
    let server = server_with(|state| {
        store = Some(state.store.clone());
        state
    });
    let store = store.unwrap();
    let owner = token(&server).await;
    let file = data(5 * MIB + 77, 5);
    // Part 2 first, into a container: it is kept apart, so the assembly has a copy to make.
    let (_, container) = send(&server, authed("POST", "/videos", Some(json!({ "title": "no room" })))).await;
    let id = container["videoId"].as_str().unwrap().to_owned();
    let (status, _) = upload(&server, &owner, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::OK);

    // As if the disk were full: the assembly would leave less free space than required.
    store.set_min_free_bytes(u64::MAX / 2);
    let (status, body) = upload(&server, &owner, Some("part 1/2"), Some(&id), &file[..5 * MIB]).await;
    assert_eq!((status, slug(&body)), (StatusCode::INSUFFICIENT_STORAGE, "video-source-not-assembled"), "{body}");
    let dir = server.data.join("videos").join(&id);
    assert!(!dir.join("source").exists(), "no source yet");
    assert_eq!(std::fs::read(dir.join("source.partial")).unwrap(), &file[..5 * MIB], "part 1 in place, nothing more");
    assert_eq!(std::fs::read_dir(dir.join("parts")).unwrap().count(), 1, "part 2 is kept apart");
    let (status, _) = upload(&server, &owner, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "still no room: still retryable, never 'already uploaded'");

    // Room again: the client's retry of the last part completes the video.
    store.set_min_free_bytes(0);
    let (status, video) = upload(&server, &owner, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    assert_eq!(status, StatusCode::CREATED, "{video}");
    assert_eq!(video["videoId"], id.as_str());
    assert!(stored(&server, &id).await == file);
    let (status, body) = upload(&server, &owner, Some("part 2/2"), Some(&id), &file[5 * MIB..]).await;
    assert_eq!((status, slug(&body)), (StatusCode::BAD_REQUEST, "video-source-already-uploaded"));
}
