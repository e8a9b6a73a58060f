//! The `upload-server` binary.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use upload_server::app::{router, StaticDirs};
use upload_server::state::AppState;
use upload_server::chaos::Chaos;
use upload_server::rate_limit::RateLimits;
use upload_server::config::{Config, USAGE};
use upload_server::store::Store;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("tokens") {
        let data_dir = std::env::var("UPLOAD_SERVER_DATA_DIR").map_or_else(|_| Config::default_data_dir(), Into::into);
        return match upload_server::cli::run(args[1..].to_vec(), data_dir) {
            Ok(output) => {
                println!("{output}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("upload-server tokens: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::parse(args, |name| std::env::var(name).ok()) {
        Ok(Some(config)) => config,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("upload-server: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("upload-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let store = Store::open(&config.data_dir).map_err(|e| format!("data dir {}: {e}", config.data_dir.display()))?;
    let api_key = match config.api_key {
        Some(key) => key,
        None => stored_api_key(&config.data_dir)?,
    };
    store.set_min_free_bytes(config.limits.min_free_bytes);
    let mut state = AppState::new(store, &api_key);
    if let Some(spec) = &config.chaos {
        state = state.with_chaos(Chaos::parse(spec).map_err(|e| format!("--chaos: {e}"))?);
        tracing::warn!(spec, "fault injection is on");
    }
    if let Some(spec) = &config.rate_limit {
        state = state.with_rate_limits(RateLimits::parse(spec).map_err(|e| format!("--rate-limit: {e}"))?);
    }
    let app = router(state, &StaticDirs { www: config.www, pkg: config.pkg, examples: config.examples }, &config.limits);
    let listener = TcpListener::bind(config.listen).await.map_err(|e| format!("listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // Scripts wait for this exact line (and read the port from it when --listen has port 0).
    println!("upload-server listening on http://{address}");
    let _ = std::io::stdout().flush();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop_tx.send(());
        // Requests still running get a grace period, not forever: a stalled upload (see
        // --chaos stall) must not keep the process alive. What they had not committed is
        // simply not acknowledged, which clients handle.
        tokio::time::sleep(SHUTDOWN_GRACE).await;
        tracing::warn!("requests still running after the grace period; exiting");
        std::process::exit(0);
    });
    tracing::info!(
        header_timeout_secs = config.limits.header_timeout_secs,
        body_idle_timeout_secs = config.limits.body_idle_timeout_secs,
        request_timeout_secs = config.limits.request_timeout_secs,
        max_connections = upload_server::serve::connection_cap(&config.limits),
        per_peer = upload_server::serve::peer_share(upload_server::serve::connection_cap(&config.limits)),
        "connection limits"
    );
    upload_server::serve::serve(listener, app, config.limits, async move {
        let _ = stop_rx.await;
    })
    .await;
    Ok(())
}

/// How long requests may run after SIGTERM or Ctrl-C.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The API key kept in the data dir, generated on first use and printed that once.
fn stored_api_key(data_dir: &Path) -> Result<String, String> {
    let path = data_dir.join("api-key");
    if let Ok(key) = std::fs::read_to_string(&path) {
        let key = key.trim().to_owned();
        if !key.is_empty() {
            return Ok(key);
        }
    }
    let key = upload_server::ids::secret();
    write_private(&path, &key).map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("upload-server generated an API key (kept in {}): {key}", path.display());
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return interrupt.await.unwrap_or(()),
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
