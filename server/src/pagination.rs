//! Paginated listings: `currentPage`, `pageSize`, `sortBy`, `sortOrder` in, the
//! `pagination` object out.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::problem::Problem;
use crate::store::{Order, Page};

/// Default page size.
pub const DEFAULT_PAGE_SIZE: u64 = 25;
/// Largest page size.
pub const MAX_PAGE_SIZE: u64 = 100;

fn invalid(name: &str, detail: &str) -> Problem {
    Problem::bad_request("invalid-attribute", "An attribute is invalid.").name(name).detail(detail)
}

/// Reads `currentPage` (≥ 1, default 1) and `pageSize` (1–100, default 25).
pub fn page(query: &HashMap<String, String>) -> Result<Page, Problem> {
    let number = |name: &str, default: u64, max: u64| -> Result<u64, Problem> {
        match query.get(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| invalid(name, &format!("The \"{name}\" parameter must be an integer between 1 and {max}."))),
        }
    };
    Ok(Page { current: number("currentPage", 1, u64::MAX / 1024)?, size: number("pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)? })
}

/// Reads `sortOrder` (`asc` or `desc`, default `default`).
pub fn order(query: &HashMap<String, String>, default: Order) -> Result<Order, Problem> {
    match query.get("sortOrder").map(|s| s.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("asc") => Ok(Order::Asc),
        Some("desc") => Ok(Order::Desc),
        Some(_) => Err(invalid("sortOrder", "The \"sortOrder\" parameter must be \"asc\" or \"desc\".")),
    }
}

/// Reads `sortBy` among `allowed` (`(query value, meaning)`), default `default`.
pub fn sort_by<T: Copy>(query: &HashMap<String, String>, allowed: &[(&str, T)], default: T) -> Result<T, Problem> {
    match query.get("sortBy") {
        None => Ok(default),
        Some(value) => allowed.iter().find(|(name, _)| name == value).map(|(_, sort)| *sort).ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|(name, _)| *name).collect();
            invalid("sortBy", &format!("The \"sortBy\" parameter must be one of: {}.", names.join(", ")))
        }),
    }
}

/// The `pagination` object: counts and `links` (`self`, `first`, `previous`, `next`,
/// `last`) whose URIs keep the sort parameters of the request.
pub fn pagination(path: &str, query: &HashMap<String, String>, page: Page, items: usize, total: u64) -> Value {
    let pages_total = total.div_ceil(page.size);
    let last = pages_total.max(1);
    let mut extra = String::new();
    for key in ["sortBy", "sortOrder"] {
        if let Some(value) = query.get(key) {
            extra.push_str(&format!("&{key}={}", encode(value)));
        }
    }
    let uri = |n: u64| format!("{path}?currentPage={n}&pageSize={}{extra}", page.size);
    let mut links = vec![json!({"rel": "self", "uri": uri(page.current)}), json!({"rel": "first", "uri": uri(1)})];
    if page.current > 1 {
        links.push(json!({"rel": "previous", "uri": uri((page.current - 1).min(last))}));
    }
    if page.current < pages_total {
        links.push(json!({"rel": "next", "uri": uri(page.current + 1)}));
    }
    links.push(json!({"rel": "last", "uri": uri(last)}));
    json!({
        "currentPage": page.current,
        "currentPageItems": items,
        "pageSize": page.size,
        "pagesTotal": pages_total,
        "itemsTotal": total,
        "links": links,
    })
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(page(&query(&[])).unwrap(), Page { current: 1, size: 25 });
        assert_eq!(page(&query(&[("currentPage", "3"), ("pageSize", "100")])).unwrap(), Page { current: 3, size: 100 });
        for bad in [("pageSize", "0"), ("pageSize", "101"), ("currentPage", "0"), ("currentPage", "x")] {
            assert_eq!(page(&query(&[bad])).unwrap_err().name.as_deref(), Some(bad.0));
        }
    }

    #[test]
    fn links_like_the_contract_example() {
        let value = pagination("/upload-tokens", &query(&[]), Page { current: 1, size: 25 }, 2, 2);
        assert_eq!(value["pagesTotal"], 1);
        assert_eq!(
            value["links"],
            json!([
                {"rel": "self", "uri": "/upload-tokens?currentPage=1&pageSize=25"},
                {"rel": "first", "uri": "/upload-tokens?currentPage=1&pageSize=25"},
                {"rel": "last", "uri": "/upload-tokens?currentPage=1&pageSize=25"},
            ])
        );
    }

    #[test]
    fn middle_page_has_previous_and_next() {
        let value = pagination("/videos", &query(&[("sortBy", "title")]), Page { current: 2, size: 10 }, 10, 35);
        let rels: Vec<&str> = value["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
        assert_eq!(rels, ["self", "first", "previous", "next", "last"]);
        assert_eq!(value["links"][4]["uri"], "/videos?currentPage=4&pageSize=10&sortBy=title");
    }
}
