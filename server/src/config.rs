//! Command-line flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

/// How the server was asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on (`--listen`, `UPLOAD_SERVER_LISTEN`; default 127.0.0.1:8787).
    pub listen: SocketAddr,
    /// Where tokens' uploads are stored (`--data-dir`, `UPLOAD_SERVER_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The API key (`--api-key`, `UPLOAD_SERVER_API_KEY`); generated and kept in the data
    /// dir when absent.
    pub api_key: Option<String>,
    /// The drop-in page directory (`--www`).
    pub www: PathBuf,
    /// The built wasm package directory (`--pkg`).
    pub pkg: PathBuf,
    /// The built example apps (`--examples`).
    pub examples: PathBuf,
    /// Fault injection spec (`--chaos`, `UPLOAD_SERVER_CHAOS`).
    pub chaos: Option<String>,
    /// Rate limit spec (`--rate-limit`, `UPLOAD_SERVER_RATE_LIMIT`).
    pub rate_limit: Option<String>,
    /// Connection bounds (`--header-timeout`, `--body-timeout`, `--request-timeout`,
    /// `--max-connections`).
    pub limits: Limits,
}

/// What one client can hold: how long a request's headers may take, how long its body may
/// go without a byte, and how many connections may be open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Seconds from the connection (or the previous request) to a request's complete headers.
    pub header_timeout_secs: u64,
    /// Seconds a request body may go without a byte arriving.
    pub body_idle_timeout_secs: u64,
    /// Seconds any request but an upload may take, body included, to be answered.
    pub request_timeout_secs: u64,
    /// Connections open at once; further ones wait in the listen backlog. Always kept below
    /// the file-descriptor limit, with room for the files uploads need.
    pub max_connections: usize,
    /// Free space an assembly must leave on the data disk; with less, the completing part
    /// gets a retryable 507 and the video waits, parts kept, for the client's retry.
    pub min_free_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout_secs: 30,
            body_idle_timeout_secs: 60,
            request_timeout_secs: 10,
            max_connections: 1024,
            min_free_bytes: crate::store::DEFAULT_MIN_FREE_BYTES,
        }
    }
}

/// The usage text.
pub const USAGE: &str = "\
upload-server: a local api.video-compatible upload server

USAGE:
    upload-server [--listen ADDR] [--data-dir DIR] [--api-key KEY] [--www DIR] [--pkg DIR]
                  [--examples DIR] [--chaos SPEC] [--rate-limit SPEC]
    upload-server tokens create|list|get|delete …   (see upload-server tokens --help)

