//! `upload-server tokens …`: the seed's token operations from the command line, on the
//! data dir (safe while a server runs on it: SQLite serialises the writers).

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::pagination;
use crate::store::{Order, Store, TokenSort};
use crate::tokens::{token_json, MAX_TTL};

/// Usage of the `tokens` subcommand.
pub const USAGE: &str = "\
USAGE:
    upload-server tokens create [--ttl SECONDS]          mint a token (ttl 0 = never expires)
    upload-server tokens list [--current-page N] [--page-size N] [--sort-by createdAt|ttl] [--sort-order asc|desc]
    upload-server tokens get TOKEN
    upload-server tokens delete TOKEN
  each also takes --data-dir DIR (or UPLOAD_SERVER_DATA_DIR); output is the API's JSON.
";

/// Runs `tokens ARGS…` and returns what to print, or an error message.
pub fn run(args: Vec<String>, default_data_dir: PathBuf) -> Result<String, String> {
    let mut positional = Vec::new();
    let mut flags = HashMap::new();
    let mut data_dir = default_data_dir;
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        if let Some(name) = arg.strip_prefix("--") {
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_owned(), v.to_owned()),
                None => (name.to_owned(), iter.next().ok_or_else(|| format!("--{name} needs a value"))?),
            };
            if name == "data-dir" {
                data_dir = PathBuf::from(value);
            } else {
                flags.insert(name, value);
            }
        } else {
            positional.push(arg);
        }
    }
    let store = Store::open_beside_server(&data_dir).map_err(|e| format!("data dir {}: {e}", data_dir.display()))?;
    let known = |allowed: &[&str]| -> Result<(), String> {
        match flags.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(unknown) => Err(format!("unknown flag --{unknown}\n\n{USAGE}")),
            None => Ok(()),
        }
    };
    let output: Value = match positional.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["create"] => {
            known(&["ttl"])?;
            let ttl = match flags.get("ttl") {
                None => 0,
                Some(text) => text.parse::<u64>().ok().filter(|&t| t <= MAX_TTL).ok_or("--ttl must be 0..=2147483647")?,
            };
            token_json(&store.create_upload_token(ttl).map_err(message)?)
        }
        ["list"] => {
            known(&["current-page", "page-size", "sort-by", "sort-order"])?;
            let query: HashMap<String, String> = [
                ("current-page", "currentPage"),
                ("page-size", "pageSize"),
                ("sort-by", "sortBy"),
                ("sort-order", "sortOrder"),
            ]
            .iter()
            .filter_map(|(flag, param)| flags.get(*flag).map(|v| (param.to_string(), v.clone())))
            .collect();
            let page = pagination::page(&query).map_err(message)?;
            let sort = pagination::sort_by(&query, &[("createdAt", TokenSort::CreatedAt), ("ttl", TokenSort::Ttl)], TokenSort::CreatedAt)
                .map_err(message)?;
            let order = pagination::order(&query, Order::Asc).map_err(message)?;
            let (tokens, total) = store.list_upload_tokens(sort, order, page).map_err(message)?;
            let data: Vec<Value> = tokens.iter().map(token_json).collect();
            json!({ "data": data, "pagination": pagination::pagination("/upload-tokens", &query, page, data.len(), total) })
        }
        ["get", token] => {
            known(&[])?;
            match store.upload_token(token).map_err(message)? {
                Some(t) if !t.is_expired(crate::time::now()) => token_json(&t),
                _ => return Err(format!("no active upload token {token}")),
            }
        }
        ["delete", token] => {
            known(&[])?;
            if !store.delete_upload_token(token).map_err(message)? {
                return Err(format!("no upload token {token}"));
            }
            return Ok(format!("deleted {token}"));
        }
        _ => return Err(USAGE.to_owned()),
    };
    Ok(serde_json::to_string_pretty(&output).unwrap_or_default())
}

/// What a command prints for an error: the problem's detail, or else its title.
fn message(error: impl Into<crate::problem::Problem>) -> String {
    let problem = error.into();
    problem.detail.unwrap_or(problem.title)
}