OPTIONS (each also read from the environment variable shown):
    --listen ADDR     address to listen on, port 0 picks a free one [UPLOAD_SERVER_LISTEN]
                      (default 127.0.0.1:8787)
    --data-dir DIR    storage for uploads [UPLOAD_SERVER_DATA_DIR]
                      (default .upload-server-data in the project)
    --api-key KEY     the API key clients authenticate with [UPLOAD_SERVER_API_KEY]
                      (default: generated once, kept in DATA_DIR/api-key)
    --www DIR         static files served at / (default: the project's www/)
    --pkg DIR         the built wasm package served at /pkg (default: the project's pkg/)
    --examples DIR    the built example apps served at /examples (default: the project's
                      target/examples/, where scripts/build-examples.sh writes them)
    --chaos SPEC      seeded fault injection on uploads [UPLOAD_SERVER_CHAOS], e.g.
                      seed=7,fail=0.2,reset=0.1,429=0.1,stall=0.05,stall-for=30s,after=0.5,latency=50ms
    --rate-limit SPEC per-minute limits with X-RateLimit-* headers [UPLOAD_SERVER_RATE_LIMIT]:
                      production, sandbox, or uploads=N,writes=N,reads=N (default: off)
    --header-timeout SECS   a request's headers must arrive within this (default 30)
    --body-timeout SECS     a request body may go this long without a byte (default 60);
                            an upload body must also bring 1 KiB a second over every 10 s
    --request-timeout SECS  any other request (a body of 64 KiB at most) must be answered
                            within this, body included (default 10)
    --max-connections N     connections open at once, the rest wait (default 1024, and
                            always below the open-file limit)
    --min-free-bytes N      free space an assembly must leave on the data disk; with less,
                            the last part gets a retryable 507 (default 67108864)
    -h, --help        print this text
";

/// The project directory the server was built from: its defaults point there so that
/// `cargo run -p upload-server` serves this checkout.
fn project_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

impl Config {
    /// The data dir used when none is given.
    pub fn default_data_dir() -> PathBuf {
        project_dir().join(".upload-server-data")
    }

    /// Parses `args` (without the program name), with `env` for the variables.
    /// `Ok(None)` means help was asked for.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Config>, String> {
        let project = project_dir();
        let mut listen = env("UPLOAD_SERVER_LISTEN").unwrap_or_else(|| "127.0.0.1:8787".to_owned());
        let mut data_dir = env("UPLOAD_SERVER_DATA_DIR").map_or_else(Config::default_data_dir, PathBuf::from);
        let mut api_key = env("UPLOAD_SERVER_API_KEY").filter(|k| !k.is_empty());
        let mut www = project.join("www");
        let mut pkg = project.join("pkg");
        let mut examples = project.join("target").join("examples");
        let mut chaos = env("UPLOAD_SERVER_CHAOS").filter(|s| !s.is_empty());
        let mut rate_limit = env("UPLOAD_SERVER_RATE_LIMIT").filter(|s| !s.is_empty());
        let mut limits = Limits::default();
        let number = |name: &str, value: &str| -> Result<u64, String> {
            value.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| format!("{name} {value}: expected a positive whole number"))
        };

        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let (name, inline) = match flag.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (flag.clone(), None),
            };
            if name == "-h" || name == "--help" {
                return Ok(None);
            }
            let value = match inline {
                Some(value) => value,
                None => args.next().ok_or_else(|| format!("{name} needs a value"))?,
            };
            match name.as_str() {
                "--listen" => listen = value,
                "--data-dir" => data_dir = PathBuf::from(value),
                "--api-key" => api_key = Some(value).filter(|k| !k.is_empty()),
                "--www" => www = PathBuf::from(value),
                "--pkg" => pkg = PathBuf::from(value),
                "--examples" => examples = PathBuf::from(value),
                "--chaos" => chaos = Some(value),
                "--rate-limit" => rate_limit = Some(value),
                "--header-timeout" => limits.header_timeout_secs = number(&name, &value)?,
                "--body-timeout" => limits.body_idle_timeout_secs = number(&name, &value)?,
                "--request-timeout" => limits.request_timeout_secs = number(&name, &value)?,
                "--max-connections" => limits.max_connections = number(&name, &value)? as usize,
                "--min-free-bytes" => limits.min_free_bytes = value.parse().map_err(|_| format!("{name} {value}: expected bytes"))?,
                other => return Err(format!("unknown flag {other}")),
            }
        }
        let listen = listen.parse().map_err(|e| format!("--listen {listen}: {e}"))?;
        Ok(Some(Config { listen, data_dir, api_key, www, pkg, examples, chaos, rate_limit, limits }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_work_with_no_flags() {
        let config = Config::parse(args(&[]), |_| None).unwrap().unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8787");
        assert!(config.data_dir.ends_with(".upload-server-data"));
        assert_eq!(config.api_key, None);
    }

    #[test]
    fn flags_beat_environment() {
        let env = |name: &str| (name == "UPLOAD_SERVER_API_KEY").then(|| "from-env".to_owned());
        let config = Config::parse(args(&["--api-key", "flag", "--listen=127.0.0.1:0"]), env).unwrap().unwrap();
        assert_eq!(config.api_key.as_deref(), Some("flag"));
        assert_eq!(config.listen.port(), 0);
        let config = Config::parse(args(&[]), env).unwrap().unwrap();
        assert_eq!(config.api_key.as_deref(), Some("from-env"));
    }

    #[test]
    fn bad_flags_are_errors() {
        assert!(Config::parse(args(&["--nope", "x"]), |_| None).is_err());
        assert!(Config::parse(args(&["--listen"]), |_| None).is_err());
        assert!(Config::parse(args(&["--listen", "nowhere"]), |_| None).is_err());
        assert_eq!(Config::parse(args(&["--help"]), |_| None), Ok(None));
        assert!(Config::parse(args(&["--max-connections", "0"]), |_| None).is_err());
        let config = Config::parse(args(&["--header-timeout", "2", "--body-timeout=3", "--max-connections", "50", "--request-timeout", "4"]), |_| None).unwrap().unwrap();
        assert_eq!((config.limits.header_timeout_secs, config.limits.body_idle_timeout_secs, config.limits.max_connections), (2, 3, 50));
        assert_eq!(config.limits.request_timeout_secs, 4);
    }
}
